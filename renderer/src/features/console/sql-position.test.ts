import { describe, expect, it } from 'vitest';
import { lineColumnAt, locateError, offsetOfPosition, tokenEnd } from './sql-position';

describe('PostgreSQL error positions', () => {
  it('counts positions in characters from 1', () => {
    expect(offsetOfPosition('SELECT x', 1)).toBe(0);
    expect(offsetOfPosition('SELECT x', 8)).toBe(7);
    // One past the end: "syntax error at end of input".
    expect(offsetOfPosition('SELECT', 7)).toBe(6);
    expect(offsetOfPosition('SELECT', 8)).toBeNull();
    expect(offsetOfPosition('SELECT', 0)).toBeNull();
  });

  it('counts a character outside the BMP once, as PostgreSQL does', () => {
    const sql = "SELECT '😀', nope";
    // PostgreSQL: S=1 … ' =8, 😀=9, '=10, ,=11, space=12, n=13.
    expect(offsetOfPosition(sql, 13)).toBe(sql.indexOf('nope'));
    expect(lineColumnAt(sql, sql.indexOf('nope'))).toEqual({ line: 1, column: 13 });
  });

  it('gives 1-based line and column across \\n and \\r\\n', () => {
    const sql = 'SELECT 1;\r\nSELECT *\n  FROM nope';
    expect(lineColumnAt(sql, 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumnAt(sql, sql.indexOf('SELECT *'))).toEqual({ line: 2, column: 1 });
    expect(lineColumnAt(sql, sql.indexOf('nope'))).toEqual({ line: 3, column: 8 });
  });

  it('marks the offending token: a word, a quoted name, or one character', () => {
    const sql = 'SELECT * FROM "My Table" WHERE a = 1 +';
    expect(tokenEnd(sql, sql.indexOf('FROM'))).toBe(sql.indexOf('FROM') + 4);
    expect(tokenEnd(sql, sql.indexOf('"My'))).toBe(sql.indexOf('"My') + '"My Table"'.length);
    expect(tokenEnd(sql, sql.indexOf('='))).toBe(sql.indexOf('=') + 1);
  });

  it('locates an error at the end of the text on its last character', () => {
    const sql = 'SELECT 1 +';
    expect(locateError(sql, 0, sql, sql.length + 1)).toEqual({ line: 1, column: 11, from: 9, to: 10 });
  });

  it('returns null for a position outside the submitted text', () => {
    expect(locateError('SELECT 1', 0, 'SELECT 1', 99)).toBeNull();
  });
});
