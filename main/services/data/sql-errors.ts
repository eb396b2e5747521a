import { OpsError } from '../../../common/errors';
import { redactText } from '../logging/redact';

/** The fields node-postgres copies from a PostgreSQL ErrorResponse. */
interface PgErrorFields {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  hint?: unknown;
  position?: unknown;
  where?: unknown;
  routine?: unknown;
}

function fieldsOf(error: unknown): PgErrorFields | null {
  return typeof error === 'object' && error !== null ? (error as PgErrorFields) : null;
}

/** A SQLSTATE-bearing error from the server (as opposed to a socket or client error). */
export function sqlState(error: unknown): string | null {
  const code = fieldsOf(error)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/**
 * Connection exceptions (class 08) and server shutdown/crash (57P01-57P03)
 * stay raw so ConnectionManager.withClient sees them and drops the client.
 */
function isConnectionLoss(code: string): boolean {
  return code.startsWith('08') || /^57P0[1-3]$/.test(code);
}

/** The Parse of a text with several statements fails this way in the extended protocol. */
export function isMultipleStatementsError(error: unknown): boolean {
  const fields = fieldsOf(error);
  return sqlState(error) === '42601' && fields?.routine === 'exec_parse_message' && fields.position === undefined;
}

/** 1-based position in code points (PostgreSQL's unit) to a 1-based UTF-16 index (JavaScript's). */
export function codePointPositionToIndex(text: string, position: number): number {
  let index = 0;
  let points = 1;
  while (points < position && index < text.length) {
    const code = text.codePointAt(index) ?? 0;
    index += code > 0xffff ? 2 : 1;
    points++;
  }
  return index + 1;
}

function countCodePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export interface SqlErrorContext {
  /** The user's text, for positions. */
  text?: string;
  /** What was sent in front of the user's text (e.g. "EXPLAIN (FORMAT JSON) "). */
  prefix?: string;
  /** The user asked to cancel this run. */
  cancelled?: boolean;
}

/**
 * Turn a PostgreSQL error into an OpsError that carries what the server said:
 * message, detail, hint and the position in the user's text. Errors that are
 * not from the server, or that mean the connection is gone, are returned
 * unchanged for the connection manager to handle.
 */
export function mapSqlError(error: unknown, context: SqlErrorContext = {}): unknown {
  if (error instanceof OpsError) return error;
  const code = sqlState(error);
  const fields = fieldsOf(error);
  if (code === null || fields === null || isConnectionLoss(code)) return error;
  const message = redactText(typeof fields.message === 'string' ? fields.message : String(error));
  if (code === '57014' && context.cancelled) {
    return new OpsError('database_error', 'Query cancelled', { detail: `SQLSTATE 57014: ${message}`, cause: error });
  }
  if (code === '57014') {
    return new OpsError('timeout', message, {
      hint: "The connection's statement timeout stopped the query; raise it in the profile if it must run longer.",
      detail: `SQLSTATE ${code}`,
      cause: error,
    });
  }
  const parts = [`SQLSTATE ${code}${typeof fields.detail === 'string' ? `: ${redactText(fields.detail)}` : ''}`];
  if (typeof fields.where === 'string' && fields.where) parts.push(`Context: ${redactText(fields.where)}`);
  let position: number | undefined;
  const raw = typeof fields.position === 'string' ? Number(fields.position) : NaN;
  if (Number.isInteger(raw) && raw > 0 && context.text !== undefined) {
    const inText = raw - countCodePoints(context.prefix ?? '');
    if (inText >= 1) position = codePointPositionToIndex(context.text, inText);
  }
  return new OpsError('database_error', message, {
    ...(typeof fields.hint === 'string' && fields.hint ? { hint: redactText(fields.hint) } : {}),
    detail: parts.join('\n'),
    ...(position !== undefined ? { position } : {}),
    cause: error,
  });
}
