import { z } from 'zod';

export const sslModes = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof sslModes)[number];

/** The id of the built-in profile backed by the embedded local PostgreSQL. */
export const LOCAL_PROFILE_ID = 'local';

/** A saved connection profile as it crosses a transport: never a password. */
export interface ConnectionProfile {
  id: string;
  name: string;
  /** 'local' is the built-in embedded PostgreSQL; 'remote' is any other server. */
  kind: 'local' | 'remote';
  host: string;
  port: number;
  database: string;
  user: string;
  sslMode: SslMode;
  /** CA certificate file for verify-ca / verify-full (a path on the main side). */
  sslRootCert: string | null;
  poolSize: number;
  /** 0 means no statement timeout. */
  statementTimeoutMs: number;
  readOnly: boolean;
  production: boolean;
  /** Whether an encrypted password is stored for this profile. */
  hasStoredPassword: boolean;
  createdAt: string;
  updatedAt: string;
}

const identifierText = z.string().trim().min(1).max(255);

/** Input of profiles.save. A URL, or host/port/database/user; a password is write-only. */
export const profileInput = z
  .object({
    id: z.string().min(1).max(64).optional(),
    name: z.string().trim().min(1, 'A profile needs a name').max(100),
    url: z
      .string()
      .trim()
      .max(4096)
      .regex(/^postgres(ql)?:\/\/\S*$/i, 'Expected a postgres:// or postgresql:// URL without spaces')
      .optional(),
    host: identifierText.optional(),
    port: z.number().int().min(1).max(65535).optional(),
    database: identifierText.optional(),
    user: identifierText.optional(),
    sslMode: z.enum(sslModes).optional(),
    sslRootCert: z.string().trim().min(1).max(4096).nullable().optional(),
    poolSize: z.number().int().min(1).max(100).optional(),
    statementTimeoutMs: z
      .number()
      .int()
      .min(0)
      .max(24 * 3600 * 1000)
      .optional(),
    /** Defaults to true for every host that is not loopback. */
    readOnly: z.boolean().optional(),
    production: z.boolean().optional(),
    /** undefined keeps the stored password, null removes it, a string replaces it. */
    password: z.string().max(1024).nullable().optional(),
  })
  .strict()
  .refine((v) => v.url !== undefined || (v.host !== undefined && v.database !== undefined && v.user !== undefined), {
    message: 'Give either a URL or host, database and user',
  });
export type ProfileInput = z.input<typeof profileInput>;

/** How a call names the database it works on: a saved profile, or an ad-hoc URL. */
export const connectionRef = z.union([
  z.object({ profileId: z.string().min(1).max(64) }).strict(),
  z
    .object({
      url: z
        .string()
        .trim()
        .min(1)
        .max(4096)
        .regex(/^postgres(ql)?:\/\/\S*$/i, 'Expected a postgres:// or postgresql:// URL without spaces'),
    })
    .strict(),
]);

/** A snapshot opened for offline browsing, by id or name. */
export const snapshotRef = z.object({ snapshotId: z.string().min(1).max(200) }).strict();
/**
 * Where the schema browser, data grid and SQL console read from: a live
 * connection, or a snapshot (the same calls, served from its SQLite file).
 */
export const dataSourceRef = z.union([connectionRef, snapshotRef]);
export type DataSourceRef = z.infer<typeof dataSourceRef>;

export function isSnapshotRef(ref: DataSourceRef): ref is { snapshotId: string } {
  return 'snapshotId' in ref;
}
export type ConnectionRef = z.infer<typeof connectionRef>;

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'error';

export interface ConnectionStatus {
  /** Profile id, or `url:<hash>` for an ad-hoc URL. */
  key: string;
  /** What to show: profile name or the redacted URL. */
  label: string;
  target: string;
  state: ConnectionState;
  serverVersion: string | null;
  database: string | null;
  readOnly: boolean;
  production: boolean;
  pool: PoolStats;
  lastError: string | null;
  since: string;
}

export type DoctorStepName = 'dns' | 'tcp' | 'tls' | 'auth' | 'version';
export type DoctorStepStatus = 'pass' | 'fail' | 'skip' | 'warn';

export interface DoctorStep {
  step: DoctorStepName;
  status: DoctorStepStatus;
  /** What was found, e.g. "127.0.0.1 (IPv4)", "TLS 1.3", "PostgreSQL 17.2". */
  detail: string;
  hint: string | null;
  durationMs: number;
}

export interface DoctorReport {
  target: string;
  ok: boolean;
  steps: DoctorStep[];
}

export type LocalPgState = 'stopped' | 'starting' | 'running' | 'stopping' | 'failed';

export interface LocalPgStatus {
  state: LocalPgState;
  /** postgres://… with the password masked. */
  url: string | null;
  port: number | null;
  dataDir: string;
  version: string | null;
  pid: number | null;
  message: string | null;
}
