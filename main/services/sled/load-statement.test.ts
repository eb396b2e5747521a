/**
 * The batch statement's input (inputRows: one JSON array per column) against
 * PostgreSQL: for any rows, exactly the values json_to_recordset gives for the
 * same rows as objects, or an error where it errs.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../catalog/quote';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres';
import { inputColumns, inputRows, tableSpecs, type InputColumn } from './load-statement';

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('sledinput');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

/** Every input column of every table spec, once by name and type. */
function allColumns(): InputColumn[] {
  const specs = Object.values(tableSpecs(true));
  const byKey = new Map<string, InputColumn>();
  for (const spec of specs) for (const c of inputColumns(spec)) byKey.set(`${c.name} ${c.type}`, c);
  return [...byKey.values()].map((c, i) => ({ name: `${c.name}_${i}`, type: c.type }));
}

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', 'a\u0000b', 'tab\there', 'quote " and \\ backslash', 'é ✓ 𝄞', '{"a":1}'),
);
const json = fc.jsonValue({ maxDepth: 2 });

/** A value as the loader could pass it for a column of `type`, or something it must refuse the same way. */
function valueOf(type: string): fc.Arbitrary<unknown> {
  const any = fc.oneof(fc.constant(null), text, fc.integer(), fc.double());
  switch (type) {
    case 'bigint':
      return fc.oneof(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
        fc.maxSafeInteger(),
        fc.constant('9223372036854775808'),
        any,
      );
    case 'integer':
      return fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constant(2 ** 31), any);
    case 'double precision':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(1e-7, 0.1, 5e-324), any);
    case 'uuid':
      return fc.oneof(fc.uuid(), any);
    case 'timestamptz':
      return fc.oneof(
        fc
          .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
          .map((d) => d.toISOString()),
        any,
      );
    case 'jsonb':
      return fc.oneof(json, fc.dictionary(fc.string({ maxLength: 4 }), json, { maxKeys: 3 }), any);
    default:
      return any;
  }
}

/** The rows a query gave (each as to_jsonb text), or the SQLSTATE it failed with. */
type Outcome = { rows: string[] } | { error: string };

/** Rows as the two shapes take them: objects (json_to_recordset), or one array per column (inputRows). */
async function both(
  columns: readonly InputColumn[],
  rows: ReadonlyArray<Record<string, unknown>>,
): Promise<{ recordset: Outcome; arrays: Outcome }> {
  const run = async (sql: string, params: unknown[]): Promise<Outcome> => {
    try {
      return { rows: (await client.query<{ r: string }>(sql, params)).rows.map((r) => r.r) };
    } catch (error) {
      return { error: (error as { code?: string }).code ?? 'no SQLSTATE' };
    }
  };
  const definition = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
  const recordset = await run(`SELECT to_jsonb(t)::text AS r FROM json_to_recordset($1::json) AS t(${definition})`, [
    JSON.stringify(rows),
  ]);
  const arrays = await run(
    `SELECT to_jsonb(t)::text AS r FROM (${inputRows(columns)}) t`,
    columns.map((c) => JSON.stringify(rows.map((r) => r[c.name] ?? null))),
  );
  return { recordset, arrays };
}

describe('inputRows', () => {
  // Where a batch has two bad values, the two may name different ones (json_to_recordset casts row by row,
  // ROWS FROM reads each array whole first); a refused batch is retried entry by entry either way.
  it('gives the values json_to_recordset gives, and errs where it errs', async () => {
    const columns = allColumns();
    expect(new Set(columns.map((c) => c.type))).toEqual(
      new Set(['bigint', 'text', 'uuid', 'timestamptz', 'jsonb', 'integer', 'double precision']),
    );
    const row = fc.record(Object.fromEntries(columns.map((c) => [c.name, valueOf(c.type)])), {
      requiredKeys: [],
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 6 }), async (rows) => {
        const { recordset, arrays } = await both(columns, rows);
        if ('error' in recordset) expect(arrays).toHaveProperty('error');
        else expect(arrays).toEqual(recordset);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps what the loader sends: big integers, escapes, JSON strings and JSON null', async () => {
    const columns: InputColumn[] = [
      { name: 'amount', type: 'bigint' },
      { name: 'content', type: 'text' },
      { name: 'metadata', type: 'jsonb' },
      { name: 'score', type: 'double precision' },
    ];
    const rows = [
      { amount: '9223372036854775807', content: 'line\nnext "quoted" é', metadata: { a: [1, '2'] }, score: 1e-7 },
      { amount: null, content: null, metadata: null, score: null },
      { amount: 0, content: '', metadata: 'just a string' },
    ];
    const { recordset, arrays } = await both(columns, rows);
    expect(arrays).toEqual(recordset);
    expect(arrays).toEqual({
      rows: [
        '{"score": 0.0000001, "amount": 9223372036854775807, "content": "line\\nnext \\"quoted\\" é", "metadata": {"a": [1, "2"]}}',
        '{"score": null, "amount": null, "content": null, "metadata": null}',
        '{"score": null, "amount": 0, "content": "", "metadata": "just a string"}',
      ],
    });
    // One bad value: the same refusal (the reason an entry fails with).
    for (const bad of [{ content: 'a\u0000b' }, { amount: '9223372036854775808' }, { metadata: 'x', score: 'NaN?' }]) {
      const refused = await both(columns, [bad]);
      expect(refused.arrays).toEqual(refused.recordset);
      expect(refused.arrays).toHaveProperty('error');
    }
  });
});
