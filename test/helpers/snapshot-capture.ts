/**
 * Shared by the snapshot capture tests (main/services/snapshots): one test
 * database and snapshots folder per test file, and the snapshot file read
 * back as a reader sees it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from './postgres';
import { memoryLogger } from '../../main/services/catalog/test-support';
import { SnapshotCapture, type CaptureRequest, type CaptureResult } from '../../main/services/snapshots/capture';
import type { StoredValue } from '../../main/services/snapshots/content-hash';

export interface SnapshotTableRow {
  ord: number;
  schema_name: string;
  table_name: string;
  data_table: string;
  row_count: bigint;
  duration_ms: bigint;
  truncated: bigint;
  columns_json: string;
}

export interface CaptureFixture {
  db: TestDatabase;
  /** The snapshots folder. */
  dir: string;
  request(overrides?: Partial<CaptureRequest>): CaptureRequest;
  capture(overrides?: Partial<CaptureRequest>): Promise<CaptureResult>;
  /** One query on a short-lived connection, after `settings` (SET statements). */
  query<R extends pg.QueryResultRow>(sql: string, settings?: string): Promise<R[]>;
  drop(): Promise<void>;
}

export async function createCaptureFixture(prefix: string): Promise<CaptureFixture> {
  const db = await createTestDatabase(prefix);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-snapshots-'));
  const logger = memoryLogger();
  const request = (overrides: Partial<CaptureRequest> = {}): CaptureRequest => ({
    captureId: `c${Math.random().toString(36).slice(2, 10)}`,
    url: db.url,
    sourceProfile: 'prod-replica',
    sourceTarget: `127.0.0.1/${db.name} as postgres`,
    name: null,
    tablePattern: null,
    rowLimit: null,
    onProgress: () => undefined,
    ...overrides,
  });
  return {
    db,
    dir,
    request,
    capture: (overrides) => new SnapshotCapture({ dir, logger }).start(request(overrides)),
    async query<R extends pg.QueryResultRow>(sql: string, settings = ''): Promise<R[]> {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        if (settings) await client.query(settings);
        return (await client.query<R>(sql)).rows;
      } finally {
        await client.end();
      }
    },
    async drop() {
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The snapshot file as a reader sees it: meta, tables, and each table's rows (without rid) in rid order. */
export function readSnapshot(file: string): {
  meta: Record<string, string>;
  tables: SnapshotTableRow[];
  rows: Map<string, StoredValue[][]>;
} {
  const sqlite = new Database(file, { readonly: true });
  sqlite.defaultSafeIntegers(true);
  try {
    const metaRows = sqlite.prepare('SELECT key, value FROM meta').all() as Array<{ key: string; value: string }>;
    const meta = Object.fromEntries(metaRows.map((r) => [r.key, r.value]));
    const tables = sqlite.prepare('SELECT * FROM snapshot_tables ORDER BY ord').all() as SnapshotTableRow[];
    const rows = new Map<string, StoredValue[][]>();
    for (const table of tables) {
      const data = sqlite.prepare(`SELECT * FROM ${table.data_table} ORDER BY rid`).raw().all() as StoredValue[][];
      rows.set(
        `${table.schema_name}.${table.table_name}`,
        data.map((row) => row.slice(1)),
      );
    }
    return { meta, tables, rows };
  } finally {
    sqlite.close();
  }
}
