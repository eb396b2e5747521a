import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpsError } from '../../../common/errors';
import type { SnapshotColumn } from '../../../common/snapshots';
import type { Logger } from '../logging/log-service';
import type { StoredValue } from './content-hash';
import { SnapshotFile } from './snapshot-file';
import { SnapshotStore } from './snapshot-store';
import { writeTestSnapshot } from './test-snapshot';

const COLUMNS: SnapshotColumn[] = [
  { name: 'id', type: 'integer', storage: 'integer' },
  { name: 'label', type: 'text', storage: 'text' },
];

function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const write = (...parts: unknown[]) => lines.push(parts.map(String).join(' '));
  return { lines, error: write, warn: write, info: write, debug: write };
}

let root: string;
let dir: string;
let outside: string;
let logger: ReturnType<typeof memoryLogger>;
let store: SnapshotStore;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-store-'));
  dir = path.join(root, 'data', 'snapshots');
  outside = path.join(root, 'elsewhere');
  fs.mkdirSync(outside);
  logger = memoryLogger();
  store = new SnapshotStore({ dir, logger, clock: () => new Date('2024-06-01T12:00:00.000Z') });
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** A snapshot in the store's folder (or at `file`), `rows` rows in one table. */
function add(id: string, name: string, startedAt: string, rows = 3, file = store.fileFor(id)): string {
  const data: StoredValue[][] = Array.from({ length: rows }, (_, i) => [BigInt(i + 1), `row ${i + 1}`]);
  writeTestSnapshot(file, {
    id,
    name,
    database: 'app',
    startedAt,
    tables: [{ schema: 'public', name: 'items', columns: COLUMNS, keyColumns: ['id'], rows: data }],
  });
  return file;
}

function refusal(call: () => unknown): OpsError {
  try {
    call();
  } catch (error) {
    if (error instanceof OpsError) return error;
    throw error;
  }
  throw new Error('expected an OpsError');
}

const ids = () => store.list().map((s) => s.id);
const folder = () => fs.readdirSync(dir).sort();

describe('list and resolve', () => {
  beforeEach(() => {
    add('a1', 'Nightly', '2024-01-01T00:00:00Z');
    add('b2', 'Before migration', '2024-03-01T00:00:00Z');
    add('c3', 'nightly', '2024-02-01T00:00:00Z');
  });

  it('lists newest first and skips files it cannot open, with a warning', () => {
    fs.writeFileSync(path.join(dir, 'broken.snapshot'), 'not a database');
    fs.writeFileSync(path.join(dir, 'd4.snapshot.partial'), 'a capture in progress');
    expect(store.list().map((s) => [s.id, s.name, s.imported])).toEqual([
      ['b2', 'Before migration', false],
      ['c3', 'nightly', false],
      ['a1', 'Nightly', false],
    ]);
    expect(logger.lines.join('\n')).toMatch(/skipping snapshot file broken\.snapshot: .*not an ops-console snapshot/);
  });

  it('resolves by id, by exact name, then by a unique case-insensitive name', () => {
    expect(store.resolve('b2')).toEqual({ id: 'b2', file: path.join(dir, 'b2.snapshot') });
    expect(store.resolve('Nightly').id).toBe('a1');
    expect(store.resolve('nightly').id).toBe('c3');
    expect(store.resolve('  BEFORE MIGRATION ').id).toBe('b2');
    expect(store.detail('before migration')).toMatchObject({ id: 'b2', tables: [{ name: 'items', rows: 3 }] });
  });

  it('refuses a name several snapshots share, naming their ids', () => {
    const error = refusal(() => store.resolve('NIGHTLY'));
    expect(error.kind).toBe('invalid_input');
    expect(error.message).toBe('2 snapshots are named "NIGHTLY"');
    expect(error.hint).toMatch(/a1/);
    expect(error.hint).toMatch(/c3/);
    add('e5', 'Nightly', '2024-04-01T00:00:00Z');
    expect(refusal(() => store.open('Nightly')).hint).toBe('Name one by its id: e5, a1.');
  });

  it('says what exists when nothing matches', () => {
    const error = refusal(() => store.resolve('weekly'));
    expect(error.kind).toBe('not_found');
    expect(error.message).toBe('There is no snapshot with the id or name "weekly"');
    expect(error.hint).toBe('Snapshots here: "Before migration", "nightly", "Nightly".');
    expect(refusal(() => new SnapshotStore({ dir: path.join(root, 'none'), logger }).resolve('x')).hint).toBe(
      'There are no snapshots yet.',
    );
  });
});

describe('rename and delete', () => {
  beforeEach(() => {
    add('a1', 'Nightly', '2024-01-01T00:00:00Z');
    add('b2', 'Before migration', '2024-03-01T00:00:00Z');
  });

  it('renames in the file itself, without touching the rows', () => {
    expect(store.rename('Nightly', '  Release 1.4 ')).toMatchObject({ id: 'a1', name: 'Release 1.4' });
    const reopened = new SnapshotFile(store.fileFor('a1'));
    expect(reopened.name).toBe('Release 1.4');
    expect(reopened.integrity().ok).toBe(true);
    reopened.close();
    expect(store.resolve('release 1.4').id).toBe('a1');
  });

  it('keeps names unique, ignoring case, but lets a snapshot change its own case', () => {
    const error = refusal(() => store.rename('a1', 'BEFORE migration'));
    expect(error.kind).toBe('conflict');
    expect(error.message).toBe('Snapshot b2 is already named "Before migration"');
    expect(store.rename('a1', 'NIGHTLY').name).toBe('NIGHTLY');
    expect(refusal(() => store.rename('a1', '   ')).kind).toBe('invalid_input');
    expect(refusal(() => store.rename('zz', 'x')).kind).toBe('not_found');
  });

  it('deletes by name; the snapshot is gone from the list and from resolve', () => {
    expect(store.delete('nightly')).toEqual({ id: 'a1' });
    expect(ids()).toEqual(['b2']);
    expect(fs.existsSync(path.join(dir, 'a1.snapshot'))).toBe(false);
    expect(refusal(() => store.resolve('a1')).kind).toBe('not_found');
  });
});

describe('integrity', () => {
  it('reports ok, a row count mismatch and altered content', () => {
    add('a1', 'Nightly', '2024-01-01T00:00:00Z');
    expect(store.integrity('Nightly')).toEqual({
      id: 'a1',
      ok: true,
      sqlite: ['ok'],
      rowCountMismatches: [],
      contentHashOk: true,
    });
    const db = new Database(store.fileFor('a1'));
    db.exec('UPDATE snapshot_tables SET row_count = 4');
    expect(store.integrity('a1')).toMatchObject({
      ok: false,
      rowCountMismatches: [{ table: 'public.items', recorded: 4, found: 3 }],
      contentHashOk: true,
    });
    db.exec("UPDATE snapshot_tables SET row_count = 3; UPDATE d_1 SET c_1 = 'row 99' WHERE rid = 2");
    db.close();
    expect(store.integrity('a1')).toMatchObject({
      ok: false,
      sqlite: ['ok'],
      rowCountMismatches: [],
      contentHashOk: false,
    });
  });
});

describe('export', () => {
  beforeEach(() => {
    add('a1', 'Nightly', '2024-01-01T00:00:00Z');
  });

  it('writes a byte-identical copy and leaves no temporary file', () => {
    const target = path.join(outside, 'nightly.snapshot');
    const result = store.exportTo('Nightly', target);
    expect(result).toEqual({ id: 'a1', file: target, bytes: fs.statSync(store.fileFor('a1')).size });
    expect(fs.readFileSync(target).equals(fs.readFileSync(store.fileFor('a1')))).toBe(true);
    expect(fs.readdirSync(outside)).toEqual(['nightly.snapshot']);
  });

  it('keeps an existing file unless told to overwrite it', () => {
    const target = path.join(outside, 'taken.snapshot');
    fs.writeFileSync(target, 'mine');
    const error = refusal(() => store.exportTo('a1', target));
    expect(error.kind).toBe('conflict');
    expect(error.message).toBe(`${target} already exists`);
    expect(fs.readFileSync(target, 'utf8')).toBe('mine');
    store.exportTo('a1', target, { overwrite: true });
    expect(fs.readFileSync(target).equals(fs.readFileSync(store.fileFor('a1')))).toBe(true);
    expect(fs.readdirSync(outside)).toEqual(['taken.snapshot']);
  });

  it('refuses a folder that does not exist', () => {
    const missing = path.join(outside, 'no', 'such');
    const error = refusal(() => store.exportTo('a1', path.join(missing, 'x.snapshot')));
    expect(error.kind).toBe('not_found');
    expect(error.message).toBe(`The folder ${missing} does not exist`);
    expect(fs.existsSync(missing)).toBe(false);
  });
});

describe('import', () => {
  it('adopts a valid file under its own id, marked imported and opened read-only', () => {
    const source = add('from-elsewhere', 'Their nightly', '2024-05-01T00:00:00Z', 3, path.join(outside, 'x.snapshot'));
    const before = fs.readFileSync(source);
    const summary = store.importFrom(source);
    expect(summary).toMatchObject({ id: 'from-elsewhere', name: 'Their nightly', imported: true, rowCount: 3 });
    expect(store.list()).toEqual([summary]);
    expect(fs.readFileSync(source).equals(before)).toBe(true);
    expect(fs.readFileSync(store.fileFor('from-elsewhere')).equals(before)).toBe(true);
    const opened = store.open('Their nightly');
    try {
      expect(opened.summary().imported).toBe(true);
      expect(() => opened.database.prepare('DELETE FROM d_1').run()).toThrow(/readonly/i);
    } finally {
      opened.close();
    }
    expect(store.integrity('from-elsewhere').ok).toBe(true);
    expect(folder()).toEqual(['from-elsewhere.snapshot', 'imported.json']);
  });

  it('gives the same file a new id the second time, and a renamed import stays imported', () => {
    const source = add('s1', 'Theirs', '2024-05-01T00:00:00Z', 3, path.join(outside, 'x.snapshot'));
    const first = store.importFrom(source);
    const second = store.importFrom(source);
    expect(first.id).toBe('s1');
    expect(second.id).not.toBe('s1');
    expect(second).toMatchObject({ name: 'Theirs', imported: true });
    const copy = new SnapshotFile(store.fileFor(second.id));
    expect(copy.id).toBe(second.id);
    expect(copy.integrity().ok).toBe(true);
    copy.close();
    expect(store.rename(second.id, 'Theirs again')).toMatchObject({ id: second.id, imported: true });
    store.delete('s1');
    expect(store.list().map((s) => [s.id, s.imported])).toEqual([[second.id, true]]);
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'imported.json'), 'utf8')).snapshots)).toEqual([
      second.id,
    ]);
  });

  describe('refuses, adding nothing', () => {
    let source: string;
    beforeEach(() => {
      add('local', 'Local', '2024-01-01T00:00:00Z');
      source = add('theirs', 'Theirs', '2024-05-01T00:00:00Z', 2000, path.join(outside, 'theirs.snapshot'));
    });

    function refused(file: string): OpsError {
      const error = refusal(() => store.importFrom(file));
      expect(ids()).toEqual(['local']);
      expect(folder()).toEqual(['local.snapshot']);
      return error;
    }

    it('a plain text file', () => {
      const file = path.join(outside, 'notes.txt');
      fs.writeFileSync(file, 'meeting notes\n'.repeat(500));
      const error = refused(file);
      expect(error.kind).toBe('invalid_input');
      expect(error.message).toBe(`${file} is not an ops-console snapshot (file is not a database)`);
    });

    it('a SQLite database of another kind', () => {
      const file = path.join(outside, 'app.db');
      const db = new Database(file);
      db.exec("CREATE TABLE settings (k TEXT, v TEXT); INSERT INTO settings VALUES ('a', 'b')");
      db.close();
      expect(refused(file).message).toBe(`${file} is not an ops-console snapshot (it has no meta table)`);
    });

    it('a truncated copy', () => {
      const file = path.join(outside, 'half.snapshot');
      const bytes = fs.readFileSync(source);
      fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
      expect(refused(file).message).toMatch(new RegExp(`^${escape(file)} is damaged or truncated \\(`));
    });

    it('a copy with a damaged page', () => {
      const file = path.join(outside, 'damaged.snapshot');
      const bytes = fs.readFileSync(source);
      const page = 4096 * Math.floor(bytes.length / 4096 / 2); // a leaf of the data table, past the structure pages
      bytes.fill(0x55, page, page + 4096);
      fs.writeFileSync(file, bytes);
      expect(refused(file).message).toMatch(new RegExp(`^${escape(file)} is damaged or truncated \\(`));
    });

    it('a copy with a value edited after capture', () => {
      const db = new Database(source);
      db.exec("UPDATE d_1 SET c_1 = 'edited' WHERE rid = 10");
      db.close();
      const error = refused(source);
      expect(error.kind).toBe('invalid_input');
      expect(error.message).toBe(
        `${source} was altered since it was captured (its rows do not match the recorded content hash)`,
      );
    });

    it('a copy with a row deleted after capture', () => {
      const db = new Database(source);
      db.exec('DELETE FROM d_1 WHERE rid = 10');
      db.close();
      expect(refused(source).message).toBe(
        `${source} was altered since it was captured (public.items holds 1999 rows where 2000 were recorded)`,
      );
    });

    it('a file that does not exist, or a folder', () => {
      expect(refused(path.join(outside, 'gone.snapshot')).kind).toBe('not_found');
      expect(refused(outside).kind).toBe('invalid_input');
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
