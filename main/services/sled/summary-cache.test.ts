import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SETTLE_MS, stampOf, SummaryCache } from './summary-cache';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'summary-cache-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
/** A database file (and a WAL when asked) last written `ageMs` ago. */
function files(ageMs: number, wal?: string): string {
  const file = path.join(dir, `import-${++fileNo}.sqlite`);
  fs.writeFileSync(file, 'database pages');
  if (wal !== undefined) fs.writeFileSync(`${file}-wal`, wal);
  const at = new Date(Date.now() - ageMs);
  fs.utimesSync(file, at, at);
  if (wal !== undefined) fs.utimesSync(`${file}-wal`, at, at);
  return file;
}

/** A compute that counts its calls and returns a fresh object each time. */
function counting() {
  const calls: number[] = [];
  return {
    calls,
    compute: (bytes: number) => {
      calls.push(bytes);
      return { n: calls.length, nested: { bytes } };
    },
  };
}

describe('SummaryCache', () => {
  it('remembers the summary of files unwritten for SETTLE_MS, and hands out a copy each time', async () => {
    const cache = new SummaryCache<{ n: number; nested: { bytes: number } }>();
    const file = files(SETTLE_MS + 1_000, 'wal frames');
    const c = counting();
    const first = await cache.get(file, c.compute);
    // The bytes are the database's and its WAL's.
    expect(c.calls).toEqual([Buffer.byteLength('database pages') + Buffer.byteLength('wal frames')]);
    first.nested.bytes = -1;
    const second = await cache.get(file, c.compute);
    expect(c.calls).toHaveLength(1);
    expect(second).toEqual({ n: 1, nested: { bytes: 24 } });
    second.n = 99;
    expect((await cache.get(file, c.compute)).n).toBe(1);
    expect(cache.size).toBe(1);
  });

  it('reads again after any write to the database or to its WAL, even one of the same size', async () => {
    const cache = new SummaryCache<{ n: number }>();
    const file = files(60_000, 'frames');
    const c = counting();
    expect((await cache.get(file, c.compute)).n).toBe(1);
    // A write of the same size a tick later: only the modification time tells.
    fs.writeFileSync(`${file}-wal`, 'FRAMES');
    const later = new Date(Date.now() - 30_000);
    fs.utimesSync(`${file}-wal`, later, later);
    expect((await cache.get(file, c.compute)).n).toBe(2);
    expect((await cache.get(file, c.compute)).n).toBe(2);
    // The WAL checkpointed and removed: the database changed, the WAL is gone.
    fs.rmSync(`${file}-wal`);
    fs.appendFileSync(file, ' and more');
    const checkpointed = new Date(Date.now() - 20_000);
    fs.utimesSync(file, checkpointed, checkpointed);
    expect((await cache.get(file, c.compute)).n).toBe(3);
    // A WAL appears again.
    fs.writeFileSync(`${file}-wal`, 'x');
    fs.utimesSync(`${file}-wal`, checkpointed, checkpointed);
    expect((await cache.get(file, c.compute)).n).toBe(4);
    expect((await cache.get(file, c.compute)).n).toBe(4);
  });

  it('does not remember files written within SETTLE_MS: a write in the same clock tick could go unseen', async () => {
    const cache = new SummaryCache<{ n: number }>();
    const file = files(SETTLE_MS / 2);
    const c = counting();
    await cache.get(file, c.compute);
    await cache.get(file, c.compute);
    expect(c.calls).toHaveLength(2);
    expect(cache.size).toBe(0);
    // The same files, seen by a clock far enough ahead: remembered.
    const ahead = new SummaryCache<{ n: number }>(() => Date.now() + SETTLE_MS);
    await ahead.get(file, c.compute);
    await ahead.get(file, c.compute);
    expect(c.calls).toHaveLength(3);
  });

  it('does not remember a summary whose files changed while it was computed', async () => {
    const cache = new SummaryCache<{ n: number }>();
    const file = files(60_000);
    let n = 0;
    const writing = () => {
      n += 1;
      fs.appendFileSync(file, 'a write during the read');
      const at = new Date(Date.now() - 10_000 + n);
      fs.utimesSync(file, at, at);
      return { n };
    };
    expect((await cache.get(file, writing)).n).toBe(1);
    expect((await cache.get(file, writing)).n).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('computes for a file that is gone (bytes 0, for the caller to report) and forgets what it was told to', async () => {
    const cache = new SummaryCache<{ n: number }>();
    const c = counting();
    await cache.get(path.join(dir, 'missing.sqlite'), c.compute);
    expect(c.calls).toEqual([0]);
    expect(stampOf(path.join(dir, 'missing.sqlite'))).toBeNull();
    const a = files(60_000);
    const b = files(60_000);
    await cache.get(a, c.compute);
    await cache.get(b, c.compute);
    expect(cache.size).toBe(2);
    cache.keepOnly(new Set([b]));
    expect(cache.size).toBe(1);
    cache.forget(b);
    expect(cache.size).toBe(0);
    await cache.get(b, c.compute);
    expect(c.calls).toHaveLength(4);
  });
});
