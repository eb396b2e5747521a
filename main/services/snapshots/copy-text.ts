import { isUtf8 } from 'node:buffer';
import { OpsError } from '../../../common/errors';

/**
 * One row of COPY text output: a field is its unescaped bytes (UTF-8, as the
 * connection's client_encoding sends them), or null for \N; as the writer
 * thread reads a batch (capture-writer.ts readBatch), each a plain Uint8Array
 * view, which V8 makes several times faster than a Buffer view.
 */
export type CopyRow = Array<Uint8Array | null>;

const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const CAPITAL_N = 0x4e;

/** The byte a backslash escape letter stands for in COPY text format; any other byte stands for itself. */
const SIMPLE_ESCAPES: Readonly<Record<number, number>> = {
  0x62: 0x08, // \b
  0x66: 0x0c, // \f
  0x6e: 0x0a, // \n
  0x72: 0x0d, // \r
  0x74: 0x09, // \t
  0x76: 0x0b, // \v
};

/**
 * Where a CopyTextScanner puts the fields it finds. A field without escapes is
 * a byte range of the piece being scanned (which ends with a newline and stays
 * valid until the next push); a field with escapes, or one carried over from
 * an earlier piece, arrives unescaped in bytes of its own (null for \N).
 */
export interface CopyFieldSink {
  /** A new piece begins: the next `range` calls are positions in it. */
  piece(piece: Buffer): void;
  range(start: number, end: number): void;
  bytes(field: Uint8Array | null): void;
  /** The row's fields are complete (the count is checked). */
  rowEnd(): void;
}

/**
 * A push scanner of PostgreSQL's COPY text format (the default of
 * `COPY … TO STDOUT`): rows end with a newline, fields are separated by tabs,
 * `\N` alone is NULL, and a backslash escapes the character after it
 * (`\b \f \n \r \t \v`, `\` + 1–3 octal digits or `\x` + 1–2 hex digits for a
 * byte, anything else for itself — a backslashed tab or newline is data).
 *
 * It works on bytes: tabs, newlines and backslashes are ASCII and never part
 * of a multibyte UTF-8 character, so fields are found in the chunks as they
 * are and only fields holding an escape are copied. Chunks may split a row, a
 * field or an escape anywhere; the bytes after the last newline of a chunk
 * wait for the next one, so memory is bounded by the chunk size plus the
 * longest row. A line holding only `\.` ends the data (PostgreSQL's end marker).
 */
export class CopyTextScanner {
  /** Bytes after the last newline seen, waiting for the rest of their row. */
  private tail: Buffer[] = [];
  /** Fields of the current row handed over so far. */
  private fields = 0;
  /** Raw (still escaped) bytes of the current field carried over from an earlier piece. */
  private carried: Uint8Array | null = null;
  private carriedHasEscape = false;
  private finished = false;
  private rowCount = 0;

  constructor(
    private readonly columns: number,
    private readonly sink: CopyFieldSink,
  ) {}

  /** Rows completed so far. */
  get rows(): number {
    return this.rowCount;
  }

  push(chunk: Buffer): void {
    if (this.finished || chunk.length === 0) return;
    const last = chunk.lastIndexOf(NEWLINE);
    if (last < 0) {
      this.tail.push(chunk);
      return;
    }
    let piece: Buffer;
    if (this.tail.length > 0) {
      this.tail.push(chunk.subarray(0, last + 1));
      piece = Buffer.concat(this.tail);
      this.tail = [];
    } else {
      piece = chunk.subarray(0, last + 1);
    }
    if (last + 1 < chunk.length) this.tail.push(chunk.subarray(last + 1));
    this.scan(piece);
  }

  /** The data is complete: anything left over is a cut-off row. */
  end(): void {
    if (this.finished) return;
    const leftover = this.tail.reduce((n, b) => n + b.length, 0);
    if (leftover > 0 || this.fields > 0 || this.carried !== null || this.carriedHasEscape) {
      throw new OpsError('database_error', 'The COPY data ended inside a row', {
        detail: `${leftover} bytes after the last complete row`,
      });
    }
    this.finished = true;
  }

  /** Scans bytes that end with a newline; an escaped final newline carries the row on to the next piece. */
  private scan(piece: Buffer): void {
    const sink = this.sink;
    sink.piece(piece);
    const length = piece.length;
    let fieldStart = 0;
    let hasEscape = this.carriedHasEscape;
    // The next tab, newline and backslash at or after the scan position; each
    // is searched for again only once passed, so a piece is scanned in linear time.
    let nextTab = piece.indexOf(TAB);
    let nextNewline = piece.indexOf(NEWLINE);
    let nextBackslash = piece.indexOf(BACKSLASH);
    let at = 0;
    while (at < length) {
      if (nextTab !== -1 && nextTab < at) nextTab = piece.indexOf(TAB, at);
      if (nextNewline !== -1 && nextNewline < at) nextNewline = piece.indexOf(NEWLINE, at);
      if (nextBackslash !== -1 && nextBackslash < at) nextBackslash = piece.indexOf(BACKSLASH, at);
      let stop = nextNewline === -1 ? length : nextNewline;
      if (nextTab !== -1 && nextTab < stop) stop = nextTab;
      if (nextBackslash !== -1 && nextBackslash < stop) {
        // An escape pair is data, whatever its second byte is.
        hasEscape = true;
        at = nextBackslash + 2;
        continue;
      }
      if (stop >= length) break;
      const code = piece[stop];
      if (this.carried !== null) {
        const raw = Buffer.concat([this.carried, piece.subarray(fieldStart, stop)]);
        this.carried = null;
        sink.bytes(hasEscape ? decodeField(raw) : raw);
      } else if (
        code === NEWLINE &&
        this.fields === 0 &&
        stop - fieldStart === 2 &&
        piece[fieldStart] === BACKSLASH &&
        piece[fieldStart + 1] === DOT
      ) {
        this.finished = true;
        this.tail = [];
        return;
      } else if (hasEscape) {
        sink.bytes(decodeField(piece.subarray(fieldStart, stop)));
      } else {
        sink.range(fieldStart, stop);
      }
      this.fields += 1;
      hasEscape = false;
      fieldStart = stop + 1;
      at = stop + 1;
      if (code === NEWLINE) this.endRow(piece, stop);
    }
    if (fieldStart < length) {
      const rest = piece.subarray(fieldStart);
      this.carried = this.carried === null ? rest : Buffer.concat([this.carried, rest]);
    }
    this.carriedHasEscape = hasEscape;
  }

  private endRow(piece: Buffer, newline: number): void {
    let fields = this.fields;
    this.fields = 0;
    // A table without columns sends an empty line per row: one empty field, which is no field.
    if (this.columns === 0 && fields === 1 && (newline === 0 || piece[newline - 1] === NEWLINE)) fields = 0;
    if (fields !== this.columns) {
      throw new OpsError('database_error', `A COPY row has ${fields} fields where ${this.columns} were expected`, {
        detail: `row ${this.rowCount + 1}`,
      });
    }
    this.rowCount += 1;
    this.sink.rowEnd();
  }
}

function isOctal(code: number): boolean {
  return code >= 0x30 && code <= 0x37;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return -1;
}

/**
 * A raw field holding at least one backslash: NULL, or its unescaped bytes
 * (the byte-level unescape PostgreSQL does before checking the encoding).
 * Byte escapes could spell bytes that are not UTF-8; those come out as
 * Buffer.toString would read them, with U+FFFD for each bad sequence.
 */
export function decodeField(raw: Uint8Array): Uint8Array | null {
  if (raw.length === 2 && raw[0] === BACKSLASH && raw[1] === CAPITAL_N) return null;
  const out = Buffer.allocUnsafe(raw.length);
  let length = 0;
  let at = 0;
  let byteEscape = false;
  while (at < raw.length) {
    const byte = raw[at]!;
    if (byte !== BACKSLASH || at + 1 >= raw.length) {
      // A lone backslash at the very end stands for itself.
      out[length++] = byte;
      at += 1;
      continue;
    }
    const next = raw[at + 1]!;
    if (isOctal(next)) {
      let value = next - 0x30;
      let end = at + 2;
      while (end < at + 4 && end < raw.length && isOctal(raw[end]!)) value = value * 8 + (raw[end++]! - 0x30);
      out[length++] = value & 0xff;
      at = end;
      byteEscape = true;
    } else if (next === 0x78 && at + 2 < raw.length && hexValue(raw[at + 2]!) >= 0) {
      let value = hexValue(raw[at + 2]!);
      let end = at + 3;
      if (end < raw.length && hexValue(raw[end]!) >= 0) value = value * 16 + hexValue(raw[end++]!);
      out[length++] = value;
      at = end;
      byteEscape = true;
    } else {
      out[length++] = SIMPLE_ESCAPES[next] ?? next;
      at += 2;
    }
  }
  const bytes = out.subarray(0, length);
  return byteEscape && !isUtf8(bytes) ? Buffer.from(bytes.toString('utf8'), 'utf8') : bytes;
}
