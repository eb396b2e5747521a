import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BackendLogBatch } from '../../../common/backend';
import { LogBatcher } from './log-batcher';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function collect(options: { intervalMs?: number; maxLinesPerBatch?: number; maxLinesPerSecond?: number } = {}) {
  const batches: BackendLogBatch[] = [];
  const batcher = new LogBatcher({ id: 'api', flush: (b) => batches.push(b), ...options });
  let seq = 0;
  const add = (n: number) => {
    for (let i = 0; i < n; i++) {
      seq += 1;
      batcher.add(seq, seq % 2 ? 'stdout' : 'stderr', `line ${seq}`, Date.now());
    }
  };
  const delivered = () => batches.flatMap((b) => b.lines);
  const dropped = () => batches.reduce((sum, b) => sum + b.dropped, 0);
  return { batcher, batches, add, delivered, dropped, pushed: () => seq };
}

describe('LogBatcher', () => {
  it('under the cap delivers every line in order, with no drops', () => {
    const { batcher, batches, add, delivered, dropped } = collect({ intervalMs: 100, maxLinesPerBatch: 1000 });
    for (let tick = 0; tick < 20; tick++) {
      add(900);
      vi.advanceTimersByTime(100);
    }
    batcher.close();
    expect(delivered().map((l) => l.seq)).toEqual(Array.from({ length: 18_000 }, (_, i) => i + 1));
    expect(dropped()).toBe(0);
    expect(batches.every((b) => b.id === 'api' && b.lines.length <= 1000)).toBe(true);
    expect(batcher.stats()).toEqual({ pushed: 18_000, delivered: 18_000, dropped: 0, pending: 0 });
    expect(delivered()[0]).toEqual({ seq: 1, at: '2025-03-01T12:00:00.000Z', stream: 'stdout', text: 'line 1' });
  });

  it('sends nothing until the interval, then one batch', () => {
    const { batcher, batches, add } = collect({ intervalMs: 100 });
    add(1);
    vi.advanceTimersByTime(0);
    expect(batches).toHaveLength(1); // the first line after a quiet spell goes right away
    add(10);
    vi.advanceTimersByTime(99);
    expect(batches).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(batches).toHaveLength(2);
    expect(batches[1]?.lines).toHaveLength(10);
    vi.advanceTimersByTime(1000);
    expect(batches).toHaveLength(2); // idle: no empty batches
    batcher.close();
  });

  it('over the cap: batches never exceed it and the drop count is exact', () => {
    const { batcher, batches, add, delivered, dropped, pushed } = collect({
      intervalMs: 100,
      maxLinesPerBatch: 500,
      maxLinesPerSecond: 5000,
    });
    const perTick = [1200, 300, 501, 0, 5000, 499, 7];
    for (const n of perTick) {
      add(n);
      vi.advanceTimersByTime(100);
    }
    add(2000);
    batcher.close();
    expect(batches.every((b) => b.lines.length <= 500)).toBe(true);
    expect(delivered().length + dropped()).toBe(pushed());
    // The bucket holds 500 and refills 500 per 100 ms: what is over that in each tick is dropped.
    expect(dropped()).toBe(700 + 0 + 1 + 0 + 4500 + 0 + 0 + 1500);
    expect(batcher.stats()).toEqual({
      pushed: pushed(),
      delivered: delivered().length,
      dropped: dropped(),
      pending: 0,
    });
    // Seqs only increase; each batch's drop count is exactly the gap after its last line.
    const seqs = delivered().map((l) => l.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    for (let i = 0; i + 1 < batches.length; i++) {
      const last = batches[i]!.lines.at(-1)!.seq;
      const next = batches[i + 1]!.lines[0]!.seq;
      expect(next - last - 1).toBe(batches[i]!.dropped);
    }
  });

  it('loses nothing at the nominal rate when its timer runs late, nor in a burst after a stall', () => {
    const { batcher, add, delivered, dropped, pushed } = collect({
      intervalMs: 100,
      maxLinesPerBatch: 2000,
      maxLinesPerSecond: 10_000,
    });
    // 5 000 lines/s on average, arriving in lumps of 900 every 180 ms (a busy event loop).
    for (let lump = 0; lump < 12; lump++) {
      add(900);
      vi.advanceTimersByTime(180);
    }
    // A stalled second: 1 500 lines arrive at once.
    vi.advanceTimersByTime(1000);
    add(1500);
    batcher.close();
    expect(pushed()).toBe(12_300);
    expect(dropped()).toBe(0);
    expect(delivered().map((l) => l.seq)).toEqual(Array.from({ length: 12_300 }, (_, i) => i + 1));
  });

  it('counts a batch the listener failed to take as dropped and reports it next time', () => {
    let fail = true;
    const batches: BackendLogBatch[] = [];
    const batcher = new LogBatcher({
      id: 'api',
      flush: (b) => {
        if (fail) throw new Error('window gone');
        batches.push(b);
      },
    });
    for (let seq = 1; seq <= 3; seq++) batcher.add(seq, 'stdout', 'x', T0);
    vi.advanceTimersByTime(100);
    fail = false;
    batcher.add(4, 'stdout', 'x', T0);
    batcher.close();
    expect(batches).toEqual([{ id: 'api', lines: [expect.objectContaining({ seq: 4 })], dropped: 3 }]);
    expect(batcher.stats()).toMatchObject({ pushed: 4, delivered: 1, dropped: 3 });
  });

  it('close flushes the remainder and ignores later lines', () => {
    const { batcher, batches, add } = collect();
    add(5);
    batcher.close();
    expect(batches.flatMap((b) => b.lines)).toHaveLength(5);
    expect(batcher.add(99, 'stdout', 'late', T0)).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(batches).toHaveLength(1);
  });
});
