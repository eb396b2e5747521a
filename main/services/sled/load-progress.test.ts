import { describe, expect, it } from 'vitest';
import { LoadProgress, type LoadProgressEvent } from './load-progress';

/** A LoadProgress on a clock the test moves. */
function progressAt() {
  let now = 0;
  const events: LoadProgressEvent[] = [];
  const progress = new LoadProgress(
    'imp-1',
    (e) => events.push(e),
    () => now,
  );
  return { progress, events, at: (ms: number) => void (now = ms) };
}

describe('LoadProgress', () => {
  it('reports rows per second and the time left from the entries loaded so far', () => {
    const { progress, events, at } = progressAt();
    at(1_000);
    progress.start(1_000);
    expect(events.at(-1)).toMatchObject({
      importId: 'imp-1',
      kind: 'load',
      phase: 'loading',
      done: 0,
      total: 1_000,
      unit: 'entries',
      entriesPerSecond: 0,
      etaSeconds: null,
      message: '1000 entries to load',
    });

    // 250 entries in 2 s: 125 a second, 750 left, so 6 s.
    at(3_000);
    progress.advance(250, 'blockchain.wallets');
    expect(events.at(-1)).toMatchObject({
      phase: 'loading',
      current: 'blockchain.wallets',
      done: 250,
      entriesPerSecond: 125,
      etaSeconds: 6,
    });

    // 1 000 entries in 4 s.
    at(5_000);
    progress.advance(750, 'blockchain.wallets');
    expect(events.at(-1)).toMatchObject({ done: 1_000, entriesPerSecond: 250, etaSeconds: 0 });
  });

  it('sends at most one event per 250 ms for the same table, but always a new table and the last batch', () => {
    const { progress, events, at } = progressAt();
    at(1);
    progress.start(100);
    at(100);
    progress.advance(10, 'ai.cache_entries');
    const afterFirst = events.length;
    at(150);
    progress.advance(10, 'ai.cache_entries');
    expect(events).toHaveLength(afterFirst);
    at(160);
    progress.advance(10, 'ai.conversations');
    expect(events).toHaveLength(afterFirst + 1);
    at(170);
    progress.advance(70, 'ai.conversations');
    expect(events).toHaveLength(afterFirst + 2);
    expect(events.at(-1)).toMatchObject({ done: 100, total: 100 });
  });

  it('names a new table as its first batch starts, once, before any of its rows are in', () => {
    const { progress, events, at } = progressAt();
    at(1);
    progress.start(20);
    progress.advance(10, 'blockchain.wallets');
    const before = events.length;
    at(2);
    progress.into('ai.cache_entries');
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toMatchObject({ phase: 'loading', current: 'ai.cache_entries', done: 10 });
    progress.into('ai.cache_entries');
    expect(events).toHaveLength(before + 1);
    // Its first batch then counts without another event for the table change.
    at(3);
    progress.advance(5, 'ai.cache_entries');
    expect(events).toHaveLength(before + 1);
  });

  it('has no time left to show once stopped, and none left once done', () => {
    const { progress, events, at } = progressAt();
    at(1);
    progress.start(10);
    at(1_001);
    progress.advance(5, 'ai.memory_facts');
    progress.phase('cancelled', null, 'cancelled');
    expect(events.at(-1)).toMatchObject({ phase: 'cancelled', current: 'ai.memory_facts', etaSeconds: null });
    progress.phase('done', null, null);
    expect(events.at(-1)).toMatchObject({ phase: 'done', etaSeconds: 0 });
  });
});
