import { OpsError } from '../../../common/errors';

/** One row of COPY text output: a field is its unescaped text, or null for \N. */
export type CopyRow = Array<string | null>;

const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;

/** The character a backslash escape stands for in COPY text format; any other character stands for itself. */
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/**
 * A push parser of PostgreSQL's COPY text format (the default of
 * `COPY … TO STDOUT`): rows end with a newline, fields are separated by tabs,
 * `\N` alone is NULL, and a backslash escapes the character after it
 * (`\b \f \n \r \t \v`, `\` + 1–3 octal digits or `\x` + 1–2 hex digits for a
 * byte, anything else for itself — a backslashed tab or newline is data).
 *
 * Chunks may split a row, a field, an escape or a multibyte UTF-8 character
 * anywhere. Bytes are decoded only up to the last newline of what has arrived
 * (a newline byte never sits inside a UTF-8 sequence); the rest waits for the
 * next chunk, so memory is bounded by the chunk size plus the longest row.
 * A line holding only `\.` ends the data (PostgreSQL's end marker).
 */
export class CopyTextParser {
  /** Bytes after the last newline seen, waiting for the rest of their row. */
  private tail: Buffer[] = [];
  private row: CopyRow = [];
  /** Raw (still escaped) text of the current field carried over from an earlier piece. */
  private carried = '';
  private carriedHasEscape = false;
  private finished = false;
  private rowCount = 0;

  constructor(
    private readonly columns: number,
    private readonly onRow: (row: CopyRow) => void,
  ) {}

  /** Rows emitted so far. */
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
    let text: string;
    if (this.tail.length > 0) {
      this.tail.push(chunk.subarray(0, last + 1));
      text = Buffer.concat(this.tail).toString('utf8');
      this.tail = [];
    } else {
      text = chunk.toString('utf8', 0, last + 1);
    }
    if (last + 1 < chunk.length) this.tail.push(chunk.subarray(last + 1));
    this.scan(text);
  }

  /** The data is complete: anything left over is a cut-off row. */
  end(): void {
    if (this.finished) return;
    const leftover = this.tail.reduce((n, b) => n + b.length, 0);
    if (leftover > 0 || this.row.length > 0 || this.carried !== '' || this.carriedHasEscape) {
      throw new OpsError('database_error', 'The COPY data ended inside a row', {
        detail: `${leftover} bytes after the last complete row`,
      });
    }
    this.finished = true;
  }

  /** Scans text that ends with a newline; an escaped final newline carries the row on to the next piece. */
  private scan(text: string): void {
    const length = text.length;
    let fieldStart = 0;
    let hasEscape = this.carriedHasEscape;
    // The next tab, newline and backslash at or after the scan position; each
    // is searched for again only once passed, so a piece is scanned in linear time.
    let nextTab = text.indexOf('\t');
    let nextNewline = text.indexOf('\n');
    let nextBackslash = text.indexOf('\\');
    let at = 0;
    while (at < length) {
      if (nextTab !== -1 && nextTab < at) nextTab = text.indexOf('\t', at);
      if (nextNewline !== -1 && nextNewline < at) nextNewline = text.indexOf('\n', at);
      if (nextBackslash !== -1 && nextBackslash < at) nextBackslash = text.indexOf('\\', at);
      let stop = nextNewline === -1 ? length : nextNewline;
      if (nextTab !== -1 && nextTab < stop) stop = nextTab;
      if (nextBackslash !== -1 && nextBackslash < stop) {
        // An escape pair is data, whatever its second character is.
        hasEscape = true;
        at = nextBackslash + 2;
        continue;
      }
      if (stop >= length) break;
      let raw = text.slice(fieldStart, stop);
      if (this.carried !== '') {
        raw = this.carried + raw;
        this.carried = '';
      }
      const code = text.charCodeAt(stop);
      if (code === NEWLINE && this.row.length === 0 && raw === '\\.') {
        this.finished = true;
        this.tail = [];
        return;
      }
      this.row.push(hasEscape ? decodeField(raw) : raw);
      hasEscape = false;
      fieldStart = stop + 1;
      at = stop + 1;
      if (code === NEWLINE) this.emitRow();
    }
    if (fieldStart < length) this.carried += text.slice(fieldStart);
    this.carriedHasEscape = hasEscape;
  }

  private emitRow(): void {
    let row = this.row;
    this.row = [];
    if (this.columns === 0 && row.length === 1 && row[0] === '') row = [];
    if (row.length !== this.columns) {
      throw new OpsError('database_error', `A COPY row has ${row.length} fields where ${this.columns} were expected`, {
        detail: `row ${this.rowCount + 1}`,
      });
    }
    this.rowCount += 1;
    this.onRow(row);
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

/** A raw field holding at least one backslash: NULL, or its unescaped text. */
export function decodeField(raw: string): string | null {
  if (raw === '\\N') return null;
  let out = '';
  let runStart = 0;
  let at = raw.indexOf('\\');
  while (at !== -1) {
    out += raw.slice(runStart, at);
    const next = raw[at + 1];
    if (next === undefined) {
      // A lone backslash at the very end stands for itself.
      out += '\\';
      runStart = raw.length;
      break;
    }
    const code = next.charCodeAt(0);
    if (isOctal(code) || (next === 'x' && hexValue(raw.charCodeAt(at + 2)) >= 0)) {
      // Byte escapes can build a multibyte character together: unescape the whole field as bytes.
      return decodeBytes(Buffer.from(raw, 'utf8'));
    }
    out += SIMPLE_ESCAPES[next] ?? next;
    runStart = at + 2;
    at = raw.indexOf('\\', runStart);
  }
  return out + raw.slice(runStart);
}

/** The byte-level unescape PostgreSQL does before checking the encoding. */
function decodeBytes(bytes: Buffer): string {
  const out = Buffer.allocUnsafe(bytes.length);
  let length = 0;
  let at = 0;
  while (at < bytes.length) {
    const byte = bytes[at]!;
    if (byte !== BACKSLASH || at + 1 >= bytes.length) {
      out[length++] = byte;
      at += 1;
      continue;
    }
    const next = bytes[at + 1]!;
    if (isOctal(next)) {
      let value = next - 0x30;
      let end = at + 2;
      while (end < at + 4 && end < bytes.length && isOctal(bytes[end]!)) value = value * 8 + (bytes[end++]! - 0x30);
      out[length++] = value & 0xff;
      at = end;
    } else if (next === 0x78 && at + 2 < bytes.length && hexValue(bytes[at + 2]!) >= 0) {
      let value = hexValue(bytes[at + 2]!);
      let end = at + 3;
      if (end < bytes.length && hexValue(bytes[end]!) >= 0) value = value * 16 + hexValue(bytes[end++]!);
      out[length++] = value;
      at = end;
    } else {
      const simple = SIMPLE_ESCAPES[String.fromCharCode(next)];
      out[length++] = simple === undefined ? next : simple.charCodeAt(0);
      at += 2;
    }
  }
  return out.toString('utf8', 0, length);
}
