import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { SnapshotStorage } from '../../../common/snapshots';
import { OpsError } from '../../../common/errors';
import { decodeField } from './copy-text';

const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const UNIT_SEPARATOR = 0x1f;
const RECORD_SEPARATOR = 0x1e;

/** Encoded bytes gathered before each hash update. */
const OUT_BYTES = 1024 * 1024;

/**
 * The content hash (format.ts) straight from COPY text bytes: the same digest
 * ContentHasher gives for the values a capture stores from those bytes
 * (value-codec.ts), without decoding them into strings first. A field that is
 * plain ASCII — nearly all of them — goes from the COPY bytes to the hash
 * input as bytes: an integer's digits, a text's characters (its UTF-16 length
 * is its byte count), bytea's hex digits. A field with an escape or a
 * non-ASCII byte is decoded the way the capture decodes it (copy-text.ts).
 *
 * Like CopyTextParser, it takes chunks split anywhere; a backslash escapes the
 * byte after it, newline included.
 */
export class CopyContentHasher {
  private readonly hash = createHash('sha256');
  private out = Buffer.allocUnsafe(OUT_BYTES);
  private used = 0;
  /** Bytes of a row not complete yet. */
  private tail: Buffer[] = [];
  private storages: readonly SnapshotStorage[] = [];
  /** Rows still to hash in this table (a limited capture reads one row more than it keeps). */
  private left = 0;
  private finished = false;

  table(schema: string, name: string, storages: readonly SnapshotStorage[], limit: number | null): void {
    this.endTable();
    this.writeString(`${schema}.${name}\n`);
    this.storages = storages;
    this.left = limit ?? Number.POSITIVE_INFINITY;
    this.finished = false;
  }

  push(chunk: Buffer): void {
    if (this.finished || chunk.length === 0) return;
    const last = chunk.lastIndexOf(NEWLINE);
    if (last < 0) {
      // No row ends here: keep the piece, without copying what came before again.
      this.tail.push(chunk);
      return;
    }
    let from = 0;
    if (this.tail.length > 0) {
      // Only the row the tail began is put together; the rest of the chunk is scanned where it lies.
      const first = chunk.indexOf(NEWLINE);
      const head = Buffer.concat([...this.tail, chunk.subarray(0, first + 1)]);
      this.tail = [];
      const consumed = this.scan(head, head.length);
      if (this.finished) return;
      if (consumed < head.length) {
        // Its newline was escaped: the row goes on, so take the whole chunk together with it.
        this.tail.push(head.subarray(consumed));
        this.push(chunk.subarray(first + 1));
        return;
      }
      from = first + 1;
    }
    const data = from === 0 ? chunk : chunk.subarray(from);
    const consumed = last + 1 - from === 0 ? 0 : this.scan(data, last + 1 - from);
    // A copy, so the (large, transferred) chunk it came from can be freed.
    if (consumed < data.length && !this.finished) this.tail.push(Buffer.from(data.subarray(consumed)));
  }

  /** The digest of every table; no more input after this. */
  hex(): string {
    this.endTable();
    this.flush();
    return this.hash.digest('hex');
  }

  private endTable(): void {
    if (this.tail.some((piece) => piece.length > 0) && !this.finished) {
      throw new OpsError('database_error', 'The COPY data ended inside a row');
    }
    this.tail = [];
  }

  /** Hashes the complete rows in data[0, limit); returns where the first incomplete row starts. */
  private scan(data: Buffer, limit: number): number {
    const width = this.storages.length;
    let at = 0;
    while (at < limit) {
      const rowStart = at;
      // Nearly every row is whole in view, escape-free and ASCII: split it with native searches.
      const rowEnd = data.indexOf(NEWLINE, at);
      if (rowEnd !== -1 && rowEnd < limit) {
        const row = data.subarray(at, rowEnd);
        if (row.indexOf(BACKSLASH) === -1 && isAscii(row)) {
          this.plainRow(data, at, rowEnd, width);
          at = rowEnd + 1;
          continue;
        }
      }
      const usedAtRowStart = this.used;
      const hashing = this.left > 0;
      let field = 0;
      let complete = false;
      while (at < limit) {
        const start = at;
        let escaped = false;
        let ascii = true;
        let byte = 0;
        while (at < limit) {
          byte = data[at]!;
          if (byte > BACKSLASH && byte < 0x80) {
            at += 1;
            continue;
          }
          if (byte === TAB || byte === NEWLINE) break;
          if (byte === BACKSLASH) {
            escaped = true;
            at += 2;
            continue;
          }
          if (byte >= 0x80) ascii = false;
          at += 1;
        }
        if (at >= limit) break;
        if (byte === NEWLINE && field === 0 && escaped && at - start === 2 && data[start + 1] === 0x2e) {
          // "\." alone: PostgreSQL's end-of-data marker.
          this.used = usedAtRowStart;
          this.finished = true;
          return data.length;
        }
        if (hashing && !(width === 0 && at === start && byte === NEWLINE)) {
          if (field >= width) throw this.widthError(field + 1);
          if (field > 0) this.writeByte(UNIT_SEPARATOR);
          this.encodeField(data, start, at, escaped, ascii, this.storages[field]!);
        }
        if (width > 0 || at > start) field += 1;
        at += 1;
        if (byte === NEWLINE) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        // The row goes on in the next chunk (its last newline was escaped): start it again then.
        this.used = usedAtRowStart;
        return rowStart;
      }
      if (field !== width) throw this.widthError(field);
      if (hashing) {
        this.writeByte(RECORD_SEPARATOR);
        this.left -= 1;
      }
    }
    return at;
  }

  /** A complete row data[start, end) with no backslash and only ASCII bytes: fields split at tabs. */
  private plainRow(data: Buffer, start: number, end: number, width: number): void {
    const hashing = this.left > 0;
    if (width === 0) {
      if (end !== start) throw this.widthError(1);
    } else {
      let field = 0;
      let from = start;
      for (;;) {
        let tab = data.indexOf(TAB, from);
        if (tab === -1 || tab > end) tab = end;
        if (field >= width) throw this.widthError(field + 1);
        if (hashing) {
          if (field > 0) this.writeByte(UNIT_SEPARATOR);
          this.encodeField(data, from, tab, false, true, this.storages[field]!);
        }
        field += 1;
        if (tab === end) break;
        from = tab + 1;
      }
      if (field !== width) throw this.widthError(field);
    }
    if (hashing) {
      this.writeByte(RECORD_SEPARATOR);
      this.left -= 1;
    }
  }

  private encodeField(
    data: Buffer,
    start: number,
    end: number,
    escaped: boolean,
    ascii: boolean,
    storage: SnapshotStorage,
  ): void {
    if (escaped && end - start === 2 && data[start + 1] === 0x4e) {
      this.writeByte(0x4e); // N: \N is NULL
      return;
    }
    const hexBytea = data[start] === BACKSLASH && data[start + 1] === BACKSLASH && data[start + 2] === 0x78;
    if (storage === 'blob' && end - start >= 3 && hexBytea) {
      // \\x then hex digits (PostgreSQL's hex output, lowercase as Buffer#toString('hex') writes it).
      this.writeByte(0x42); // B
      this.writeBytes(data, start + 3, end);
      return;
    }
    if (!escaped && ascii) {
      if (storage === 'integer') {
        this.writeByte(0x49); // I
        this.writeBytes(data, start, end);
      } else if (storage === 'boolean') {
        this.writeByte(0x49);
        this.writeByte(end - start === 1 && data[start] === 0x74 ? 0x31 : 0x30);
      } else {
        this.writeByte(0x54); // T
        this.writeDecimal(end - start);
        this.writeByte(0x3a); // :
        this.writeBytes(data, start, end);
      }
      return;
    }
    const raw = data.toString('utf8', start, end);
    const text = escaped ? decodeField(raw) : raw;
    if (text === null) throw new OpsError('database_error', 'A COPY field decodes to NULL where text was expected');
    if (storage === 'integer') this.writeString(`I${text}`);
    else if (storage === 'boolean') this.writeString(text === 't' ? 'I1' : 'I0');
    else if (storage === 'blob') this.writeString(`B${text.slice(2)}`);
    else this.writeString(`T${text.length}:${text}`);
  }

  private widthError(fields: number): OpsError {
    return new OpsError(
      'database_error',
      `A COPY row has ${fields} fields where ${this.storages.length} were expected`,
    );
  }

  private room(bytes: number): void {
    if (this.used + bytes > this.out.length) this.flush();
    if (bytes > this.out.length) this.out = Buffer.allocUnsafe(bytes);
  }

  private writeByte(byte: number): void {
    if (this.used === this.out.length) this.flush();
    this.out[this.used++] = byte;
  }

  private writeBytes(data: Buffer, start: number, end: number): void {
    const length = end - start;
    this.room(length);
    if (length < 32) {
      const out = this.out;
      let used = this.used;
      for (let i = start; i < end; i++) out[used++] = data[i]!;
      this.used = used;
    } else {
      data.copy(this.out, this.used, start, end);
      this.used += length;
    }
  }

  private writeDecimal(value: number): void {
    this.room(16);
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
    let at = this.used + digits;
    this.used = at;
    let rest = value;
    do {
      this.out[--at] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    } while (rest > 0);
  }

  private writeString(text: string): void {
    this.room(text.length * 3 + 16);
    this.used += this.out.write(text, this.used, 'utf8');
  }

  private flush(): void {
    if (this.used === 0) return;
    this.hash.update(this.out.subarray(0, this.used));
    this.used = 0;
  }
}
