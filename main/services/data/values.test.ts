import { describe, expect, it } from 'vitest';
import { cellToText, parseCell } from './values';

describe('values', () => {
  it('keeps text exact, parses json, maps bool, and round-trips keys', () => {
    expect(parseCell(1700, '12345678901234567890.0123456789')).toBe('12345678901234567890.0123456789');
    expect(parseCell(3802, '{"a": [1, "x"]}')).toEqual({ a: [1, 'x'] });
    expect(parseCell(16, 't')).toBe(true);
    expect(parseCell(16, 'f')).toBe(false);
    expect(parseCell(25, null)).toBeNull();
    expect(cellToText(3802, 'a')).toBe('"a"');
    expect(cellToText(16, false)).toBe('false');
    expect(cellToText(25, 'x')).toBe('x');
  });
});
