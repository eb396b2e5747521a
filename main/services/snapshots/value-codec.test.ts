import { describe, expect, it } from 'vitest';
import { decodeValue } from './value-codec';

describe('decodeValue', () => {
  it('keeps integers exact: numbers up to 15 digits, bigint beyond', () => {
    expect(decodeValue('integer', '42')).toBe(42);
    expect(decodeValue('integer', '-999999999999999')).toBe(-999_999_999_999_999);
    expect(decodeValue('integer', '9007199254740993')).toBe(9007199254740993n);
    expect(decodeValue('integer', '-9223372036854775808')).toBe(-9223372036854775808n);
    expect(() => decodeValue('integer', '')).toThrow(/an integer/);
    expect(() => decodeValue('integer', '1.5')).toThrow(/an integer/);
    expect(() => decodeValue('integer', '1e3')).toThrow(/an integer/);
    expect(() => decodeValue('integer', '-')).toThrow(/an integer/);
    expect(() => decodeValue('integer', '12345678901234567x')).toThrow(/an integer/);
    expect(decodeValue('integer', '-0')).toBe(-0);
  });

  it('stores booleans as 0/1 and bytea as the same bytes', () => {
    expect(decodeValue('boolean', 't')).toBe(1);
    expect(decodeValue('boolean', 'f')).toBe(0);
    expect(() => decodeValue('boolean', 'true')).toThrow(/a boolean/);
    expect(decodeValue('blob', '\\x00ff10')).toEqual(Buffer.from([0, 255, 16]));
    expect(decodeValue('blob', '\\x')).toEqual(Buffer.alloc(0));
    expect(() => decodeValue('blob', '\\x0g')).toThrow(/bytea/);
    expect(() => decodeValue('blob', '\\000')).toThrow(/bytea/);
  });

  it('keeps text as sent, the empty string apart from NULL', () => {
    // Text stays the bytes COPY sent (the writer binds them as TEXT).
    expect(decodeValue('text', '')).toEqual(Buffer.alloc(0));
    expect(decodeValue('text', null)).toBeNull();
    expect(decodeValue('integer', null)).toBeNull();
    expect(decodeValue('text', '{"a": 1}')).toEqual(Buffer.from('{"a": 1}'));
    const bytes = Buffer.from('héllo');
    expect(decodeValue('text', bytes)).toBe(bytes);
  });
});
