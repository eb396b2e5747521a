/**
 * A reader for bincode 1.x in its legacy configuration (`bincode::serialize`),
 * the encoding the bot used for its ai_cache and conversation values:
 * fixed-width little-endian integers, String = u64 byte length + UTF-8 bytes,
 * Option = one tag byte (0 None, 1 Some) then the value, Vec = u64 count then
 * the items. Every length is checked against the bytes left before anything
 * is allocated, and a value must use every byte: bincode has no framing, so a
 * wrong type or a cut value shows as truncation or trailing bytes.
 */
import { isUtf8 } from 'node:buffer';

/** A value that is not the bincode of the expected type; the message says where and why. */
export class BincodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BincodeError';
  }
}

export class BincodeReader {
  private offset = 0;

  constructor(private readonly bytes: Buffer) {}

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Throws unless `count` bytes are left; `what` is only worded when they are not (hot path). */
  private need(count: number, field: string, lengthOf = false): void {
    const left = this.bytes.length - this.offset;
    if (count > left) {
      const what = lengthOf ? `the length of field \`${field}\`` : `field \`${field}\``;
      throw new BincodeError(`truncated: needed ${count} bytes for ${what} at offset ${this.offset}, ${left} left`);
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.offset++]!;
  }

  u32(field: string): number {
    this.need(4, field);
    const value = this.bytes.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  u64(field: string): bigint {
    this.need(8, field);
    const value = this.bytes.readBigUInt64LE(this.offset);
    this.offset += 8;
    return value;
  }

  i64(field: string): bigint {
    this.need(8, field);
    const value = this.bytes.readBigInt64LE(this.offset);
    this.offset += 8;
    return value;
  }

  /** A u64 length or count, as a safe JS number (anything larger cannot fit the bytes left anyway). */
  private length(field: string): { at: number; value: number } {
    this.need(8, field, true);
    const at = this.offset;
    const low = this.bytes.readUInt32LE(at);
    const high = this.bytes.readUInt32LE(at + 4);
    this.offset += 8;
    // 2^53 and above cannot be a real length; report it exactly without losing digits.
    const value = high >= 0x200000 ? Number.POSITIVE_INFINITY : high * 0x100000000 + low;
    return { at, value };
  }

  private lengthText(at: number): string {
    return this.bytes.readBigUInt64LE(at).toString();
  }

  string(field: string): string {
    const { at, value } = this.length(field);
    const left = this.bytes.length - this.offset;
    if (value > left) {
      throw new BincodeError(
        `truncated: field \`${field}\` at offset ${at} declares ${this.lengthText(at)} bytes, ${left} left`,
      );
    }
    const start = this.offset;
    const end = start + value;
    const text = this.bytes.toString('utf8', start, end);
    // Bytes that are not UTF-8 decode to U+FFFD: only then is the check needed.
    if (text.includes('\uFFFD') && !isUtf8(this.bytes.subarray(start, end))) {
      throw new BincodeError(`field \`${field}\` at offset ${start} is not valid UTF-8`);
    }
    this.offset = end;
    return text;
  }

  /** Option<T>: tag 0 is None, 1 is Some(read()); any other tag is an error. */
  option<T>(field: string, read: () => T): T | null {
    const at = this.offset;
    const tag = this.u8(field);
    if (tag === 0) return null;
    if (tag === 1) return read();
    throw new BincodeError(`field \`${field}\` at offset ${at}: Option tag ${tag} is neither 0 (None) nor 1 (Some)`);
  }

  /** Vec<T> whose items take at least `minItemBytes` each (checked before any item is read). */
  vec<T>(field: string, minItemBytes: number, read: (index: number) => T): T[] {
    const { at, value } = this.length(field);
    const left = this.bytes.length - this.offset;
    if (value * minItemBytes > left) {
      throw new BincodeError(
        `truncated: field \`${field}\` at offset ${at} declares ${this.lengthText(at)} items ` +
          `(at least ${minItemBytes} bytes each), ${left} bytes left`,
      );
    }
    const items: T[] = [];
    for (let i = 0; i < value; i++) items.push(read(i));
    return items;
  }

  /** The value must have used every byte. */
  end(): void {
    const left = this.bytes.length - this.offset;
    if (left > 0) {
      throw new BincodeError(`${left} trailing byte${left === 1 ? '' : 's'} after the value, at offset ${this.offset}`);
    }
  }
}

export interface CachedResponse {
  query: string;
  response: string;
  model: string;
  cached_at: bigint;
  hit_count: number;
  quality_score: number | null;
}

export interface ConversationEntry {
  user_id: string;
  message: string;
  intent: string;
  timestamp: bigint;
  entities: string[];
}

/** `CachedResponse { query: String, response: String, model: String, cached_at: u64, hit_count: u32, quality_score: Option<u8> }`. */
export function decodeCachedResponse(bytes: Buffer): CachedResponse {
  const r = new BincodeReader(bytes);
  const value: CachedResponse = {
    query: r.string('query'),
    response: r.string('response'),
    model: r.string('model'),
    cached_at: r.u64('cached_at'),
    hit_count: r.u32('hit_count'),
    quality_score: r.option('quality_score', () => r.u8('quality_score')),
  };
  r.end();
  return value;
}

/** `ConversationEntry { user_id: String, message: String, intent: String, timestamp: i64, entities: Vec<String> }`. */
export function decodeConversationEntry(bytes: Buffer): ConversationEntry {
  const r = new BincodeReader(bytes);
  const value: ConversationEntry = {
    user_id: r.string('user_id'),
    message: r.string('message'),
    intent: r.string('intent'),
    timestamp: r.i64('timestamp'),
    // Each String item is at least its 8-byte length.
    entities: r.vec('entities', 8, (i) => r.string(`entities[${i}]`)),
  };
  r.end();
  return value;
}
