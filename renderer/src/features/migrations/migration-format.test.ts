import { describe, expect, it } from 'vitest';
import { failure } from './migration-fixtures';
import { formatExecutionTime, formatMs, shortChecksum, versionLabel } from './migration-format';
import { numberStatement } from './FailureView';

describe('migration formatting', () => {
  it('writes the version as the file does', () => {
    expect(versionLabel(4, '004_analytics.sql')).toBe('004');
    expect(versionLabel(20250301120000, '20250301120000_add_index.sql')).toBe('20250301120000');
    expect(versionLabel(7, null)).toBe('7');
  });

  it('formats sqlx execution times from nanoseconds, BIGINTs included', () => {
    expect(formatExecutionTime('420000')).toBe('0.42 ms');
    expect(formatExecutionTime('12345678')).toBe('12 ms');
    expect(formatExecutionTime('2500000000')).toBe('2.50 s');
    expect(formatExecutionTime('125000000000')).toBe('2 min 05 s');
    expect(formatExecutionTime('9223372036854775807')).toMatch(/min/);
    expect(formatExecutionTime(null)).toBe('—');
    expect(formatExecutionTime('-1')).toBe('—');
    expect(formatMs(3.14)).toBe('3.1 ms');
  });

  it('shortens a checksum', () => {
    expect(shortChecksum('abcdef0123456789')).toBe('abcdef01');
    expect(shortChecksum('abc')).toBe('abc');
  });
});

describe('numberStatement', () => {
  it('numbers the statement as in the file and marks the line of an exact position', () => {
    const lines = numberStatement(failure(4, { exactPosition: true, line: 15, column: 6 }), 14);
    expect(lines.map((l) => l.number)).toEqual([14, 15]);
    expect(lines.map((l) => l.failing)).toEqual([false, true]);
  });

  it('marks the first line when only the statement’s start is known', () => {
    const lines = numberStatement(failure(4, { exactPosition: false, line: 14 }), 14);
    expect(lines.map((l) => l.failing)).toEqual([true, false]);
  });

  it('marks nothing when the start is unknown', () => {
    const lines = numberStatement(failure(4, { exactPosition: true, line: 15 }), null);
    expect(lines.every((l) => l.number === null && !l.failing)).toBe(true);
  });
});
