import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CopyTextScanner, decodeField } from './copy-text';
import { copyRows, fieldText, splitAt } from './test-chunks';

/** A field's bytes read as UTF-8 text. */
const text = (field: Uint8Array) => fieldText(field)!;

/** A row with its fields read as UTF-8 text. */
type TextRow = Array<string | null>;

/** Scans `input` fed in the given pieces, through the capture's batches; returns the rows, fields as text. */
function parse(columns: number, pieces: Array<Buffer | string>): TextRow[] {
  const chunks = pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece));
  return copyRows(columns, chunks).map((row) => row.map(fieldText));
}

const CANONICAL: Record<string, string> = {
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

/**
 * The reference encoder: PostgreSQL's own COPY TO escaping (style 0), or one
 * of the other spellings COPY text accepts, chosen per character: every UTF-8
 * byte as \ooo octal (style 1) or \xHH hex (style 2), or a backslash before
 * the character itself (style 3, for characters that are not escape letters
 * or digits; a backslashed tab or newline is data).
 */
function encodeField(value: string | null, styles: number[]): string {
  if (value === null) return '\\N';
  let out = '';
  let index = 0;
  for (const ch of value) {
    const style = styles.length === 0 ? 0 : styles[index++ % styles.length]!;
    if (style === 1 || style === 2) {
      for (const byte of Buffer.from(ch, 'utf8')) {
        out += style === 1 ? `\\${byte.toString(8).padStart(3, '0')}` : `\\x${byte.toString(16).padStart(2, '0')}`;
      }
    } else if (style === 3 && !/[0-7bfnrtvxN.]/.test(ch)) {
      out += `\\${ch}`;
    } else {
      out += CANONICAL[ch] ?? ch;
    }
  }
  return out;
}

function encodeRows(rows: TextRow[], styles: number[]): Buffer {
  return Buffer.from(rows.map((row) => `${row.map((v) => encodeField(v, styles)).join('\t')}\n`).join(''), 'utf8');
}

describe('CopyTextScanner', () => {
  it('splits rows and fields, and keeps NULL apart from the empty string', () => {
    expect(parse(3, ['1\tone\t\\N\n2\t\t\n'])).toEqual([
      ['1', 'one', null],
      ['2', '', ''],
    ]);
  });

  it('unescapes every escape COPY text knows', () => {
    const line = 'a\\bb\\fc\\nd\\re\\tf\\vg\\\\h\\101\\x42\\7\\x9\\q\\N\n';
    expect(parse(1, [line])).toEqual([['a\bb\fc\nd\re\tf\vg\\hAB\x07\x09qN']]);
    // Byte escapes build one multibyte character; a backslashed tab or newline is data.
    expect(parse(2, ['\\xc3\\xa9\\342\\202\\254\t\\\tx\\\ny\n'])).toEqual([['é€', '\tx\ny']]);
  });

  it('reads \\N as NULL only when it is the whole field', () => {
    expect(decodeField(Buffer.from('\\N'))).toBeNull();
    expect(text(decodeField(Buffer.from('\\\\N'))!)).toBe('\\N');
    expect(text(decodeField(Buffer.from('a\\Nb'))!)).toBe('aNb');
  });

  it('hands over a field without escapes as a range of the chunk, and copies only escaped fields', () => {
    const chunk = Buffer.from('plain\tescaped\\n\n');
    const calls: string[] = [];
    let piece: Buffer = Buffer.alloc(0);
    const scanner = new CopyTextScanner(2, {
      piece: (next) => {
        piece = next;
        calls.push(`piece ${next.length}`);
      },
      range: (start, end) => calls.push(`range ${start}-${end} ${piece.toString('utf8', start, end)}`),
      bytes: (field) => calls.push(`bytes ${JSON.stringify(fieldText(field))}`),
      rowEnd: () => calls.push('row'),
    });
    scanner.push(chunk);
    scanner.end();
    expect(calls).toEqual([`piece ${chunk.length}`, 'range 0-5 plain', 'bytes "escaped\\n"', 'row']);
    expect(piece.buffer).toBe(chunk.buffer);
  });

  it('reads byte escapes that spell no UTF-8 as Buffer.toString would (U+FFFD), never as invalid text', () => {
    const [[field]] = parse(1, ['a\\377b\\xc3\n']) as [[string]];
    expect(field).toBe('a\uFFFDb\uFFFD');
    expect(decodeField(Buffer.from('\\xc3\\xa9'))).toEqual(Buffer.from('é'));
  });

  it('survives a split at every byte, inside escapes and multibyte characters', () => {
    const rows: TextRow[] = [
      ['😀 مرحبا 漢字', 'e\u0301\\tab\there', null],
      ['', '\\N', 'x\ny'],
    ];
    const encoded = encodeRows(rows, []);
    for (let cut = 0; cut <= encoded.length; cut++) {
      expect(parse(3, splitAt(encoded, [cut]))).toEqual(rows);
    }
    expect(
      parse(
        3,
        splitAt(
          encoded,
          Array.from({ length: encoded.length }, (_, i) => i),
        ),
      ),
    ).toEqual(rows);
    const escaped = encodeRows(rows, [1, 2, 0, 3]);
    for (let cut = 0; cut <= escaped.length; cut++) expect(parse(3, splitAt(escaped, [cut]))).toEqual(rows);
  });

  it('stops at the end marker and handles tables without columns', () => {
    expect(parse(1, ['a\n\\.\nignored\tmore\n'])).toEqual([['a']]);
    expect(parse(0, ['\n\n\n'])).toEqual([[], [], []]);
  });

  it('refuses a row with the wrong number of fields, and data cut off inside a row', () => {
    expect(() => parse(2, ['a\tb\tc\n'])).toThrow(/3 fields where 2 were expected/);
    expect(() => parse(2, ['a\tb\nc'])).toThrow(/ended inside a row/);
    // A final newline that is escaped does not end the row.
    expect(() => parse(1, ['a\\\n'])).toThrow(/ended inside a row/);
  });

  it('holds only an unfinished row between chunks', () => {
    let held = 0;
    const scanner = new CopyTextScanner(1, {
      piece: (next) => {
        held = next.length;
      },
      range: () => undefined,
      bytes: () => undefined,
      rowEnd: () => undefined,
    });
    const big = Buffer.from(`${'x'.repeat(1_000_000)}\n`);
    for (let i = 0; i < 50; i++) {
      scanner.push(big.subarray(0, 600_000));
      scanner.push(big.subarray(600_000));
    }
    expect(scanner.rows).toBe(50);
    // Each row is handed over as one piece of its own bytes: nothing of earlier rows is kept.
    expect(held).toBe(big.length);
  });

  it('parses back whatever a reference encoder writes, split anywhere', () => {
    const character = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('\t', '\n', '\r', '\\', 'N', '.', 'x', '0', '7', '\b', '\v', '\f', ' ') },
      { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
      { weight: 2, arbitrary: fc.constantFrom('😀', 'é', 'e\u0301', 'ש', '漢', '\u0001', '\u007f') },
    );
    const value = fc.oneof(
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constant('') },
      { weight: 6, arbitrary: fc.string({ unit: character, maxLength: 30 }) },
    );
    const table = fc.integer({ min: 1, max: 5 }).chain((columns) =>
      fc.record({
        columns: fc.constant(columns),
        rows: fc.array(fc.array(value, { minLength: columns, maxLength: columns }), { maxLength: 40 }),
        styles: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 6 }),
        cuts: fc.array(fc.nat(), { maxLength: 12 }),
      }),
    );
    fc.assert(
      fc.property(table, ({ columns, rows, styles, cuts }) => {
        const encoded = encodeRows(rows, styles);
        expect(parse(columns, splitAt(encoded, cuts))).toEqual(rows);
      }),
      { numRuns: 500 },
    );
  });
});
