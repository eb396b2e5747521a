import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchBuilder, readBatch, type Batch } from './capture-writer';
import { CopyTextScanner } from './copy-text';
import { splitAt } from './test-chunks';

const text = (field: Uint8Array | null) =>
  field === null ? null : Buffer.from(field.buffer, field.byteOffset, field.byteLength).toString('utf8');

/** The rows the scanner hands to a BatchBuilder, taking a batch after every chunk as the capture does. */
function throughBatches(columns: number, chunks: Buffer[]): Array<Array<string | null>> {
  const builder = new BatchBuilder();
  const scanner = new CopyTextScanner(columns, builder);
  const batches: Batch[] = [];
  for (const chunk of chunks) {
    scanner.push(chunk);
    const batch = builder.take();
    if (batch) batches.push(batch);
  }
  scanner.end();
  const last = builder.take();
  if (last) batches.push(last);
  const rows: Array<Array<string | null>> = [];
  for (const batch of batches) readBatch(batch, columns, (fields) => rows.push(fields.map(text)));
  return rows;
}

describe('BatchBuilder (the capture thread hands rows to the writer thread in batches)', () => {
  it('carries plain, escaped and NULL fields exactly, however the COPY bytes are cut into chunks', () => {
    const copy = Buffer.from('1\tplain\t\\N\n2\ttab\\there\t\n3\t\\x41\\302\\251\t\\\\N\n', 'utf8');
    const expected = [
      ['1', 'plain', null],
      ['2', 'tab\there', ''],
      ['3', 'A©', '\\N'],
    ];
    for (let cut = 0; cut <= copy.length; cut++) {
      expect(throughBatches(3, splitAt(copy, [cut]))).toEqual(expected);
    }
  });

  it('holds a row that an escaped newline carries past the end of a chunk until the row ends', () => {
    // The first chunk ends with a backslashed newline: data, so the row goes on in the next chunk.
    const chunks = [Buffer.from('a\tb\\\n'), Buffer.from('c\n'), Buffer.from('d\te\n')];
    expect(throughBatches(2, chunks)).toEqual([
      ['a', 'b\nc'],
      ['d', 'e'],
    ]);
  });

  it('gives back the rows PostgreSQL escaped, whatever they hold and however they are split', () => {
    const value = fc.oneof(
      fc.constant(null),
      fc.string({ unit: fc.constantFrom('a', 'b', '\\', '\t', '\n', 'é', '€', ' ', 'N'), maxLength: 8 }),
    );
    // PostgreSQL's own escaping: backslash, tab and newline; NULL as \N.
    const encode = (v: string | null) =>
      v === null ? '\\N' : v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((columns) =>
          fc.record({
            columns: fc.constant(columns),
            rows: fc.array(fc.array(value, { minLength: columns, maxLength: columns }), { maxLength: 30 }),
            cuts: fc.array(fc.nat(), { maxLength: 10 }),
          }),
        ),
        ({ columns, rows, cuts }) => {
          const copy = Buffer.from(rows.map((r) => `${r.map(encode).join('\t')}\n`).join(''), 'utf8');
          const chunks = splitAt(copy, cuts);
          expect(throughBatches(columns, chunks)).toEqual(rows);
        },
      ),
      { numRuns: 300 },
    );
  });
});
