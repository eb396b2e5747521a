import { OpsError } from '../../../common/errors';
import { redactText } from '../logging/redact';

interface PgLikeError {
  code?: string;
  message?: string;
  severity?: string;
  detail?: string;
  hint?: string;
}

/** Host and port of a URL for messages; never the user or password. */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    const db = u.pathname.replace(/^\//, '') || '(default database)';
    return `${u.hostname || 'localhost'}:${u.port || '5432'}/${decodeURIComponent(db)}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** The URL as it may be shown: password replaced, token-like query values removed. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return redactText(u.toString());
  } catch {
    return redactText(url);
  }
}

/**
 * Translate a node-postgres or socket error into an OpsError whose message
 * says what went wrong and whose hint says what to do. Messages are redacted.
 */
export function toOpsError(error: unknown, url: string): OpsError {
  if (error instanceof OpsError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as PgLikeError;
  const target = describeTarget(url);
  const raw = redactText(e.message ?? String(error));
  if (/unsupported startup parameter/i.test(raw)) {
    return new OpsError('connection_failed', `${target} refused a start-up parameter: ${raw}`, {
      hint: "A connection pooler (PgBouncer, or Neon's pooled endpoint) is in the way, and it does not take the session settings ops-console sends as it connects (read-only, a statement timeout). Connect to the database directly, not through the pooler (for Neon, the host without -pooler).",
      cause: error,
    });
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return new OpsError('connection_failed', `Connection refused by ${target}`, {
        hint: 'Is PostgreSQL running and listening on that host and port?',
        cause: error,
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new OpsError('connection_failed', `Cannot resolve the host of ${target}`, {
        hint: 'Check the host name in the URL and your DNS or VPN.',
        cause: error,
      });
    case 'ETIMEDOUT':
    case 'ECONNRESET':
      return new OpsError('timeout', `No answer from ${target} (${e.code})`, {
        hint: 'Check the network path and any firewall between you and the server.',
        cause: error,
      });
    case '28P01':
      return new OpsError('auth_failed', `Password authentication failed for ${target}`, {
        hint: 'Check the user name and password (in the URL, PGPASSWORD or ~/.pgpass).',
        cause: error,
      });
    case '28000':
      return new OpsError('auth_failed', `The server refused the connection to ${target}`, {
        hint: 'pg_hba.conf has no entry for this host, user and database, or TLS is required (add sslmode=require).',
        detail: raw,
        cause: error,
      });
    case '3D000':
      return new OpsError('not_found', `Database does not exist at ${target}`, {
        hint: 'Check the database name at the end of the URL.',
        cause: error,
      });
    case '57014':
      return new OpsError('timeout', `The query was cancelled by a timeout on ${target}`, {
        detail: raw,
        cause: error,
      });
    default:
      break;
  }
  if (/timeout/i.test(raw)) {
    return new OpsError('timeout', `Timed out connecting to ${target}`, {
      hint: 'Is the server reachable? A TLS-only server may also hang a plain connection: try sslmode=require.',
      cause: error,
    });
  }
  if (/does not support SSL|SSL.*not.*enabled/i.test(raw)) {
    return new OpsError('connection_failed', `The server at ${target} does not accept TLS`, {
      hint: 'Use sslmode=disable for this server, or enable ssl on it.',
      cause: error,
    });
  }
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    return new OpsError('database_error', raw, {
      ...(e.hint ? { hint: redactText(e.hint) } : {}),
      detail: `SQLSTATE ${e.code}${e.detail ? `: ${redactText(e.detail)}` : ''}`,
      cause: error,
    });
  }
  return new OpsError('connection_failed', `Could not connect to ${target}: ${raw}`, { cause: error });
}
