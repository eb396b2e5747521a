import { OpsError } from '../../../common/errors';

/**
 * Quote an identifier for PostgreSQL: always double-quoted, embedded quotes
 * doubled. Quoting every time (never "only when needed") is the simplest rule
 * that is always correct: mixed case, spaces, keywords and quotes all survive.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new OpsError('invalid_input', 'An identifier cannot be empty');
  // PostgreSQL identifiers cannot hold NUL; the server would reject the whole statement.
  if (name.includes('\0')) throw new OpsError('invalid_input', 'An identifier cannot contain a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}

/** "schema"."name", both parts quoted. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * Escape user text for a LIKE/ILIKE pattern so it matches literally: the
 * pattern metacharacters % and _ and the escape character \ itself. The
 * result is still passed as a parameter, never spliced into SQL.
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}
