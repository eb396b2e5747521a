import { crc32 } from 'node:zlib';
import type pg from 'pg';
import { OpsError } from '../../../common/errors';
import type { LockHolder } from '../../../common/migrations';

/**
 * The advisory lock key sqlx's PostgreSQL migrator takes:
 * 0x3d32ad9e * crc32(current database name), a BIGINT. Taking the same key
 * means this console and `sqlx migrate run` (or the bot's embedded migrator)
 * never run migrations on one database at the same time.
 */
export function migrationLockKey(databaseName: string): bigint {
  return 0x3d32ad9en * BigInt(crc32(Buffer.from(databaseName, 'utf8')));
}

const HOLDER_SQL = `
SELECT a.pid, coalesce(a.application_name, '') AS application_name, host(a.client_addr) AS client_addr,
       a.usename AS user_name, a.backend_start, a.state
  FROM pg_catalog.pg_locks l
  JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
   AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1
 LIMIT 1`;

/** A BIGINT advisory key as pg_locks shows it: classid (high 32 bits) and objid (low 32 bits), objsubid 1. */
function keyParts(key: bigint): { high: string; low: string } {
  const unsigned = BigInt.asUintN(64, key);
  return { high: (unsigned >> 32n).toString(), low: (unsigned & 0xffffffffn).toString() };
}

/**
 * A statement without parameters (so it can run in a simple-protocol batch)
 * whose one row, `held`, says whether this session holds the session advisory
 * lock `key`. Through a transaction pooler, a later transaction may run in
 * another server session than the one that took the lock.
 */
export function holdsLockSql(key: bigint): string {
  return `SELECT ${holdsLockExpression(key)} AS held`;
}

function holdsLockExpression(key: bigint): string {
  const { high, low } = keyParts(key);
  return `EXISTS (SELECT FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = pg_catalog.pg_backend_pid()
    AND granted AND classid = ${high}::oid AND objid = ${low}::oid AND objsubid = 1)`;
}

/**
 * Sets session settings (set_config, not LOCAL) only if this session holds the
 * session advisory lock `key`: the check and the settings are one statement,
 * so a transaction pooler cannot run them in two sessions, and a setting never
 * lands on a pooled session that other clients get next. Returns the values
 * the settings had (to put back with the same call), or null when this session
 * does not hold the lock and nothing was set.
 */
export async function setIfHoldsLock(
  client: pg.ClientBase,
  key: bigint,
  settings: Readonly<Record<string, string>>,
): Promise<Record<string, string> | null> {
  const names = Object.keys(settings);
  const values: string[] = [];
  const before: string[] = [];
  const sets: string[] = [];
  for (const [i, name] of names.entries()) {
    values.push(name, settings[name]!);
    before.push(`pg_catalog.current_setting($${2 * i + 1}) AS before_${i}`);
    sets.push(`CASE WHEN held THEN pg_catalog.set_config($${2 * i + 1}, $${2 * i + 2}, false) END`);
  }
  // MATERIALIZED: the values before are read before any set_config runs.
  const result = await client.query<Record<string, string | boolean>>(
    `WITH s AS MATERIALIZED (SELECT ${holdsLockExpression(key)} AS held, ${before.join(', ')})
     SELECT s.*, ${sets.join(', ')} FROM s`,
    values,
  );
  const row = result.rows[0];
  if (row?.held !== true) return null;
  return Object.fromEntries(names.map((name, i) => [name, row[`before_${i}`] as string]));
}

/** Who holds the lock now, from pg_locks and pg_stat_activity (null when nobody, or not visible to this role). */
export async function lockHolder(client: pg.ClientBase, key: bigint): Promise<LockHolder | null> {
  const { high, low } = keyParts(key);
  const result = await client.query<{
    pid: number;
    application_name: string;
    client_addr: string | null;
    user_name: string | null;
    backend_start: Date | null;
    state: string | null;
  }>(HOLDER_SQL, [high, low]);
  const row = result.rows[0];
  if (!row) return null;
  return {
    pid: row.pid,
    applicationName: row.application_name,
    clientAddress: row.client_addr,
    user: row.user_name,
    since: row.backend_start ? row.backend_start.toISOString() : null,
    state: row.state,
  };
}

/** The words of sessionChangedError. */
export interface SessionChangeWords {
  /** The database, as the caller names it. */
  target: string;
  /** What would have run in the other session ("the load's next batch"). */
  next: string;
  /** What needs one session from start to end ("a load"). */
  work: string;
  /** The hint's first sentence: how to go on. */
  goOn: string;
}

/**
 * The error when a transaction runs in another session than the one that took
 * the session advisory lock `key`, which only a transaction pooler does
 * (PgBouncer in transaction mode, under any host name). Called inside that
 * transaction (it reads who holds the lock), before it writes anything.
 */
export async function sessionChangedError(
  client: pg.ClientBase,
  key: bigint,
  words: SessionChangeWords,
): Promise<OpsError> {
  const pid = (await client.query<{ pid: number }>('SELECT pg_catalog.pg_backend_pid() AS pid')).rows[0]?.pid;
  const holder = await lockHolder(client, key);
  const lock = holder ? `session ${holder.pid} holds its lock` : 'no session holds its lock any more';
  return new OpsError(
    'conflict',
    `The connection to ${words.target} does not keep its session between transactions: ${words.next} would run in session ${pid}, while ${lock}. A transaction pooler (PgBouncer in transaction mode, for instance) is in the way, and ${words.work} needs one session from start to end`,
    {
      hint:
        words.goOn +
        (holder
          ? ` The lock stays with the pooler's session ${holder.pid} until the pooler closes it; if the next run reports the lock held, SELECT pg_terminate_backend(${holder.pid}) ends that session.`
          : ''),
    },
  );
}

/** Throws sessionChangedError unless this session holds the session advisory lock `key`. */
export async function assertHoldsLock(client: pg.ClientBase, key: bigint, words: SessionChangeWords): Promise<void> {
  const held = await client.query<{ held: boolean }>(holdsLockSql(key));
  if (held.rows[0]?.held !== true) throw await sessionChangedError(client, key, words);
}

export function describeHolder(holder: LockHolder | null): string {
  if (!holder) return 'another session (its details are not visible to this role)';
  const who = holder.applicationName ? `"${holder.applicationName}"` : 'a session without an application name';
  const where = holder.clientAddress ? ` from ${holder.clientAddress}` : ' over a local socket';
  const user = holder.user ? ` as ${holder.user}` : '';
  const since = holder.since ? `, connected since ${holder.since}` : '';
  return `${who} (pid ${holder.pid}${user}${where}${since})`;
}

export interface LockOptions {
  waitMs: number;
  /** How often to try again (and report the holder) while waiting. */
  pollMs?: number;
  onWait?: (holder: LockHolder | null, waitedMs: number) => void;
  /** Set as the session's application_name when, and only if, the lock is taken. */
  applicationName?: string;
  now?: () => number;
}

/**
 * Takes the session advisory lock, trying again until `waitMs` has passed;
 * then fails naming the holder. Returns how long it waited, and the session's
 * application_name before options.applicationName replaced it (null when none
 * was given), for releaseMigrationLock to put back.
 */
export async function acquireMigrationLock(
  client: pg.ClientBase,
  key: bigint,
  options: LockOptions,
): Promise<{ waitedMs: number; previousApplicationName: string | null }> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const pollMs = options.pollMs ?? 250;
  let lastReport = -Infinity;
  for (;;) {
    // The holder's name is set in the statement (so the session) that takes the lock, and only if it does.
    const tried = await client.query<{ locked: boolean; previous: string }>(
      options.applicationName === undefined
        ? 'SELECT pg_catalog.pg_try_advisory_lock($1::int8) AS locked, NULL AS previous'
        : `WITH s AS MATERIALIZED (SELECT pg_catalog.current_setting('application_name') AS previous)
           SELECT s.previous, CASE WHEN pg_catalog.pg_try_advisory_lock($1::int8)
                   THEN pg_catalog.set_config('application_name', $2, false) END IS NOT NULL AS locked FROM s`,
      options.applicationName === undefined ? [key.toString()] : [key.toString(), options.applicationName],
    );
    const row = tried.rows[0];
    if (row?.locked) return { waitedMs: now() - started, previousApplicationName: row.previous };
    const waited = now() - started;
    const holder = await lockHolder(client, key);
    if (waited >= options.waitMs) {
      throw new OpsError('conflict', `Another migration run holds the lock: ${describeHolder(holder)}`, {
        hint:
          `Waited ${Math.round(waited / 1000)} s. Let that run finish (or stop it), then try again` +
          (holder ? `; if it is stuck, SELECT pg_terminate_backend(${holder.pid}) ends it.` : '.'),
      });
    }
    if (waited - lastReport >= 1000 || lastReport < 0) {
      lastReport = waited;
      options.onWait?.(holder, waited);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(10, options.waitMs - waited))));
  }
}

/**
 * Releases the lock and puts back the application name it was taken with, in
 * one statement: the name only where the lock was released, so through a
 * transaction pooler that moved the client, no other session's name changes.
 * Returns whether this session held the lock.
 */
export async function releaseMigrationLock(
  client: pg.ClientBase,
  key: bigint,
  previousApplicationName: string | null = null,
): Promise<boolean> {
  const result = await client.query<{ released: boolean }>(
    previousApplicationName === null
      ? 'SELECT pg_catalog.pg_advisory_unlock($1::int8) AS released'
      : `SELECT CASE WHEN pg_catalog.pg_advisory_unlock($1::int8)
                THEN pg_catalog.set_config('application_name', $2, false) END IS NOT NULL AS released`,
    previousApplicationName === null ? [key.toString()] : [key.toString(), previousApplicationName],
  );
  return result.rows[0]?.released === true;
}
