import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalExport } from './export-canonical';
import {
  CHUNK_BYTES,
  decodeBase64Strict,
  detectExportFormat,
  readExport,
  type ExportSource,
  type FormatBOptions,
  type RawEntry,
} from './export-reader';
import { ExportJsonWriter, JsonlExportWriter, jsonlHeaderLine } from './test-export';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sled-reader-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let counter = 0;

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, `${counter++}-${name}`);
  fs.writeFileSync(file, content);
  return file;
}

async function read(file: string) {
  const entries: RawEntry[] = [];
  const sources: Array<ExportSource | null> = [];
  const result = await readExport(file, { source: (s) => sources.push(s), entry: (e) => entries.push(e) });
  return { entries, sources, result };
}

const HEADER = jsonlHeaderLine({ source: 'fodi_ledger', exportedAt: '2026-11-20T09:30:00Z' });

describe('format A (JSON Lines)', () => {
  it('reads strings and base64, with line numbers past blank lines and CRLF', async () => {
    const file = write(
      'a.jsonl',
      `\uFEFF${HEADER}\r\n\n{"tree":"__sled__default","key":"balance:a","value":"{}"}\r\n   \n` +
        `{"tree":"t","key_b64":"AP8=","value_b64":""}`,
    );
    const { entries, sources, result } = await read(file);
    expect(sources).toEqual([{ name: 'fodi_ledger', exportedAt: '2026-11-20T09:30:00Z', origin: 'line 1' }]);
    expect(entries.map((e) => [e.origin, e.tree, e.key?.toString('hex'), e.value?.toString(), e.problem])).toEqual([
      ['line 3', '__sled__default', Buffer.from('balance:a').toString('hex'), '{}', null],
      ['line 5', 't', '00ff', '', null],
    ]);
    expect(entries[0]!.keyText).toBe('balance:a');
    expect(entries[1]!.keyText).toBeNull();
    expect(result.format).toBe('jsonl');
    expect(result.entries).toBe(2);
    expect(result.bytes).toBe(fs.statSync(file).size);
  });

  it('reads a multi-byte character split across chunks', async () => {
    // A value long enough that chunk boundaries fall inside its 2- and 4-byte characters.
    const value = 'é🍕'.repeat(Math.ceil(CHUNK_BYTES / 3));
    const file = write('long.jsonl', `${HEADER}\n${JSON.stringify({ tree: 't', key: 'pref:u:k', value })}\n`);
    const { entries } = await read(file);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.valueText).toBe(value);
    expect(entries[0]!.value!.equals(Buffer.from(value))).toBe(true);
  });

  it('keeps every broken line as an entry with its reason, never quoting it', async () => {
    const secret = 'S3cr3tK3yPl41nT3xt';
    const lines = [
      `{"tree":"t","key":"wallet:a","value":"{\\"secret\\":\\"${secret}\\"`,
      '[1,2]',
      '{"tree":"t","key":"k","key_b64":"aw==","value":"v"}',
      '{"tree":"t","value":"v"}',
      '{"tree":"t","key":"k","value":5}',
      '{"key":"k","value":"v"}',
      '{"tree":"t","key_b64":"a*==","value":"v"}',
      '{"tree":"t","key_b64":"aGk","value":"v"}',
      '{"tree":"t","key_b64":"aGl=","value":"v"}',
      '{"tree":"t","key":"\\ud800","value":"v"}',
    ];
    const file = write(
      'broken.jsonl',
      Buffer.concat([Buffer.from(`${lines.join('\n')}\n`), Buffer.from([0xff, 0x0a])]),
    );
    const { entries } = await read(file);
    expect(entries.map((e) => [e.origin, e.problem, e.reason])).toEqual([
      ['line 1', 'invalid_json', 'line 1 is not valid JSON: Unterminated string at character 72'],
      ['line 2', 'invalid_json', 'line 2 is an array in JSON, not an entry or header object'],
      ['line 3', 'bad_entry', 'line 3: it has both key and key_b64'],
      ['line 4', 'bad_entry', 'line 4: it has neither key nor key_b64'],
      ['line 5', 'bad_entry', 'line 5: its value is a number, not a string'],
      ['line 6', 'bad_entry', 'line 6: it has no tree'],
      ['line 7', 'bad_base64', 'line 7: its key_b64 has a character outside the base64 alphabet at position 1'],
      ['line 8', 'bad_base64', 'line 8: its key_b64 has length 3, which is not a multiple of 4 (bad padding)'],
      ['line 9', 'bad_base64', 'line 9: its key_b64 has non-zero padding bits'],
      [
        'line 10',
        'bad_entry',
        'line 10: its key has a lone surrogate escape, so it is not UTF-8 text (bytes that are not UTF-8 go in key_b64)',
      ],
      ['line 11', 'invalid_json', 'line 11 is not valid UTF-8'],
    ]);
    for (const e of entries) expect(e.reason).not.toContain(secret);
    // What could be read is kept: the tree-less entry's key and value.
    expect(entries[5]!.key?.toString()).toBe('k');
    expect(entries[5]!.value?.toString()).toBe('v');
  });

  it('starts a source at each header; an unsupported one marks the entries after it', async () => {
    const entry = '{"tree":"t","key":"k","value":"v"}';
    const file = write(
      'sources.jsonl',
      [
        entry,
        jsonlHeaderLine({ source: 'one', exportedAt: 'x' }),
        entry,
        jsonlHeaderLine({ source: 'two', exportedAt: 'x', version: 2 }),
        entry,
        '{"tree":"t","key":"k"}',
        jsonlHeaderLine({ source: 'three', exportedAt: 'x', format: 'other' }),
        entry,
        '{"format":"sled-export","version":1}',
        jsonlHeaderLine({ source: 'four', exportedAt: 'x' }),
        entry,
      ].join('\n'),
    );
    const seen: Array<string | null> = [];
    const rows: Array<[string | null, string, string | null, string | null]> = [];
    await readExport(file, {
      source: (s) => seen.push(s?.name ?? null),
      entry: (e) => rows.push([seen[seen.length - 1] ?? null, e.origin, e.problem, e.reason]),
    });
    expect(seen).toEqual(['one', null, null, null, 'four']);
    expect(rows).toEqual([
      [null, 'line 1', null, null],
      ['one', 'line 3', null, null],
      [
        null,
        'line 5',
        'bad_header',
        'line 5: it follows the header at line 4, which is not read: its version 2 is not supported (this reads version 1)',
      ],
      [null, 'line 6', 'bad_entry', 'line 6: it has neither value nor value_b64'],
      [
        null,
        'line 8',
        'bad_header',
        'line 8: it follows the header at line 7, which is not read: its format "other" is not "sled-export"',
      ],
      ['four', 'line 11', null, null],
    ]);
  });
});

describe('strict base64', () => {
  const reference = (s: string): Buffer | null =>
    /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/.test(s)
      ? Buffer.from(s, 'base64')
      : null;

  it('accepts exactly canonical padded base64', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ .*\n';
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')),
          fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 24 }),
          fc.tuple(fc.uint8Array({ maxLength: 20 }), fc.nat(30), fc.constantFrom(...alphabet)).map(([b, at, c]) => {
            const s = Buffer.from(b).toString('base64');
            const i = at % (s.length + 1);
            return s.slice(0, i) + c + s.slice(i + 1);
          }),
        ),
        (s) => {
          const expected = reference(s);
          const actual = decodeBase64Strict(s);
          if (expected === null) expect(Buffer.isBuffer(actual)).toBe(false);
          else expect(Buffer.isBuffer(actual) && actual.equals(expected)).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('format B (sled::Db::export() as JSON)', () => {
  it('streams pairs with their collection and position; the source is the file name', async () => {
    const file = path.join(dir, 'fodi_ledger.export.json');
    const w = new ExportJsonWriter(file);
    w.collection('__sled__default');
    w.entry(Buffer.from('balance:a'), Buffer.from('{"total":1}'));
    w.entry(Buffer.from([0xff]), Buffer.from([]));
    w.collection('other');
    w.entry(Buffer.from('k'), Buffer.from('v'));
    w.close();
    const { entries, sources, result } = await read(file);
    expect(sources).toEqual([{ name: 'fodi_ledger.export', exportedAt: null, origin: 'file' }]);
    expect(entries.map((e) => [e.origin, e.tree, e.key?.toString('hex'), e.value?.toString(), e.problem])).toEqual([
      ['collection 0, pair 0', '__sled__default', Buffer.from('balance:a').toString('hex'), '{"total":1}', null],
      ['collection 0, pair 1', '__sled__default', 'ff', '', null],
      ['collection 1, pair 0', 'other', '6b', 'v', null],
    ]);
    expect(result).toMatchObject({ format: 'export-json', entries: 3, bytes: fs.statSync(file).size });
  });

  it('reports pairs, collections and a cut file that are not what sled writes', async () => {
    const name = '[95,95,115,108,101,100,95,95,100,101,102,97,117,108,116]';
    const file = write(
      'bad.json',
      `[[[116],${name},[[[107],[118]],5,[[107],[256]],[[107]]]],"x",[[1],[2]],[[1],[2],[],[]],[[1],"n",[[[1],[2]]]],` +
        `[[1],${name},[[[107],[118]]`,
    );
    const { entries } = await read(file);
    expect(entries.map((e) => [e.origin, e.problem, e.reason])).toEqual([
      ['collection 0, pair 0', null, null],
      ['collection 0, pair 1', 'bad_entry', 'collection 0, pair 1: it is a number, not a [key, value] pair'],
      ['collection 0, pair 2', 'bad_entry', 'collection 0, pair 2: its value has 256 at index 0, not a byte (0–255)'],
      ['collection 0, pair 3', 'bad_entry', 'collection 0, pair 3: it is an array, not a [key, value] pair'],
      ['collection 1', 'bad_entry', 'collection 1 is not a [type, name, pairs] array'],
      ['collection 2', 'bad_entry', 'collection 2 has 2 elements, not the 3 of [type, name, pairs]'],
      ['collection 3', 'bad_entry', 'collection 3 has 4 elements, not the 3 of [type, name, pairs]'],
      [
        'collection 4, pair 0',
        'bad_entry',
        'collection 4, pair 0: collection 4: its collection name is a string, not an array of bytes',
      ],
      ['collection 5, pair 0', null, null],
      [
        expect.stringMatching(/^byte \d+$/),
        'invalid_json',
        expect.stringMatching(/^the file ends before its JSON does \(cut short\?\)/),
      ],
    ]);
    expect(entries[0]!.tree).toBe('__sled__default');
    expect(entries[8]!.tree).toBe('__sled__default');
  });

  it('reports a syntax error once and reads nothing after it', async () => {
    const file = write('syntax.json', '[[[116],[116],[[[107],[118]],[[107],[118]] oops ]]]');
    const { entries } = await read(file);
    expect(entries.map((e) => e.problem)).toEqual([null, null, 'invalid_json']);
    expect(entries[2]!.reason).toMatch(/^the file is not valid JSON after byte \d+; the rest of it was not read$/);
  });
});

/** Entries and result of reading a format B file, comparable across the two ways of reading it. */
async function readB(file: string, options: FormatBOptions) {
  const entries: unknown[] = [];
  const result = await readExport(
    file,
    {
      source: () => undefined,
      entry: (e) =>
        entries.push([
          e.origin,
          e.tree,
          e.key?.toString('hex') ?? null,
          e.value?.toString('hex') ?? null,
          e.problem,
          e.reason,
        ]),
    },
    'export-json',
    options,
  );
  return { entries, result };
}

const bytesArb = fc.uint8Array({ maxLength: 12 });
/** sled::Db::export() as serde_json has it: [type, name, [[key, value], ...]] per collection, all byte arrays. */
const exportArb = fc.array(
  fc.record({
    type: bytesArb,
    name: fc.oneof(
      bytesArb,
      fc.string({ maxLength: 8 }).map((t) => new Uint8Array(Buffer.from(t))),
    ),
    pairs: fc.array(fc.tuple(bytesArb, bytesArb), { maxLength: 6 }),
  }),
  { maxLength: 4 },
);
/** The export as the JSON value serde_json writes: every byte string an array of numbers. */
const asJson = (doc: Array<{ type: Uint8Array; name: Uint8Array; pairs: Array<[Uint8Array, Uint8Array]> }>) =>
  doc.map((c) => [[...c.type], [...c.name], c.pairs.map(([k, v]) => [[...k], [...v]])]);
/** serde_json's to_writer (compact), to_writer_pretty (2 spaces) and other JSON whitespace. */
const layoutArb = fc.constantFrom(
  (v: unknown) => JSON.stringify(v),
  (v: unknown) => JSON.stringify(v, null, 2),
  (v: unknown) => `\r\n${JSON.stringify(v, null, '\t').replace(/\n/g, '\r\n')} \n`,
);

describe('format B as serde_json writes it (read without the library)', () => {
  it('gives the entries the library gives, for any export of that shape and layout', async () => {
    await fc.assert(
      fc.asyncProperty(exportArb, layoutArb, async (doc, layout) => {
        const file = write('canonical.json', layout(asJson(doc)));
        expect(await canonicalExport(file, CHUNK_BYTES)).toBe(true);
        const fast = await readB(file, {});
        const library = await readB(file, { canonical: false });
        expect(fast).toEqual(library);
        expect(fast.entries).toHaveLength(doc.reduce((n, c) => n + c.pairs.length, 0));
      }),
      { numRuns: 150 },
    );
  });

  it('leaves every file of another shape to the library, which reads it as before', async () => {
    const edits = ['"x"', '1e0', '-1', '{}', ',', '256', '01', '[', ']', 'null', ' ', '[1]', '\uFEFF'];
    await fc.assert(
      fc.asyncProperty(exportArb, fc.nat(), fc.constantFrom(...edits), fc.boolean(), async (doc, at, edit, remove) => {
        const text = JSON.stringify(asJson(doc));
        const i = at % (text.length + 1);
        const mutated = remove ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + edit + text.slice(i);
        const file = write('mutated.json', mutated);
        expect(await readB(file, {})).toEqual(await readB(file, { canonical: false }));
      }),
      { numRuns: 300 },
    );
  });

  it('accepts exactly its grammar', async () => {
    const accepted = [
      '[]',
      ' [ ] \n',
      '[[[],[],[]]]',
      '[[[116],[0,255],[[[1],[2]],[[],[]]]]]',
      '[[[ 1 ,\t2\r\n, 10 , 199 , 200 , 249 , 250 ],[ ],[[[ 0 ],[9]]]]]',
    ];
    const refused = [
      '',
      '\uFEFF[]',
      '[] x',
      '[[[256],[2],[]]]',
      '[[[01],[2],[]]]',
      '[[[1,],[2],[]]]',
      '[[[1 2],[2],[]]]',
      '[[[1],[2],[[[1],[2],[3]]]]]',
      '[[[1],[2],[[[1]]]]]',
      '[[[1],[2],[],[]]]',
      '[[[1],[2]]]',
      '[[[1],"n",[]]]',
      '[[[1e0],[2],[]]]',
      '[[[-0],[2],[]]]',
      '[[[1],[2],[]]',
      '[[[1],[2],[]]],',
      '[[[1000],[2],[]]]',
      '[[[300],[2],[]]]',
      '[[[260],[2],[]]]',
      '[[[00],[2],[]]]',
      '[[[1,,2],[2],[]]]',
      '[[[,1],[2],[]]]',
      '[[[1, ],[2],[]]]',
      '[[[1.0],[2],[]]]',
      '[[[1],[+2],[]]]',
      '[1]',
      '[[[1],[2],[1]]]',
      '[[[[1]],[2],[]]]',
    ];
    // In one chunk, and cut everywhere (a byte string's text then comes in pieces).
    for (const chunkBytes of [CHUNK_BYTES, 1, 3]) {
      for (const text of accepted) {
        expect(await canonicalExport(write('ok.json', text), chunkBytes), `${text} (${chunkBytes})`).toBe(true);
      }
      for (const text of refused) {
        expect(await canonicalExport(write('no.json', text), chunkBytes), `${text} (${chunkBytes})`).toBe(false);
      }
    }
  });

  it('reads numbers and byte strings cut by chunk boundaries', async () => {
    const file = path.join(dir, 'big.export.json');
    const w = new ExportJsonWriter(file);
    for (let c = 0; c < 3; c++) {
      w.collection(`tree-${c}`);
      for (let i = 0; i < 4000; i++) {
        w.entry(Buffer.from(`key-${c}-${i}`), Buffer.alloc(97 + (i % 13), (i * 7 + c) & 0xff));
      }
    }
    w.close();
    expect(fs.statSync(file).size).toBeGreaterThan(2 * CHUNK_BYTES);
    const fast = await readB(file, {});
    expect(fast.entries).toHaveLength(12_000);
    expect(fast).toEqual(await readB(file, { canonical: false }));

    // A cancel while the file is checked stops it there: nothing read, the cancel's error as it is.
    const stop = new Error('cancelled by the test');
    const seen: number[] = [];
    let entries = 0;
    const visitor = {
      source: () => undefined,
      entry: () => void (entries += 1),
      chunk: (bytes: number) => {
        seen.push(bytes);
        if (seen.length === 2) throw stop;
      },
    };
    await expect(readExport(file, visitor, 'export-json')).rejects.toBe(stop);
    expect(seen).toEqual([0, 0]);
    expect(entries).toBe(0);
  });
});

describe('format detection', () => {
  it('tells the formats apart by the first character and refuses anything else', async () => {
    expect(await detectExportFormat(write('a', '\n  {"format"'))).toBe('jsonl');
    expect(await detectExportFormat(write('b', '\uFEFF[]'))).toBe('export-json');
    const other = write('c.csv', 'key,value\n');
    await expect(detectExportFormat(other)).rejects.toMatchObject({
      kind: 'invalid_input',
      message: `${other} is not a Sled export`,
      detail: 'Its first character (byte 0x6b at offset 0) is neither "{" nor "[".',
    });
    // A compressed export is named as such, with the command that decompresses it.
    const gz = write('e.jsonl.gz', gzipSync('{"format":"sled-export","version":1}\n'));
    await expect(detectExportFormat(gz)).rejects.toMatchObject({
      kind: 'invalid_input',
      message: `${gz} is gzip-compressed, not a Sled export as such`,
      hint: `Decompress it first (gunzip -k ${path.basename(gz)}) and import the file that makes.`,
    });
    const empty = write('d', '  \n');
    await expect(detectExportFormat(empty)).rejects.toMatchObject({
      kind: 'invalid_input',
      message: `${empty} is empty`,
    });
  });

  it('writes format A the way the README exporter does', () => {
    const file = path.join(dir, 'writer.jsonl');
    const w = new JsonlExportWriter(file);
    w.header({ source: 's', exportedAt: 't' });
    w.entry(Buffer.from('k'), Buffer.from([0xc3]));
    w.close();
    expect(fs.readFileSync(file, 'utf8')).toBe(
      '{"format":"sled-export","version":1,"source":"s","exported_at":"t"}\n' +
        '{"tree":"__sled__default","key":"k","value_b64":"ww=="}\n',
    );
  });
});
