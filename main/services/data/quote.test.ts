import { describe, expect, it } from 'vitest';
import { OpsError } from '../../../common/errors';
import { escapeLike, qualifiedName, quoteIdent } from './quote';

describe('quoteIdent', () => {
  it('always double-quotes and doubles embedded quotes', () => {
    expect(quoteIdent('users')).toBe('"users"');
    expect(quoteIdent('User')).toBe('"User"');
    expect(quoteIdent('Order Total')).toBe('"Order Total"');
    expect(quoteIdent('a"; DROP TABLE x; --')).toBe('"a""; DROP TABLE x; --"');
    expect(qualifiedName('my schema', 'x"y')).toBe('"my schema"."x""y"');
  });

  it('refuses empty names and NUL', () => {
    expect(() => quoteIdent('')).toThrow(OpsError);
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
  });
});

describe('escapeLike', () => {
  it('escapes %, _ and the backslash so they match literally', () => {
    expect(escapeLike('50% off_now\\x')).toBe('50\\% off\\_now\\\\x');
    expect(escapeLike('plain')).toBe('plain');
  });
});
