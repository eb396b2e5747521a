import { describe, expect, it } from 'vitest';
import { OpsError } from '../../../common/errors';
import type { SortKey } from './keyset';
import { afterCursorCondition, cursorSignature, decodeCursor, encodeCursor, Params } from './keyset';
import type { ColumnInfo } from './relation';

const column = (name: string, notNull = true, castType = 'integer'): ColumnInfo => ({
  name,
  type: castType,
  castType,
  typeOid: 23,
  notNull,
});

describe('keyset conditions', () => {
  it('uses one row comparison when every key is NOT NULL and in one direction', () => {
    const keys: SortKey[] = [
      { column: column('grp'), direction: 'desc' },
      { column: column('id'), direction: 'desc' },
    ];
    const params = new Params();
    expect(afterCursorCondition(keys, ['3', '17'], params)).toBe('("grp", "id") < ($1::integer, $2::integer)');
    expect(params.values).toEqual(['3', '17']);
  });

  it('expands into an OR chain for mixed directions and nullable keys, treating NULL as largest', () => {
    const keys: SortKey[] = [
      { column: column('score', false), direction: 'asc' },
      { column: column('id'), direction: 'desc' },
    ];
    const params = new Params();
    expect(afterCursorCondition(keys, ['5', '9'], params)).toBe(
      '(("score" > $1::integer OR "score" IS NULL) OR ("score" = $1::integer AND "id" < $2::integer))',
    );
    const nullParams = new Params();
    // After a NULL score in ASC order only rows with NULL score and a later id remain.
    expect(afterCursorCondition(keys, [null, '9'], nullParams)).toBe('(("score" IS NULL AND "id" < $1::integer))');
    expect(nullParams.values).toEqual(['9']);
  });

  it('binds a cursor to its table and sort and rejects tampering', () => {
    const keys: SortKey[] = [{ column: column('id'), direction: 'asc' }];
    const signature = cursorSignature('public', 't', keys);
    const cursor = encodeCursor(signature, ['42']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, signature, keys)).toEqual(['42']);
    const otherSort = cursorSignature('public', 't', [{ column: column('id'), direction: 'desc' }]);
    expect(() => decodeCursor(cursor, otherSort, keys)).toThrow(/does not belong/);
    expect(() => decodeCursor('not base64 json', signature, keys)).toThrow(OpsError);
    expect(() => decodeCursor(encodeCursor(signature, [null]), signature, keys)).toThrow(OpsError);
  });
});
