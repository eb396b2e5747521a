import { describe, expect, it } from 'vitest';
import { heapFlagGiven, LEAN_HEAP_GROWING_PERCENT, leanHeap } from './lean-heap';

const LEAN = `--heap-growing-percent=${LEAN_HEAP_GROWING_PERCENT}`;
const DEFAULT = '--heap-growing-percent=0';

function recorder() {
  const flags: string[] = [];
  return { flags, set: (f: string) => void flags.push(f) };
}

describe('leanHeap', () => {
  it('sets the lean factor for the run and gives V8 its own choice back after it', async () => {
    const r = recorder();
    const lean = leanHeap(r.set, false);
    const seenInside: string[][] = [];
    const result = await lean(async () => {
      seenInside.push([...r.flags]);
      return 42;
    });
    expect(result).toBe(42);
    expect(seenInside).toEqual([[LEAN]]);
    expect(r.flags).toEqual([LEAN, DEFAULT]);
  });

  it('overlapping runs share one lean period: it ends with the last of them', async () => {
    const r = recorder();
    const lean = leanHeap(r.set, false);
    let releaseFirst!: () => void;
    const first = lean(() => new Promise<string>((resolve) => (releaseFirst = () => resolve('first'))));
    const second = lean(async () => {
      // Nested inside the second, while the first is still running.
      return lean(async () => [...r.flags]);
    });
    expect(await second).toEqual([LEAN]);
    // The first still runs: the factor stays lean.
    expect(r.flags).toEqual([LEAN]);
    releaseFirst();
    expect(await first).toBe('first');
    expect(r.flags).toEqual([LEAN, DEFAULT]);
    // A later run starts a new period.
    await lean(async () => undefined);
    expect(r.flags).toEqual([LEAN, DEFAULT, LEAN, DEFAULT]);
  });

  it('puts the factor back when the run fails', async () => {
    const r = recorder();
    const lean = leanHeap(r.set, false);
    await expect(
      lean(async () => {
        throw new Error('load failed');
      }),
    ).rejects.toThrow('load failed');
    expect(r.flags).toEqual([LEAN, DEFAULT]);
  });

  it('leaves a factor the process was started with alone', async () => {
    const r = recorder();
    const lean = leanHeap(r.set, true);
    expect(await lean(async () => 'ran')).toBe('ran');
    expect(r.flags).toEqual([]);
  });

  it('runs with the real V8 flags', async () => {
    const lean = leanHeap();
    const garbage = await lean(async () => Array.from({ length: 1000 }, (_, i) => ({ i })).length);
    expect(garbage).toBe(1000);
  });
});

describe('heapFlagGiven', () => {
  it('finds the flag in execArgv or NODE_OPTIONS, in either spelling', () => {
    expect(heapFlagGiven(['--heap-growing-percent=50'], undefined)).toBe(true);
    expect(heapFlagGiven(['--heap-growing-percent', '50'], undefined)).toBe(true);
    expect(heapFlagGiven([], '--max-old-space-size=512 --heap_growing_percent=30')).toBe(true);
    expect(heapFlagGiven(['--inspect'], '--max-old-space-size=512')).toBe(false);
    expect(heapFlagGiven([], undefined)).toBe(false);
  });
});
