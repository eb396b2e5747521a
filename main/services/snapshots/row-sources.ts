/**
 * The two kinds of RowSource a diff reads: a snapshot's data table (SQLite)
 * and a live table (PostgreSQL). Both yield each value in the same text form
 * and sort by the key in the order row-diff.ts defines (KeyOrder), so the
 * diff can merge them as they stream.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { RelationKind } from '../../../common/catalog';
import type { SnapshotColumn } from '../../../common/snapshots';
import { quoteIdent, quoteQualified } from '../catalog/quote';
import { dataColumnName } from './format';
import type { KeyOrder, RowSource, RowValues } from './row-diff';

/** What a source needs to know of a column: its name and how a snapshot stores it. */
export type SourceColumn = Pick<SnapshotColumn, 'name' | 'storage'>;

/**
 * Integer keys sort numerically on both sides; every other storage sorts by
 * the bytes of its text form (booleans f < t and bytea's lowercase hex already
 * sort like their values, so those sides may use the native order).
 */
export function keyOrderOf(column: SourceColumn): KeyOrder {
  return column.storage === 'integer' ? 'integer' : 'text';
}

function keyColumnsOf(columns: readonly SourceColumn[], keyColumns: readonly string[]): SourceColumn[] {
  return keyColumns.map((name) => {
    const column = columns.find((c) => c.name === name);
    if (!column) throw new Error(`the key column ${name} is not among the table's columns`);
    return column;
  });
}

/** Rows handed over between pauses, so a long read never holds up the event loop for long. */
const ROWS_PER_TURN = 1000;

/** A stored SQLite value (safeIntegers on) in the text form a live table yields. */
export function storedToText(value: unknown, storage: SnapshotColumn['storage']): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  }
  if (storage === 'boolean' && (typeof value === 'bigint' || typeof value === 'number')) {
    return value === 0n || value === 0 ? 'f' : 't';
  }
  if (typeof value === 'string' || typeof value === 'bigint' || typeof value === 'number') return String(value);
  throw new TypeError(`a snapshot holds no ${typeof value} values`);
}

function sqliteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The rows of a snapshot's data table `d_<ord>`, whose column `c_<i>` holds
 * columns[i]. Text keys sort with the BINARY collation: memcmp over UTF-8,
 * the byte order KeyOrder 'text' means.
 */
export function snapshotRowSource(
  db: Database.Database,
  dataTable: string,
  columns: readonly SourceColumn[],
  keyColumns: readonly string[],
): RowSource {
  const keys = keyColumnsOf(columns, keyColumns);
  const table = sqliteIdent(dataTable);
  const select = columns.map((_, i) => sqliteIdent(dataColumnName(i))).join(', ');
  const orderBy = keys.map((key) => `${sqliteIdent(dataColumnName(columns.indexOf(key)))} COLLATE BINARY`).join(', ');
  const countStatement = db.prepare<[], bigint>(`SELECT count(*) FROM ${table}`).pluck().safeIntegers(true);
  const rowsStatement = db
    .prepare<[], unknown[]>(`SELECT ${select || 'NULL'} FROM ${table} ORDER BY ${orderBy || 'rowid'}`)
    .raw(true)
    .safeIntegers(true);
  return {
    keyOrder: keys.map(keyOrderOf),
    count: async () => Number(countStatement.get() ?? 0n),
    async *rows() {
      let handed = 0;
      for (const stored of rowsStatement.iterate()) {
        yield columns.map((column, i) => storedToText(stored[i], column.storage));
        if (++handed % ROWS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

/** Every value as the server's text output, untouched by node-postgres' parsers. */
const rawText: pg.CustomTypesConfig = {
  getTypeParser: (() => (text: string) => text) as unknown as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * The session settings a snapshot capture reads with, so times, intervals,
 * floats and bytea print the same text on both sides of a diff.
 */
const CAPTURE_SETTINGS = [
  "SET LOCAL TimeZone = 'UTC'",
  "SET LOCAL IntervalStyle = 'postgres'",
  'SET LOCAL extra_float_digits = 1',
  "SET LOCAL DateStyle = 'ISO, YMD'",
  "SET LOCAL bytea_output = 'hex'",
  // regclass, regtype and friends print schema-qualified unless visible: the capture sees pg_catalog only.
  'SET LOCAL search_path = pg_catalog, pg_temp',
].join(';\n');

export interface LiveRowSourceOptions {
  /** Rows per FETCH from the server-side cursor. */
  batchSize?: number;
  /**
   * As the capture reads: a partitioned table with all its partitions, any
   * other table alone (ONLY: no inheritance children). Default 'table'.
   */
  kind?: RelationKind;
}

/**
 * The rows of a live table, streamed through a server-side cursor in a
 * read-only REPEATABLE READ transaction (the settings above apply to it
 * alone). Values arrive in the text protocol, so each is exactly the type's
 * output text — booleans 't'/'f', bytea '\x…', char(n) padded — which a
 * `::text` cast would not give (true::text is 'true'). Integer keys sort
 * natively; other keys by format('%s', key) — the same output text — under
 * the "C" collation, i.e. by its bytes.
 *
 * The client must be idle and outside a transaction, and serve one source at
 * a time while its rows are read: reading two tables at once needs two clients.
 */
export function liveRowSource(
  client: pg.ClientBase,
  schema: string,
  table: string,
  columns: readonly SourceColumn[],
  keyColumns: readonly string[],
  options: LiveRowSourceOptions = {},
): RowSource {
  const keys = keyColumnsOf(columns, keyColumns);
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 2000));
  const from = `${options.kind === 'partitioned_table' ? '' : 'ONLY '}${quoteQualified(schema, table)}`;
  const select = columns.map((column) => quoteIdent(column.name)).join(', ');
  const orderBy = keys
    .map((key) =>
      keyOrderOf(key) === 'integer' || key.storage === 'boolean' || key.storage === 'blob'
        ? quoteIdent(key.name)
        : `pg_catalog.format('%s', ${quoteIdent(key.name)}) COLLATE pg_catalog."C"`,
    )
    .join(', ');
  const query = `SELECT ${select || 'NULL'} FROM ${from}${orderBy ? ` ORDER BY ${orderBy}` : ''}`;
  return {
    keyOrder: keys.map(keyOrderOf),
    async count() {
      const result = await client.query<{ count: string }>(`SELECT count(*)::text AS count FROM ${from}`);
      return Number(result.rows[0]?.count ?? 0);
    },
    async *rows() {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        await client.query(CAPTURE_SETTINGS);
        await client.query(`DECLARE ops_console_row_diff NO SCROLL CURSOR FOR ${query}`);
        for (;;) {
          const batch = await client.query<RowValues>({
            text: `FETCH ${batchSize} FROM ops_console_row_diff`,
            rowMode: 'array',
            types: rawText,
          });
          yield* batch.rows;
          if (batch.rows.length < batchSize) break;
        }
      } finally {
        // Read-only: rolling back ends the cursor and the settings, and leaves nothing behind.
        await client.query('ROLLBACK').catch(() => undefined);
      }
    },
  };
}
