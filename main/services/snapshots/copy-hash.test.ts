import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SnapshotStorage } from '../../../common/snapshots';
import { ContentHasher } from './content-hash';
import { CopyContentHasher } from './copy-hash';
import { decodeValue } from './value-codec';

interface Table {
  storages: SnapshotStorage[];
  /** Field texts as PostgreSQL prints them, null for NULL. */
  rows: Array<Array<string | null>>;
  limit: number | null;
}

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

/** COPY text of a field: PostgreSQL's escaping, or (raw) a backslash before a literal tab or newline. */
function encodeField(value: string | null, raw: boolean): string {
  if (value === null) return '\\N';
  let out = '';
  for (const ch of value) out += raw && (ch === '\t' || ch === '\n') ? `\\${ch}` : (ESCAPES[ch] ?? ch);
  return out;
}

/** What a capture stores and ContentHasher hashes, table by table. */
function expectedDigest(tables: Table[]): string {
  const hasher = new ContentHasher();
  tables.forEach((table, t) => {
    hasher.table('s', `t${t}`);
    for (const row of table.rows.slice(0, table.limit ?? undefined)) {
      hasher.row(row.map((field, i) => decodeValue(table.storages[i]!, field)));
    }
  });
  return hasher.hex();
}

function copyDigest(tables: Table[], raw: boolean, cuts: number[]): string {
  const hasher = new CopyContentHasher();
  tables.forEach((table, t) => {
    hasher.table('s', `t${t}`, table.storages, table.limit);
    const text = table.rows.map((row) => `${row.map((f) => encodeField(f, raw)).join('\t')}\n`).join('');
    const bytes = Buffer.from(text, 'utf8');
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    let start = 0;
    for (const point of [...points, bytes.length]) {
      hasher.push(bytes.subarray(start, point));
      start = point;
    }
  });
  return hasher.hex();
}

const fieldOf: Record<SnapshotStorage, fc.Arbitrary<string>> = {
  integer: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  boolean: fc.constantFrom('t', 'f'),
  blob: fc.uint8Array({ maxLength: 40 }).map((bytes) => `\\x${Buffer.from(bytes).toString('hex')}`),
  text: fc.string({
    unit: fc.oneof(
      fc.constantFrom('\t', '\n', '\\', 'N', '.', '\r', ' ', 'a'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 40,
  }),
};

const table: fc.Arbitrary<Table> = fc
  .array(fc.constantFrom<SnapshotStorage>('integer', 'boolean', 'blob', 'text'), { maxLength: 5 })
  .chain((storages) =>
    fc.record({
      storages: fc.constant(storages),
      rows: fc.array(fc.tuple(...storages.map((s) => fc.option(fieldOf[s], { freq: 5 }))), { maxLength: 30 }),
      limit: fc.option(fc.nat(10), { freq: 3 }),
    }),
  );

describe('CopyContentHasher', () => {
  it('gives the digest ContentHasher gives for the stored values, however the bytes are split', () => {
    fc.assert(
      fc.property(
        fc.array(table, { maxLength: 3 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 8 }),
        (tables, raw, cuts) => {
          expect(copyDigest(tables, raw, cuts)).toBe(expectedDigest(tables));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('hashes the empty string apart from NULL, and tables without columns', () => {
    const tables: Table[] = [
      {
        storages: ['text', 'text'],
        rows: [
          ['', null],
          [null, ''],
        ],
        limit: null,
      },
      { storages: [], rows: [[], []], limit: null },
    ];
    expect(copyDigest(tables, false, [3])).toBe(expectedDigest(tables));
    expect(copyDigest(tables, false, [])).not.toBe(
      expectedDigest([
        {
          ...tables[0]!,
          rows: [
            ['', ''],
            [null, null],
          ],
        },
        tables[1]!,
      ]),
    );
  });

  it('refuses rows of the wrong width and data cut off inside a row', () => {
    const hasher = new CopyContentHasher();
    hasher.table('s', 't', ['text'], null);
    expect(() => hasher.push(Buffer.from('a\tb\n'))).toThrow(/2 fields where 1/);
    const cut = new CopyContentHasher();
    cut.table('s', 't', ['text'], null);
    cut.push(Buffer.from('a\nb'));
    expect(() => cut.hex()).toThrow(/ended inside a row/);
  });
});
