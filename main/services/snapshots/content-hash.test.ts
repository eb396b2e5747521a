import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SnapshotStorage } from '../../../common/snapshots';
import { ContentHasher, copyEscape, copyField } from './content-hash';
import { decoderFor, type CapturedValue } from './value-codec';
import { copyRows, fieldText } from './test-chunks';

/**
 * PostgreSQL's CopyAttributeOutText, written out character by character (the
 * reference the regex-based copyEscape is checked against): \b \f \n \r \t \v
 * and the backslash are escaped; every other character, control characters
 * included, passes through.
 */
function referenceEscape(text: string): string {
  let out = '';
  for (const c of text) {
    if (c === '\\') out += '\\\\';
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\v') out += '\\v';
    else out += c;
  }
  return out;
}

/** What COPY TO STDOUT sends for a field of each storage (text output of the server). */
const fieldOf: Record<SnapshotStorage, fc.Arbitrary<string | null>> = {
  integer: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), { nil: null }),
  boolean: fc.option(fc.constantFrom('t', 'f'), { nil: null }),
  blob: fc.option(
    fc.uint8Array({ maxLength: 40 }).map((b) => `\\\\x${Buffer.from(b).toString('hex')}`),
    { nil: null },
  ),
  text: fc.option(
    fc
      .string({
        unit: fc.oneof(
          fc.constantFrom('\\', '\t', '\n', '\r', '\b', '\f', '\v', '\x01', '\x7f', 'N', '.'),
          fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
        ),
        maxLength: 30,
      })
      .map(referenceEscape),
    { nil: null },
  ),
};

const tableArb = fc
  .array(fc.constantFrom<SnapshotStorage>('integer', 'boolean', 'blob', 'text'), { minLength: 0, maxLength: 6 })
  .chain((storages) =>
    fc.record({
      storages: fc.constant(storages),
      rows: fc.array(fc.tuple(...storages.map((s) => fieldOf[s])), { maxLength: 20 }),
    }),
  );

function copyText(rows: ReadonlyArray<ReadonlyArray<string | null>>): Buffer {
  return Buffer.from(rows.map((r) => `${r.map((f) => (f === null ? '\\N' : f)).join('\t')}\n`).join(''), 'utf8');
}

/** The capture's own path: scan the COPY bytes into batches and decode each field for storage. */
function storedRows(storages: readonly SnapshotStorage[], bytes: Buffer): CapturedValue[][] {
  const decoders = storages.map(decoderFor);
  // Text goes into SQLite as bytes and comes out of it as a string.
  return copyRows(storages.length, [bytes]).map((fields) =>
    fields.map((f, i) => (f === null ? null : storages[i] === 'text' ? fieldText(f) : decoders[i]!(f))),
  );
}

describe('copyEscape', () => {
  it('escapes exactly what COPY escapes', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => copyEscape(s) === referenceEscape(s)));
    expect(copyEscape('a\tb\\c\nd\x01')).toBe('a\\tb\\\\c\\nd\x01');
  });
});

describe('copyField', () => {
  it('prints each storage as PostgreSQL prints it', () => {
    expect(copyField('integer', -9223372036854775808n)).toBe('-9223372036854775808');
    expect(copyField('integer', 42)).toBe('42');
    expect(copyField('boolean', 1n)).toBe('t');
    expect(copyField('boolean', 0)).toBe('f');
    expect(copyField('blob', Buffer.from([0, 255, 16]))).toBe('\\\\x00ff10');
    expect(copyField('text', 'tab\there')).toBe('tab\\there');
    expect(copyField('text', null)).toBe('\\N');
    expect(() => copyField('integer', 'seven')).toThrow(/integer column holds a string/);
  });
});

describe('ContentHasher', () => {
  it('gives the same digest for the COPY bytes (however split) and for the rows stored from them', () => {
    fc.assert(
      fc.property(fc.array(tableArb, { maxLength: 4 }), fc.integer({ min: 1, max: 64 }), (tables, cut) => {
        const fromBytes = new ContentHasher();
        const fromRows = new ContentHasher();
        tables.forEach((table, t) => {
          const bytes = copyText(table.rows);
          fromBytes.table('s', `t${t}`, table.storages);
          for (let at = 0; at < bytes.length; at += cut) fromBytes.copyBytes(bytes.subarray(at, at + cut));
          fromRows.table('s', `t${t}`, table.storages);
          for (const row of storedRows(table.storages, bytes)) fromRows.row(row);
        });
        expect(fromRows.hex()).toBe(fromBytes.hex());
        expect(fromRows.tables()).toEqual(fromBytes.tables());
      }),
      { numRuns: 300 },
    );
  });

  it('changes when a value, a table name or the table order changes', () => {
    const digest = (tables: Array<[string, string[][]]>) => {
      const hasher = new ContentHasher();
      for (const [name, rows] of tables) {
        hasher.table('s', name, ['text']);
        for (const row of rows) hasher.row(row);
      }
      return hasher.hex();
    };
    const base = digest([
      ['a', [['1'], ['2']]],
      ['b', [['3']]],
    ]);
    expect(
      digest([
        ['a', [['1'], ['2']]],
        ['b', [['4']]],
      ]),
    ).not.toBe(base);
    expect(
      digest([
        ['a', [['1'], ['2']]],
        ['c', [['3']]],
      ]),
    ).not.toBe(base);
    expect(
      digest([
        ['b', [['3']]],
        ['a', [['1'], ['2']]],
      ]),
    ).not.toBe(base);
    // A row moved across the table boundary changes the digest too.
    expect(
      digest([
        ['a', [['1']]],
        ['b', [['2'], ['3']]],
      ]),
    ).not.toBe(base);
  });

  it('refuses a row that does not match the table', () => {
    const hasher = new ContentHasher();
    expect(() => hasher.row(['x'])).toThrow(/table\(\) first/);
    hasher.table('s', 't', ['integer', 'text']);
    expect(() => hasher.row([1n])).toThrow(/1 values in a table of 2 columns/);
  });
});
