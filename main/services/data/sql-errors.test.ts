import { describe, expect, it } from 'vitest';
import type { OpsError } from '../../../common/errors';
import { codePointPositionToIndex, mapSqlError } from './sql-errors';

describe('SQL error positions', () => {
  it('converts PostgreSQL code-point positions to JavaScript string indexes', () => {
    const text = "SELECT '😀', * FROM nope";
    const pgPosition = [...text].indexOf('n') + 1; // code points, as PostgreSQL counts
    const index = codePointPositionToIndex(text, pgPosition);
    expect(text.slice(index - 1, index + 3)).toBe('nope');
  });

  it('subtracts a prefix and keeps message, hint and detail', () => {
    const error = Object.assign(new Error('relation "nope" does not exist'), {
      code: '42P01',
      position: '37',
      hint: 'h',
      detail: 'd',
    });
    const mapped = mapSqlError(error, { text: 'SELECT * FROM nope', prefix: 'EXPLAIN (FORMAT JSON) ' });
    expect(mapped).toMatchObject({ kind: 'database_error', hint: 'h', position: 15 });
    expect((mapped as OpsError).detail).toContain('42P01: d');
  });

  it('leaves connection losses raw for the connection manager', () => {
    const error = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    expect(mapSqlError(error)).toBe(error);
  });
});
