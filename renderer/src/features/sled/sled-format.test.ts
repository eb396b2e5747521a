import { describe, expect, it } from 'vitest';
import { formatEntryRate, formatFodi, formatTtl, progressFraction } from './sled-format';

describe('Sled import formatting', () => {
  it('writes a rate as a person reads it, and nothing odd for no rate yet', () => {
    expect(formatEntryRate(0)).toBe('0 entries/s');
    expect(formatEntryRate(Number.NaN)).toBe('0 entries/s');
    expect(formatEntryRate(849.6)).toBe('850 entries/s');
    expect(formatEntryRate(7_857)).toBe('7.9k entries/s');
    expect(formatEntryRate(67_040)).toBe('67k entries/s');
    expect(formatEntryRate(1_234_567, 'rows')).toBe('1.2M rows/s');
  });

  it('writes 1e-9 FODI units with exactly nine decimals, from the digits', () => {
    expect(formatFodi('0')).toBe('0.000000000');
    expect(formatFodi('1')).toBe('0.000000001');
    expect(formatFodi('1000000000')).toBe('1.000000000');
    expect(formatFodi('1234567890123')).toBe('1,234.567890123');
    // u64::MAX and sums past it: a float would round these.
    expect(formatFodi('18446744073709551615')).toBe('18,446,744,073.709551615');
    expect(formatFodi('36893488147419103230')).toBe('36,893,488,147.419103230');
    expect(formatFodi('000042')).toBe('0.000000042');
    expect(formatFodi('-5')).toBe('-0.000000005');
    expect(formatFodi('n/a')).toBe('n/a');
  });

  it('writes a TTL in days, hours and seconds', () => {
    expect(formatTtl(7 * 86_400)).toBe('7 days');
    expect(formatTtl(86_400 + 6 * 3600)).toBe('1 day 6 hours');
    expect(formatTtl(90)).toBe('90 seconds');
    expect(formatTtl(0)).toBe('0 seconds');
  });

  it('knows how far a run is only when main knows the total', () => {
    expect(progressFraction({ phase: 'reading', done: 5, total: null })).toBeNull();
    expect(progressFraction({ phase: 'loading', done: 50, total: 200 })).toBe(0.25);
    expect(progressFraction({ phase: 'done', done: 0, total: null })).toBe(1);
  });
});
