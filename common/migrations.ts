import { z } from 'zod';
import { connectionRef } from './profiles';

/**
 * The migrations runner's types. History lives in `_sqlx_migrations`, exactly
 * as sqlx keeps it, so the Rust bot's `sqlx migrate info` and this console
 * agree on what ran. Versions are the files' numeric prefixes (BIGINT); they
 * cross transports as numbers and are checked to be safe integers.
 */

/**
 * - applied: recorded with success and the file's checksum matches.
 * - pending: a file with no history row, above every applied version.
 * - out_of_order: a pending file below the highest applied version; runs only
 *   with allowOutOfOrder.
 * - changed: applied, but the file's checksum differs from the recorded one.
 * - missing: applied, but no file has that version any more.
 * - failed: a history row with success = false (a no-transaction migration
 *   that failed or was killed midway); blocks every run until resolved.
 */
export const migrationStates = ['applied', 'pending', 'out_of_order', 'changed', 'missing', 'failed'] as const;
export type MigrationState = (typeof migrationStates)[number];

export interface MigrationEntry {
  version: number;
  description: string;
  /** The file name, or null when the file is missing. */
  fileName: string | null;
  state: MigrationState;
  /** SHA-384 of the file's bytes, hex; null when the file is missing. */
  fileChecksum: string | null;
  /** The checksum in `_sqlx_migrations`, hex; null when never applied. */
  appliedChecksum: string | null;
  /** When the history row was written (ISO 8601), null when never applied. */
  installedOn: string | null;
  /** execution_time as sqlx records it, in nanoseconds (text: it is a BIGINT). */
  executionTimeNs: string | null;
  /** The file's first line asks to run outside a transaction. */
  noTransaction: boolean;
  /** Statements in the file (0 when the file is missing). */
  statementCount: number;
}

export type BlockerKind = 'changed' | 'missing' | 'failed';

/** Something that stops `apply` until the user resolves it, with the steps to do so. */
export interface MigrationBlocker {
  version: number;
  kind: BlockerKind;
  message: string;
  /** What to do, in order, in plain words (CLI commands included). */
  recovery: string[];
}

export interface MigrationSource {
  /** The folder the files were read from. */
  dir: string;
  /** True for the migrations shipped with the app. */
  builtIn: boolean;
  /** Files in the folder that were not taken as migrations, with the reason. */
  ignored: Array<{ fileName: string; reason: string }>;
}

export interface MigrationStatusReport {
  database: string;
  serverVersion: string;
  source: MigrationSource;
  /** `_sqlx_migrations` exists in the database. */
  historyTable: boolean;
  entries: MigrationEntry[];
  blockers: MigrationBlocker[];
  /** Versions of pending files below the highest applied one. */
  outOfOrder: number[];
  /** Versions that `apply` would run now, in order (empty when blocked). */
  pending: number[];
}

export interface PlannedStatement {
  /** 0-based index in the file. */
  index: number;
  /** 1-based line and column of the statement's first token in the file. */
  line: number;
  column: number;
  text: string;
}

export interface PlannedMigration {
  version: number;
  description: string;
  fileName: string;
  checksum: string;
  noTransaction: boolean;
  sql: string;
  statements: PlannedStatement[];
}

/** Where and why a migration failed. */
export interface MigrationFailure {
  version: number;
  fileName: string;
  /** 0-based statement index in the file, null when the failure was outside any statement. */
  statementIndex: number | null;
  statement: string | null;
  /** 1-based line in the file where the failing statement starts. */
  statementLine: number | null;
  /** 1-based line and column in the file: the error position, or where the failing statement starts. */
  line: number | null;
  column: number | null;
  /** True when PostgreSQL gave a position inside the statement (false: the line is where it starts). */
  exactPosition: boolean;
  message: string;
  code: string | null;
  detail: string | null;
  hint: string | null;
  /** The migration's transaction was rolled back (false for a no-transaction migration). */
  rolledBack: boolean;
  recovery: string[];
}

export interface MigrationPlan {
  database: string;
  source: MigrationSource;
  migrations: PlannedMigration[];
  blockers: MigrationBlocker[];
  outOfOrder: number[];
  /** Present when the plan was verified: everything run in one transaction, then rolled back. */
  verification: {
    ok: boolean;
    durationMs: number;
    failure: MigrationFailure | null;
    skippedNoTransaction: number[];
  } | null;
}

export interface AppliedMigration {
  version: number;
  description: string;
  durationMs: number;
  executionTimeNs: string;
}

export interface MigrationRunResult {
  runId: string;
  database: string;
  applied: AppliedMigration[];
  failure: MigrationFailure | null;
  /** Versions that were due but not run because an earlier one failed. */
  notRun: number[];
  /** Out-of-order versions left pending because allowOutOfOrder was not given. */
  skippedOutOfOrder: number[];
  /** Nothing was pending. */
  upToDate: boolean;
  /** How long this run waited for the migration lock. */
  lockWaitMs: number;
}

export interface BaselineCheck {
  version: number;
  fileName: string;
  /** Objects the file creates, as "kind name" (e.g. "table ai.cache_entries"). */
  found: string[];
  missing: string[];
  /** Statements whose effect cannot be checked (grants, comments, ...): counted, not verified. */
  unverifiable: number;
}

export interface BaselineResult {
  database: string;
  /** Versions recorded as applied (empty when refused). */
  recorded: number[];
  refused: boolean;
  checks: BaselineCheck[];
}

export type ResolveAction = 'retry' | 'mark_applied' | 'accept_checksum' | 'forget';

export interface ResolveResult {
  version: number;
  action: ResolveAction;
  message: string;
}

/** Pushed while a run (apply or a verified plan) makes progress. */
export type MigrationProgress =
  | { runId: string; phase: 'lock_wait'; holder: LockHolder | null; waitedMs: number }
  | { runId: string; phase: 'lock_acquired'; waitedMs: number }
  | { runId: string; phase: 'migration_start'; version: number; fileName: string; statementCount: number }
  | {
      runId: string;
      phase: 'statement';
      version: number;
      statementIndex: number;
      statementCount: number;
      line: number;
      /** The statement's first line, at most 200 characters. */
      summary: string;
    }
  | { runId: string; phase: 'migration_done'; version: number; durationMs: number }
  | { runId: string; phase: 'migration_failed'; version: number; failure: MigrationFailure }
  | { runId: string; phase: 'finished'; applied: number; failed: boolean };

/** Who holds the migration lock, from pg_stat_activity. */
export interface LockHolder {
  pid: number;
  applicationName: string;
  clientAddress: string | null;
  user: string | null;
  /** When the holding session started (ISO 8601). */
  since: string | null;
  state: string | null;
}

const version = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** A folder of migration files; without it, the migrations shipped with the app. */
const dir = z.string().trim().min(1).max(4096).optional();
/** Per-migration limits; PostgreSQL's lock_timeout and statement_timeout, set for each migration. */
const limits = {
  lockTimeoutMs: z.number().int().min(0).max(86_400_000).optional(),
  statementTimeoutMs: z.number().int().min(0).max(86_400_000).optional(),
  /** How long to wait for another runner's migration lock before failing. */
  lockWaitMs: z.number().int().min(0).max(3_600_000).optional(),
};
const runId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Expected a run id of letters, digits, - or _');

export const migrationsSourceInput = z.object({ connection: connectionRef, dir }).strict();

export const migrationsPlanInput = z
  .object({
    connection: connectionRef,
    dir,
    to: version.optional(),
    allowOutOfOrder: z.boolean().optional(),
    /** Run everything in one transaction and roll it back, to prove that it applies. */
    verify: z.boolean().optional(),
    runId: runId.optional(),
    ...limits,
  })
  .strict();

export const migrationsApplyInput = z
  .object({
    connection: connectionRef,
    dir,
    to: version.optional(),
    allowOutOfOrder: z.boolean().optional(),
    runId,
    ...limits,
  })
  .strict();

export const migrationsBaselineInput = z.object({ connection: connectionRef, dir, to: version.optional() }).strict();

export const migrationsResolveInput = z
  .object({
    connection: connectionRef,
    dir,
    version,
    action: z.enum(['retry', 'mark_applied', 'accept_checksum', 'forget']),
    lockWaitMs: limits.lockWaitMs,
  })
  .strict();
