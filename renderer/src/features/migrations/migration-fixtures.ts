/** Status reports, plans and failures shaped like main's, for the migrations unit tests. */
import type {
  MigrationEntry,
  MigrationFailure,
  MigrationPlan,
  MigrationRunResult,
  MigrationStatusReport,
} from '../../../../common/migrations';

export const FILES = [
  '001_initial_schema.sql',
  '002_ai_cache.sql',
  '003_blockchain.sql',
  '004_analytics.sql',
  '005_indexes.sql',
  '006_cleanup_function.sql',
] as const;

const checksum = (n: number) => n.toString(16).padStart(2, '0').repeat(48);

export function entry(version: number, patch: Partial<MigrationEntry> = {}): MigrationEntry {
  const fileName = FILES[version - 1] ?? `${String(version).padStart(3, '0')}_extra.sql`;
  return {
    version,
    description: fileName.replace(/^\d+_|\.sql$/g, '').replace(/_/g, ' '),
    fileName,
    state: 'pending',
    fileChecksum: checksum(version),
    appliedChecksum: null,
    installedOn: null,
    executionTimeNs: null,
    noTransaction: false,
    statementCount: 3,
    ...patch,
  };
}

export const applied = (version: number): MigrationEntry =>
  entry(version, {
    state: 'applied',
    appliedChecksum: checksum(version),
    installedOn: '2025-03-01T10:00:00.000Z',
    executionTimeNs: '12345678',
  });

export function statusReport(
  entries: MigrationEntry[],
  patch: Partial<MigrationStatusReport> = {},
): MigrationStatusReport {
  return {
    database: 'app',
    serverVersion: '17.2',
    source: { dir: '/opt/ops-console/migrations', builtIn: true, ignored: [] },
    historyTable: entries.some((e) => e.installedOn !== null),
    entries,
    blockers: [],
    outOfOrder: entries.filter((e) => e.state === 'out_of_order').map((e) => e.version),
    pending: entries.filter((e) => e.state === 'pending').map((e) => e.version),
    ...patch,
  };
}

/** Six files, none applied, no history table. */
export const freshStatus = () => statusReport([1, 2, 3, 4, 5, 6].map((v) => entry(v)));

export function failure(version: number, patch: Partial<MigrationFailure> = {}): MigrationFailure {
  return {
    version,
    fileName: FILES[version - 1] ?? 'x.sql',
    statementIndex: 2,
    statement: 'CREATE INDEX metrics_name_idx\n  ON analytics.metrics (metric_name);',
    statementLine: 14,
    line: 14,
    column: null,
    exactPosition: false,
    message: 'column "metric_name" does not exist',
    code: '42703',
    detail: null,
    hint: null,
    rolledBack: true,
    recovery: ['Fix the cause', 'Apply again'],
    ...patch,
  };
}

export function runResult(patch: Partial<MigrationRunResult> = {}): MigrationRunResult {
  return {
    runId: 'run-1',
    database: 'app',
    applied: [],
    failure: null,
    notRun: [],
    skippedOutOfOrder: [],
    upToDate: false,
    lockWaitMs: 0,
    ...patch,
  };
}

export function planFor(versions: number[], patch: Partial<MigrationPlan> = {}): MigrationPlan {
  return {
    database: 'app',
    source: { dir: '/opt/ops-console/migrations', builtIn: true, ignored: [] },
    migrations: versions.map((v) => ({
      version: v,
      description: entry(v).description,
      fileName: entry(v).fileName ?? '',
      checksum: checksum(v),
      noTransaction: false,
      sql: 'CREATE SCHEMA x;\nCREATE TABLE x.t (id int);\n\nCREATE INDEX ON x.t (id);\n',
      statements: [
        { index: 0, line: 1, column: 1, text: 'CREATE SCHEMA x' },
        { index: 1, line: 2, column: 1, text: 'CREATE TABLE x.t (id int)' },
        { index: 2, line: 4, column: 1, text: 'CREATE INDEX ON x.t (id)' },
      ],
    })),
    blockers: [],
    outOfOrder: [],
    verification: null,
    ...patch,
  };
}
