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
import { lockHolder, migrationLockKey } from './lock';
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
 * `client`, except that before its `nth` BEGIN another client's transaction
 * takes the pooler's idle session: the one the runner has used so far, so the
 * runner's BEGIN goes to a new one. Resolves `stolen` with that session's pid.
 */
function stealingBefore(client: pg.Client, other: pg.Client, nth: number, stolen: (pid: number) => void): pg.Client {
  let begins = 0;
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: unknown[]) => {
        if (args[0] === 'BEGIN' && ++begins === nth) {
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
