/** Snapshot values for the unit tests of the snapshots feature. */
import type { RowDiff, SnapshotDetail, SnapshotDiff, SnapshotSummary } from '../../../../common/snapshots';

export function summary(id: string, patch: Partial<SnapshotSummary> = {}): SnapshotSummary {
  return {
    id,
    name: `app ${id}`,
    database: 'app',
    serverVersion: '17.2',
    sourceProfile: 'Staging',
    sourceTarget: 'db.example.com:5432/app as ops',
    startedAt: '2026-03-01T10:00:00.000Z',
    finishedAt: '2026-03-01T10:00:05.000Z',
    tableCount: 2,
    rowCount: 1500,
    fileBytes: 1_048_576,
    rowLimit: null,
    tablePattern: null,
    imported: false,
    ...patch,
  };
}

export function detail(id: string, patch: Partial<SnapshotDetail> = {}): SnapshotDetail {
  return {
    ...summary(id),
    tables: [
      {
        schema: 'ai',
        name: 'cache_entries',
        rows: 1000,
        durationMs: 120,
        truncated: false,
        columns: [
          { name: 'id', type: 'bigint', storage: 'integer' },
          { name: 'cache_key', type: 'character varying(255)', storage: 'text' },
        ],
        keyColumns: ['id'],
      },
      {
        schema: 'analytics',
        name: 'events',
        rows: 500,
        durationMs: 80,
        truncated: false,
        columns: [{ name: 'payload', type: 'jsonb', storage: 'text' }],
        keyColumns: [],
      },
    ],
    migrations: [],
    ...patch,
  };
}

export function rowDiff(table: string, patch: Partial<RowDiff> = {}): RowDiff {
  return {
    table,
    keyColumns: ['id'],
    columns: ['id', 'name'],
    added: [],
    removed: [],
    changed: [],
    skipped: null,
    ...patch,
  };
}

export function snapshotDiff(patch: Partial<SnapshotDiff> = {}): SnapshotDiff {
  return {
    left: { kind: 'snapshot', id: 's1', name: 'before', capturedAt: '2026-03-01T10:00:00.000Z' },
    right: { kind: 'live', database: 'app', at: '2026-03-01T11:00:00.000Z' },
    schema: { added: [], removed: [], changed: [] },
    rowCounts: [],
    rows: [],
    ...patch,
  };
}
