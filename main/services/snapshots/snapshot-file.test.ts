import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpsError } from '../../../common/errors';
import type { SnapshotColumn } from '../../../common/snapshots';
import type { StoredValue } from './content-hash';
import { SnapshotFile } from './snapshot-file';
import { emptyCatalog, writeTestSnapshot, type TestSnapshotOptions } from './test-snapshot';

const COLUMNS: SnapshotColumn[] = [
  { name: 'id', type: 'bigint', storage: 'integer' },
  { name: 'label', type: 'text', storage: 'text' },
  { name: 'active', type: 'boolean', storage: 'boolean' },
  { name: 'payload', type: 'bytea', storage: 'blob' },
];
const BIG = 9_007_199_254_740_993n; // 2^53 + 1: lost if read as a number
const ROWS: StoredValue[][] = [
  [1n, 'one', 1n, Buffer.from([0xde, 0xad])],
  [BIG, '', 0n, null],
  [3n, null, null, Buffer.alloc(0)],
];

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-file-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function options(overrides: Partial<TestSnapshotOptions> = {}): TestSnapshotOptions {
  return {
    id: 'snap-1',
    name: 'Nightly',
    database: 'app',
    tables: [
      { schema: 'public', name: 'items', columns: COLUMNS, keyColumns: ['id'], rows: ROWS },
      {
        schema: 'ai',
        name: 'empty',
        columns: [{ name: 'x', type: 'jsonb', storage: 'text' }],
        keyColumns: [],
        rows: [],
      },
      { schema: 'ai', name: 'no_columns', columns: [], keyColumns: [], rows: [[], []] },
    ],
    ...overrides,
  };
}

function write(overrides: Partial<TestSnapshotOptions> = {}, name = 'a.snapshot'): string {
  const file = path.join(dir, name);
  writeTestSnapshot(file, options(overrides));
  return file;
}

/** Changes the file behind the snapshot's back, as `sqlite3 file "..."` would. */
function tamper(file: string, sql: string): void {
  const db = new Database(file);
  db.exec(sql);
  db.close();
}

function refusal(open: () => unknown): OpsError {
  try {
    open();
  } catch (error) {
    if (error instanceof OpsError) return error;
    throw error;
  }
  throw new Error('expected the file to be refused');
}

describe('SnapshotFile', () => {
  it('reads the summary, tables, migrations and catalog of a valid file', () => {
    const migrations = [{ version: 1, description: 'init', installedOn: '2024-01-01', success: true, checksum: 'ab' }];
    const catalog = { ...emptyCatalog('app'), schemas: [{ name: 'ai', owner: 'o', comment: null, isSystem: false }] };
    const file = write({ migrations, catalog, sourceProfile: 'Local', rowLimit: 1000, tablePattern: 'ai.*' });
    const snapshot = new SnapshotFile(file, { imported: true });
    try {
      expect(snapshot.summary()).toEqual({
        id: 'snap-1',
        name: 'Nightly',
        database: 'app',
        serverVersion: '16.4',
        sourceProfile: 'Local',
        sourceTarget: 'localhost:5432/app as postgres',
        startedAt: '2024-01-01T00:00:00.000Z',
        finishedAt: '2024-01-01T00:00:00.000Z',
        tableCount: 3,
        rowCount: 5,
        fileBytes: fs.statSync(file).size,
        rowLimit: 1000,
        tablePattern: 'ai.*',
        imported: true,
      });
      const detail = snapshot.detail();
      expect(detail.migrations).toEqual(migrations);
      expect(detail.tables.map((t) => [`${t.schema}.${t.name}`, t.rows, t.keyColumns])).toEqual([
        ['public.items', 3, ['id']],
        ['ai.empty', 0, []],
        ['ai.no_columns', 2, []],
      ]);
      expect(detail.tables[0]?.columns).toEqual(COLUMNS);
      expect(snapshot.catalog()).toEqual(catalog);
    } finally {
      snapshot.close();
    }
  });

  it('reports null profile, row limit and pattern when none were given', () => {
    const snapshot = new SnapshotFile(write());
    expect(snapshot.summary()).toMatchObject({
      sourceProfile: null,
      rowLimit: null,
      tablePattern: null,
      imported: false,
    });
    snapshot.close();
  });

  it('gives the data table of a captured table, whose rows read back exactly', () => {
    const snapshot = new SnapshotFile(write());
    try {
      const items = snapshot.dataTable('public', 'items');
      expect(items).toEqual({ table: 'd_1', columns: COLUMNS });
      expect(snapshot.dataTable('public', 'missing')).toBeNull();
      expect(snapshot.dataTable('ai', 'items')).toBeNull();
      const rows = snapshot.database
        .prepare(`SELECT c_0, c_1, c_2, c_3 FROM ${items?.table ?? ''} ORDER BY rid`)
        .raw()
        .safeIntegers()
        .all();
      expect(rows).toEqual(ROWS);
    } finally {
      snapshot.close();
    }
  });

  it('is opened read-only: writes through its handle throw', () => {
    const snapshot = new SnapshotFile(write());
    try {
      expect(() => snapshot.database.prepare("UPDATE meta SET value = 'x' WHERE key = 'name'").run()).toThrow(
        /readonly/i,
      );
      expect(() => snapshot.database.exec('DELETE FROM d_1')).toThrow(/readonly/i);
    } finally {
      snapshot.close();
    }
    expect(new SnapshotFile(path.join(dir, 'a.snapshot')).integrity().ok).toBe(true);
  });

  describe('integrity', () => {
    it('passes for an unmodified file', () => {
      const snapshot = new SnapshotFile(write());
      expect(snapshot.integrity()).toEqual({
        id: 'snap-1',
        ok: true,
        sqlite: ['ok'],
        rowCountMismatches: [],
        contentHashOk: true,
      });
      snapshot.close();
    });

    it('finds a value edited after capture through the content hash', () => {
      const file = write();
      tamper(file, "UPDATE d_1 SET c_1 = 'ONE' WHERE rid = 1");
      const snapshot = new SnapshotFile(file);
      expect(snapshot.integrity()).toMatchObject({
        ok: false,
        sqlite: ['ok'],
        rowCountMismatches: [],
        contentHashOk: false,
      });
      snapshot.close();
    });

    it('finds an empty string turned into NULL', () => {
      const file = write();
      tamper(file, 'UPDATE d_1 SET c_1 = NULL WHERE rid = 2');
      const snapshot = new SnapshotFile(file);
      expect(snapshot.integrity().contentHashOk).toBe(false);
      snapshot.close();
    });

    it('finds a row count that differs from the recorded one', () => {
      const file = write();
      tamper(file, "UPDATE snapshot_tables SET row_count = 7 WHERE table_name = 'items'");
      const snapshot = new SnapshotFile(file);
      expect(snapshot.integrity()).toMatchObject({
        ok: false,
        rowCountMismatches: [{ table: 'public.items', recorded: 7, found: 3 }],
        contentHashOk: true,
      });
      snapshot.close();
    });

    it('finds a deleted row in both the counts and the hash', () => {
      const file = write();
      tamper(file, 'DELETE FROM d_3 WHERE rid = 2');
      const snapshot = new SnapshotFile(file);
      expect(snapshot.integrity()).toMatchObject({
        ok: false,
        rowCountMismatches: [{ table: 'ai.no_columns', recorded: 2, found: 1 }],
        contentHashOk: false,
      });
      snapshot.close();
    });

    it('hashes many rows while iterating', () => {
      const rows: StoredValue[][] = Array.from({ length: 20_000 }, (_, i) => [BigInt(i), `row ${i}`, 1n, null]);
      const file = write({ tables: [{ schema: 'public', name: 'big', columns: COLUMNS, keyColumns: ['id'], rows }] });
      const snapshot = new SnapshotFile(file);
      expect(snapshot.integrity().ok).toBe(true);
      snapshot.close();
    });
  });

  describe('refuses what is not a snapshot this build reads', () => {
    it('a text file', () => {
      const file = path.join(dir, 'notes.snapshot');
      fs.writeFileSync(file, 'hello, this is not a database\n'.repeat(100));
      const error = refusal(() => new SnapshotFile(file));
      expect(error.kind).toBe('invalid_input');
      expect(error.message).toBe(`${file} is not an ops-console snapshot (file is not a database)`);
      expect(error.hint).toMatch(/ops-console/);
    });

    it('an empty file', () => {
      const file = path.join(dir, 'empty.snapshot');
      fs.writeFileSync(file, '');
      expect(refusal(() => new SnapshotFile(file)).message).toMatch(
        /not an ops-console snapshot \(the file is empty\)/,
      );
    });

    it('another SQLite database', () => {
      const file = path.join(dir, 'other.db');
      tamper(file, 'CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES (1)');
      expect(refusal(() => new SnapshotFile(file, { label: 'other.db' })).message).toBe(
        'other.db is not an ops-console snapshot (it has no meta table)',
      );
    });

    it('a SQLite file with a meta table of another format', () => {
      const file = path.join(dir, 'other.db');
      tamper(file, "CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('format', 'sled')");
      expect(refusal(() => new SnapshotFile(file)).message).toMatch(
        /not an ops-console snapshot \(its format is "sled"\)/,
      );
    });

    it('a file written by a newer ops-console', () => {
      const error = refusal(() => new SnapshotFile(write({ meta: { format_version: '3' } }), { label: 'x.snapshot' }));
      expect(error.message).toBe('x.snapshot was written by a newer ops-console (format 3); this build reads format 2');
      expect(error.hint).toMatch(/Upgrade/);
    });

    it('a file missing a meta key', () => {
      const file = write();
      tamper(file, "DELETE FROM meta WHERE key = 'content_sha256'");
      expect(refusal(() => new SnapshotFile(file)).message).toMatch(/its meta table lacks content_sha256\)$/);
    });

    it('a data table that lost a column', () => {
      const file = write();
      tamper(file, 'ALTER TABLE d_1 DROP COLUMN c_3');
      expect(refusal(() => new SnapshotFile(file)).message).toMatch(
        /the data table of public\.items does not match its columns/,
      );
    });

    it('a data table that is missing, or a data_table name that is not one', () => {
      const file = write();
      tamper(file, 'DROP TABLE d_2');
      expect(refusal(() => new SnapshotFile(file)).message).toMatch(/the data table of ai\.empty is missing/);
      tamper(file, "UPDATE snapshot_tables SET data_table = 'meta; --' WHERE ord = 2");
      expect(refusal(() => new SnapshotFile(file)).message).toMatch(/malformed data_table for ai\.empty/);
    });

    it('malformed columns_json and key columns naming no column', () => {
      const file = write();
      tamper(file, 'UPDATE snapshot_tables SET key_columns_json = \'["nope"]\' WHERE ord = 1');
      expect(refusal(() => new SnapshotFile(file)).message).toMatch(/malformed key_columns_json for public\.items/);
      tamper(file, 'UPDATE snapshot_tables SET columns_json = \'[{"name":1}]\' WHERE ord = 1');
      expect(refusal(() => new SnapshotFile(file)).message).toMatch(/malformed columns_json for public\.items/);
    });

    it('a malformed catalog, when the catalog is read', () => {
      const file = write();
      tamper(file, "UPDATE meta SET value = '{\"database\": 1}' WHERE key = 'catalog_json'");
      const snapshot = new SnapshotFile(file);
      expect(refusal(() => snapshot.catalog()).message).toMatch(/catalog_json is malformed/);
      snapshot.close();
    });

    it('a truncated file', () => {
      const file = write({
        tables: [
          {
            schema: 'public',
            name: 'items',
            columns: COLUMNS,
            keyColumns: ['id'],
            rows: Array.from({ length: 3000 }, (_, i) => [BigInt(i), `row ${i}`, 0n, null]),
          },
        ],
      });
      const bytes = fs.readFileSync(file);
      fs.writeFileSync(file, bytes.subarray(0, bytes.length / 2));
      const error = refusal(() => new SnapshotFile(file, { label: 'half.snapshot' }));
      expect(error.kind).toBe('invalid_input');
      expect(error.message).toBe('half.snapshot is damaged or truncated (database disk image is malformed)');
    });

    it('a missing file', () => {
      expect(refusal(() => new SnapshotFile(path.join(dir, 'gone.snapshot'))).kind).toBe('not_found');
    });
  });
});
