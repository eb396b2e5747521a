import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { SnapshotColumn } from '../../../common/snapshots';
import type { MetaKey } from './format';
import { dataColumnName, dataTableName, META_KEYS, SNAPSHOT_SCHEMA_SQL, sqliteType } from './format';
import type { CapturedValue } from './value-codec';

/** SQLite allows 32 766 parameters per statement; a multi-row INSERT stays well below. */
const MAX_PARAMETERS = 8_000;
const MAX_ROWS_PER_INSERT = 64;

export interface TableRecord {
  ord: number;
  schema: string;
  name: string;
  rows: number;
  durationMs: number;
  truncated: boolean;
  columns: SnapshotColumn[];
  keyColumns: string[];
}

/**
 * Writes one snapshot file (format.ts) synchronously — it runs in the capture
 * worker, never on the main thread. The file is a `.partial` nobody reads
 * until it is renamed, so it is written without a journal: a crash leaves a
 * partial the next start deletes. It is fsynced once at the end; so that this
 * last fsync has little left to write, every committed batch also starts a
 * background fdatasync (one at a time, on libuv's thread pool) while the
 * capture goes on writing. Rows go
 * in through reused multi-row INSERTs inside transactions of `batchRows` rows
 * (the content hash is computed from the COPY bytes, see content-hash.ts).
 */
export class SnapshotWriter {
  private readonly db: Database.Database;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private rowsInTransaction = 0;
  private closed = false;
  /** The descriptor the background fdatasyncs use, and whether one is running. */
  private syncFd: number | null = null;
  private syncing = false;

  constructor(
    private readonly file: string,
    private readonly batchRows: number,
    nativeBinding: string | null = null,
  ) {
    this.db = new Database(file, nativeBinding === null ? {} : { nativeBinding });
    try {
      // page_size must be set before the first table exists. Rows are appended in rowid order, so
      // big pages mean fewer B-tree page splits and writes: about a third less SQLite time than 8 KiB.
      this.db.pragma('page_size = 32768');
      this.db.pragma('journal_mode = OFF');
      this.db.pragma('synchronous = OFF');
      this.db.pragma('locking_mode = EXCLUSIVE');
      // A bounded page cache (KiB), whatever the table size.
      this.db.pragma('cache_size = -16384');
      this.db.exec(SNAPSHOT_SCHEMA_SQL);
      this.begin = this.db.prepare('BEGIN');
      this.commit = this.db.prepare('COMMIT');
      this.begin.run();
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  /** Creates d_<ord> and returns the sink its rows go through. */
  table(ord: number, columns: readonly SnapshotColumn[]): TableSink {
    const table = dataTableName(ord);
    const definitions = columns.map((c, i) => `, ${dataColumnName(i)} ${sqliteType(c.storage)}`).join('');
    this.db.exec(`CREATE TABLE ${table} (rid INTEGER PRIMARY KEY${definitions}) STRICT`);
    return new TableSink(this.db, table, columns, (rows) => this.rowsWritten(rows));
  }

  recordTable(record: TableRecord): void {
    this.db
      .prepare(
        `INSERT INTO snapshot_tables (ord, schema_name, table_name, data_table, row_count, duration_ms, truncated,
                                      columns_json, key_columns_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.ord,
        record.schema,
        record.name,
        dataTableName(record.ord),
        record.rows,
        Math.round(record.durationMs),
        record.truncated ? 1 : 0,
        JSON.stringify(record.columns),
        JSON.stringify(record.keyColumns),
      );
  }

  /** Writes the meta rows, commits, closes and fsyncs the file. */
  finish(meta: Record<MetaKey, string>): void {
    const insert = this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    for (const key of META_KEYS) insert.run(key, meta[key]);
    this.commit.run();
    this.closed = true;
    this.db.close();
    this.releaseSyncFd();
    const fd = fs.openSync(this.file, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Closes without finishing (cancel, failure); the caller deletes the file. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    this.releaseSyncFd();
    try {
      this.db.close();
    } catch {
      // Closing is best effort: the file is deleted next.
    }
  }

  /** Starts writing what is committed so far to disk, unless that is already under way. */
  private syncInBackground(): void {
    if (this.syncing || this.closed) return;
    try {
      this.syncFd ??= fs.openSync(this.file, 'r');
    } catch {
      return; // Only an early start of the final fsync: nothing depends on it.
    }
    this.syncing = true;
    fs.fdatasync(this.syncFd, () => {
      this.syncing = false;
      if (this.closed) this.releaseSyncFd();
    });
  }

  /** Closes the background fdatasync's descriptor now, or when the one running ends. */
  private releaseSyncFd(): void {
    if (this.syncFd === null || this.syncing) return;
    fs.closeSync(this.syncFd);
    this.syncFd = null;
  }

  private rowsWritten(rows: number): void {
    this.rowsInTransaction += rows;
    if (this.rowsInTransaction >= this.batchRows) {
      this.commit.run();
      this.begin.run();
      this.rowsInTransaction = 0;
      this.syncInBackground();
    }
  }
}

/**
 * The rows of one table: buffered into multi-row INSERTs; `flush` writes the
 * rest at the table's end. A text column's parameter is CAST to TEXT, so its
 * value can be bound as UTF-8 bytes straight from COPY: SQLite takes a BLOB
 * cast to TEXT as text in the database encoding (UTF-8), byte for byte, and
 * no JavaScript string is made on the way (a string binds as itself).
 */
export class TableSink {
  private readonly width: number;
  private readonly rowsPerInsert: number;
  private readonly many: Database.Statement | null;
  private readonly one: Database.Statement;
  /** The parameters of the next multi-row INSERT, filled in place. */
  private readonly pending: CapturedValue[];
  private pendingValues = 0;
  private pendingRows = 0;
  rows = 0;

  constructor(
    db: Database.Database,
    table: string,
    columns: readonly SnapshotColumn[],
    private readonly onRows: (rows: number) => void,
  ) {
    const width = columns.length;
    this.width = width;
    const tuple =
      width === 0 ? '' : `(${columns.map((c) => (c.storage === 'text' ? 'CAST(? AS TEXT)' : '?')).join(', ')})`;
    const names = Array.from({ length: width }, (_, i) => dataColumnName(i)).join(', ');
    this.rowsPerInsert =
      width === 0 ? 1 : Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMETERS / width)));
    this.one = db.prepare(
      width === 0 ? `INSERT INTO ${table} DEFAULT VALUES` : `INSERT INTO ${table} (${names}) VALUES ${tuple}`,
    );
    this.many =
      this.rowsPerInsert > 1
        ? db.prepare(
            `INSERT INTO ${table} (${names}) VALUES ${new Array<string>(this.rowsPerInsert).fill(tuple).join(', ')}`,
          )
        : null;
    this.pending = new Array<CapturedValue>(this.rowsPerInsert * width).fill(null);
  }

  write(values: readonly CapturedValue[]): void {
    this.rows += 1;
    if (this.many === null) {
      this.one.run(values);
      this.onRows(1);
      return;
    }
    const pending = this.pending;
    let at = this.pendingValues;
    for (let i = 0; i < values.length; i++) pending[at++] = values[i]!;
    this.pendingValues = at;
    this.pendingRows += 1;
    if (this.pendingRows === this.rowsPerInsert) this.flush();
  }

  /** Writes what is buffered (at the table's end: the last, partial INSERT). */
  flush(): void {
    const rows = this.pendingRows;
    if (rows === 0) return;
    if (rows === this.rowsPerInsert && this.many !== null) {
      this.many.run(this.pending);
    } else {
      for (let row = 0; row < rows; row++) {
        this.one.run(this.pending.slice(row * this.width, (row + 1) * this.width));
      }
    }
    this.pending.fill(null);
    this.pendingValues = 0;
    this.pendingRows = 0;
    this.onRows(rows);
  }
}
