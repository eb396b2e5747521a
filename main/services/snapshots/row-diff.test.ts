import type Database from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, runSql, type TestDatabase } from '../../../test/helpers/postgres';
import { tempSqlite, writeDataTable, type StoredRow } from './diff-test-support';
import { diffRows, type KeyOrder, type RowSource, type RowValues } from './row-diff';
import { liveRowSource, snapshotRowSource, type SourceColumn } from './row-sources';

const ITEM_COLUMNS: SourceColumn[] = [
  { name: 'id', storage: 'integer' },
  { name: 'name', storage: 'text' },
  { name: 'flag', storage: 'boolean' },
  { name: 'data', storage: 'blob' },
  { name: 'big', storage: 'integer' },
  { name: 'note', storage: 'text' },
];
const NAMES = ITEM_COLUMNS.map((c) => c.name);
const ITEMS_SQL = `CREATE SCHEMA app;
  CREATE TABLE app.items (id bigint PRIMARY KEY, name text, flag boolean, data bytea, big bigint, note text);
  CREATE TABLE app.log (at text, message text);
  CREATE TABLE app.words (w text COLLATE "und-x-icu" PRIMARY KEY, n integer);`;

// Left and right differ by: 1 a bigint past 2^53 (off by one), 2 NULL → '', 3 removed, 4 added, 5 bytea.
const LEFT_ITEMS_SQL = `INSERT INTO app.items VALUES
  (5, 'five', true, '\\xff', -9223372036854775808, 'same'),
  (1, 'one', true, '\\x0102', 9007199254740993, ''),
  (3, 'three', NULL, '\\x', 2, 'x'),
  (2, 'two', false, NULL, 1, NULL)`;
const RIGHT_ITEMS_SQL = `INSERT INTO app.items VALUES
  (1, 'one', true, '\\x0102', 9007199254740992, ''),
  (2, 'two', false, NULL, 1, ''),
  (4, 'four', false, '\\x00', 9223372036854775807, NULL),
  (5, 'five', true, '\\xfe', -9223372036854775808, 'same')`;

const L1 = ['1', 'one', 't', '\\x0102', '9007199254740993', ''];
const L2 = ['2', 'two', 'f', null, '1', null];
const L3 = ['3', 'three', null, '\\x', '2', 'x'];
const L5 = ['5', 'five', 't', '\\xff', '-9223372036854775808', 'same'];
const R1 = ['1', 'one', 't', '\\x0102', '9007199254740992', ''];
const R2 = ['2', 'two', 'f', null, '1', ''];
const R4 = ['4', 'four', 'f', '\\x00', '9223372036854775807', null];
const R5 = ['5', 'five', 't', '\\xfe', '-9223372036854775808', 'same'];

const EXPECTED_ITEMS_DIFF = {
  table: 'app.items',
  keyColumns: ['id'],
  columns: NAMES,
  added: [R4],
  removed: [L3],
  changed: [
    { key: ['1'], before: L1, after: R1 },
    { key: ['2'], before: L2, after: R2 },
    { key: ['5'], before: L5, after: R5 },
  ],
  skipped: null,
  addedCount: 1,
  removedCount: 1,
  changedCount: 3,
};

/** The left rows as a capture stores them, written out of key order. */
const LEFT_STORED: StoredRow[] = [
  [3n, 'three', null, Buffer.alloc(0), 2n, 'x'],
  [5n, 'five', 1n, Buffer.from([0xff]), -9223372036854775808n, 'same'],
  [1n, 'one', 1n, Buffer.from([1, 2]), 9007199254740993n, ''],
  [2n, 'two', 0n, null, 1n, null],
];

const WORDS = ['b', 'a', 'B', 'ab', 'a b', 'é', 'e', 'Z', '10', '9', '\uFFFD', '\u{1F600}', 'ß', 'ss', '日本'];

async function collect(source: RowSource): Promise<RowValues[]> {
  const rows: RowValues[] = [];
  for await (const row of source.rows()) rows.push(row);
  return rows;
}

describe('row diff over live tables and snapshot data tables', () => {
  let a: TestDatabase;
  let b: TestDatabase;
  let left: pg.Client;
  let right: pg.Client;
  let sqlite: ReturnType<typeof tempSqlite>;
  let snapshot: Database.Database;

  beforeAll(async () => {
    [a, b] = await Promise.all([createTestDatabase('rowdiff_a'), createTestDatabase('rowdiff_b')]);
    await runSql(a.url, `${ITEMS_SQL}; ${LEFT_ITEMS_SQL}; INSERT INTO app.log VALUES ('x', 'y');`);
    await runSql(b.url, `${ITEMS_SQL}; ${RIGHT_ITEMS_SQL}; INSERT INTO app.log VALUES ('x', 'z');`);
    left = new pg.Client({ connectionString: a.url });
    right = new pg.Client({ connectionString: b.url });
    await Promise.all([left.connect(), right.connect()]);
    sqlite = tempSqlite();
    snapshot = sqlite.db;
    writeDataTable(snapshot, 1, ITEM_COLUMNS, LEFT_STORED);
  });
  afterAll(async () => {
    sqlite?.close();
    await Promise.all([left?.end(), right?.end()]);
    await Promise.all([a?.drop(), b?.drop()]);
  });

  const liveItems = (client: pg.Client) =>
    liveRowSource(client, 'app', 'items', ITEM_COLUMNS, ['id'], { batchSize: 2 });
  const options = { table: 'app.items', keyColumns: ['id'], columns: NAMES, limit: 100 };

  it('yields every value as the capture text form, whatever the session settings, and leaves them as they were', async () => {
    await runSql(
      a.url,
      `CREATE TABLE app.kinds (id integer PRIMARY KEY, ts timestamptz, iv interval, f8 float8, num numeric, b boolean,
         by bytea, ch char(3), ip inet, js jsonb, arr text[], d date);
       INSERT INTO app.kinds VALUES (1, '2024-01-02 03:04:05.123456+02', '1 day 2 hours', 1.0 / 3, 1.50, true,
         '\\x0a', 'ab', '10.0.0.1/32', '{"b": 1, "a": [1, 2]}', '{a,"b c"}', '2024-02-29');`,
    );
    await left.query(`SET TimeZone = 'America/New_York'; SET IntervalStyle = 'iso_8601';
      SET DateStyle = 'SQL, DMY'; SET extra_float_digits = -3; SET bytea_output = 'escape'`);
    const names = ['id', 'ts', 'iv', 'f8', 'num', 'b', 'by', 'ch', 'ip', 'js', 'arr', 'd'];
    const columns = names.map(
      (name) =>
        ({
          name,
          storage: name === 'id' ? 'integer' : name === 'b' ? 'boolean' : name === 'by' ? 'blob' : 'text',
        }) as SourceColumn,
    );
    expect(await collect(liveRowSource(left, 'app', 'kinds', columns, ['id']))).toEqual([
      [
        '1',
        '2024-01-02 01:04:05.123456+00',
        '1 day 02:00:00',
        '0.3333333333333333',
        '1.50',
        't',
        '\\x0a',
        'ab ',
        '10.0.0.1',
        '{"a": [1, 2], "b": 1}',
        '{a,"b c"}',
        '2024-02-29',
      ],
    ]);
    const after = await left.query<{ tz: string; style: string }>(
      `SELECT current_setting('TimeZone') AS tz, current_setting('IntervalStyle') AS style`,
    );
    expect(after.rows[0]).toEqual({ tz: 'America/New_York', style: 'iso_8601' });
    await left.query('RESET ALL');
  });

  it('reads a table without its inheritance children, and a partitioned table with its partitions, as the capture does', async () => {
    await runSql(
      a.url,
      `CREATE TABLE app.child (extra text) INHERITS (app.log); INSERT INTO app.child VALUES ('c', 'child', 'e');
       CREATE TABLE app.parts (id integer PRIMARY KEY) PARTITION BY RANGE (id);
       CREATE TABLE app.parts_low PARTITION OF app.parts FOR VALUES FROM (0) TO (10);
       CREATE TABLE app.parts_high PARTITION OF app.parts FOR VALUES FROM (10) TO (20);
       INSERT INTO app.parts VALUES (15), (3);`,
    );
    const log = liveRowSource(left, 'app', 'log', [{ name: 'message', storage: 'text' }], []);
    expect(await collect(log)).toEqual([['y']]);
    expect(await log.count()).toBe(1);
    const idColumn: SourceColumn[] = [{ name: 'id', storage: 'integer' }];
    const parts = liveRowSource(left, 'app', 'parts', idColumn, ['id'], { kind: 'partitioned_table' });
    expect(await collect(parts)).toEqual([['3'], ['15']]);
    expect(await parts.count()).toBe(2);
  });

  it('finds rows added, removed and changed between two live tables (NULL vs empty, bigint past 2^53, bytea)', async () => {
    expect(await diffRows(liveItems(left), liveItems(right), options)).toEqual(EXPECTED_ITEMS_DIFF);
  });

  it('finds the same between a snapshot data table and the live table', async () => {
    const stored = snapshotRowSource(snapshot, 'd_1', ITEM_COLUMNS, ['id']);
    expect(await collect(stored)).toEqual([L1, L2, L3, L5]);
    expect(await stored.count()).toBe(4);
    expect(await diffRows(stored, liveItems(right), options)).toEqual(EXPECTED_ITEMS_DIFF);
    const same = await diffRows(stored, liveItems(left), options);
    expect(same).toMatchObject({ added: [], removed: [], changed: [], skipped: null, addedCount: 0, changedCount: 0 });
  });

  it('caps the reported rows per category and counts them all', async () => {
    const diff = await diffRows(liveItems(left), liveItems(right), { ...options, reportLimit: 2 });
    expect(diff.changed.map((c) => c.key)).toEqual([['1'], ['2']]);
    expect(diff.changedCount).toBe(3);
  });

  it('skips tables over the limit and tables without a primary key, comparing no rows', async () => {
    const over = await diffRows(liveItems(left), liveItems(right), { ...options, limit: 3 });
    expect(over).toMatchObject({ skipped: '4 rows on the left, over the row limit of 3', added: [], changed: [] });
    const cols: SourceColumn[] = [
      { name: 'at', storage: 'text' },
      { name: 'message', storage: 'text' },
    ];
    const log = (client: pg.Client) => liveRowSource(client, 'app', 'log', cols, []);
    const noKey = await diffRows(log(left), log(right), {
      table: 'app.log',
      keyColumns: [],
      columns: ['at', 'message'],
      limit: 100,
    });
    expect(noKey).toMatchObject({ skipped: 'no primary key', removed: [], changed: [] });
  });

  it('starts over with a hash join when a side is out of key order, ending the live cursor first', async () => {
    const shuffled: RowSource = {
      keyOrder: ['integer'],
      count: async () => 4,
      async *rows() {
        yield* [L5, L1, L3, L2];
      },
    };
    const mismatches: string[] = [];
    const diff = await diffRows(shuffled, liveItems(right), {
      ...options,
      onOrderMismatch: (detail) => mismatches.push(detail),
    });
    expect(mismatches).toEqual(['the left side was not in key order']);
    expect(diff).toEqual(EXPECTED_ITEMS_DIFF);
    // The cursor's transaction is over: the client takes a new one.
    expect(await collect(liveItems(right))).toEqual([R1, R2, R4, R5]);
  });

  it('refuses keys of different types on the two sides, and keys repeated', async () => {
    const source = (keyOrder: KeyOrder[], rows: RowValues[]): RowSource => ({
      keyOrder,
      count: async () => rows.length,
      async *rows() {
        yield* rows;
      },
    });
    const pairs = { table: 't', keyColumns: ['k'], columns: ['k', 'v'], limit: 10 };
    const types = await diffRows(source(['integer'], []), source(['text'], []), pairs);
    expect(types.skipped).toBe('the primary key columns have different types on the two sides');
    const repeated = await diffRows(
      source(
        ['text'],
        [
          ['a', '1'],
          ['a', '2'],
        ],
      ),
      source(['text'], [['a', '1']]),
      pairs,
    );
    expect(repeated).toMatchObject({ skipped: 'a key is repeated on the left', changed: [] });
  });

  it('sorts text keys the same way on both sides (byte order, whatever the column collation)', async () => {
    const wordColumns: SourceColumn[] = [
      { name: 'w', storage: 'text' },
      { name: 'n', storage: 'integer' },
    ];
    const insert = 'INSERT INTO app.words SELECT * FROM unnest($1::text[], $2::integer[])';
    const numbers = WORDS.map((_, i) => i);
    await Promise.all([left.query(insert, [WORDS, numbers]), right.query(insert, [WORDS, numbers])]);
    await right.query('UPDATE app.words SET n = -1 WHERE w = $1', ['\u{1F600}']);
    const bytes = [...WORDS].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const live = liveRowSource(left, 'app', 'words', wordColumns, ['w']);
    expect((await collect(live)).map((row) => row[0])).toEqual(bytes);

    writeDataTable(
      snapshot,
      2,
      wordColumns,
      WORDS.map((w, i) => [w, BigInt(i)]),
    );
    const stored = snapshotRowSource(snapshot, 'd_2', wordColumns, ['w']);
    expect((await collect(stored)).map((row) => row[0])).toEqual(bytes);

    const mismatches: string[] = [];
    const diff = await diffRows(stored, liveRowSource(right, 'app', 'words', wordColumns, ['w']), {
      table: 'app.words',
      keyColumns: ['w'],
      columns: ['w', 'n'],
      limit: 100,
      onOrderMismatch: (detail) => mismatches.push(detail),
    });
    expect(mismatches).toEqual([]);
    const smile = String(WORDS.indexOf('\u{1F600}'));
    expect(diff).toMatchObject({
      added: [],
      removed: [],
      changed: [{ key: ['\u{1F600}'], before: ['\u{1F600}', smile], after: ['\u{1F600}', '-1'] }],
    });
  });
});

/** An in-memory source, sorted in key order unless given shuffle ranks. */
function memorySource(rows: RowValues[], keyOrder: KeyOrder[], shuffle: number[] | null): RowSource {
  const sorted = [...rows].sort((x, y) => compareForTest(x[0] ?? null, y[0] ?? null, keyOrder[0]!));
  const ordered =
    shuffle && shuffle.length > 0
      ? sorted
          .map((row, i) => ({ row, rank: shuffle[i % shuffle.length]! }))
          .sort((x, y) => x.rank - y.rank)
          .map((entry) => entry.row)
      : sorted;
  return {
    keyOrder,
    count: async () => ordered.length,
    async *rows() {
      yield* ordered;
    },
  };
}

/** An independent statement of the order: numbers by value, text by UTF-8 bytes. */
function compareForTest(a: string | null, b: string | null, order: KeyOrder): number {
  if (order === 'integer') {
    const d = BigInt(a ?? 0) - BigInt(b ?? 0);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  return Buffer.compare(Buffer.from(a ?? ''), Buffer.from(b ?? ''));
}

describe('diffRows, property: applying the diff to the left rows gives the right rows', () => {
  const text = fc.string({ unit: 'binary', maxLength: 3 }).filter((s) => !/\p{Cs}/u.test(s));
  const value = fc.option(fc.oneof(text, fc.constant('')), { nil: null });
  const integerKey = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
  const side = (key: fc.Arbitrary<string>) =>
    fc.uniqueArray(fc.tuple(key, value, value), { maxLength: 30, selector: (row) => row[0] });
  const scenario = fc.oneof(
    fc.record({ order: fc.constant<KeyOrder>('integer'), left: side(integerKey), right: side(integerKey) }),
    fc.record({ order: fc.constant<KeyOrder>('text'), left: side(text), right: side(text) }),
    // Small key spaces, so the sides share many keys.
    fc.record({
      order: fc.constant<KeyOrder>('integer'),
      left: side(fc.integer({ min: 0, max: 20 }).map(String)),
      right: side(fc.integer({ min: 0, max: 20 }).map(String)),
    }),
  );

  it('holds for random keys and values, in key order or not, capped or not', async () => {
    let hashJoins = 0;
    await fc.assert(
      fc.asyncProperty(
        scenario,
        fc.option(fc.array(fc.nat()), { nil: null }),
        fc.integer({ min: 0, max: 5 }),
        async (s, shuffle, cap) => {
          const leftRows: RowValues[] = s.left.map((row) => [...row]);
          const rightRows: RowValues[] = s.right.map((row) => [...row]);
          const mismatches: string[] = [];
          const options = { table: 't', keyColumns: ['k'], columns: ['k', 'a', 'b'], limit: 1000, reportLimit: 1000 };
          const diff = await diffRows(
            memorySource(leftRows, [s.order], null),
            memorySource(rightRows, [s.order], shuffle),
            {
              ...options,
              onOrderMismatch: (detail) => mismatches.push(detail),
            },
          );
          const result = new Map(leftRows.map((row) => [row[0], row]));
          for (const row of diff.removed) expect(result.delete(row[0])).toBe(true);
          for (const change of diff.changed) {
            expect(result.get(change.key[0])).toEqual(change.before);
            result.set(change.key[0], change.after);
          }
          for (const row of diff.added) {
            expect(result.has(row[0])).toBe(false);
            result.set(row[0], row);
          }
          const byKey = (x: RowValues, y: RowValues) => compareForTest(x[0] ?? null, y[0] ?? null, s.order);
          expect([...result.values()].sort(byKey)).toEqual([...rightRows].sort(byKey));
          expect(diff.changed.every((c) => JSON.stringify(c.before) !== JSON.stringify(c.after))).toBe(true);
          // Reported in key order, whichever join ran.
          expect(diff.added).toEqual([...diff.added].sort(byKey));
          if (shuffle === null) expect(mismatches).toEqual([]);
          hashJoins += mismatches.length;
          // A cap keeps the lowest keys of the full report, and the counts stay whole.
          const capped = await diffRows(
            memorySource(leftRows, [s.order], shuffle),
            memorySource(rightRows, [s.order], null),
            { ...options, reportLimit: cap },
          );
          expect(capped.added).toEqual(diff.added.slice(0, cap));
          expect(capped.removed).toEqual(diff.removed.slice(0, cap));
          expect(capped.changed).toEqual(diff.changed.slice(0, cap));
          expect([capped.addedCount, capped.removedCount, capped.changedCount]).toEqual([
            diff.added.length,
            diff.removed.length,
            diff.changed.length,
          ]);
        },
      ),
      { numRuns: 300 },
    );
    // Both joins ran: the shuffled sides went through the hash join.
    expect(hashJoins).toBeGreaterThan(10);
  });
});
