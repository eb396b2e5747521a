/**
 * Staged entries in transit from the stage worker's reading thread to its
 * SQLite thread: packed into one buffer per batch (transferred, not copied),
 * and written with a statement that takes the text columns as UTF-8 bytes and
 * family, target and problem as small codes, so the writing thread makes no
 * JS strings and SQLite converts nothing.
 *
 * Row layout (little-endian): u8 flags, u8 more flags, u8 family code,
 * u8 problem code, u32 file id, u32 source id, then the origin (a u32 line
 * number for 'line N', else text), then the present fields as u32 length +
 * bytes in this order: tree, key, value, value SHA-256 (32 raw bytes, no
 * length: the SHA-256 of the value as exported, which a redacted wallet's
 * staged value is not), record, reason. The reading thread hashes: the
 * SQLite thread is the busier of the two.
 */
import type Database from 'better-sqlite3';
import {
  familyTarget,
  sledFamilies,
  sledProblemKinds,
  type SledFamily,
  type SledProblemKind,
} from '../../../common/sled';
import { DEFAULT_TREE } from './decode';
import type { StagingDb } from './staging-db';

const HAS_SOURCE = 1;
const HAS_TREE = 2;
const DEFAULT_TREE_FLAG = 4;
const HAS_KEY = 8;
const HAS_VALUE = 16;
const REDACTED = 32;
const HAS_RECORD = 64;
const HAS_REASON = 128;
// The second flag byte.
const HAS_SHA = 1;
const ORIGIN_LINE = 2;

const familyCode = new Map<SledFamily, number>(sledFamilies.map((f, i) => [f, i + 1]));
const problemCode = new Map<SledProblemKind, number>(sledProblemKinds.map((p, i) => [p, i + 1]));

/** One entry as the reading thread hands it over. */
export interface PackedEntry {
  fileId: number;
  sourceId: number | null;
  origin: string;
  /** The line number when origin is 'line N' (it travels as a number). */
  line: number | null;
  tree: string | null;
  key: Buffer | null;
  /** The bytes to stage (redacted for a wallet, or null). */
  value: Buffer | null;
  /** The SHA-256 of the value as exported (null when none was read). */
  sha256: Buffer | null;
  redacted: boolean;
  family: SledFamily | null;
  record: string | null;
  problem: SledProblemKind | null;
  reason: string | null;
}

/** Packs entries into a growing buffer; take() hands the batch over. */
export class BatchPacker {
  private buf: Buffer;
  private pos = 0;
  rows = 0;

  constructor(private readonly initialBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get bytes(): number {
    return this.pos;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  private text(value: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.ensure(4 + value.length * 3);
    const written = this.buf.write(value, this.pos + 4, 'utf8');
    this.buf.writeUInt32LE(written, this.pos);
    this.pos += 4 + written;
  }

  private bytesField(value: Buffer): void {
    this.ensure(4 + value.length);
    this.buf.writeUInt32LE(value.length, this.pos);
    value.copy(this.buf, this.pos + 4);
    this.pos += 4 + value.length;
  }

  add(e: PackedEntry): void {
    const defaultTree = e.tree === DEFAULT_TREE;
    let flags = 0;
    if (e.sourceId !== null) flags |= HAS_SOURCE;
    if (e.tree !== null) flags |= defaultTree ? HAS_TREE | DEFAULT_TREE_FLAG : HAS_TREE;
    if (e.key !== null) flags |= HAS_KEY;
    if (e.value !== null) flags |= HAS_VALUE;
    if (e.redacted) flags |= REDACTED;
    if (e.record !== null) flags |= HAS_RECORD;
    if (e.reason !== null) flags |= HAS_REASON;
    this.ensure(16);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = flags;
    buf[p + 1] = (e.sha256 === null ? 0 : HAS_SHA) | (e.line === null ? 0 : ORIGIN_LINE);
    buf[p + 2] = e.family === null ? 0 : familyCode.get(e.family)!;
    buf[p + 3] = e.problem === null ? 0 : problemCode.get(e.problem)!;
    buf.writeUInt32LE(e.fileId, p + 4);
    buf.writeUInt32LE(e.sourceId ?? 0, p + 8);
    if (e.line !== null) {
      buf.writeUInt32LE(e.line, p + 12);
      this.pos = p + 16;
    } else {
      this.pos = p + 12;
      this.text(e.origin);
    }
    if (e.tree !== null && !defaultTree) this.text(e.tree);
    if (e.key !== null) this.bytesField(e.key);
    if (e.value !== null) this.bytesField(e.value);
    if (e.sha256 !== null) {
      this.ensure(32);
      e.sha256.copy(this.buf, this.pos);
      this.pos += 32;
    }
    if (e.record !== null) this.text(e.record);
    if (e.reason !== null) this.text(e.reason);
    this.rows += 1;
  }

  /** The packed rows (a fresh buffer of their own, transferable), and a clean packer. */
  take(): { buffer: ArrayBuffer; rows: number } {
    const out = new ArrayBuffer(this.pos);
    new Uint8Array(out).set(this.buf.subarray(0, this.pos));
    const rows = this.rows;
    this.pos = 0;
    this.rows = 0;
    return { buffer: out, rows };
  }
}

/** Rows per multi-row INSERT: one statement run binds this many rows (fewer calls into SQLite). */
export const ROWS_PER_INSERT = 32;

/** One row's VALUES tuple (PARAMS_PER_ROW parameters, in PackedInserter's order). */
const ROW_VALUES = `(?, ?, ?, CAST(? AS TEXT), CAST(? AS TEXT), ?, ?, CASE WHEN ? IS NULL THEN NULL ELSE lower(hex(?)) END,
          ?, CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT))`;
const PARAMS_PER_ROW = 15;
/**
 * Code → name (code 0: none), as UTF-8 bytes bound to a CAST(? AS TEXT):
 * cheaper than a CASE over the codes in every row, and than a JS string,
 * which better-sqlite3 converts to UTF-8 in a fresh allocation at every bind.
 */
const utf8 = (name: string | null) => (name === null ? null : Buffer.from(name, 'utf8'));
const FAMILY_NAMES = [null, ...sledFamilies].map(utf8);
const TARGET_NAMES = [null, ...sledFamilies.map((f) => familyTarget[f])].map(utf8);
const PROBLEM_NAMES = [null, ...sledProblemKinds].map(utf8);
const DEFAULT_TREE_UTF8 = Buffer.from(DEFAULT_TREE, 'utf8');

/**
 * The writer's INSERT of `rows` rows: text from UTF-8 bytes (CAST), a line
 * number as it is (origin is computed from it when read; the column's INTEGER
 * affinity stores the bound double as an integer), the SHA-256 to lower-case
 * hex. Positional parameters (better-sqlite3 binds no ?NNN), so the SHA-256 is
 * passed twice.
 */
export function packedInsertSql(rows: number): string {
  return `INSERT INTO entries (file_id, source_id, origin_line, origin_text, tree, key, value, value_sha256,
                       value_redacted, family, target, record, problem, reason)
  VALUES ${Array.from({ length: rows }, () => ROW_VALUES).join(',\n')}`;
}

/** Writes packed batches into a staging database: ROWS_PER_INSERT rows a statement, the rest one by one. */
export class PackedInserter {
  private readonly many: Database.Statement;
  private readonly one: Database.Statement;
  private readonly args: unknown[] = new Array<unknown>(ROWS_PER_INSERT * PARAMS_PER_ROW);

  constructor(private readonly staging: StagingDb) {
    this.many = staging.db.prepare(packedInsertSql(ROWS_PER_INSERT));
    this.one = staging.db.prepare(packedInsertSql(1));
  }

  /** Inserts one packed batch in one transaction; returns its rows. */
  insert(batch: ArrayBuffer): number {
    const buf = Buffer.from(batch);
    const args = this.args;
    let rows = 0;
    this.staging.db.transaction(() => {
      let p = 0;
      let a = 0;
      const field = (): Buffer => {
        const length = buf.readUInt32LE(p);
        const value = buf.subarray(p + 4, p + 4 + length);
        p += 4 + length;
        return value;
      };
      while (p < buf.length) {
        const flags = buf[p]!;
        const more = buf[p + 1]!;
        const family = buf[p + 2]!;
        const problem = buf[p + 3]!;
        const fileId = buf.readUInt32LE(p + 4);
        const sourceId = flags & HAS_SOURCE ? buf.readUInt32LE(p + 8) : null;
        let line: number | null = null;
        let originText: Buffer | null = null;
        if (more & ORIGIN_LINE) {
          line = buf.readUInt32LE(p + 12);
          p += 16;
        } else {
          p += 12;
          originText = field();
        }
        const tree = flags & HAS_TREE ? (flags & DEFAULT_TREE_FLAG ? 1 : field()) : null;
        const key = flags & HAS_KEY ? field() : null;
        const value = flags & HAS_VALUE ? field() : null;
        let sha: Buffer | null = null;
        if (more & HAS_SHA) {
          sha = buf.subarray(p, p + 32);
          p += 32;
        }
        const record = flags & HAS_RECORD ? field() : null;
        const reason = flags & HAS_REASON ? field() : null;
        const familyCode = family === 0 ? null : family;
        args[a] = fileId;
        args[a + 1] = sourceId;
        args[a + 2] = line;
        args[a + 3] = originText;
        args[a + 4] = tree === 1 ? DEFAULT_TREE_UTF8 : tree;
        args[a + 5] = key;
        args[a + 6] = value;
        args[a + 7] = sha;
        args[a + 8] = sha;
        args[a + 9] = flags & REDACTED ? 1 : 0;
        args[a + 10] = familyCode === null ? null : FAMILY_NAMES[familyCode];
        args[a + 11] = familyCode === null ? null : TARGET_NAMES[familyCode];
        args[a + 12] = record;
        args[a + 13] = PROBLEM_NAMES[problem];
        args[a + 14] = reason;
        a += PARAMS_PER_ROW;
        rows += 1;
        if (a === args.length) {
          this.many.run(args);
          a = 0;
        }
      }
      for (let r = 0; r < a; r += PARAMS_PER_ROW) this.one.run(args.slice(r, r + PARAMS_PER_ROW));
    })();
    return rows;
  }
}
