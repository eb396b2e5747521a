/**
 * Format B the way serde_json writes `sled::Db::export()`: nothing but arrays
 * of byte numbers, `[[type, name, [[key, value], ...]], ...]`, every byte
 * string `[98,97,...]`. Through @streamparser/json each of those numbers is a
 * token of its own (a million entries are about 250 million tokens, two
 * minutes of CPU), so a file that is exactly this shape is read here instead:
 * a byte-level recognizer of this one grammar, which accepts nothing else.
 *
 *   doc   := ws '[' ws [coll (ws ',' ws coll)*] ws ']' ws
 *   coll  := '[' ws bytes ws ',' ws bytes ws ',' ws pairs ws ']'
 *   pairs := '[' ws [pair (ws ',' ws pair)*] ws ']'
 *   pair  := '[' ws bytes ws ',' ws bytes ws ']'
 *   bytes := '[' ws [byte (ws ',' ws byte)*] ws ']'
 *   byte  := '0' | [1-9][0-9]{0,2}, at most 255;  ws := (space | tab | CR | LF)*
 *
 * The file is checked first (canonicalExport) and read only if the whole of
 * it is that: anything else, valid JSON of another shape (a string, an
 * object, 1e2, a pair of three) or broken JSON, goes through the library as
 * before, with its problems and reasons. For a file of this shape both give
 * the same entries, which the tests check on generated files.
 */
import fs from 'node:fs';

/** What the reading pass reports (the checking pass reports nothing). */
export interface CanonicalSink {
  collection(index: number): void;
  /** Element 0 (the type, only checked) or 1 (the tree name) of the current collection. */
  header(element: 0 | 1, bytes: Buffer): void;
  pair(collection: number, pair: number, key: Buffer, value: Buffer): void;
}

const enum Where {
  Doc = 0,
  Coll = 1,
  Pairs = 2,
  Pair = 3,
  Bytes = 4,
}

const enum Expect {
  /** Just after '[': a value or ']'. */
  First = 0,
  /** After ',': a value. */
  Value = 1,
  /** After a value: ',' or ']'. */
  Sep = 2,
  /** After the document's ']': only whitespace. */
  End = 3,
}

const WS = '[ \\t\\n\\r]*';
const BYTE = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
/** What may stand between a byte string's '[' and ']'. */
const BYTES_TEXT = new RegExp(`^${WS}(?:${BYTE}${WS}(?:,${WS}${BYTE}${WS})*)?$`);

/** The bytes of a byte string's text that BYTES_TEXT accepted: at most one byte per two characters. */
function bytesOf(text: string): Buffer {
  const out = Buffer.allocUnsafe((text.length + 1) >> 1);
  let length = 0;
  let num = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      num = num < 0 ? c - 0x30 : num * 10 + (c - 0x30);
    } else if (num >= 0) {
      out[length++] = num;
      num = -1;
    }
  }
  if (num >= 0) out[length++] = num;
  return out.subarray(0, length);
}

/**
 * A streaming recognizer (and, with a sink, reader) of the grammar above.
 * Between a byte string's brackets there can only be digits, commas and
 * whitespace, so its end is the next ']' (found natively), its text is
 * checked with one regular expression (V8 compiles it to machine code: a
 * hand-written loop over the bytes checked and read it no faster here) and
 * read by bytesOf; the loop here sees only the few characters around byte
 * strings.
 */
export class CanonicalScanner {
  private readonly where: Where[] = [];
  /** Elements seen so far at each open level. */
  private readonly counts: number[] = [];
  private expect: Expect = Expect.Value;
  private started = false;
  /** Inside a byte string: its text so far (latin1: digits, commas, whitespace), else null. */
  private text: string | null = null;
  private key: Buffer | null = null;
  private collection = -1;
  ok = true;

  constructor(private readonly sink: CanonicalSink | null = null) {}

  /** Feeds the next chunk; false (for good) once the input is not of the grammar. */
  write(chunk: Uint8Array): boolean {
    if (!this.ok) return false;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = buf.length;
    let i = 0;
    while (i < n) {
      if (this.text !== null) {
        const close = buf.indexOf(0x5d, i);
        const end = close < 0 ? n : close;
        this.text += buf.toString('latin1', i, end);
        if (close < 0) return true;
        if (!this.bytesEnded()) return this.fail();
        i = close;
      }
      const c = buf[i]!;
      i += 1;
      if (c === 0x2c) {
        // ','
        if (this.expect !== Expect.Sep) return this.fail();
        this.expect = Expect.Value;
      } else if (c === 0x5b) {
        // '['
        if (!this.open()) return this.fail();
      } else if (c === 0x5d) {
        // ']'
        if (!this.close()) return this.fail();
      } else if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
        return this.fail();
      }
    }
    return true;
  }

  /** At the end of the input: whether all of it was of the grammar. */
  end(): boolean {
    if (this.ok && (this.text !== null || this.expect !== Expect.End)) this.ok = false;
    return this.ok;
  }

  private fail(): false {
    this.ok = false;
    return false;
  }

  /** A byte string's ']' is next: its text checked and, with a sink, read. */
  private bytesEnded(): boolean {
    const text = this.text!;
    this.text = null;
    if (!BYTES_TEXT.test(text)) return false;
    // The ']' that follows closes it as any other array (close(), with expect as after a value).
    this.expect = /^[ \t\n\r]*$/.test(text) ? Expect.First : Expect.Sep;
    if (this.sink) this.bytesRead(bytesOf(text));
    return true;
  }

  /** A '[': which array it opens follows from where it is. */
  private open(): boolean {
    if (!this.started) {
      this.started = true;
      this.push(Where.Doc);
      return true;
    }
    if (this.expect !== Expect.First && this.expect !== Expect.Value) return false;
    const depth = this.where.length - 1;
    if (depth < 0) return false;
    const parent = this.where[depth]!;
    const index = this.counts[depth]!;
    this.counts[depth] = index + 1;
    switch (parent) {
      case Where.Doc:
        this.collection += 1;
        this.sink?.collection(this.collection);
        this.push(Where.Coll);
        return true;
      case Where.Coll:
        if (index > 2) return false;
        this.push(index === 2 ? Where.Pairs : Where.Bytes);
        return true;
      case Where.Pairs:
        this.push(Where.Pair);
        return true;
      case Where.Pair:
        if (index > 1) return false;
        this.push(Where.Bytes);
        return true;
      default:
        return false;
    }
  }

  private push(where: Where): void {
    this.where.push(where);
    this.counts.push(0);
    this.expect = Expect.First;
    if (where === Where.Bytes) this.text = '';
  }

  /** A ']': closes the open array if it may end here (no trailing ',', the fixed sizes met). */
  private close(): boolean {
    if (this.expect !== Expect.First && this.expect !== Expect.Sep) return false;
    const depth = this.where.length - 1;
    if (depth < 0) return false;
    const where = this.where[depth]!;
    const count = this.counts[depth]!;
    if (where === Where.Coll && count !== 3) return false;
    if (where === Where.Pair && count !== 2) return false;
    this.where.pop();
    this.counts.pop();
    this.expect = depth === 0 ? Expect.End : Expect.Sep;
    return true;
  }

  /** A byte string was read (its array still open): a header element, or a pair's key or value. */
  private bytesRead(bytes: Buffer): void {
    const sink = this.sink!;
    const depth = this.where.length - 1;
    const parent = this.where[depth - 1]!;
    const index = this.counts[depth - 1]! - 1;
    if (parent === Where.Coll) {
      sink.header(index as 0 | 1, bytes);
    } else if (index === 0) {
      this.key = bytes;
    } else {
      const pairIndex = this.counts[depth - 2]! - 1;
      sink.pair(this.collection, pairIndex, this.key!, bytes);
      this.key = null;
    }
  }
}

/**
 * Whether `file` is wholly of the grammar above (read through once, in
 * chunks of `chunkBytes`). `chunk` runs after each (throw to stop, as a cancel).
 */
export async function canonicalExport(
  file: string,
  chunkBytes: number,
  chunk?: () => void | Promise<void>,
): Promise<boolean> {
  const scanner = new CanonicalScanner();
  const stream = fs.createReadStream(file, { highWaterMark: chunkBytes });
  try {
    for await (const data of stream) {
      if (!scanner.write(data as Buffer)) return false;
      await chunk?.();
    }
  } finally {
    stream.destroy();
  }
  return scanner.end();
}
