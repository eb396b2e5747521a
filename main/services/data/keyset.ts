import { OpsError } from '../../../common/errors';
import { quoteIdent } from './quote';
import type { ColumnInfo } from './relation';

export interface SortKey {
  column: ColumnInfo;
  direction: 'asc' | 'desc';
}

/** Collects parameter values; every value in a generated statement goes through here. */
export class Params {
  readonly values: (string | number | null)[] = [];

  /** A placeholder for the value, cast to a type text taken from the catalog. */
  add(value: string | number | null, castType?: string): string {
    this.values.push(value);
    return castType ? `$${this.values.length}::${castType}` : `$${this.values.length}`;
  }
}

/**
 * NULL sorts as the largest value in both directions, which is PostgreSQL's
 * default (ASC NULLS LAST, DESC NULLS FIRST): written out so the keyset
 * conditions below visibly match the ORDER BY, and still able to use a plain
 * btree index.
 */
export function orderByClause(keys: readonly SortKey[], relation: string): string {
  // Qualified, so ORDER BY never resolves to an output column of the same name.
  return keys
    .map(
      (k) =>
        `${relation}.${quoteIdent(k.column.name)} ${k.direction === 'asc' ? 'ASC NULLS LAST' : 'DESC NULLS FIRST'}`,
    )
    .join(', ');
}

/**
 * The WHERE condition for "rows after the cursor" in the order of `keys`.
 *
 * All keys NOT NULL and in one direction: a row comparison
 * `(a, b, id) > ($1, $2, $3)`, which PostgreSQL can answer from an index.
 * Otherwise the expanded form: for each key i, the earlier keys equal the
 * cursor and key i is past it, OR-ed together; "past" and "equal" treat NULL
 * as the largest value, like the ORDER BY.
 */
export function afterCursorCondition(
  keys: readonly SortKey[],
  values: readonly (string | null)[],
  params: Params,
): string {
  const first = keys[0];
  const uniform =
    first !== undefined &&
    keys.every((k) => k.direction === first.direction && k.column.notNull) &&
    values.every((v) => v !== null);
  if (uniform) {
    const op = first.direction === 'asc' ? '>' : '<';
    const placeholders = keys.map((k, i) => params.add(values[i] ?? null, k.column.castType));
    const columns = keys.map((k) => quoteIdent(k.column.name));
    if (keys.length === 1) return `${columns[0]} ${op} ${placeholders[0]}`;
    return `(${columns.join(', ')}) ${op} (${placeholders.join(', ')})`;
  }
  const placeholders = keys.map((k, i) => {
    const value = values[i] ?? null;
    return value === null ? null : params.add(value, k.column.castType);
  });
  const equal = (i: number): string => {
    const column = quoteIdent(keys[i]!.column.name);
    const p = placeholders[i];
    return p === null || p === undefined ? `${column} IS NULL` : `${column} = ${p}`;
  };
  const past = (i: number): string | null => {
    const key = keys[i]!;
    const column = quoteIdent(key.column.name);
    const p = placeholders[i];
    if (key.direction === 'asc') {
      if (p === null || p === undefined) return null; // nothing sorts after NULL
      return key.column.notNull ? `${column} > ${p}` : `(${column} > ${p} OR ${column} IS NULL)`;
    }
    if (p === null || p === undefined) return `${column} IS NOT NULL`; // NULLs come first in DESC
    return `${column} < ${p}`;
  };
  const branches: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const after = past(i);
    if (after === null) continue;
    const parts = [...Array.from({ length: i }, (_, j) => equal(j)), after];
    branches.push(parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`);
  }
  return branches.length === 0 ? 'FALSE' : `(${branches.join(' OR ')})`;
}

/** What a cursor is bound to: the relation and the exact key order. */
export function cursorSignature(schema: string, name: string, keys: readonly SortKey[]): string[] {
  return [schema, name, ...keys.map((k) => `${k.direction}:${k.column.name}`)];
}

interface CursorPayload {
  s: string[];
  v: (string | null)[];
}

/** An opaque page cursor: base64url JSON of the last row's key values (PostgreSQL text). */
export function encodeCursor(signature: readonly string[], values: readonly (string | null)[]): string {
  const payload: CursorPayload = { s: [...signature], v: [...values] };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

const staleCursor = () =>
  new OpsError('invalid_input', 'This page cursor does not belong to this table and sort order', {
    hint: 'Load the first page again.',
  });

export function decodeCursor(
  cursor: string,
  signature: readonly string[],
  keys: readonly SortKey[],
): (string | null)[] {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw staleCursor();
  }
  if (typeof payload !== 'object' || payload === null) throw staleCursor();
  const { s, v } = payload as Partial<CursorPayload>;
  if (!Array.isArray(s) || s.length !== signature.length || s.some((part, i) => part !== signature[i])) {
    throw staleCursor();
  }
  if (!Array.isArray(v) || v.length !== keys.length) throw staleCursor();
  return v.map((value, i) => {
    if (value !== null && typeof value !== 'string') throw staleCursor();
    if (value === null && keys[i]?.column.notNull) throw staleCursor();
    return value;
  });
}
