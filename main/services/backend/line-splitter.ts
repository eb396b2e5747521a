import { StringDecoder } from 'node:string_decoder';

/**
 * Turns a child's output chunks into lines: splits on \n (a trailing \r is
 * dropped), decodes UTF-8 across chunk boundaries and keeps the unfinished
 * last line until more data or flush(). A line longer than `maxLineLength`
 * (UTF-16 code units) is emitted in pieces of that length, so a process that
 * never prints a newline cannot make us hold unbounded memory.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  /** The current line has already been emitted in pieces. */
  private continued = false;

  constructor(
    private readonly onLine: (text: string) => void,
    private readonly maxLineLength = 65_536,
  ) {
    if (!Number.isInteger(maxLineLength) || maxLineLength < 2) {
      throw new RangeError('maxLineLength must be an integer of at least 2');
    }
  }

  push(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    if (text.length === 0) return;
    const buffer = this.partial.length === 0 ? text : this.partial + text;
    let start = 0;
    let newline = buffer.indexOf('\n', start);
    while (newline !== -1) {
      this.emitLine(buffer, start, newline);
      start = newline + 1;
      newline = buffer.indexOf('\n', start);
    }
    this.partial = start === 0 ? buffer : buffer.slice(start);
    if (this.partial.length > this.maxLineLength) this.emitPieces();
  }

  /** Emits what is left (a last line without a newline) and resets. */
  flush(): void {
    const rest = this.decoder.end();
    if (rest.length > 0) {
      this.partial += rest;
      if (this.partial.length > this.maxLineLength) this.emitPieces();
    }
    if (this.partial.length > 0) {
      const text = this.partial.endsWith('\r') ? this.partial.slice(0, -1) : this.partial;
      if (text.length > 0 || !this.continued) this.onLine(text);
    }
    this.partial = '';
    this.continued = false;
  }

  private emitLine(buffer: string, start: number, end: number): void {
    const stop = end > start && buffer.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (stop - start > this.maxLineLength) {
      // Only reachable when one chunk carries a whole over-long line.
      this.partial = buffer.slice(start, stop);
      this.emitPieces();
      if (this.partial.length > 0) this.onLine(this.partial);
      this.partial = '';
    } else if (stop > start || !this.continued) {
      // An empty remainder after pieces is not a line of its own.
      this.onLine(start === 0 && stop === buffer.length ? buffer : buffer.slice(start, stop));
    }
    this.continued = false;
  }

  /** Emits full pieces while more than one piece is held; never splits a surrogate pair. */
  private emitPieces(): void {
    let offset = 0;
    const held = this.partial;
    while (held.length - offset > this.maxLineLength) {
      let cut = offset + this.maxLineLength;
      const last = held.charCodeAt(cut - 1);
      if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
      this.onLine(held.slice(offset, cut));
      offset = cut;
      this.continued = true;
    }
    this.partial = held.slice(offset);
  }
}
