/**
 * Test support: writes a valid snapshot file (format.ts) from tables and rows
 * given in the test, without a PostgreSQL server or the capture engine.
 */
import Database from 'better-sqlite3';
import type { CatalogModel } from '../../../common/catalog';
import {
  SNAPSHOT_FORMAT,
  SNAPSHOT_FORMAT_VERSION,
  type SnapshotColumn,
  type SnapshotMigration,
} from '../../../common/snapshots';
import { ContentHasher, type StoredValue } from './content-hash';
import { SNAPSHOT_SCHEMA_SQL, dataColumnName, dataTableName, sqliteType, type MetaKey } from './format';

export interface TestSnapshotTable {
  schema: string;
  name: string;
  columns: SnapshotColumn[];
  keyColumns: string[];
  /** One value per column, as stored: bigint/number for integer and boolean (0/1), Buffer for blob, string for text. */
  rows: StoredValue[][];
  truncated?: boolean;
  durationMs?: number;
}

export interface TestSnapshotOptions {
  id: string;
  name: string;
  database: string;
  tables: TestSnapshotTable[];
  /** Defaults to an empty catalog of `database`. */
  catalog?: CatalogModel;
  migrations?: SnapshotMigration[];
  serverVersion?: string;
  sourceProfile?: string | null;
  sourceTarget?: string;
  startedAt?: string;
  finishedAt?: string;
  rowLimit?: number | null;
  tablePattern?: string | null;
  /** Meta values written over the computed ones (a newer format_version, a wrong content_sha256, …). */
  meta?: Partial<Record<MetaKey, string>>;
}

/** Writes `file` (replacing nothing: it must not exist) and returns the content hash it recorded. */
export function writeTestSnapshot(file: string, options: TestSnapshotOptions): { contentSha256: string } {
  const startedAt = options.startedAt ?? '2024-01-01T00:00:00.000Z';
  const db = new Database(file);
  try {
    db.pragma('journal_mode = DELETE');
    db.exec(SNAPSHOT_SCHEMA_SQL);
    const hasher = new ContentHasher();
    const insertTable = db.prepare(
      `INSERT INTO snapshot_tables (ord, schema_name, table_name, data_table, row_count, duration_ms, truncated,
                                    columns_json, key_columns_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    db.transaction(() => {
      options.tables.forEach((table, index) => {
        const ord = index + 1;
        const dataTable = dataTableName(ord);
        const columnDefs = table.columns.map((column, i) => `, "${dataColumnName(i)}" ${sqliteType(column.storage)}`);
        db.exec(`CREATE TABLE "${dataTable}" (rid INTEGER PRIMARY KEY${columnDefs.join('')}) STRICT`);
        const names = table.columns.map((_, i) => `"${dataColumnName(i)}"`);
        const insertRow =
          names.length > 0
            ? db.prepare(
                `INSERT INTO "${dataTable}" (rid, ${names.join(', ')}) VALUES (?${', ?'.repeat(names.length)})`,
              )
            : db.prepare(`INSERT INTO "${dataTable}" (rid) VALUES (?)`);
        hasher.table(
          table.schema,
          table.name,
          table.columns.map((c) => c.storage),
        );
        table.rows.forEach((row, r) => {
          checkRow(table, row, r);
          insertRow.run(r + 1, ...row.map(bindable));
          hasher.row(row);
        });
        insertTable.run(
          ord,
          table.schema,
          table.name,
          dataTable,
          table.rows.length,
          table.durationMs ?? 1,
          table.truncated ? 1 : 0,
          JSON.stringify(table.columns),
          JSON.stringify(table.keyColumns),
        );
      });
      const contentSha256 = hasher.hex();
      const meta: Record<MetaKey, string> = {
        format: SNAPSHOT_FORMAT,
        format_version: String(SNAPSHOT_FORMAT_VERSION),
        id: options.id,
        name: options.name,
        database: options.database,
        server_version: options.serverVersion ?? '16.4',
        source_profile: options.sourceProfile ?? '',
        source_target: options.sourceTarget ?? `localhost:5432/${options.database} as postgres`,
        started_at: startedAt,
        finished_at: options.finishedAt ?? startedAt,
        row_limit: options.rowLimit == null ? '' : String(options.rowLimit),
        table_pattern: options.tablePattern ?? '',
        catalog_json: JSON.stringify(options.catalog ?? emptyCatalog(options.database, startedAt)),
        migrations_json: JSON.stringify(options.migrations ?? []),
        content_sha256: contentSha256,
        ...options.meta,
      };
      const insertMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      for (const [key, value] of Object.entries(meta)) insertMeta.run(key, value);
    })();
    const recorded = db.prepare("SELECT value FROM meta WHERE key = 'content_sha256'").pluck().get();
    return { contentSha256: String(recorded) };
  } finally {
    db.close();
  }
}

export function emptyCatalog(database: string, capturedAt = '2024-01-01T00:00:00.000Z'): CatalogModel {
  return {
    database,
    serverVersion: '16.4',
    capturedAt,
    durationMs: 0,
    schemas: [],
    relations: [],
    functions: [],
    sequences: [],
    enums: [],
  };
}

/** A value the column's storage cannot hold would be converted by SQLite and no longer match its hash. */
function checkRow(table: TestSnapshotTable, row: readonly StoredValue[], index: number): void {
  if (row.length !== table.columns.length) {
    throw new TypeError(
      `${table.schema}.${table.name} row ${index}: ${row.length} values for ${table.columns.length} columns`,
    );
  }
  table.columns.forEach((column, i) => {
    const value = row[i] ?? null;
    if (value === null) return;
    const ok =
      column.storage === 'text'
        ? typeof value === 'string'
        : column.storage === 'blob'
          ? value instanceof Uint8Array
          : typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
    if (!ok) throw new TypeError(`${table.schema}.${table.name} row ${index}: ${column.name} is ${column.storage}`);
  });
}

function bindable(value: StoredValue): string | number | bigint | Buffer | null {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}
