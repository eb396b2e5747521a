import { describe, expect, it, vi } from 'vitest';
import type { LogLevel, LogLine } from '../../../../common/domain';
import { RemoteError } from '../../../../common/errors';
import { filterLogLines, formatLogTime, MAX_LOG_LINES, mergeLogLines } from './log-lines';
import { createLogsStore, RECENT_LIMIT } from './logs-store';

const line = (seq: number, level: LogLevel = 'info', message = `line ${seq}`, scope = 'app'): LogLine => ({
  seq,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, seq)).toISOString(),
  level,
  scope,
  message,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => line(from + i));
const seqs = (lines: readonly LogLine[]) => lines.map((l) => l.seq);

describe('mergeLogLines', () => {
  it('appends live lines after the existing ones', () => {
    expect(seqs(mergeLogLines(range(1, 3), [line(4), line(5)]))).toEqual([1, 2, 3, 4, 5]);
  });

  it('drops lines whose seq is already present', () => {
    const existing = range(1, 5);
    expect(seqs(mergeLogLines(existing, [line(3), line(5), line(6)]))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('returns the same array when every incoming line is a duplicate', () => {
    const existing = range(1, 5);
    expect(mergeLogLines(existing, range(2, 4))).toBe(existing);
    expect(mergeLogLines(existing, [])).toBe(existing);
  });

  it('orders a recent batch that overlaps live lines received earlier', () => {
    // Live lines 9 and 10 arrived before the recent() answer with 1..9.
    expect(seqs(mergeLogLines([line(9), line(10)], range(1, 9)))).toEqual(range(1, 10).map((l) => l.seq));
  });

  it(`keeps at most ${MAX_LOG_LINES} lines, the newest`, () => {
    const merged = mergeLogLines(range(1, 4990), range(4991, 5020));
    expect(merged).toHaveLength(MAX_LOG_LINES);
    expect(merged[0]?.seq).toBe(21);
    expect(merged.at(-1)?.seq).toBe(5020);
  });

  it('keeps the first copy of a seq', () => {
    const merged = mergeLogLines([line(1, 'info', 'original')], [line(1, 'info', 'copy'), line(0)]);
    expect(merged.map((l) => l.message)).toEqual(['line 0', 'original']);
  });
});

describe('filterLogLines', () => {
  const lines = [
    line(1, 'error', 'Connection refused', 'postgres'),
    line(2, 'warn', 'slow query', 'postgres'),
    line(3, 'info', 'ops-console started', 'app'),
    line(4, 'debug', 'db.listSchemas ok', 'rpc'),
  ];

  it('shows everything for all levels and no text', () => {
    expect(filterLogLines(lines, 'all', '  ')).toBe(lines);
  });

  it('keeps only the chosen level', () => {
    expect(seqs(filterLogLines(lines, 'warn', ''))).toEqual([2]);
    expect(seqs(filterLogLines(lines, 'debug', ''))).toEqual([4]);
  });

  it('matches text in message or scope, ignoring case', () => {
    expect(seqs(filterLogLines(lines, 'all', 'CONNECTION'))).toEqual([1]);
    expect(seqs(filterLogLines(lines, 'all', 'postgres'))).toEqual([1, 2]);
  });

  it('combines level and text', () => {
    expect(seqs(filterLogLines(lines, 'error', 'postgres'))).toEqual([1]);
    expect(filterLogLines(lines, 'info', 'postgres')).toEqual([]);
  });
});

describe('formatLogTime', () => {
  it('shows local hours, minutes, seconds and milliseconds', () => {
    const iso = '2026-03-04T05:06:07.089Z';
    const d = new Date(iso);
    const expected = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    expect(formatLogTime(iso)).toBe(`${expected}.089`);
  });

  it('passes through a time it cannot parse', () => {
    expect(formatLogTime('yesterday')).toBe('yesterday');
  });
});

describe('logs store', () => {
  function setup(recent: () => Promise<LogLine[]> = async () => []) {
    let emit: (line: LogLine) => void = () => undefined;
    const flushes: Array<() => void> = [];
    const unsubscribe = vi.fn();
    const subscribe = vi.fn((listener: (line: LogLine) => void) => {
      emit = listener;
      return unsubscribe;
    });
    const loadRecent = vi.fn(recent);
    const store = createLogsStore({ loadRecent, subscribe, schedule: (flush) => flushes.push(flush) });
    return {
      store,
      loadRecent,
      subscribe,
      unsubscribe,
      emit: (l: LogLine) => emit(l),
      flush: () => flushes.splice(0).forEach((f) => f()),
      flushCount: () => flushes.length,
    };
  }

  it(`loads the ${RECENT_LIMIT} most recent lines`, async () => {
    const t = setup(async () => range(1, 3));
    await t.store.getState().loadRecent();
    expect(t.loadRecent).toHaveBeenCalledWith(RECENT_LIMIT);
    expect(seqs(t.store.getState().lines)).toEqual([1, 2, 3]);
    expect(t.store.getState().loading).toBe(false);
  });

  it('subscribes once however often connect is called', () => {
    const t = setup();
    t.store.getState().connect();
    t.store.getState().connect();
    expect(t.subscribe).toHaveBeenCalledTimes(1);
  });

  it('applies a burst of live lines in one batch, deduplicated against recent lines', async () => {
    const t = setup(async () => range(1, 3));
    t.store.getState().connect();
    t.emit(line(3));
    t.emit(line(4));
    t.emit(line(5));
    expect(t.flushCount()).toBe(1);
    expect(t.store.getState().lines).toEqual([]);
    await t.store.getState().loadRecent();
    t.flush();
    expect(seqs(t.store.getState().lines)).toEqual([1, 2, 3, 4, 5]);
  });

  it('stops receiving lines after the stop function is called', () => {
    const t = setup();
    const stop = t.store.getState().connect();
    stop();
    expect(t.unsubscribe).toHaveBeenCalledTimes(1);
  });

  it('reports a failed load and keeps the lines it has', async () => {
    const t = setup(async () => {
      throw new RemoteError({ kind: 'unavailable', message: 'The ops-console server cannot be reached' });
    });
    t.store.getState().append(range(1, 2));
    await t.store.getState().loadRecent();
    expect(t.store.getState().loadError?.kind).toBe('unavailable');
    expect(seqs(t.store.getState().lines)).toEqual([1, 2]);
  });

  it('follows by default and keeps filter choices', () => {
    const t = setup();
    expect(t.store.getState().follow).toBe(true);
    t.store.getState().setFollow(false);
    t.store.getState().setLevelFilter('error');
    t.store.getState().setTextFilter('pg');
    expect(t.store.getState()).toMatchObject({ follow: false, levelFilter: 'error', textFilter: 'pg' });
  });
});
