import { z } from 'zod';

/**
 * The supervised Go backend(s): configuration, states, logs and stats. The
 * supervisor runs in main; the renderer sees only these shapes.
 */

export const restartPolicies = ['never', 'on-failure', 'always'] as const;
export type RestartPolicy = (typeof restartPolicies)[number];

/**
 * - stopped: not running (never started, or stopped on request).
 * - starting: spawned, waiting for the first successful probe.
 * - running: healthy (the last probe passed).
 * - unhealthy: alive, but probes fail (or the start timed out); `reason` says why.
 * - stopping: SIGTERM sent to the process group, waiting (SIGKILL after the stop timeout).
 * - backoff: exited; waiting `restartInMs` before the next start.
 * - crashed: exited on its own and will not be restarted (policy), with exit code or signal.
 * - failed: too many restarts within the window, or the spawn itself failed; only a manual start leaves it.
 */
export const backendStates = [
  'stopped',
  'starting',
  'running',
  'unhealthy',
  'stopping',
  'backoff',
  'crashed',
  'failed',
] as const;
export type BackendState = (typeof backendStates)[number];

const envKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'Environment variable names are letters, digits and _');

export const backendEnvVar = z
  .object({
    key: envKey,
    /** Null for a secret whose value is stored encrypted and never sent back. */
    value: z.string().max(32_768).nullable(),
    secret: z.boolean(),
  })
  .strict();
export type BackendEnvVar = z.infer<typeof backendEnvVar>;

export const backendConfigInput = z
  .object({
    /** Absent to create a new backend. */
    id: z.string().min(1).max(64).optional(),
    name: z.string().trim().min(1, 'A name is required').max(100),
    binaryPath: z.string().trim().min(1, 'The path of the backend binary is required').max(4096),
    args: z.array(z.string().max(4096)).max(100).default([]),
    /** Empty: the binary's folder. */
    cwd: z.string().trim().max(4096).default(''),
    /** DATABASE_URL is filled from this connection profile (its password included, in main only). */
    databaseProfileId: z.string().max(64).nullable().default(null),
    port: z.number().int().min(1).max(65_535).default(8080),
    env: z.array(backendEnvVar).max(200).default([]),
    /** Default http://127.0.0.1:$PORT/health; `$PORT` is replaced. */
    healthUrl: z.string().trim().max(2048).default(''),
    probeIntervalMs: z.number().int().min(100).max(600_000).default(2_000),
    probeTimeoutMs: z.number().int().min(50).max(60_000).default(1_000),
    failureThreshold: z.number().int().min(1).max(100).default(3),
    startTimeoutMs: z.number().int().min(500).max(600_000).default(60_000),
    restartPolicy: z.enum(restartPolicies).default('on-failure'),
    backoffInitialMs: z.number().int().min(0).max(600_000).default(1_000),
    backoffMaxMs: z.number().int().min(0).max(3_600_000).default(30_000),
    backoffMultiplier: z.number().min(1).max(10).default(2),
    /** At most this many crash restarts within `restartWindowMs`, then `failed`. */
    maxRestarts: z.number().int().min(0).max(1000).default(5),
    restartWindowMs: z.number().int().min(1_000).max(86_400_000).default(60_000),
    /** A run healthy this long resets the crash count. */
    stableAfterMs: z.number().int().min(0).max(3_600_000).default(30_000),
    stopTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    autoStart: z.boolean().default(false),
  })
  .strict();
export type BackendConfigInput = z.input<typeof backendConfigInput>;
export type BackendConfig = z.output<typeof backendConfigInput> & { id: string };

/** What the renderer gets back: secret values are never included (value null). */
export interface BackendConfigView extends Omit<BackendConfig, 'env'> {
  env: BackendEnvVar[];
}

export interface BackendExit {
  code: number | null;
  signal: string | null;
  at: string;
  /** The last lines before the exit (stdout and stderr), for the crash view. */
  lastLines: BackendLogLine[];
}

export interface ProbeResult {
  ok: boolean;
  at: string;
  latencyMs: number;
  /** HTTP status, or null when no response. */
  status: number | null;
  error: string | null;
}

export interface BackendStatus {
  id: string;
  name: string;
  state: BackendState;
  /** Why it is in this state (unhealthy, crashed, failed), in words. */
  reason: string | null;
  pid: number | null;
  /** When the current process started (ISO), null when none. */
  startedAt: string | null;
  /** Crash restarts counted in the current window (manual restarts are not counted). */
  restarts: number;
  lastExit: BackendExit | null;
  lastProbe: ProbeResult | null;
  /** During backoff: when the next start happens (ISO). */
  restartAt: string | null;
  cpuPercent: number | null;
  memoryBytes: number | null;
  /** The health URL actually probed. */
  healthUrl: string;
  port: number;
}

export type LogStream = 'stdout' | 'stderr' | 'system';

export interface BackendLogLine {
  /** Increasing per backend, never reused: gaps show dropped lines. */
  seq: number;
  at: string;
  stream: LogStream;
  text: string;
}

/** Pushed in batches; `dropped` counts lines the push had to leave out (they stay in the ring and the file). */
export interface BackendLogBatch {
  id: string;
  lines: BackendLogLine[];
  dropped: number;
}

export interface BackendLogQuery {
  id: string;
  /** Lines with seq greater than this. */
  afterSeq?: number;
  limit?: number;
  streams?: LogStream[];
  /** Plain text, or a regular expression when `regex` is set. */
  search?: string;
  regex?: boolean;
}

export interface BackendLogPage {
  id: string;
  lines: BackendLogLine[];
  /** Lines in the ring now, and the oldest/newest seq in it. */
  size: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** Total lines dropped from pushes since start (never from the ring or file). */
  droppedFromPush: number;
  /** Lines evicted from the ring (still in the log file). */
  evicted: number;
  logFile: string;
}

export interface PreflightIssue {
  check: 'binary_missing' | 'not_executable' | 'wrong_architecture' | 'port_in_use' | 'database_url' | 'cwd_missing';
  message: string;
  hint: string;
}

export interface PreflightReport {
  ok: boolean;
  issues: PreflightIssue[];
}

const backendId = z.object({ id: z.string().min(1).max(64) }).strict();
export const backendIdInput = backendId;

export const backendLogsInput = z
  .object({
    id: z.string().min(1).max(64),
    afterSeq: z.number().int().min(-1).optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
    streams: z
      .array(z.enum(['stdout', 'stderr', 'system']))
      .max(3)
      .optional(),
    search: z.string().max(1000).optional(),
    regex: z.boolean().optional(),
  })
  .strict();
