import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, runSql, type TestDatabase } from '../../../test/helpers/postgres';
import { storeText, tempSqlite, writeDataTable } from './diff-test-support';
import { diffRows, type RowSource, type RowValues } from './row-diff';
import { liveRowSource, snapshotRowSource, storedToText, type SourceColumn } from './row-sources';

async function collect(source: RowSource): Promise<RowValues[]> {
  const rows: RowValues[] = [];
  for await (const row of source.rows()) rows.push(row);
  return rows;
}

describe('storedToText', () => {
  it('turns stored SQLite values into the live text form', () => {
    expect(storedToText(9007199254740993n, 'integer')).toBe('9007199254740993');
    expect(storedToText(-1n, 'integer')).toBe('-1');
    expect(storedToText(0n, 'boolean')).toBe('f');
    expect(storedToText(1n, 'boolean')).toBe('t');
    expect(storedToText(Buffer.from([0, 0xab]), 'blob')).toBe('\\x00ab');
    expect(storedToText(Buffer.alloc(0), 'blob')).toBe('\\x');
    expect(storedToText('', 'text')).toBe('');
    expect(storedToText(null, 'text')).toBeNull();
  });
});

describe('live and snapshot sources, property: both sides stream any key set in the same order', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let sqlite: ReturnType<typeof tempSqlite>;
  let ord = 0;

  beforeAll(async () => {
    db = await createTestDatabase('rowsources');
    // A collation that sorts unlike byte order, so the source has to impose it.
    await runSql(db.url, `CREATE TABLE public.t (k text COLLATE "und-x-icu", n bigint, v text, PRIMARY KEY (k, n));`);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    sqlite = tempSqlite();
  });
  afterAll(async () => {
    sqlite?.close();
    await client?.end();
    await db?.drop();
  });

  const columns: SourceColumn[] = [
    { name: 'k', storage: 'text' },
    { name: 'n', storage: 'integer' },
    { name: 'v', storage: 'text' },
  ];
  // PostgreSQL text holds any character but NUL.
  const text = fc.string({ unit: 'binary', maxLength: 4 }).filter((s) => !s.includes('\0') && !/\p{Cs}/u.test(s));
  const key = fc.tuple(
    fc.oneof(text, fc.constantFrom('a', 'B', 'é', '\uFFFD', '\u{1F600}', '10', '9')),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  );
  const rows = fc.uniqueArray(fc.tuple(key, fc.option(text, { nil: null })), {
    maxLength: 40,
    selector: ([[k, n]]) => `${k}\u0000${n}`,
  });

  it('orders them alike, so the merge join compares a table with its own copy and finds nothing', async () => {
    await fc.assert(
      fc.asyncProperty(rows, async (generated) => {
        await client.query('TRUNCATE public.t');
        await client.query('INSERT INTO public.t SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])', [
          generated.map(([[k]]) => k),
          generated.map(([[, n]]) => n.toString()),
          generated.map(([, v]) => v),
        ]);
        const stored = generated.map(([[k, n], v]) =>
          [k, n, v].map((x, i) => storeText(x === null ? null : String(x), columns[i]!.storage)),
        );
        const table = writeDataTable(sqlite.db, ++ord, columns, stored);
        const live = liveRowSource(client, 'public', 't', columns, ['k', 'n'], { batchSize: 7 });
        const snapshot = snapshotRowSource(sqlite.db, table, columns, ['k', 'n']);

        const liveRows = await collect(live);
        expect(await collect(snapshot)).toEqual(liveRows);
        expect(liveRows).toHaveLength(generated.length);

        const mismatches: string[] = [];
        const diff = await diffRows(snapshot, live, {
          table: 'public.t',
          keyColumns: ['k', 'n'],
          columns: ['k', 'n', 'v'],
          limit: 1000,
          onOrderMismatch: (detail) => mismatches.push(detail),
        });
        expect(mismatches).toEqual([]);
        expect([diff.addedCount, diff.removedCount, diff.changedCount]).toEqual([0, 0, 0]);
      }),
      { numRuns: 25 },
    );
  });
});
