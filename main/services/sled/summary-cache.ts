/**
 * The summaries of the imports kept, remembered while their staging database
 * has not changed. A summary counts the entries by family, problem and
 * outcome: about 0.3 s of SQLite for a loaded million entries, on every list
 * of the imports (each visit to the Sled page, each reload, the end of each
 * run). The staging database and its WAL are the whole of what a summary is
 * made of, so their sizes and modification times (nanoseconds) say whether a
 * summary remembered still holds.
 *
 * A file's modification time moves in clock ticks (a few milliseconds on
 * Linux), so a write in the same tick as a summary's read could leave its
 * stat as it was. A summary is therefore only remembered once both files were
 * last written at least SETTLE_MS before (git's rule for its "racily clean"
 * index entries): any later write then has a later time. A database being
 * written (a load running) is summarised afresh every time, so its counts
 * are live.
 */
import fs from 'node:fs';

/** How long both files must have been unwritten before a summary of them is remembered. */
export const SETTLE_MS = 2_000;

interface Stamp {
  /** Size and modification time of the database and of its WAL ('none' when absent). */
  key: string;
  /** The two files' bytes. */
  bytes: number;
  /** The later of the two modification times, in ms since the epoch. */
  newestMs: number;
}

function statOf(file: string): fs.BigIntStats | null {
  try {
    return fs.statSync(file, { bigint: true });
  } catch {
    return null;
  }
}

/** The database's and its WAL's stamp, or null when the database is gone. */
export function stampOf(file: string): Stamp | null {
  const db = statOf(file);
  if (!db) return null;
  const wal = statOf(`${file}-wal`);
  return {
    key: `${db.size}/${db.mtimeNs}|${wal ? `${wal.size}/${wal.mtimeNs}` : 'none'}`,
    bytes: Number(db.size) + Number(wal?.size ?? 0n),
    newestMs: Number((wal && wal.mtimeNs > db.mtimeNs ? wal.mtimeNs : db.mtimeNs) / 1_000_000n),
  };
}

export class SummaryCache<T> {
  private readonly remembered = new Map<string, { key: string; value: T }>();

  /** `now`: ms since the epoch (the caller's clock). */
  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The summary of `file`: the one remembered if the files are as they were
   * then, else `compute(bytes)` (bytes: the database's and its WAL's, for the
   * caller to choose where to compute). A copy each time: callers may change it.
   */
  async get(file: string, compute: (bytes: number) => T | Promise<T>): Promise<T> {
    const before = stampOf(file);
    const known = this.remembered.get(file);
    if (before && known?.key === before.key) return structuredClone(known.value);
    const value = await compute(before?.bytes ?? 0);
    const after = stampOf(file);
    if (before && after?.key === before.key && this.now() - after.newestMs >= SETTLE_MS) {
      this.remembered.set(file, { key: after.key, value: structuredClone(value) });
    } else {
      this.remembered.delete(file);
    }
    return value;
  }

  /** Forgets `file` (its import deleted). */
  forget(file: string): void {
    this.remembered.delete(file);
  }

  /** Forgets every file not in `keep` (the imports listed now). */
  keepOnly(keep: ReadonlySet<string>): void {
    for (const file of this.remembered.keys()) if (!keep.has(file)) this.remembered.delete(file);
  }

  get size(): number {
    return this.remembered.size;
  }
}
