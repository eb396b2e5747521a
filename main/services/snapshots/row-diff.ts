/**
 * The row half of a diff: the rows of one table on two sides (a snapshot's
 * data table, or the live table) compared by primary key.
 *
 * Memory. The usual path is a merge join over two streams ordered by the key:
 * one row of each side in memory, plus the reported rows (at most
 * `reportLimit` per category, the lowest keys, so the report is the same
 * whatever path produced it).
 *
 * Ordering. A merge join is only right if both sides sort keys exactly as the
 * join compares them, and SQLite and PostgreSQL disagree on text (collations),
 * on numbers stored as text, and on more. So the order is defined here, per
 * key column, over the text form every source yields (KeyOrder), and each
 * source sorts to match it: integers numerically, everything else by the
 * UTF-8 bytes of its text form (SQLite's BINARY collation; PostgreSQL's "C"
 * collation over the type's output text; booleans f < t and bytea's \x hex
 * sort like their values). The join still checks every key it reads against
 * the previous one. When a side turns out not to be in that order (a server
 * encoding other than UTF-8, say), the join starts over as a hash join: one
 * side's rows in a Map by key, the other streamed past it. That holds one
 * side in memory, which the row limit bounds: a table over it is never
 * compared. The result is the same either way.
 */
import type { RowDiff } from '../../../common/snapshots';
import { compareCodePoints } from './schema-diff';

export type RowValues = Array<string | null>;

/**
 * How a key column is ordered: 'integer' numerically over its decimal text,
 * 'text' by the UTF-8 bytes (code points) of its text form.
 */
export type KeyOrder = 'integer' | 'text';

/** The rows of one table on one side of a diff, each value in its text form. */
export interface RowSource {
  /** The order rows() sorts each key column in; the two sides of a diff must agree. */
  readonly keyOrder: readonly KeyOrder[];
  count(): Promise<number>;
  /**
   * Every row ordered by the key columns ascending (in keyOrder), each value as
   * text: PostgreSQL's text output, decimal for integers, 't'/'f' for booleans,
   * '\x…' hex for bytea, null for NULL. May be iterated more than once.
   */
  rows(): AsyncIterable<RowValues>;
}

export interface RowDiffOptions {
  /** "schema.name", for the report. */
  table: string;
  keyColumns: string[];
  /** The columns both sources yield, in that order. */
  columns: string[];
  /** Tables with more rows than this on either side are not compared. */
  limit: number;
  /** Rows reported per category (added, removed, changed); the counts cover all. */
  reportLimit?: number;
  /** Told when a side was not in key order and the hash join took over. */
  onOrderMismatch?: (detail: string) => void;
}

export const DEFAULT_REPORT_LIMIT = 200;

export async function diffRows(left: RowSource, right: RowSource, options: RowDiffOptions): Promise<RowDiff> {
  const skip = (reason: string): RowDiff => ({
    table: options.table,
    keyColumns: options.keyColumns,
    columns: options.columns,
    added: [],
    removed: [],
    changed: [],
    skipped: reason,
  });
  if (options.keyColumns.length === 0) return skip('no primary key');
  const keyIndexes = options.keyColumns.map((name) => options.columns.indexOf(name));
  const missing = options.keyColumns.find((_, i) => keyIndexes[i] === -1);
  if (missing !== undefined) return skip(`the key column ${missing} is not among the compared columns`);
  const order = left.keyOrder;
  if (order.length !== keyIndexes.length || order.some((o, i) => right.keyOrder[i] !== o)) {
    return skip('the primary key columns have different types on the two sides');
  }
  const [leftCount, rightCount] = await Promise.all([left.count(), right.count()]);
  if (leftCount > options.limit || rightCount > options.limit) {
    const side = leftCount > options.limit ? `${leftCount} rows on the left` : `${rightCount} rows on the right`;
    return skip(`${side}, over the row limit of ${options.limit}`);
  }

  const keys = new KeyComparator(keyIndexes, order);
  let report = new Report(keys, options.reportLimit ?? DEFAULT_REPORT_LIMIT);
  try {
    await mergeJoin(left, right, keys, report);
  } catch (error) {
    if (!(error instanceof KeyOrderError)) throw error;
    options.onOrderMismatch?.(error.message);
    report = new Report(keys, options.reportLimit ?? DEFAULT_REPORT_LIMIT);
    const problem = await hashJoin(left, right, keys, report, options.limit);
    if (problem !== null) return skip(problem);
  }
  return { ...skip(''), ...report.result(), skipped: null };
}

class KeyOrderError extends Error {}

/** Compares rows by their key columns in the agreed order; a total order even on malformed values. */
class KeyComparator {
  constructor(
    private readonly indexes: readonly number[],
    private readonly order: readonly KeyOrder[],
  ) {}

  key(row: RowValues): RowValues {
    return this.indexes.map((i) => row[i] ?? null);
  }

  compare(a: RowValues, b: RowValues): number {
    for (let k = 0; k < this.indexes.length; k++) {
      const i = this.indexes[k]!;
      const c = compareValues(a[i] ?? null, b[i] ?? null, this.order[k]!);
      if (c !== 0) return c;
    }
    return 0;
  }
}

const INTEGER = /^-?\d+$/;

function compareValues(a: string | null, b: string | null, order: KeyOrder): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (order === 'integer') {
    const aInt = INTEGER.test(a);
    const bInt = INTEGER.test(b);
    // Anything that is not an integer sorts after every integer, so the order stays total.
    if (aInt && bInt) {
      const x = BigInt(a);
      const y = BigInt(b);
      if (x !== y) return x < y ? -1 : 1;
    } else if (aInt !== bInt) {
      return aInt ? -1 : 1;
    }
  }
  return compareCodePoints(a, b);
}

function sameRow(a: RowValues, b: RowValues): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** Counts every difference and keeps the `cap` lowest keys of each kind, in key order. */
class Report {
  private readonly added = new Lowest<RowValues>();
  private readonly removed = new Lowest<RowValues>();
  private readonly changed = new Lowest<{ key: RowValues; before: RowValues; after: RowValues }>();

  constructor(
    private readonly keys: KeyComparator,
    private readonly cap: number,
  ) {}

  add(row: RowValues): void {
    this.added.offer(row, row, this.keys, this.cap);
  }

  remove(row: RowValues): void {
    this.removed.offer(row, row, this.keys, this.cap);
  }

  compare(before: RowValues, after: RowValues): void {
    if (sameRow(before, after)) return;
    this.changed.offer({ key: this.keys.key(after), before, after }, after, this.keys, this.cap);
  }

  result(): Pick<RowDiff, 'added' | 'removed' | 'changed' | 'addedCount' | 'removedCount' | 'changedCount'> {
    return {
      added: this.added.items(),
      removed: this.removed.items(),
      changed: this.changed.items(),
      addedCount: this.added.count,
      removedCount: this.removed.count,
      changedCount: this.changed.count,
    };
  }
}

/** The lowest-keyed items offered, at most `cap`; cheap when offers arrive in key order (the merge join). */
class Lowest<T> {
  count = 0;
  private readonly kept: Array<{ row: RowValues; item: T }> = [];

  offer(item: T, row: RowValues, keys: KeyComparator, cap: number): void {
    this.count++;
    if (cap <= 0) return;
    const last = this.kept[this.kept.length - 1];
    if (!last || keys.compare(last.row, row) < 0) {
      if (this.kept.length < cap) this.kept.push({ row, item });
      return;
    }
    let lo = 0;
    let hi = this.kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys.compare(this.kept[mid]!.row, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.kept.splice(lo, 0, { row, item });
    if (this.kept.length > cap) this.kept.pop();
  }

  items(): T[] {
    return this.kept.map((entry) => entry.item);
  }
}

/** The source's rows, checked to arrive in strictly ascending key order. */
async function* inKeyOrder(source: RowSource, keys: KeyComparator, side: string): AsyncGenerator<RowValues> {
  let previous: RowValues | null = null;
  for await (const row of source.rows()) {
    if (previous !== null && keys.compare(previous, row) >= 0) {
      // Key values stay out of the message: it may be logged.
      const same = keys.compare(previous, row) === 0;
      throw new KeyOrderError(`the ${side} side ${same ? 'repeated a key' : 'was not in key order'}`);
    }
    previous = row;
    yield row;
  }
}

async function mergeJoin(left: RowSource, right: RowSource, keys: KeyComparator, report: Report): Promise<void> {
  const lefts = inKeyOrder(left, keys, 'left');
  const rights = inKeyOrder(right, keys, 'right');
  try {
    let [l, r] = await Promise.all([lefts.next(), rights.next()]);
    while (!l.done || !r.done) {
      const c = l.done ? 1 : r.done ? -1 : keys.compare(l.value, r.value);
      if (c < 0 && !l.done) {
        report.remove(l.value);
        l = await lefts.next();
      } else if (c > 0 && !r.done) {
        report.add(r.value);
        r = await rights.next();
      } else if (!l.done && !r.done) {
        report.compare(l.value, r.value);
        [l, r] = await Promise.all([lefts.next(), rights.next()]);
      }
    }
  } finally {
    // Ends whichever stream is still open (a cursor, a statement).
    await Promise.all([lefts.return(undefined), rights.return(undefined)]);
  }
}

/** Returns why rows could not be compared, or null when they were. */
async function hashJoin(
  left: RowSource,
  right: RowSource,
  keys: KeyComparator,
  report: Report,
  limit: number,
): Promise<string | null> {
  const byKey = new Map<string, RowValues>();
  for await (const row of left.rows()) {
    const key = JSON.stringify(keys.key(row));
    if (byKey.has(key)) return 'a key is repeated on the left';
    // Bounded by the limit even if the table grew since it was counted.
    if (byKey.size >= limit) return `the left side grew past the row limit of ${limit} while it was read`;
    byKey.set(key, row);
  }
  const seen = new Set<string>();
  for await (const row of right.rows()) {
    const key = JSON.stringify(keys.key(row));
    if (seen.has(key)) return 'a key is repeated on the right';
    if (seen.size >= limit) return `the right side grew past the row limit of ${limit} while it was read`;
    seen.add(key);
    const before = byKey.get(key);
    if (before === undefined) {
      report.add(row);
    } else {
      byKey.delete(key);
      report.compare(before, row);
    }
  }
  for (const row of byKey.values()) report.remove(row);
  return null;
}
