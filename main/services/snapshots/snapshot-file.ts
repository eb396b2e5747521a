import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { CatalogModel } from '../../../common/catalog';
import { OpsError } from '../../../common/errors';
import type {
  SnapshotColumn,
  SnapshotDetail,
  SnapshotIntegrity,
  SnapshotMigration,
  SnapshotSummary,
  SnapshotTable,
} from '../../../common/snapshots';
import { ContentHasher, type StoredValue } from './content-hash';
import { dataColumnName } from './format';
import {
  checkDataTables,
  errorMessage,
  notSnapshot,
  parseCatalog,
  parseMigrations,
  readMeta,
  readTableNames,
  readTables,
  sqliteFailure,
  type SnapshotMeta,
  type StoredTable,
} from './snapshot-validate';

export interface SnapshotFileOptions {
  /** How messages name the file; an import names the user's file rather than its working copy. */
  label?: string;
  /** Reported as `imported` in the summary (the store keeps that record, not the file). */
  imported?: boolean;
  /** A better_sqlite3.node built for the running ABI (the Electron build). */
  nativeBinding?: string;
}

/** How many problems PRAGMA integrity_check reports at most. */
const INTEGRITY_PROBLEMS = 20;

/**
 * One snapshot file, opened read-only and checked on open: a SQLite database
 * with the meta keys, a format version this build reads, well-formed
 * snapshot_tables rows and data tables with the recorded columns. Anything
 * else is refused with an OpsError('invalid_input') saying what the file is.
 *
 * Row data is read through `database` and `dataTable()`; integrity() reads all
 * of it (a statement iterator, so memory stays bounded).
 */
export class SnapshotFile {
  readonly file: string;
  readonly imported: boolean;
  readonly fileBytes: number;
  private readonly db: Database.Database;
  private readonly label: string;
  private readonly meta: SnapshotMeta;
  private readonly stored: StoredTable[];
  private readonly byName = new Map<string, StoredTable>();
  private readonly migrationList: SnapshotMigration[];
  private catalogModel: CatalogModel | undefined;

  constructor(file: string, options: SnapshotFileOptions = {}) {
    this.file = file;
    this.label = options.label ?? file;
    this.imported = options.imported ?? false;
    this.fileBytes = fileSize(file, this.label);
    if (this.fileBytes === 0) throw notSnapshot(this.label, 'the file is empty');
    let db: Database.Database;
    try {
      db = new Database(file, {
        readonly: true,
        fileMustExist: true,
        ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
      });
    } catch (error) {
      throw sqliteFailure(this.label, error);
    }
    try {
      const tableNames = readTableNames(db);
      this.meta = readMeta(db, tableNames, this.label);
      this.stored = readTables(db, tableNames, this.label);
      checkDataTables(db, this.stored, this.label);
      this.migrationList = parseMigrations(this.meta.migrations_json, this.label);
    } catch (error) {
      db.close();
      throw sqliteFailure(this.label, error);
    }
    this.db = db;
    for (const entry of this.stored) this.byName.set(tableKey(entry.table.schema, entry.table.name), entry);
  }

  /** The read-only better-sqlite3 handle; writes through it throw SQLITE_READONLY. */
  get database(): Database.Database {
    return this.db;
  }

  get id(): string {
    return this.meta.id;
  }

  get name(): string {
    return this.meta.name;
  }

  summary(): SnapshotSummary {
    const meta = this.meta;
    return {
      id: meta.id,
      name: meta.name,
      database: meta.database,
      serverVersion: meta.server_version,
      sourceProfile: meta.source_profile === '' ? null : meta.source_profile,
      sourceTarget: meta.source_target,
      startedAt: meta.started_at,
      finishedAt: meta.finished_at,
      tableCount: this.stored.length,
      rowCount: this.stored.reduce((sum, entry) => sum + entry.table.rows, 0),
      fileBytes: this.fileBytes,
      rowLimit: meta.row_limit === '' ? null : Number(meta.row_limit),
      tablePattern: meta.table_pattern === '' ? null : meta.table_pattern,
      imported: this.imported,
    };
  }

  detail(): SnapshotDetail {
    return { ...this.summary(), tables: this.tables(), migrations: this.migrations() };
  }

  /** The catalog model at capture time (parsed on first use; a malformed one is refused). */
  catalog(): CatalogModel {
    this.catalogModel ??= parseCatalog(this.meta.catalog_json, this.label);
    return this.catalogModel;
  }

  migrations(): SnapshotMigration[] {
    return this.migrationList.map((migration) => ({ ...migration }));
  }

  /** The captured tables in capture order. */
  tables(): SnapshotTable[] {
    return this.stored.map(({ table }) => ({
      ...table,
      columns: table.columns.map((column) => ({ ...column })),
      keyColumns: [...table.keyColumns],
    }));
  }

  /**
   * The data table holding a captured table's rows (`d_<ord>`, safe to put in
   * SQL as is) and its columns: column i is stored in `c_<i>` (dataColumnName),
   * rows are in capture order by `rid`. Null when the table was not captured.
   */
  dataTable(schema: string, name: string): { table: string; columns: SnapshotColumn[] } | null {
    const entry = this.byName.get(tableKey(schema, name));
    if (!entry) return null;
    return { table: entry.dataTable, columns: entry.table.columns.map((column) => ({ ...column })) };
  }

  /**
   * SQLite's own check, the stored row counts against the recorded ones, and
   * the content hash recomputed from every row against the recorded one.
   * A read that fails (a damaged page) is reported in `sqlite`, not thrown.
   */
  integrity(): SnapshotIntegrity {
    const problems: string[] = [];
    let sqlite: string[];
    try {
      sqlite = this.db.prepare(`PRAGMA integrity_check(${INTEGRITY_PROBLEMS})`).pluck().all().map(String);
    } catch (error) {
      sqlite = [errorMessage(error)];
    }
    const rowCountMismatches: SnapshotIntegrity['rowCountMismatches'] = [];
    for (const { dataTable, table } of this.stored) {
      const qualified = `${table.schema}.${table.name}`;
      try {
        const found = Number(this.db.prepare(`SELECT count(*) FROM "${dataTable}"`).pluck().get());
        if (found !== table.rows) rowCountMismatches.push({ table: qualified, recorded: table.rows, found });
      } catch (error) {
        problems.push(`${qualified}: ${errorMessage(error)}`);
      }
    }
    let contentHashOk = false;
    try {
      contentHashOk = this.contentHash() === this.meta.content_sha256;
    } catch (error) {
      problems.push(`content hash: ${errorMessage(error)}`);
    }
    if (problems.length > 0) sqlite = [...sqlite.filter((line) => line !== 'ok'), ...problems];
    const sqliteOk = sqlite.length === 1 && sqlite[0] === 'ok';
    return {
      id: this.meta.id,
      ok: sqliteOk && rowCountMismatches.length === 0 && contentHashOk,
      sqlite,
      rowCountMismatches,
      contentHashOk,
    };
  }

  /** The content hash of the stored rows (format.ts), recomputed in capture order. */
  contentHash(): string {
    const hasher = new ContentHasher();
    for (const { dataTable, table } of this.stored) {
      hasher.table(
        table.schema,
        table.name,
        table.columns.map((c) => c.storage),
      );
      const columns = table.columns.map((_, i) => `"${dataColumnName(i)}"`);
      // A table with no columns still has rows: each hashes as an empty row.
      const select = columns.length > 0 ? columns.join(', ') : 'rid';
      const statement = this.db
        .prepare(`SELECT ${select} FROM "${dataTable}" ORDER BY rid`)
        .raw(true)
        .safeIntegers(true);
      for (const row of statement.iterate()) {
        hasher.row(columns.length > 0 ? (row as StoredValue[]) : []);
      }
    }
    return hasher.hex();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function tableKey(schema: string, name: string): string {
  return `${schema}\u0000${name}`;
}

function fileSize(file: string, label: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new OpsError('not_found', `There is no file at ${label}`, { hint: 'Check the path.' });
    }
    throw new OpsError('unavailable', `Cannot read ${label}`, { detail: errorMessage(error), cause: error });
  }
  if (!stat.isFile()) throw notSnapshot(label, 'it is not a file');
  return stat.size;
}
