import type pg from 'pg';
import type {
  MigrationBlocker,
  MigrationEntry,
  MigrationState,
  MigrationStatusReport,
} from '../../../common/migrations';
import type { MigrationFile } from './files';

/**
 * `_sqlx_migrations`, created exactly as sqlx's PostgreSQL migrator creates it
 * (unqualified, so it lands in the first schema of the search_path, as sqlx's does).
 */
export const HISTORY_TABLE_DDL = `CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
)`;

export interface AppliedRow {
  version: number;
  description: string;
  installedOn: string;
  success: boolean;
  checksum: Buffer;
  /** Nanoseconds, as text (BIGINT). */
  executionTime: string;
}

export async function historyTableExists(client: pg.ClientBase): Promise<boolean> {
  const result = await client.query<{ present: boolean }>(
    `SELECT pg_catalog.to_regclass('_sqlx_migrations') IS NOT NULL AS present`,
  );
  return result.rows[0]?.present ?? false;
}

export async function readHistory(client: pg.ClientBase): Promise<AppliedRow[]> {
  if (!(await historyTableExists(client))) return [];
  const result = await client.query<{
    version: string;
    description: string;
    installed_on: Date;
    success: boolean;
    checksum: Buffer;
    execution_time: string;
  }>(
    `SELECT version, description, installed_on, success, checksum, execution_time
       FROM _sqlx_migrations ORDER BY version`,
  );
  return result.rows.map((row) => ({
    version: Number(row.version),
    description: row.description,
    installedOn: row.installed_on.toISOString(),
    success: row.success,
    checksum: row.checksum,
    executionTime: String(row.execution_time),
  }));
}

export interface StatusParts {
  entries: MigrationEntry[];
  blockers: MigrationBlocker[];
  outOfOrder: number[];
  /** What apply would run (ignoring `to` and out-of-order permission). */
  inOrderPending: number[];
}

function recoveryFor(kind: MigrationBlocker['kind'], version: number, fileName: string | null): string[] {
  const file = fileName ?? `version ${version}`;
  switch (kind) {
    case 'failed':
      return [
        `${file} ran outside a transaction and stopped partway: some of its statements may have taken effect.`,
        "Read the error of the run that failed (printed by migrate up, shown in the app, kept in the app's log) and check what the file's earlier statements changed.",
        `Either undo what it did and retry it: ops-console migrate resolve ${version} retry`,
        `or finish its remaining statements by hand and record it: ops-console migrate resolve ${version} mark-applied`,
      ];
    case 'changed':
      return [
        `${file} was edited after it was applied; the database has the old version's effect.`,
        'Restore the file as it was (git checkout it) — the usual fix: applied migrations are never edited;',
        'put the change in a new migration with a higher version instead.',
        `If the edit changes nothing that matters (a comment, whitespace), accept it: ops-console migrate resolve ${version} accept-checksum`,
      ];
    case 'missing':
      return [
        `Version ${version} is recorded as applied but no file has that version in this folder.`,
        'Check that the right folder is used (--dir) and that the file was not renamed or deleted.',
        `If it was removed on purpose, forget its history row: ops-console migrate resolve ${version} forget`,
      ];
  }
}

/** Compares the files with the history: every migration's state, and what blocks a run. */
export function compareWithHistory(files: readonly MigrationFile[], history: readonly AppliedRow[]): StatusParts {
  const applied = new Map(history.map((row) => [row.version, row]));
  const fileByVersion = new Map(files.map((file) => [file.version, file]));
  const maxApplied = history.reduce((max, row) => Math.max(max, row.version), -1);
  const versions = [...new Set([...files.map((f) => f.version), ...history.map((h) => h.version)])].sort(
    (a, b) => a - b,
  );
  const entries: MigrationEntry[] = [];
  const blockers: MigrationBlocker[] = [];
  const outOfOrder: number[] = [];
  const inOrderPending: number[] = [];
  for (const version of versions) {
    const file = fileByVersion.get(version);
    const row = applied.get(version);
    let state: MigrationState;
    if (row && !row.success) state = 'failed';
    else if (row && !file) state = 'missing';
    else if (row && file && !row.checksum.equals(file.checksum)) state = 'changed';
    else if (row) state = 'applied';
    else if (version < maxApplied) state = 'out_of_order';
    else state = 'pending';
    if (state === 'failed' || state === 'missing' || state === 'changed') {
      const fileName = file?.fileName ?? null;
      const message =
        state === 'failed'
          ? `Migration ${version} (${fileName ?? row?.description}) failed partway and is recorded as failed`
          : state === 'missing'
            ? `Migration ${version} (${row?.description}) is applied but its file is missing`
            : `Migration ${version} (${fileName}) changed after it was applied (checksum differs)`;
      blockers.push({ version, kind: state, message, recovery: recoveryFor(state, version, fileName) });
    }
    if (state === 'out_of_order') outOfOrder.push(version);
    if (state === 'pending') inOrderPending.push(version);
    entries.push({
      version,
      description: file?.description ?? row?.description ?? '',
      fileName: file?.fileName ?? null,
      state,
      fileChecksum: file ? file.checksum.toString('hex') : null,
      appliedChecksum: row ? row.checksum.toString('hex') : null,
      installedOn: row?.installedOn ?? null,
      executionTimeNs: row?.executionTime ?? null,
      noTransaction: file?.noTransaction ?? false,
      statementCount: 0,
    });
  }
  return { entries, blockers, outOfOrder, inOrderPending };
}

/** The versions a run would apply, in order: pending ones, out-of-order ones when allowed, up to `to`. */
export function dueVersions(
  parts: StatusParts,
  options: { to?: number | undefined; allowOutOfOrder?: boolean | undefined },
): { due: number[]; skippedOutOfOrder: number[] } {
  const limit = options.to ?? Number.POSITIVE_INFINITY;
  const candidates = options.allowOutOfOrder ? [...parts.outOfOrder, ...parts.inOrderPending] : parts.inOrderPending;
  const due = candidates.filter((v) => v <= limit).sort((a, b) => a - b);
  const skippedOutOfOrder = options.allowOutOfOrder ? [] : parts.outOfOrder.filter((v) => v <= limit);
  return { due, skippedOutOfOrder };
}

export type StatusReportParts = Pick<MigrationStatusReport, 'entries' | 'blockers' | 'outOfOrder' | 'pending'>;
