import { createHash, type Hash } from 'node:crypto';

/** A stored value as better-sqlite3 returns it (with safeIntegers on, integers are bigint). */
export type StoredValue = string | number | bigint | Buffer | Uint8Array | null;

/**
 * The content hash of a snapshot's rows (format.ts describes the encoding).
 * The capture feeds it as it writes; an import or integrity check feeds it as
 * it reads, in the same order, and compares.
 */
export class ContentHasher {
  private readonly hash: Hash = createHash('sha256');

  table(schema: string, name: string): void {
    this.hash.update(`${schema}.${name}\n`);
  }

  row(values: readonly StoredValue[]): void {
    const parts: string[] = [];
    for (const value of values) parts.push(encode(value));
    this.hash.update(parts.join('\x1f'));
    this.hash.update('\x1e');
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

function encode(value: StoredValue): string {
  if (value === null) return 'N';
  if (typeof value === 'bigint') return `I${value.toString()}`;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError(`a snapshot stores no REAL values, got ${value}`);
    return `I${value}`;
  }
  if (typeof value === 'string') return `T${value.length}:${value}`;
  return `B${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}
