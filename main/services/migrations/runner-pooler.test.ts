/**
 * Migrations through a real PgBouncer in transaction mode, which gives each
 * transaction whichever server session is free: a migration's transaction that
 * lands outside the session holding the migration lock stops before it runs,
 * the migrations before it stay applied, and a direct run finishes the rest.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpsError } from '../../../common/errors';
import { startBouncer, type Bouncer } from '../../../test/helpers/pgbouncer';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres';
import { memoryLogger } from '../catalog/test-support';
import { holdsLockSql, lockHolder, migrationLockKey } from './lock';
import { MigrationRunner } from './runner';

const FILES: Record<string, string> = {
  '1_first.sql': 'CREATE TABLE first_table (id int);',
  '2_second.sql': 'CREATE TABLE second_table (id int);',
  '3_third.sql': 'CREATE TABLE third_table (id int);',
};

let db: TestDatabase;
let bouncer: Bouncer;
let dir: string;
const clients: pg.Client[] = [];

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
}

/**
 * `client`, except that before its `nth` query that `matches` (its text) another
 * client's transaction takes the pooler's idle session: the one the runner has
 * used so far, so the runner's query goes to a new one. Resolves `stolen` with
 * that session's pid.
 */
function stealingBefore(
  client: pg.Client,
  other: pg.Client,
  nth: number,
  stolen: (pid: number) => void,
  matches: (text: string) => boolean = (text) => text === 'BEGIN',
): pg.Client {
  let seen = 0;
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: unknown[]) => {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
        if (text !== undefined && matches(text) && ++seen === nth) {
          await other.query('BEGIN');
          stolen((await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
        }
        return (target.query as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

beforeAll(async () => {
  db = await createTestDatabase('migratepool');
  bouncer = await startBouncer(db.url);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-migrations-pooler-'));
  for (const [name, sql] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, name), sql);
});

afterAll(async () => {
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
  await bouncer?.stop();
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('migrations through PgBouncer in transaction mode', () => {
  it('stop before a migration runs outside the lock session; a direct run then applies the rest once', async () => {
    const runner = new MigrationRunner({ logger: memoryLogger(), builtInDir: dir, onProgress: () => undefined });
    const pooled = await connect(bouncer.transactionUrl);
    const other = await connect(bouncer.transactionUrl);
    let lockSession = 0;
    // The first BEGIN is the first migration's; the second migration's lands in a new session.
    const client = stealingBefore(pooled, other, 2, (pid) => (lockSession = pid));
    const error = await runner.apply(client, { runId: 'pooled', dir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpsError);
    const failure = error as OpsError;
    expect(failure.kind).toBe('conflict');
    expect(failure.message).toMatch(
      new RegExp(
        `^The connection to ${db.name} does not keep its session between transactions: the next migration step would run in session \\d+, while session ${lockSession} holds its lock`,
      ),
    );
    expect(failure.message).toContain(
      'A transaction pooler (PgBouncer in transaction mode, for instance) is in the way',
    );
    expect(failure.hint).toContain('Run the migrations through a direct connection to the database');
    expect(failure.hint).toContain(`SELECT pg_terminate_backend(${lockSession}) ends that session`);
    await other.query('COMMIT');

    const direct = await connect(db.url);
    const history = async () =>
      (
        await direct.query<{ version: string; success: boolean }>(
          'SELECT version, success FROM _sqlx_migrations ORDER BY 1',
        )
      ).rows;
    // The first migration is applied and recorded; the second never ran.
    expect(await history()).toEqual([{ version: '1', success: true }]);
    expect((await direct.query("SELECT to_regclass('second_table') IS NULL AS absent")).rows[0].absent as boolean).toBe(
      true,
    );

    // The runner's unlock went to the new session, so the lock is still the pooler's first session's.
    const key = migrationLockKey(db.name);
    expect((await lockHolder(direct, key))?.pid).toBe(lockSession);
    const blocked = await runner.apply(direct, { runId: 'direct', dir, lockWaitMs: 0 }).then(
      () => null,
      (e: unknown) => e as OpsError,
    );
    expect(blocked?.message).toContain('Another migration run holds the lock');
    expect(blocked?.hint).toContain(`SELECT pg_terminate_backend(${lockSession}) ends it`);
    await direct.query('SELECT pg_terminate_backend($1)', [lockSession]);

    const result = await runner.apply(direct, { runId: 'direct', dir });
    expect(result.failure).toBeNull();
    expect(result.applied.map((a) => a.version)).toEqual([2, 3]);
    expect(await history()).toEqual([
      { version: '1', success: true },
      { version: '2', success: true },
      { version: '3', success: true },
    ]);
  });
});

/** A database of its own behind a PgBouncer of its own (its pooled sessions are the test's alone). */
async function pooledDatabase(prefix: string): Promise<{ db: TestDatabase; bouncer: Bouncer; dir: string }> {
  const own = await createTestDatabase(prefix);
  const pooler = await startBouncer(own.url);
  const files = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-migrations-pooler-'));
  cleanups.push(async () => {
    await pooler.stop();
    await own.drop();
    fs.rmSync(files, { recursive: true, force: true });
  });
  return { db: own, bouncer: pooler, dir: files };
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The settings a session has, and its pid. */
async function sessionState(client: pg.Client): Promise<Record<string, string | number>> {
  return (
    await client.query<Record<string, string | number>>(
      `SELECT pg_backend_pid() AS pid, current_setting('lock_timeout') AS lock_timeout,
              current_setting('statement_timeout') AS statement_timeout,
              current_setting('application_name') AS application_name`,
    )
  ).rows[0]!;
}

const lockCheck = (db: TestDatabase) => holdsLockSql(migrationLockKey(db.name));

/**
 * NO_TRANSACTION applied through the pooler of a database of its own while
 * another client takes the runner's session before the `nth` query that
 * `matches`: the run's error (a conflict), the lock's session, and the
 * checked fact that the session the runner was moved to got no timeout.
 */
async function applyWithSteal(
  nth: number,
  matches: (text: string, db: TestDatabase) => boolean,
): Promise<{
  own: { db: TestDatabase; dir: string };
  runner: MigrationRunner;
  other: pg.Client;
  lockSession: number;
  error: OpsError;
}> {
  const own = await pooledDatabase('migratepool_nt');
  fs.writeFileSync(path.join(own.dir, '1_nt.sql'), NO_TRANSACTION);
  const runner = new MigrationRunner({ logger: memoryLogger(), builtInDir: own.dir, onProgress: () => undefined });
  const other = await connect(own.bouncer.transactionUrl);
  let lockSession = 0;
  const client = stealingBefore(
    await connect(own.bouncer.transactionUrl),
    other,
    nth,
    (pid) => (lockSession = pid),
    (text) => matches(text, own.db),
  );
  const error = await runner.apply(client, { runId: 'nt', dir: own.dir, ...LIMITS }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpsError);
  expect((error as OpsError).kind).toBe('conflict');
  // `other` holds the lock's session in its transaction, so a new client gets the one the runner was moved to.
  const moved = await sessionState(await connect(own.bouncer.transactionUrl));
  expect(moved.pid).not.toBe(lockSession);
  expect(moved).toMatchObject({ lock_timeout: '0', statement_timeout: '0' });
  return { own, runner, other, lockSession, error: error as OpsError };
}

const NO_TRANSACTION = [
  '-- no-transaction',
  'CREATE TABLE nt_items (id int);',
  'CREATE INDEX CONCURRENTLY nt_items_id ON nt_items (id);',
  'CREATE TABLE nt_after (id int);',
].join('\n');
const LIMITS = { lockTimeoutMs: 4321, statementTimeoutMs: 98_765 };

describe('a no-transaction migration through PgBouncer in transaction mode', () => {
  it('runs there and leaves no setting or name on the pooled session', async () => {
    const own = await pooledDatabase('migratepool_nt');
    fs.writeFileSync(path.join(own.dir, '1_nt.sql'), NO_TRANSACTION);
    const runner = new MigrationRunner({ logger: memoryLogger(), builtInDir: own.dir, onProgress: () => undefined });
    const pooled = await connect(own.bouncer.transactionUrl);
    const before = await sessionState(pooled);
    const result = await runner.apply(pooled, { runId: 'nt', dir: own.dir, ...LIMITS });
    expect(result.failure).toBeNull();
    expect(result.applied.map((a) => a.version)).toEqual([1]);
    // One client, so one server session: the one that ran it all, now as it was before.
    const after = await sessionState(pooled);
    expect(after).toEqual(before);
    expect(after.lock_timeout).toBe('0');
    const direct = await connect(own.db.url);
    expect((await direct.query('SELECT success FROM _sqlx_migrations WHERE version = 1')).rows).toEqual([
      { success: true },
    ]);
    expect(await lockHolder(direct, migrationLockKey(own.db.name))).toBeNull();
  });

  it('sets nothing and runs nothing when its settings would go to another session than the lock', async () => {
    // The statement that sets the file's timeouts (and checks the lock) is the first with set_config in it.
    const { own, runner, other, lockSession, error } = await applyWithSteal(1, (text) =>
      text.includes('set_config($1'),
    );
    expect(error.message).toMatch(
      new RegExp(
        `: 1_nt\\.sql \\(no transaction\\) would run in session \\d+, while session ${lockSession} holds its lock`,
      ),
    );
    // Neither the session it was moved to nor the lock's got the file's timeouts. (PgBouncer keeps
    // application_name per client and sets it on whichever session serves the client.)
    expect(await sessionState(other)).toMatchObject({ pid: lockSession, lock_timeout: '0', statement_timeout: '0' });
    await other.query('COMMIT');
    // Nothing of the file ran, and no failed row blocks the next run.
    const direct = await connect(own.db.url);
    expect((await direct.query(`SELECT to_regclass('nt_items') IS NULL AS absent`)).rows[0]).toEqual({ absent: true });
    expect((await direct.query('SELECT count(*)::int AS n FROM _sqlx_migrations')).rows[0]).toEqual({ n: 0 });
    await direct.query('SELECT pg_terminate_backend($1)', [lockSession]);
    const retried = await runner.apply(direct, { runId: 'direct', dir: own.dir, ...LIMITS });
    expect(retried.applied.map((a) => a.version)).toEqual([1]);
  });

  it('stops at the statement that would run outside the lock session; what ran is recorded as failed, with the way on', async () => {
    // Lock checks: after taking the lock (1), before statement 1 (2), before statement 2 (3).
    const { own, runner, other, lockSession, error } = await applyWithSteal(3, (text, db) => text === lockCheck(db));
    expect(error.message).toMatch(
      new RegExp(
        `: statement 2 of 1_nt\\.sql \\(line 3\\) would run in session \\d+, while session ${lockSession} holds its lock`,
      ),
    );
    expect(error.hint).toContain('Statements 1 to 1 of 1_nt.sql ran (no transaction, so they stay)');
    expect(error.hint).toContain('ops-console migrate resolve 1 retry');
    expect(error.hint).toContain('ops-console migrate resolve 1 mark-applied');
    expect(error.hint).toContain(`SELECT pg_terminate_backend(${lockSession}) ends that session`);
    // The file's timeouts are on the lock's session only (the hint's pg_terminate_backend ends them with it).
    expect(await sessionState(other)).toMatchObject({
      pid: lockSession,
      lock_timeout: '4321ms',
      statement_timeout: '98765ms',
    });
    await other.query('COMMIT');

    const direct = await connect(own.db.url);
    const exists = async (name: string) =>
      (await direct.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [name])).rows[0]!
        .present;
    expect(await exists('nt_items')).toBe(true);
    expect(await exists('nt_items_id')).toBe(false);
    expect(await exists('nt_after')).toBe(false);
    expect((await direct.query('SELECT success FROM _sqlx_migrations WHERE version = 1')).rows).toEqual([
      { success: false },
    ]);
    // Ending the lock's session frees the lock and its settings; the failed row blocks until resolved.
    await direct.query('SELECT pg_terminate_backend($1)', [lockSession]);
    const blocked = await runner.apply(direct, { runId: 'direct', dir: own.dir }).then(
      () => null,
      (e: unknown) => e as OpsError,
    );
    expect(blocked?.message).toMatch(/failed partway/);
    await direct.query('DROP TABLE nt_items');
    await runner.resolve(direct, { dir: own.dir, version: 1, action: 'retry' });
    const retried = await runner.apply(direct, { runId: 'direct', dir: own.dir });
    expect(retried.applied.map((a) => a.version)).toEqual([1]);
    expect(await exists('nt_items_id')).toBe(true);
    expect(await exists('nt_after')).toBe(true);
  });
});
