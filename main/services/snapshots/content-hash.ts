import { createHash, type Hash } from 'node:crypto';
import type { SnapshotStorage } from '../../../common/snapshots';

/** A stored value as better-sqlite3 returns it (with safeIntegers on, integers are bigint). */
export type StoredValue = string | number | bigint | Buffer | Uint8Array | null;

/** Text flushed into the table hash once this long (fewer, larger native updates). */
const FLUSH_CHARS = 1 << 16;

/** Characters PostgreSQL's COPY text output escapes (the tab delimiter included), see CopyAttributeOutText. */
const NEEDS_ESCAPE = /[\\\b\t\n\v\f\r]/;
const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
};
const ESCAPE_ALL = /[\\\b\t\n\v\f\r]/g;

/** A text field as COPY TO STDOUT (text format, tab delimiter) writes it. */
export function copyEscape(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPE_ALL, (c) => ESCAPES[c] ?? c) : text;
}

/**
 * The COPY text field of a stored value: the exact inverse of the capture's
 * decoding (value-codec.ts). Integers print as PostgreSQL prints them,
 * booleans as t/f, bytea in hex output (`\x…`, its backslash escaped), text
 * escaped as COPY escapes it, NULL as `\N`.
 */
export function copyField(storage: SnapshotStorage, value: StoredValue): string {
  if (value === null) return '\\N';
  switch (storage) {
    case 'integer':
      if (typeof value === 'bigint' || typeof value === 'number') return String(value);
      break;
    case 'boolean':
      if (value === 1 || value === 1n) return 't';
      if (value === 0 || value === 0n) return 'f';
      break;
    case 'blob':
      if (typeof value === 'object')
        return `\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
      break;
    case 'text':
      if (typeof value === 'string') return copyEscape(value);
      break;
  }
  throw new TypeError(`a ${storage} column holds a ${typeof value} value`);
}

/**
 * The content hash of a snapshot's rows (format.ts describes it): per table,
 * the SHA-256 of the table's rows in COPY text format, exactly the bytes
 * PostgreSQL sent; over the tables, the SHA-256 of one line per table. A
 * capture feeds each table's COPY bytes as they arrive (`copyBytes`, native
 * hashing and no parsing); an import or integrity check feeds the stored rows
 * (`row`), which are turned back into the same COPY text, and compares.
 */
export class ContentHasher {
  private readonly outer: Hash = createHash('sha256');
  private current: { schema: string; name: string; hash: Hash; storages: readonly SnapshotStorage[] } | null = null;
  private pending = '';
  private readonly tableDigests: Array<{ table: string; sha256: string }> = [];

  table(schema: string, name: string, storages: readonly SnapshotStorage[]): void {
    this.endTable();
    this.current = { schema, name, hash: createHash('sha256'), storages };
  }

  /** Raw COPY TO STDOUT bytes of the current table, in order, however they are split. */
  copyBytes(chunk: Uint8Array): void {
    this.open().hash.update(chunk);
  }

  /** One stored row of the current table, column by column. */
  row(values: readonly StoredValue[]): void {
    const { storages } = this.open();
    if (values.length !== storages.length) {
      throw new TypeError(`a row of ${values.length} values in a table of ${storages.length} columns`);
    }
    let line = '';
    for (let i = 0; i < values.length; i++) {
      if (i > 0) line += '\t';
      line += copyField(storages[i]!, values[i]!);
    }
    this.pending += `${line}\n`;
    if (this.pending.length >= FLUSH_CHARS) this.flush();
  }

  /** The hex digest over every table; also finishes the last table. */
  hex(): string {
    this.endTable();
    return this.outer.digest('hex');
  }

  /** Each table's own digest, in order (after hex()): which table differs, when the whole does. */
  tables(): ReadonlyArray<{ table: string; sha256: string }> {
    return this.tableDigests;
  }

  private open(): NonNullable<ContentHasher['current']> {
    if (!this.current) throw new Error('ContentHasher: table() first');
    return this.current;
  }

  private flush(): void {
    if (this.pending.length === 0 || !this.current) return;
    this.current.hash.update(this.pending);
    this.pending = '';
  }

  private endTable(): void {
    if (!this.current) return;
    this.flush();
    const sha256 = this.current.hash.digest('hex');
    const table = JSON.stringify([this.current.schema, this.current.name]);
    this.outer.update(`${table} ${sha256}\n`);
    this.tableDigests.push({ table: `${this.current.schema}.${this.current.name}`, sha256 });
    this.current = null;
  }
}
