/**
 * The snapshot file: one SQLite database (better-sqlite3), written by a capture
 * into `<data>/snapshots/<id>.snapshot.partial` and renamed to
 * `<id>.snapshot` only when complete. Anything `*.partial` found at start-up is
 * what a cancelled, failed or killed capture left, and is deleted.
 *
 * Tables:
 * - `meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`: the keys in META_KEYS.
 * - `snapshot_tables`: one row per captured table, in capture order; `data_table`
 *   names its data table (`d_<ord>`), `columns_json` is SnapshotColumn[] and
 *   `key_columns_json` the primary key's column names.
 * - `d_<ord>`: the rows of one table, in capture order (`rid` 1..n), one column
 *   `c_<i>` per source column i (0-based), with the SQLite type of its storage:
 *   INTEGER (integer, boolean), BLOB (bytea), TEXT (everything else; see
 *   common/snapshots.ts for the mapping).
 *
 * `content_sha256` is the SHA-256 over one line per table, in capture order:
 * `["schema","name"] <hex>\n` (the names as a JSON array), where <hex> is the
 * SHA-256 of the table's rows in PostgreSQL's COPY text format — exactly the
 * bytes `COPY … TO STDOUT` sent at capture (tab-separated fields, `\N` for
 * NULL, COPY's backslash escapes, one `\n` per row). An import or an integrity
 * check turns the stored rows back into that text (content-hash.ts copyField)
 * and compares: a file altered after capture is refused.
 */
import type { SnapshotStorage } from '../../../common/snapshots';

export const SNAPSHOT_EXTENSION = '.snapshot';
export const PARTIAL_EXTENSION = '.snapshot.partial';

export const META_KEYS = [
  /** 'ops-console-snapshot' */
  'format',
  /** '1' */
  'format_version',
  'id',
  'name',
  'database',
  'server_version',
  /** The profile name, or '' for a URL. */
  'source_profile',
  /** host:port/database as user, never a password. */
  'source_target',
  'started_at',
  'finished_at',
  /** Decimal, or '' for all rows. */
  'row_limit',
  /** The --tables pattern, or ''. */
  'table_pattern',
  /** JSON CatalogModel at capture time. */
  'catalog_json',
  /** JSON SnapshotMigration[] from _sqlx_migrations (or []). */
  'migrations_json',
  /** Hex SHA-256 of the row data (see above). */
  'content_sha256',
] as const;
export type MetaKey = (typeof META_KEYS)[number];

export const SNAPSHOT_SCHEMA_SQL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE snapshot_tables (
  ord              INTEGER PRIMARY KEY,
  schema_name      TEXT NOT NULL,
  table_name       TEXT NOT NULL,
  data_table       TEXT NOT NULL UNIQUE,
  row_count        INTEGER NOT NULL,
  duration_ms      INTEGER NOT NULL,
  truncated        INTEGER NOT NULL,
  columns_json     TEXT NOT NULL,
  key_columns_json TEXT NOT NULL,
  UNIQUE (schema_name, table_name)
) STRICT;
`;

export function dataTableName(ord: number): string {
  return `d_${ord}`;
}

export function dataColumnName(index: number): string {
  return `c_${index}`;
}

export function sqliteType(storage: SnapshotStorage): 'INTEGER' | 'BLOB' | 'TEXT' {
  return storage === 'integer' || storage === 'boolean' ? 'INTEGER' : storage === 'blob' ? 'BLOB' : 'TEXT';
}

/** How a PostgreSQL column is stored, from its type's oid/name (see common/snapshots.ts). */
export function storageFor(typeName: string): SnapshotStorage {
  switch (typeName) {
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'oid':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'bytea':
      return 'blob';
    default:
      return 'text';
  }
}
