/**
 * The staging database of one Sled import: <data>/sled-imports/<id>.sqlite.
 * Written by the stager (stage-worker.ts, in a worker thread), then read and
 * updated by the planner and the loader. Kept after the load, so an import can
 * be reopened, re-planned, re-loaded (which changes nothing) and reported.
 *
 * Tables
 *   meta(key, value)      format 'ops-console-sled-staging', version '1', id,
 *                         created_at, state (SledImportState), message,
 *                         settings (SledSettings JSON), last_load_at,
 *                         last_report (SledReport JSON of the last load)
 *   files                 one row per export file read
 *   sources               one per source: a format A header, or a format B file
 *   entries               EVERY entry read, in file order, problems included:
 *     id                  1, 2, … in the order read (also the load order within a family)
 *     file_id, source_id  where it came from (source_id NULL before a format A file's first header)
 *     origin              'line 12' (format A) or 'collection 0, pair 41' (format B):
 *                         computed from origin_line (format A, a number) or
 *                         origin_text (the others), so staging writes no text for it
 *                         (databases staged before have origin as a plain column)
 *     tree                the Sled tree name (NULL when the entry could not be read)
 *     key, value          the raw bytes (NULL when unreadable). A wallet value is
 *                         stored with its secret removed (value_redacted = 1):
 *                         the export file stays the only plaintext copy, and the
 *                         loader reads secrets back from it (checked against value_sha256).
 *     value_sha256        hex SHA-256 of the value bytes as exported, for a redacted
 *                         value only (the others are staged whole)
 *     family              SledFamily or NULL (unknown key or unreadable entry)
 *     target              SledTarget or NULL
 *     record              the decoded record as JSON (never a secret); u64/i64
 *                         fields as decimal strings so no digit is lost
 *     problem, reason     SledProblemKind and a sentence, or NULL
 *     outcome             'pending' | 'loaded' | 'skipped' | 'failed'
 *     outcome_reason      why skipped or failed
 *     target_id           the target row's id once loaded
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { SledFamily, SledImportState, SledProblemKind, SledSettings, SledTarget } from '../../../common/sled';
import { DEFAULT_CACHE_TTL_SECONDS, DEFAULT_SLED_NAMESPACE } from '../../../common/sled';
import { OpsError } from '../../../common/errors';

export const STAGING_FORMAT = 'ops-console-sled-staging';
export const STAGING_VERSION = '1';
export const STAGING_EXTENSION = '.sqlite';
/** The page cache of an opened staging database, main and temp each. */
const PAGE_CACHE_KIB = 4000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT,
  format TEXT NOT NULL CHECK (format IN ('jsonl', 'export-json')),
  entries INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL REFERENCES files (id),
  name TEXT NOT NULL,
  exported_at TEXT,
  origin TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL REFERENCES files (id),
  source_id INTEGER REFERENCES sources (id),
  origin_line INTEGER,
  origin_text TEXT,
  origin TEXT NOT NULL GENERATED ALWAYS AS
    (CASE WHEN origin_line IS NULL THEN origin_text ELSE 'line ' || origin_line END) VIRTUAL,
  tree TEXT,
  key BLOB,
  value BLOB,
  value_sha256 TEXT,
  value_redacted INTEGER NOT NULL DEFAULT 0,
  family TEXT,
  target TEXT,
  record TEXT,
  problem TEXT,
  reason TEXT,
  outcome TEXT NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'loaded', 'skipped', 'failed')),
  outcome_reason TEXT,
  target_id INTEGER
);
`;

/**
 * The indexes. Partial where most rows would be alike: entries with a problem,
 * entries with an outcome (all are 'pending' when staged), so staging maintains
 * next to nothing but the family index.
 */
const INDEXES = `
CREATE INDEX IF NOT EXISTS entries_family ON entries (family, id);
CREATE INDEX IF NOT EXISTS entries_problem ON entries (problem) WHERE problem IS NOT NULL;
CREATE INDEX IF NOT EXISTS entries_done ON entries (outcome) WHERE outcome <> 'pending';
`;

/** What the stager inserts for each entry (id is assigned by SQLite in insertion order). */
export interface NewEntry {
  fileId: number;
  sourceId: number | null;
  origin: string;
  tree: string | null;
  key: Buffer | null;
  value: Buffer | null;
  valueSha256: string | null;
  valueRedacted: boolean;
  family: SledFamily | null;
  target: SledTarget | null;
  /** JSON text of the decoded record. */
  record: string | null;
  problem: SledProblemKind | null;
  reason: string | null;
}

/** A staged entry as read back: what was inserted, its id, and what the loads made of it. */
export interface StagedEntry extends NewEntry {
  id: number;
  outcome: 'pending' | 'loaded' | 'skipped' | 'failed';
  outcomeReason: string | null;
  targetId: number | null;
}

export const defaultSettings: SledSettings = {
  cacheTtlSeconds: DEFAULT_CACHE_TTL_SECONDS,
  uuidNamespace: DEFAULT_SLED_NAMESPACE,
  secrets: 'skip',
};

interface EntryRow {
  id: number;
  file_id: number;
  source_id: number | null;
  origin: string;
  tree: string | null;
  key: Buffer | null;
  value: Buffer | null;
  value_sha256: string | null;
  value_redacted: number;
  family: string | null;
  target: string | null;
  record: string | null;
  problem: string | null;
  reason: string | null;
  outcome: StagedEntry['outcome'];
  outcome_reason: string | null;
  target_id: number | null;
}

function entryFromRow(row: EntryRow): StagedEntry {
  return {
    id: row.id,
    fileId: row.file_id,
    sourceId: row.source_id,
    origin: row.origin,
    tree: row.tree,
    key: row.key,
    value: row.value,
    valueSha256: row.value_sha256,
    valueRedacted: row.value_redacted === 1,
    family: row.family as SledFamily | null,
    target: row.target as SledTarget | null,
    record: row.record,
    problem: row.problem as SledProblemKind | null,
    reason: row.reason,
    outcome: row.outcome,
    outcomeReason: row.outcome_reason,
    targetId: row.target_id,
  };
}

export interface StagingOpenOptions {
  readonly?: boolean;
  /** better-sqlite3's native binding (the desktop app's Electron build). */
  nativeBinding?: string;
}

/**
 * One staging database. Synchronous (better-sqlite3): the bulk insert runs in
 * the stage worker; reads and outcome updates are small and batched.
 */
export class StagingDb {
  readonly db: Database.Database;

  private constructor(
    readonly file: string,
    db: Database.Database,
  ) {
    this.db = db;
  }

  /** A new staging database at `file` (which must not exist yet). */
  static create(file: string, id: string, createdAt: string, options: StagingOpenOptions = {}): StagingDb {
    if (fs.existsSync(file)) throw new OpsError('conflict', `A staging database already exists at ${file}`);
    const db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    const staging = new StagingDb(file, db);
    const meta: Record<string, string> = {
      format: STAGING_FORMAT,
      version: STAGING_VERSION,
      id,
      created_at: createdAt,
      state: 'staging',
      settings: JSON.stringify(defaultSettings),
    };
    const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    db.transaction(() => {
      for (const [key, value] of Object.entries(meta)) put.run(key, value);
    })();
    return staging;
  }

  /** An existing staging database; refuses a file that is not one. */
  static open(file: string, options: StagingOpenOptions = {}): StagingDb {
    if (!fs.existsSync(file)) throw new OpsError('not_found', `No staging database at ${file}`);
    const db = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: true,
      ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    });
    try {
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('foreign_keys = ON');
      }
      db.pragma('busy_timeout = 5000');
      // Plans and loads page through the whole table once: a small cache does as well
      // as better-sqlite3's 16 MB, for the main file and for the plan's temp tables.
      db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
      db.pragma(`temp.cache_size = -${PAGE_CACHE_KIB}`);
      const format = (db.prepare("SELECT value FROM meta WHERE key = 'format'").get() as { value: string } | undefined)
        ?.value;
      if (format !== STAGING_FORMAT) throw new Error('not a staging database');
    } catch (error) {
      db.close();
      throw new OpsError('invalid_input', `${file} is not an ops-console Sled staging database`, {
        detail: error instanceof Error ? error.message : String(error),
      });
    }
    return new StagingDb(file, db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  meta(key: string): string | null {
    return (
      (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null
    );
  }

  setMeta(key: string, value: string | null): void {
    if (value === null) this.db.prepare('DELETE FROM meta WHERE key = ?').run(key);
    else
      this.db
        .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
        .run(key, value);
  }

  get id(): string {
    return this.meta('id') ?? '';
  }

  get state(): SledImportState {
    return (this.meta('state') as SledImportState | null) ?? 'failed';
  }

  settings(): SledSettings {
    const raw = this.meta('settings');
    return raw ? { ...defaultSettings, ...(JSON.parse(raw) as Partial<SledSettings>) } : { ...defaultSettings };
  }

  saveSettings(settings: SledSettings): void {
    this.setMeta('settings', JSON.stringify(settings));
  }

  addFile(file: { path: string; bytes: number; format: 'jsonl' | 'export-json' }): number {
    return Number(
      this.db
        .prepare('INSERT INTO files (path, bytes, format) VALUES (?, ?, ?)')
        .run(file.path, file.bytes, file.format).lastInsertRowid,
    );
  }

  finishFile(fileId: number, sha256: string, entries: number): void {
    this.db.prepare('UPDATE files SET sha256 = ?, entries = ? WHERE id = ?').run(sha256, entries, fileId);
  }

  addSource(source: { fileId: number; name: string; exportedAt: string | null; origin: string }): number {
    return Number(
      this.db
        .prepare('INSERT INTO sources (file_id, name, exported_at, origin) VALUES (?, ?, ?, ?)')
        .run(source.fileId, source.name, source.exportedAt, source.origin).lastInsertRowid,
    );
  }

  /** Inserts a batch of entries in one transaction. */
  insertEntries(entries: readonly NewEntry[]): void {
    // Prepared here, not on open: a database staged before origin_line existed opens for everything else.
    const run = this.db.prepare(
      `INSERT INTO entries (file_id, source_id, origin_line, origin_text, tree, key, value, value_sha256,
                            value_redacted, family, target, record, problem, reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const e of entries) {
        const line = /^line ([1-9][0-9]*)$/.exec(e.origin)?.[1];
        run.run(
          e.fileId,
          e.sourceId,
          line === undefined ? null : Number(line),
          line === undefined ? e.origin : null,
          e.tree,
          e.key,
          e.value,
          e.valueSha256,
          e.valueRedacted ? 1 : 0,
          e.family,
          e.target,
          e.record,
          e.problem,
          e.reason,
        );
      }
    })();
  }

  /**
   * Before the stager's bulk insert: the rollback journal in memory (appended
   * pages need none; WAL would write every page twice), no fsync, a bigger page
   * cache, and the indexes already there (kept up as rows are appended, which
   * overlaps with the reading thread; built afterwards they would take three
   * more passes over the table). A staging that does not finish is deleted
   * whole, so there is nothing for a journal or fsync to protect until endBulk.
   *
   * No foreign-key or CHECK checks per row either: the writer adds the files
   * and sources its rows point to itself (and checks their ids), and the one
   * CHECK (outcome) is on a column the bulk leaves at its default. Together
   * they were about a sixth of an insert's cost on the benchmark's rows.
   */
  beginBulk(): void {
    // WAL cannot go straight to OFF or MEMORY (SQLite keeps WAL without a word); DELETE first.
    this.db.pragma('journal_mode = DELETE');
    this.db.pragma('journal_mode = MEMORY');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('cache_size = -16384');
    this.db.pragma('foreign_keys = OFF');
    this.db.pragma('ignore_check_constraints = ON');
    this.db.exec(INDEXES);
  }

  /**
   * After the bulk insert: WAL again, every page on disk (one fsync: the bulk
   * wrote none), and statistics from a sample rather than a pass over every row.
   */
  endBulk(): void {
    this.db.pragma('ignore_check_constraints = OFF');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    this.db.pragma('analysis_limit = 1000');
    const fd = fs.openSync(this.file, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** After the bulk insert: indexes and statistics. */
  finishStaging(state: SledImportState, message: string | null): void {
    if (state === 'staged') {
      this.db.exec(INDEXES);
      this.db.exec('ANALYZE');
    }
    this.setMeta('state', state);
    this.setMeta('message', message);
  }

  /** Entries of a family, in order, after `afterId`, at most `limit`. */
  entriesOf(family: SledFamily, afterId: number, limit: number): StagedEntry[] {
    return (
      this.db
        .prepare('SELECT * FROM entries WHERE family = ? AND id > ? ORDER BY id LIMIT ?')
        .all(family, afterId, limit) as EntryRow[]
    ).map(entryFromRow);
  }

  /** Records outcomes of a loaded batch in one transaction. */
  setOutcomes(
    outcomes: ReadonlyArray<{
      id: number;
      outcome: StagedEntry['outcome'];
      reason: string | null;
      targetId: number | null;
    }>,
  ): void {
    const update = this.db.prepare('UPDATE entries SET outcome = ?, outcome_reason = ?, target_id = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const o of outcomes) update.run(o.outcome, o.reason, o.targetId, o.id);
    })();
  }
}
