/**
 * Reading and checking the structure of a snapshot file (format.ts): the meta
 * keys, the snapshot_tables rows and the data tables' columns. Everything read
 * from the file is treated as untrusted: an imported file may be anything.
 */
import type Database from 'better-sqlite3';
import type { CatalogModel } from '../../../common/catalog';
import { OpsError } from '../../../common/errors';
import {
  SNAPSHOT_FORMAT,
  SNAPSHOT_FORMAT_VERSION,
  type SnapshotColumn,
  type SnapshotMigration,
  type SnapshotStorage,
  type SnapshotTable,
} from '../../../common/snapshots';
import { META_KEYS, dataColumnName, sqliteType, type MetaKey } from './format';

export type SnapshotMeta = Record<MetaKey, string>;

/** One captured table and the data table (`d_<ord>`) that holds its rows. */
export interface StoredTable {
  ord: number;
  dataTable: string;
  table: SnapshotTable;
}

const NOT_A_SNAPSHOT_HINT = 'Choose a .snapshot file exported by ops-console.';
const DATA_TABLE = /^d_[0-9]{1,9}$/;
const STORAGES: readonly SnapshotStorage[] = ['integer', 'boolean', 'blob', 'text'];

export function notSnapshot(label: string, reason: string): OpsError {
  return new OpsError('invalid_input', `${label} is not an ops-console snapshot (${reason})`, {
    hint: NOT_A_SNAPSHOT_HINT,
  });
}

export function damagedSnapshot(label: string, reason: string): OpsError {
  return new OpsError('invalid_input', `${label} is damaged or truncated (${reason})`, {
    hint: 'Copy or export the snapshot again from where it was captured; the whole file is needed.',
  });
}

export function alteredSnapshot(label: string, reason: string): OpsError {
  return new OpsError('invalid_input', `${label} was altered since it was captured (${reason})`, {
    hint: 'Only an unmodified snapshot file can be used. Export it again from where it was captured.',
  });
}

/** Maps what better-sqlite3 throws while reading an untrusted file to a clear OpsError. */
export function sqliteFailure(label: string, error: unknown): OpsError {
  if (error instanceof OpsError) return error;
  const code = errorCode(error);
  const message = errorMessage(error);
  if (code === 'SQLITE_NOTADB') return notSnapshot(label, 'file is not a database');
  if (code.startsWith('SQLITE_CORRUPT')) return damagedSnapshot(label, message);
  // "no such table/column", a malformed schema: a SQLite file, but not one of ours.
  if (code === 'SQLITE_ERROR') return notSnapshot(label, message);
  return new OpsError('unavailable', `Cannot read ${label}`, { detail: message, cause: error });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorCode(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}

/** The file's table names; the first read of the file, so a non-database fails here. */
export function readTableNames(db: Database.Database): Set<string> {
  const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
  return new Set(names.filter((name): name is string => typeof name === 'string'));
}

export function readMeta(db: Database.Database, tableNames: Set<string>, label: string): SnapshotMeta {
  if (!tableNames.has('meta')) throw notSnapshot(label, 'it has no meta table');
  const values = new Map<string, string>();
  for (const row of db.prepare('SELECT key, value FROM meta').raw().all() as unknown[][]) {
    const [key, value] = row;
    if (typeof key === 'string' && typeof value === 'string') values.set(key, value);
  }
  const format = values.get('format');
  if (format !== SNAPSHOT_FORMAT) {
    throw notSnapshot(label, format === undefined ? 'no format in its meta table' : `its format is "${format}"`);
  }
  const versionText = values.get('format_version') ?? '';
  if (!/^[0-9]{1,9}$/.test(versionText)) throw notSnapshot(label, `format version "${versionText}" is not a number`);
  const version = Number(versionText);
  if (version > SNAPSHOT_FORMAT_VERSION) {
    throw new OpsError(
      'invalid_input',
      `${label} was written by a newer ops-console (format ${version}); this build reads format ${SNAPSHOT_FORMAT_VERSION}`,
      { hint: 'Upgrade ops-console to open it.' },
    );
  }
  if (version === 1) {
    throw new OpsError(
      'invalid_input',
      `${label} was written by an older ops-console (format 1, whose content hash this build no longer computes)`,
      { hint: 'Capture the database again with this version (format 2).' },
    );
  }
  if (version !== SNAPSHOT_FORMAT_VERSION) throw notSnapshot(label, `unknown format version ${version}`);
  const missing = META_KEYS.filter((key) => !values.has(key));
  if (missing.length > 0) throw notSnapshot(label, `its meta table lacks ${missing.join(', ')}`);
  const meta = Object.fromEntries(META_KEYS.map((key) => [key, values.get(key) ?? ''])) as SnapshotMeta;
  if (meta.id === '') throw notSnapshot(label, 'its id is empty');
  if (meta.row_limit !== '' && !/^[0-9]{1,15}$/.test(meta.row_limit)) {
    throw notSnapshot(label, `row_limit "${meta.row_limit}" is not a number`);
  }
  if (!/^[0-9a-f]{64}$/.test(meta.content_sha256)) throw notSnapshot(label, 'content_sha256 is not a SHA-256');
  return meta;
}

export function readTables(db: Database.Database, tableNames: Set<string>, label: string): StoredTable[] {
  if (!tableNames.has('snapshot_tables')) throw notSnapshot(label, 'it has no snapshot_tables table');
  const rows = db
    .prepare(
      `SELECT ord, schema_name, table_name, data_table, row_count, duration_ms, truncated, columns_json, key_columns_json
         FROM snapshot_tables ORDER BY ord`,
    )
    .raw()
    .all() as unknown[][];
  const stored: StoredTable[] = [];
  const names = new Set<string>();
  const dataTables = new Set<string>();
  for (const row of rows) {
    const [ord, schema, name, dataTable, rowCount, durationMs, truncated, columnsJson, keyColumnsJson] = row;
    const what = typeof schema === 'string' && typeof name === 'string' ? `${schema}.${name}` : `#${String(ord)}`;
    const bad = (field: string) => notSnapshot(label, `snapshot_tables has a malformed ${field} for ${what}`);
    if (typeof schema !== 'string' || typeof name !== 'string') throw bad('name');
    if (!isCount(ord)) throw bad('ord');
    if (typeof dataTable !== 'string' || !DATA_TABLE.test(dataTable)) throw bad('data_table');
    if (!tableNames.has(dataTable)) throw notSnapshot(label, `the data table of ${what} is missing`);
    if (!isCount(rowCount)) throw bad('row_count');
    if (!isCount(durationMs)) throw bad('duration_ms');
    if (truncated !== 0 && truncated !== 1) throw bad('truncated');
    const columns = parseColumns(columnsJson);
    if (!columns) throw bad('columns_json');
    const keyColumns = parseStrings(keyColumnsJson);
    if (!keyColumns || keyColumns.some((key) => !columns.some((column) => column.name === key))) {
      throw bad('key_columns_json');
    }
    if (names.has(what) || dataTables.has(dataTable)) throw notSnapshot(label, `${what} appears twice`);
    names.add(what);
    dataTables.add(dataTable);
    stored.push({
      ord,
      dataTable,
      table: { schema, name, rows: rowCount, durationMs, truncated: truncated === 1, columns, keyColumns },
    });
  }
  return stored;
}

/**
 * Every data table has `rid` and one `c_<i>` per column with the SQLite type
 * of its storage, and nothing else. One query for all tables.
 */
export function checkDataTables(db: Database.Database, stored: readonly StoredTable[], label: string): void {
  const rows = db
    .prepare(
      `SELECT m.name, p.name, p.type
         FROM sqlite_master AS m, pragma_table_info(m.name) AS p
        WHERE m.type = 'table' AND m.name GLOB 'd_[0-9]*'`,
    )
    .raw()
    .all() as unknown[][];
  const declared = new Map<string, Map<string, string>>();
  for (const [table, column, type] of rows) {
    if (typeof table !== 'string' || typeof column !== 'string') continue;
    const columns = declared.get(table) ?? new Map<string, string>();
    columns.set(column, typeof type === 'string' ? type.toUpperCase() : '');
    declared.set(table, columns);
  }
  for (const { dataTable, table } of stored) {
    const columns = declared.get(dataTable);
    const matches =
      columns !== undefined &&
      columns.size === table.columns.length + 1 &&
      columns.get('rid') === 'INTEGER' &&
      table.columns.every((column, i) => columns.get(dataColumnName(i)) === sqliteType(column.storage));
    if (!matches)
      throw notSnapshot(label, `the data table of ${table.schema}.${table.name} does not match its columns`);
  }
}

export function parseMigrations(json: string, label: string): SnapshotMigration[] {
  const value = parseJson(json);
  const ok =
    Array.isArray(value) &&
    value.every(
      (item) =>
        isRecord(item) &&
        typeof item.version === 'number' &&
        typeof item.description === 'string' &&
        typeof item.installedOn === 'string' &&
        typeof item.success === 'boolean' &&
        typeof item.checksum === 'string',
    );
  if (!ok) throw notSnapshot(label, 'migrations_json is malformed');
  return value as SnapshotMigration[];
}

/** A structural check of the catalog model's top level; its parts are plain JSON the views read. */
export function parseCatalog(json: string, label: string): CatalogModel {
  const value = parseJson(json);
  const ok =
    isRecord(value) &&
    typeof value.database === 'string' &&
    typeof value.serverVersion === 'string' &&
    typeof value.capturedAt === 'string' &&
    typeof value.durationMs === 'number' &&
    ['schemas', 'relations', 'functions', 'sequences', 'enums'].every((key) => Array.isArray(value[key]));
  if (!ok) throw notSnapshot(label, 'catalog_json is malformed');
  return value as unknown as CatalogModel;
}

function parseColumns(json: unknown): SnapshotColumn[] | null {
  const value = typeof json === 'string' ? parseJson(json) : undefined;
  if (!Array.isArray(value)) return null;
  const columns: SnapshotColumn[] = [];
  for (const item of value) {
    if (!isRecord(item) || typeof item.name !== 'string' || typeof item.type !== 'string') return null;
    const storage = STORAGES.find((s) => s === item.storage);
    if (!storage) return null;
    columns.push({ name: item.name, type: item.type, storage });
  }
  return columns;
}

function parseStrings(json: unknown): string[] | null {
  const value = typeof json === 'string' ? parseJson(json) : undefined;
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
