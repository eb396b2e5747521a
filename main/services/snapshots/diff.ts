/**
 * A whole diff between two sides, each a snapshot or the live database: the
 * schema (schema-diff.ts), the row count of every table on either side, and
 * the rows of the tables both sides hold (row-diff.ts).
 *
 * Which tables get a row comparison: those on both sides, with a primary key
 * (the same columns on both), captured whole, and within the row limit on
 * both sides. The rest get a RowDiff that says why it was skipped. A table
 * on one side only has no RowDiff: the schema diff reports it, and its row
 * count shows null on the other side.
 *
 * Columns. When the two sides' column lists differ (a column added or dropped
 * in between), the rows are compared on the columns both sides have, in the
 * left side's order, and RowDiff.columns lists exactly those; the schema diff
 * reports the added and removed columns. Only a primary key that is not
 * among the shared columns prevents the comparison. A column whose type
 * changed is compared by its text form.
 *
 * Tables are read one after the other; for each, both sides are read at once.
 * A live side therefore needs one client, and each side its own.
 */
import type { CatalogModel } from '../../../common/catalog';
import type { DiffSide, RowDiff, SnapshotDiff } from '../../../common/snapshots';
import { diffRows, type RowSource } from './row-diff';
import { compareCodePoints, diffCatalogs } from './schema-diff';

export interface DiffTable {
  schema: string;
  name: string;
  /** Rows on this side when known (a snapshot's captured count); null to count them through the source. */
  rows: number | null;
  /** A row limit cut the capture short: the rows cannot be compared. */
  truncated: boolean;
  /** Primary key columns; empty when the table has none. */
  keyColumns: string[];
  /** The columns the source yields, in that order. */
  columns: string[];
  source: RowSource;
}

export interface DiffInput {
  side: DiffSide;
  catalog: CatalogModel;
  tables: DiffTable[];
}

export interface DiffOptions {
  /** Compare the rows of tables with at most this many rows on each side. */
  rowLimit: number;
  /** Rows reported per table and category (the counts cover all); 200 when absent. */
  reportLimit?: number;
  /** Told when a table's rows were not in key order and a hash join compared them instead. */
  onOrderMismatch?: (table: string, detail: string) => void;
}

export async function diffSnapshotSources(
  left: DiffInput,
  right: DiffInput,
  options: DiffOptions,
): Promise<SnapshotDiff> {
  const schema = diffCatalogs(left.catalog, right.catalog);
  const pairs = pairTables(left.tables, right.tables);
  const rowCounts: SnapshotDiff['rowCounts'] = [];
  const rows: RowDiff[] = [];
  for (const pair of pairs) {
    const leftTable = pair.left && withKnownCount(pair.left);
    const rightTable = pair.right && withKnownCount(pair.right);
    rowCounts.push({
      table: pair.name,
      left: leftTable ? await leftTable.source.count() : null,
      right: rightTable ? await rightTable.source.count() : null,
    });
    if (leftTable && rightTable) rows.push(await diffTable(pair.name, leftTable, rightTable, options));
  }
  return { left: left.side, right: right.side, schema, rowCounts, rows };
}

async function diffTable(name: string, left: DiffTable, right: DiffTable, options: DiffOptions): Promise<RowDiff> {
  const shared = left.columns.filter((column) => right.columns.includes(column));
  const skip = (reason: string): RowDiff => ({
    table: name,
    keyColumns: left.keyColumns,
    columns: shared,
    added: [],
    removed: [],
    changed: [],
    skipped: reason,
  });
  if (left.truncated || right.truncated) {
    const which =
      left.truncated && right.truncated ? 'both sides hold' : `the ${left.truncated ? 'left' : 'right'} side holds`;
    return skip(`${which} only part of the table (a row limit cut the capture short)`);
  }
  if (left.keyColumns.length === 0 || right.keyColumns.length === 0) {
    const which =
      left.keyColumns.length === right.keyColumns.length ? '' : ` on the ${left.keyColumns.length ? 'right' : 'left'}`;
    return skip(`no primary key${which}`);
  }
  if (left.keyColumns.join('\0') !== right.keyColumns.join('\0')) {
    return skip(
      `the primary key differs: (${left.keyColumns.join(', ')}) on the left, (${right.keyColumns.join(', ')}) on the right`,
    );
  }
  const lost = left.keyColumns.find((column) => !shared.includes(column));
  if (lost !== undefined) return skip(`the key column ${lost} is not on both sides`);
  return diffRows(project(left, shared), project(right, shared), {
    table: name,
    keyColumns: left.keyColumns,
    columns: shared,
    limit: options.rowLimit,
    reportLimit: options.reportLimit,
    onOrderMismatch: options.onOrderMismatch && ((detail) => options.onOrderMismatch?.(name, detail)),
  });
}

interface TablePair {
  name: string;
  left: DiffTable | undefined;
  right: DiffTable | undefined;
}

/** Both sides' tables matched by schema and name, ordered by "schema.name". */
function pairTables(left: DiffTable[], right: DiffTable[]): TablePair[] {
  const pairs = new Map<string, TablePair>();
  const pairOf = (table: DiffTable): TablePair => {
    const key = JSON.stringify([table.schema, table.name]);
    let pair = pairs.get(key);
    if (!pair) {
      pair = { name: `${table.schema}.${table.name}`, left: undefined, right: undefined };
      pairs.set(key, pair);
    }
    return pair;
  };
  for (const table of left) pairOf(table).left = table;
  for (const table of right) pairOf(table).right = table;
  return [...pairs.values()].sort((a, b) => compareCodePoints(a.name, b.name));
}

/** The table with a count that is asked of the source at most once (a live count reads the whole table). */
function withKnownCount(table: DiffTable): DiffTable {
  let counted: Promise<number> | null = table.rows === null ? null : Promise.resolve(table.rows);
  const source: RowSource = {
    keyOrder: table.source.keyOrder,
    count: () => (counted ??= table.source.count()),
    rows: () => table.source.rows(),
  };
  return { ...table, source };
}

/** The source's rows cut down to `columns` (a subset of the table's), in that order. */
function project(table: DiffTable, columns: string[]): RowSource {
  if (columns.length === table.columns.length && columns.every((column, i) => table.columns[i] === column)) {
    return table.source;
  }
  const indexes = columns.map((column) => table.columns.indexOf(column));
  const source = table.source;
  return {
    keyOrder: source.keyOrder,
    count: () => source.count(),
    async *rows() {
      for await (const row of source.rows()) yield indexes.map((i) => row[i] ?? null);
    },
  };
}
