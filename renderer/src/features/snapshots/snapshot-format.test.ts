import { describe, expect, it } from 'vitest';
import { captureFraction, describeSelection, formatEta, formatRate } from './snapshot-format';

describe('snapshot formats', () => {
  it('writes the time left as a person reads it, and says when it is unknown', () => {
    expect(formatEta(null)).toBe('unknown');
    expect(formatEta(0.2)).toBe('under a second');
    expect(formatEta(42)).toBe('about 42 s');
    expect(formatEta(130)).toBe('about 2 min 10 s');
    expect(formatEta(3900)).toBe('about 1 h 05 min');
  });

  it('writes rates in rows per second', () => {
    expect(formatRate(0)).toBe('0 rows/s');
    expect(formatRate(850.4)).toBe('850 rows/s');
    expect(formatRate(12_400)).toBe('12k rows/s');
    expect(formatRate(5_400)).toBe('5.4k rows/s');
    expect(formatRate(1_250_000)).toBe('1.3M rows/s');
  });

  const at = { tablesDone: 0, tablesTotal: 0, rowsDone: 0, rowsPerSecond: 0, etaSeconds: null };

  it('moves the bar with the tables done when the time left is unknown, from the catalog to the end', () => {
    expect(captureFraction({ ...at, phase: 'catalog' })).toBeLessThan(0.05);
    const half = captureFraction({ ...at, phase: 'tables', tablesDone: 2, tablesTotal: 4, rowsDone: 10 });
    expect(half).toBeGreaterThan(0.4);
    expect(half).toBeLessThan(0.6);
    expect(captureFraction({ ...at, phase: 'finishing', tablesDone: 4, tablesTotal: 4 })).toBeLessThan(1);
    expect(captureFraction({ ...at, phase: 'done', tablesDone: 4, tablesTotal: 4 })).toBe(1);
  });

  it('moves the bar with the rows when main estimates the time left', () => {
    // 3 of 4 tables done, but the last one holds most rows: 100k done, 300k to go at 100k/s.
    const fraction = captureFraction({
      phase: 'tables',
      tablesDone: 3,
      tablesTotal: 4,
      rowsDone: 100_000,
      rowsPerSecond: 100_000,
      etaSeconds: 3,
    });
    expect(fraction).toBeGreaterThan(0.2);
    expect(fraction).toBeLessThan(0.3);
  });

  it('describes what a capture selected', () => {
    expect(describeSelection({ tablePattern: null, rowLimit: null })).toBe('every table, all rows');
    expect(describeSelection({ tablePattern: 'ai.*', rowLimit: 1000 })).toBe(
      'tables ai.*, at most 1,000 rows per table',
    );
  });
});
