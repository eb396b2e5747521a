/**
 * What a load checks on the target before it writes anything: a session of
 * its own (not Neon's pooled endpoint) that may write, the five tables (and
 * their sequences), pgcrypto when secrets are encrypted, and whether the
 * server would log the secret-bearing parameters.
 */
import type pg from 'pg';
import { OpsError } from '../../../common/errors';
import type { SledTarget } from '../../../common/sled';
import { sledTargets } from '../../../common/sled';
import type { Logger } from '../logging/log-service';

/** What to do when the target tables are missing: the stack's migrations create them. */
export const STACK_TABLES_HINT =
  "Apply the stack's migrations first: Migrations in the app, or ops-console migrate up --url URL.";

/**
 * Refuses a target reached through Neon's pooled endpoint (its host's first
 * label ends in -pooler): PgBouncer in transaction mode gives each transaction
 * whichever server session is free, and a load needs one session from start to
 * end (its advisory lock is the session's, and so are its prepared statements).
 * `target` is the display URL (or host/database) of the connection.
 */
export function refusePooledEndpoint(target: string): void {
  const host = hostOf(target);
  if (host === null || !host.endsWith('.neon.tech')) return;
  const [first = '', ...rest] = host.split('.');
  if (!first.endsWith('-pooler')) return;
  const direct = [first.slice(0, -'-pooler'.length), ...rest].join('.');
  throw new OpsError('conflict', `${host} is Neon's pooled endpoint; a load needs a session of its own`, {
    hint: `Load through the direct endpoint, ${direct} (the same host without -pooler): the pooler gives each transaction whichever session is free, and a load's lock and statements belong to one session.`,
  });
}

function hostOf(target: string): string | null {
  try {
    const url = new URL(target);
    if (url.hostname) return url.hostname.toLowerCase();
  } catch {
    // Not a URL: host/database, or host:port/database.
  }
  const host = /^([^/:?]+)/.exec(target)?.[1];
  return host ? host.toLowerCase() : null;
}

export async function refuseReadOnly(client: pg.ClientBase, target: string): Promise<void> {
  const result = await client.query<{ tro: string; dtro: string; recovery: boolean }>(
    `SELECT current_setting('transaction_read_only') AS tro, current_setting('default_transaction_read_only') AS dtro,
            pg_is_in_recovery() AS recovery`,
  );
  const row = result.rows[0];
  if (!row) return;
  if (row.recovery || row.tro === 'on' || row.dtro === 'on') {
    throw new OpsError('conflict', `The session on ${target} is read-only; a load writes rows`, {
      hint: row.recovery
        ? 'This server is a standby (in recovery): load into the primary.'
        : 'default_transaction_read_only is on for this role or database: connect as a role that may write.',
    });
  }
}

export async function checkTargets(
  client: pg.ClientBase,
  target: string,
  encrypt: boolean,
): Promise<Map<SledTarget, string>> {
  const result = await client.query<{ name: string; sequence: string | null }>(
    `SELECT t.name, CASE WHEN to_regclass(t.name) IS NULL THEN NULL ELSE pg_get_serial_sequence(t.name, 'id') END AS sequence
       FROM unnest($1::text[]) AS t(name)`,
    [sledTargets],
  );
  const sequences = new Map<SledTarget, string>();
  const missing: string[] = [];
  for (const row of result.rows) {
    if (row.sequence === null) missing.push(row.name);
    else sequences.set(row.name as SledTarget, row.sequence);
  }
  if (missing.length > 0) {
    throw new OpsError(
      'conflict',
      `${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist on ${target}`,
      {
        hint: STACK_TABLES_HINT,
      },
    );
  }
  if (encrypt) {
    const pgcrypto = await client.query<{ present: boolean }>(
      `SELECT to_regprocedure('public.pgp_sym_encrypt(text,text,text)') IS NOT NULL
          AND to_regprocedure('public.armor(bytea)') IS NOT NULL AS present`,
    );
    if (pgcrypto.rows[0]?.present !== true) {
      throw new OpsError('conflict', `pgcrypto is not installed in schema public on ${target}`, {
        hint: "Run CREATE EXTENSION pgcrypto WITH SCHEMA public (migration 001 does), or choose to leave the wallet secrets out (secrets: 'skip' in the plan).",
      });
    }
  }
  return sequences;
}

/**
 * As superuser, keeps the secret-bearing statements' parameters out of the
 * server log; otherwise says when the server's settings would log them.
 */
export async function secretLogging(client: pg.ClientBase, logger: Logger, target: string): Promise<string[]> {
  const result = await client.query<{ su: string; stmt: string; dur: string; version: number }>(
    `SELECT current_setting('is_superuser') AS su, current_setting('log_statement') AS stmt,
            current_setting('log_min_duration_statement') AS dur, current_setting('server_version_num')::int AS version`,
  );
  const row = result.rows[0];
  if (!row) return [];
  if (row.su === 'on') {
    return [
      "SET LOCAL log_statement = 'none'",
      'SET LOCAL log_min_duration_statement = -1',
      ...(row.version >= 130000 ? ['SET LOCAL log_parameter_max_length = 0'] : []),
    ];
  }
  if (row.stmt === 'all' || row.stmt === 'mod' || row.dur !== '-1') {
    logger.warn(
      `sled load: ${target} logs statements (log_statement=${row.stmt}, log_min_duration_statement=${row.dur}); ` +
        'the server log may receive the parameters of the wallet inserts. Turn that logging off while loading secrets.',
    );
  }
  return [];
}
