/**
 * The migrations runner against real PostgreSQL: the stack's six migrations,
 * sqlx-compatible history, locks between runners, failures mapped to lines,
 * no-transaction migrations, out-of-order files, baseline and verification.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MigrationProgress } from '../../../common/migrations';
import { OpsError } from '../../../common/errors';
import { createTestDatabase, runSql, type TestDatabase } from '../../../test/helpers/postgres';
import { memoryLogger } from '../catalog/test-support';
import { migrationLockKey } from './lock';
import { MigrationRunner } from './runner';

const shippedDir = fileURLToPath(new URL('../../../migrations', import.meta.url));
const shippedFiles = fs
  .readdirSync(shippedDir)
  .filter((f) => f.endsWith('.sql'))
  .sort();

function runnerFor(progress: MigrationProgress[] = [], limits = {}) {
  return new MigrationRunner({
    logger: memoryLogger(),
    builtInDir: shippedDir,
    onProgress: (p) => progress.push(p),
    limits,
  });
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

async function scalar<T>(client: pg.Client, sql: string, params: unknown[] = []): Promise<T> {
  const result = await client.query(sql, params);
  return Object.values(result.rows[0] ?? {})[0] as T;
}

/** A folder of migration files written by the test. */
function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-migrations-'));
  for (const [name, sql] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), sql);
  return dir;
}

async function expectOpsError(promise: Promise<unknown>, kind: string, message: RegExp): Promise<OpsError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpsError);
  expect((error as OpsError).kind).toBe(kind);
  expect((error as OpsError).message).toMatch(message);
  return error as OpsError;
}

describe('the stack migrations through the runner', () => {
  let db: TestDatabase;
  let client: pg.Client;
  const progress: MigrationProgress[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('migrate');
    client = await connect(db.url);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('reports all six as pending on an empty database, with no history table', async () => {
    const status = await runnerFor().status(client);
    expect(status.historyTable).toBe(false);
    expect(status.source.builtIn).toBe(true);
    expect(status.entries.map((e) => e.fileName)).toEqual(shippedFiles);
    expect(status.entries.every((e) => e.state === 'pending')).toBe(true);
    expect(status.pending).toEqual([1, 2, 3, 4, 5, 6]);
    expect(status.entries.every((e) => e.statementCount > 0)).toBe(true);
  });

  it('applies them in order, each in its own transaction, with per-statement progress', async () => {
    const result = await runnerFor(progress).apply(client, { runId: 'run-1' });
    expect(result.failure).toBeNull();
    expect(result.applied.map((a) => a.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(result.upToDate).toBe(false);
    const phases = progress.filter((p) => p.runId === 'run-1').map((p) => p.phase);
    expect(phases[0]).toBe('lock_acquired');
    expect(phases.at(-1)).toBe('finished');
    expect(phases.filter((p) => p === 'migration_done')).toHaveLength(6);
    const statements = progress.filter((p) => p.phase === 'statement');
    const status = await runnerFor().status(client);
    const total = status.entries.reduce((n, e) => n + e.statementCount, 0);
    expect(statements).toHaveLength(total);
  });

  it('keeps _sqlx_migrations exactly as sqlx does', async () => {
    const columns = await client.query<{
      column_name: string;
      data_type: string;
      is_nullable: string;
      d: string | null;
    }>(
      `SELECT column_name, data_type, is_nullable, column_default AS d FROM information_schema.columns
        WHERE table_name = '_sqlx_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.rows).toEqual([
      { column_name: 'version', data_type: 'bigint', is_nullable: 'NO', d: null },
      { column_name: 'description', data_type: 'text', is_nullable: 'NO', d: null },
      { column_name: 'installed_on', data_type: 'timestamp with time zone', is_nullable: 'NO', d: 'now()' },
      { column_name: 'success', data_type: 'boolean', is_nullable: 'NO', d: null },
      { column_name: 'checksum', data_type: 'bytea', is_nullable: 'NO', d: null },
      { column_name: 'execution_time', data_type: 'bigint', is_nullable: 'NO', d: null },
    ]);
    const pk = await scalar<string>(
      client,
      `SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '_sqlx_migrations'::regclass AND contype = 'p'`,
    );
    expect(pk).toBe('PRIMARY KEY (version)');
    const rows = await client.query<{
      version: string;
      description: string;
      success: boolean;
      checksum: Buffer;
      execution_time: string;
    }>('SELECT version, description, success, checksum, execution_time FROM _sqlx_migrations ORDER BY version');
    expect(rows.rows).toHaveLength(6);
    for (const [i, fileName] of shippedFiles.entries()) {
      const row = rows.rows[i];
      const match = /^(\d+)_(.+)\.sql$/.exec(fileName);
      expect(row?.version).toBe(String(Number(match?.[1])));
      // sqlx: the rest of the name without .sql, underscores turned into spaces.
      expect(row?.description).toBe(match?.[2]?.replace(/_/g, ' '));
      expect(row?.success).toBe(true);
      // sqlx: SHA-384 of the file's bytes.
      const expected = createHash('sha384')
        .update(fs.readFileSync(path.join(shippedDir, fileName)))
        .digest();
      expect(row?.checksum.equals(expected)).toBe(true);
      expect(Number(row?.execution_time)).toBeGreaterThan(0);
    }
  });

  it('runs again as a no-op', async () => {
    const before = await client.query('SELECT version, installed_on FROM _sqlx_migrations ORDER BY version');
    const result = await runnerFor().apply(client, { runId: 'run-2' });
    expect(result.upToDate).toBe(true);
    expect(result.applied).toEqual([]);
    const after = await client.query('SELECT version, installed_on FROM _sqlx_migrations ORDER BY version');
    expect(after.rows).toEqual(before.rows);
    const status = await runnerFor().status(client);
    expect(status.entries.every((e) => e.state === 'applied')).toBe(true);
    expect(status.pending).toEqual([]);
  });

  it('leaves a database where refresh_daily_stats() and cleanup_expired_cache() both run', async () => {
    await client.query(`INSERT INTO analytics.events (event_type, user_id, event_data)
      VALUES ('login', gen_random_uuid(), '{}'), ('login', gen_random_uuid(), '{}'), ('order', gen_random_uuid(), '{"n": 1}')`);
    await client.query('SELECT analytics.refresh_daily_stats()');
    const logins = await client.query(`SELECT * FROM analytics.daily_stats WHERE event_type = 'login'`);
    expect(logins.rows).toHaveLength(1);
    expect(JSON.stringify(logins.rows[0])).toMatch(/2/);
    await client.query(`INSERT INTO ai.cache_entries (cache_key, query, response, model, expires_at)
      VALUES ('a', 'q', 'r', 'm', now() - interval '1 day'), ('b', 'q', 'r', 'm', now() - interval '1 hour'),
             ('c', 'q', 'r', 'm', now() + interval '1 day')`);
    expect(Number(await scalar(client, 'SELECT ai.cleanup_expired_cache()'))).toBe(2);
    expect(Number(await scalar(client, 'SELECT count(*) FROM ai.cache_entries'))).toBe(1);
  });
});

describe('the migration lock', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('migrate_lock');
  });
  afterEach(async () => {
    await db?.drop();
  });

  it('takes the key sqlx takes: 0x3d32ad9e * crc32(database name)', () => {
    expect(migrationLockKey('zone')).toBe(2_771_974_297_191_923_538n);
    expect(migrationLockKey('zone_test')).toBe(1_283_835_657_316_171_598n);
  });

  it('lets two concurrent runners apply everything exactly once', async () => {
    const [a, b] = [await connect(db.url), await connect(db.url)];
    try {
      const results = await Promise.all([runnerFor().apply(a, { runId: 'a' }), runnerFor().apply(b, { runId: 'b' })]);
      const applied = results.flatMap((r) => r.applied.map((x) => x.version)).sort((x, y) => x - y);
      expect(applied).toEqual([1, 2, 3, 4, 5, 6]);
      expect(results.some((r) => r.upToDate)).toBe(true);
      expect(Number(await scalar(a, 'SELECT count(*) FROM _sqlx_migrations'))).toBe(6);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('waits, then fails naming the holder (pid, application name, address, since when)', async () => {
    const holder = new pg.Client({ connectionString: db.url, application_name: 'other-runner-test' });
    await holder.connect();
    const client = await connect(db.url);
    try {
      await holder.query('SELECT pg_advisory_lock($1::int8)', [migrationLockKey(db.name).toString()]);
      const holderPid = await scalar<number>(holder, 'SELECT pg_backend_pid()');
      const progress: MigrationProgress[] = [];
      const error = await expectOpsError(
        runnerFor(progress).apply(client, { runId: 'waiter', lockWaitMs: 1500 }),
        'conflict',
        new RegExp(`"other-runner-test" \\(pid ${holderPid} .*connected since \\d{4}-`),
      );
      expect(error.hint).toMatch(/pg_terminate_backend/);
      const waits = progress.filter((p) => p.phase === 'lock_wait');
      expect(waits.length).toBeGreaterThan(0);
      expect(waits[0]?.phase === 'lock_wait' && waits[0].holder?.pid).toBe(holderPid);
      expect(await scalar(client, `SELECT to_regclass('_sqlx_migrations') IS NULL`)).toBe(true);
      // Released: the waiter now runs.
      await holder.query('SELECT pg_advisory_unlock_all()');
      const result = await runnerFor().apply(client, { runId: 'after' });
      expect(result.applied).toHaveLength(6);
    } finally {
      await Promise.all([holder.end(), client.end()]);
    }
  });
});

describe('changed, missing, failed and out-of-order migrations', () => {
  let db: TestDatabase;
  let client: pg.Client;
  beforeEach(async () => {
    db = await createTestDatabase('migrate_states');
    client = await connect(db.url);
  });
  afterEach(async () => {
    await client?.end();
    await db?.drop();
  });

  it('reports an applied file that was edited, runs nothing, and accepts the change only when asked', async () => {
    const dir = tempDir({
      '1_first.sql': 'CREATE TABLE t1 (id int);',
      '2_second.sql': 'CREATE TABLE t2 (id int);',
    });
    const runner = runnerFor();
    await runner.apply(client, { dir, runId: 'r' });
    fs.writeFileSync(path.join(dir, '2_second.sql'), 'CREATE TABLE t2 (id bigint);');
    fs.writeFileSync(path.join(dir, '3_third.sql'), 'CREATE TABLE t3 (id int);');
    const status = await runner.status(client, { dir });
    expect(status.entries.find((e) => e.version === 2)?.state).toBe('changed');
    expect(status.blockers).toEqual([expect.objectContaining({ version: 2, kind: 'changed' })]);
    expect(status.pending).toEqual([]);
    await expectOpsError(runner.apply(client, { dir, runId: 'r2' }), 'conflict', /changed after it was applied/);
    expect(await scalar(client, `SELECT to_regclass('t3') IS NULL`)).toBe(true);
    await expectOpsError(
      runner.resolve(client, { dir, version: 2, action: 'retry' }),
      'conflict',
      /applies only to a migration that is failed/,
    );
    await runner.resolve(client, { dir, version: 2, action: 'accept_checksum' });
    const result = await runner.apply(client, { dir, runId: 'r3' });
    expect(result.applied.map((a) => a.version)).toEqual([3]);
  });

  it('reports an applied migration whose file is gone, and forgets it on request', async () => {
    const dir = tempDir({ '1_first.sql': 'CREATE TABLE t1 (id int);', '2_second.sql': 'CREATE TABLE t2 (id int);' });
    const runner = runnerFor();
    await runner.apply(client, { dir, runId: 'r' });
    fs.rmSync(path.join(dir, '2_second.sql'));
    const status = await runner.status(client, { dir });
    expect(status.entries.find((e) => e.version === 2)).toMatchObject({ state: 'missing', fileName: null });
    await expectOpsError(runner.apply(client, { dir, runId: 'r2' }), 'conflict', /file is missing/);
    await runner.resolve(client, { dir, version: 2, action: 'forget' });
    expect((await runner.status(client, { dir })).blockers).toEqual([]);
  });

  it('rolls back a migration failing midway and maps the error position to its line and column', async () => {
    const dir = tempDir({
      '1_ok.sql': 'CREATE TABLE ok_table (id int);\n',
      '2_broken.sql': [
        '-- creates two tables; the second statement is wrong',
        'CREATE TABLE first_of_two (id int);',
        '',
        "INSERT INTO first_of_two VALUES (1); SELECT 'x;y' AS s,",
        '       missing_column FROM first_of_two;',
        'CREATE TABLE never_created (id int);',
      ].join('\n'),
      '3_after.sql': 'CREATE TABLE after_broken (id int);',
    });
    const progress: MigrationProgress[] = [];
    const result = await runnerFor(progress).apply(client, { dir, runId: 'fail' });
    expect(result.applied.map((a) => a.version)).toEqual([1]);
    expect(result.notRun).toEqual([3]);
    const failure = result.failure;
    expect(failure).toMatchObject({
      version: 2,
      fileName: '2_broken.sql',
      statementIndex: 2,
      statementLine: 4,
      line: 5,
      column: 8,
      exactPosition: true,
      code: '42703',
      rolledBack: true,
    });
    expect(failure?.message).toMatch(/column "missing_column" does not exist/);
    expect(failure?.statement).toMatch(/^SELECT 'x;y' AS s,/);
    expect(progress.some((p) => p.phase === 'migration_failed' && p.version === 2)).toBe(true);
    // Rolled back: the first statement's table is gone too, and nothing after it ran.
    expect(await scalar(client, `SELECT to_regclass('first_of_two') IS NULL`)).toBe(true);
    expect(await scalar(client, `SELECT to_regclass('after_broken') IS NULL`)).toBe(true);
    expect(await scalar(client, 'SELECT array_agg(version ORDER BY version)::text FROM _sqlx_migrations')).toBe('{1}');
    // A file that failed inside a transaction was never recorded: fixing it is allowed.
    fs.writeFileSync(path.join(dir, '2_broken.sql'), 'CREATE TABLE first_of_two (id int);');
    const fixed = await runnerFor().apply(client, { dir, runId: 'fixed' });
    expect(fixed.applied.map((a) => a.version)).toEqual([2, 3]);
  });

  it('points errors without a position (division by zero, constraint violation) at the statement start', async () => {
    const dir = tempDir({
      '1_data.sql': [
        'CREATE TABLE nums (n int PRIMARY KEY);',
        'INSERT INTO nums VALUES (1);',
        '  /* a comment before it */ INSERT INTO nums',
        '  VALUES (1);',
      ].join('\n'),
      '2_div.sql': '\n\n   SELECT 1 /\n 0;',
    });
    const first = await runnerFor().apply(client, { dir, runId: 'dup' });
    expect(first.failure).toMatchObject({
      code: '23505',
      line: 3,
      column: 29,
      exactPosition: false,
      statementIndex: 2,
    });
    expect(first.failure?.detail).toMatch(/Key \(n\)=\(1\) already exists/);
    fs.writeFileSync(path.join(dir, '1_data.sql'), 'CREATE TABLE nums (n int PRIMARY KEY);');
    const second = await runnerFor().apply(client, { dir, runId: 'div' });
    expect(second.failure).toMatchObject({ code: '22012', line: 3, column: 4, exactPosition: false, version: 2 });
  });

  it('runs a no-transaction migration outside a transaction; a failure leaves a failed row that blocks until resolved', async () => {
    const dir = tempDir({
      '1_table.sql': 'CREATE TABLE items (id int, name text);',
      '2_index.sql': [
        '-- ops-console: no-transaction',
        'CREATE INDEX CONCURRENTLY items_name ON items (name);',
        'CREATE INDEX CONCURRENTLY items_bad ON items (no_such_column);',
      ].join('\n'),
      '3_later.sql': 'CREATE TABLE later (id int);',
    });
    const runner = runnerFor();
    const result = await runner.apply(client, { dir, runId: 'nt' });
    expect(result.applied.map((a) => a.version)).toEqual([1]);
    expect(result.failure).toMatchObject({ version: 2, rolledBack: false, line: 3, code: '42703' });
    expect(result.failure?.recovery.join(' ')).toMatch(/migrate resolve 2 retry/);
    // Not rolled back: the first index exists; the row says failed (sqlx calls this dirty).
    expect(await scalar(client, `SELECT to_regclass('items_name') IS NOT NULL`)).toBe(true);
    expect(await scalar(client, 'SELECT success FROM _sqlx_migrations WHERE version = 2')).toBe(false);
    const status = await runner.status(client, { dir });
    expect(status.entries.find((e) => e.version === 2)?.state).toBe('failed');
    expect(status.blockers[0]).toMatchObject({ version: 2, kind: 'failed' });
    await expectOpsError(runner.apply(client, { dir, runId: 'blocked' }), 'conflict', /failed partway/);
    expect(await scalar(client, `SELECT to_regclass('later') IS NULL`)).toBe(true);
    // Resolve: undo by hand, fix the file, retry.
    await client.query('DROP INDEX items_name');
    fs.writeFileSync(
      path.join(dir, '2_index.sql'),
      '-- ops-console: no-transaction\nCREATE INDEX CONCURRENTLY items_name ON items (name);\n',
    );
    await runner.resolve(client, { dir, version: 2, action: 'retry' });
    const retried = await runner.apply(client, { dir, runId: 'retry' });
    expect(retried.applied.map((a) => a.version)).toEqual([2, 3]);
    expect(await scalar(client, 'SELECT success FROM _sqlx_migrations WHERE version = 2')).toBe(true);
    expect(
      Number(await scalar(client, 'SELECT execution_time FROM _sqlx_migrations WHERE version = 2')),
    ).toBeGreaterThan(0);
  });

  it('marks a failed no-transaction migration applied when it was finished by hand', async () => {
    const dir = tempDir({
      '1_nt.sql': '-- no-transaction\nCREATE TABLE a (id int);\nSELECT 1/0;',
    });
    const runner = runnerFor();
    const result = await runner.apply(client, { dir, runId: 'x' });
    expect(result.failure?.rolledBack).toBe(false);
    await runner.resolve(client, { dir, version: 1, action: 'mark_applied' });
    const status = await runner.status(client, { dir });
    expect(status.entries[0]?.state).toBe('applied');
  });

  it('reports out-of-order files and applies them only with the flag', async () => {
    const dir = tempDir({ '1_a.sql': 'CREATE TABLE a (id int);', '3_c.sql': 'CREATE TABLE c (id int);' });
    const runner = runnerFor();
    await runner.apply(client, { dir, runId: 'x' });
    fs.writeFileSync(path.join(dir, '2_b.sql'), 'CREATE TABLE b (id int);');
    fs.writeFileSync(path.join(dir, '4_d.sql'), 'CREATE TABLE d (id int);');
    const status = await runner.status(client, { dir });
    expect(status.outOfOrder).toEqual([2]);
    expect(status.entries.find((e) => e.version === 2)?.state).toBe('out_of_order');
    const plain = await runner.apply(client, { dir, runId: 'y' });
    expect(plain.applied.map((a) => a.version)).toEqual([4]);
    expect(plain.skippedOutOfOrder).toEqual([2]);
    expect(await scalar(client, `SELECT to_regclass('b') IS NULL`)).toBe(true);
    const allowed = await runner.apply(client, { dir, runId: 'z', allowOutOfOrder: true });
    expect(allowed.applied.map((a) => a.version)).toEqual([2]);
  });

  it('applies up to a version only', async () => {
    const result = await runnerFor().apply(client, { runId: 'to', to: 3 });
    expect(result.applied.map((a) => a.version)).toEqual([1, 2, 3]);
    const status = await runnerFor().status(client);
    expect(status.pending).toEqual([4, 5, 6]);
  });

  it('refuses to write through a read-only session', async () => {
    await client.query('SET default_transaction_read_only = on');
    await expectOpsError(runnerFor().apply(client, { runId: 'ro' }), 'conflict', /read-only/);
    expect(await scalar(client, `SELECT to_regclass('_sqlx_migrations') IS NULL`)).toBe(true);
  });
});

describe('plan and verification', () => {
  let db: TestDatabase;
  let client: pg.Client;
  beforeEach(async () => {
    db = await createTestDatabase('migrate_plan');
    client = await connect(db.url);
  });
  afterEach(async () => {
    await client?.end();
    await db?.drop();
  });

  it('lists what would run with the SQL, and proves it applies in a transaction that is rolled back', async () => {
    const progress: MigrationProgress[] = [];
    const plan = await runnerFor(progress).plan(client, { verify: true, runId: 'v' });
    // The same phases as a real run, so the UI follows a verification like an apply.
    const phases = progress.map((p) => p.phase);
    expect(phases.filter((p) => p === 'migration_start')).toHaveLength(6);
    expect(phases.filter((p) => p === 'migration_done')).toHaveLength(6);
    expect(phases.at(-1)).toBe('finished');
    expect(plan.migrations.map((m) => m.fileName)).toEqual(shippedFiles);
    expect(plan.migrations[0]?.sql).toBe(fs.readFileSync(path.join(shippedDir, shippedFiles[0] ?? ''), 'utf8'));
    expect(plan.migrations[1]?.statements[0]).toMatchObject({ index: 0, line: expect.any(Number) });
    expect(plan.verification).toMatchObject({ ok: true, failure: null, skippedNoTransaction: [] });
    // Nothing stayed.
    expect(await scalar(client, `SELECT to_regnamespace('ai') IS NULL`)).toBe(true);
    expect(await scalar(client, `SELECT to_regclass('_sqlx_migrations') IS NULL`)).toBe(true);
  });

  it('reports where a plan fails, and keeps nothing', async () => {
    const dir = tempDir({
      '1_a.sql': 'CREATE TABLE a (id int);',
      '2_b.sql': 'CREATE TABLE b (id int REFERENCES nope (id));',
    });
    const plan = await runnerFor().plan(client, { dir, verify: true });
    expect(plan.verification?.ok).toBe(false);
    expect(plan.verification?.failure).toMatchObject({ version: 2, line: 1, rolledBack: true });
    expect(await scalar(client, `SELECT to_regclass('a') IS NULL`)).toBe(true);
  });
});

describe('baseline', () => {
  let db: TestDatabase;
  let client: pg.Client;
  beforeEach(async () => {
    db = await createTestDatabase('migrate_baseline');
    client = await connect(db.url);
  });
  afterEach(async () => {
    await client?.end();
    await db?.drop();
  });

  /** What the old shell loop did: each file through psql, no history. */
  async function buildWithoutHistory(count: number) {
    for (const file of shippedFiles.slice(0, count)) {
      await runSql(db.url, fs.readFileSync(path.join(shippedDir, file), 'utf8'));
    }
  }

  it('adopts a database built by the old loop: checks every object, then records all six', async () => {
    await buildWithoutHistory(6);
    const result = await runnerFor().baseline(client);
    expect(result.refused).toBe(false);
    expect(result.recorded).toEqual([1, 2, 3, 4, 5, 6]);
    const tables = result.checks.find((c) => c.version === 2);
    expect(tables?.found).toEqual(expect.arrayContaining(['table ai.cache_entries', 'table ai.memory_facts']));
    expect(result.checks.find((c) => c.version === 1)?.found).toEqual(
      expect.arrayContaining(['schema ai', 'schema blockchain', 'schema analytics', 'extension pgcrypto']),
    );
    expect(result.checks.every((c) => c.missing.length === 0)).toBe(true);
    const status = await runnerFor().status(client);
    expect(status.entries.every((e) => e.state === 'applied')).toBe(true);
    expect((await runnerFor().apply(client, { runId: 'after-baseline' })).upToDate).toBe(true);
  });

  it('refuses where objects are missing, listing them, and records nothing', async () => {
    await buildWithoutHistory(2);
    await client.query('DROP TABLE ai.learning_data');
    const result = await runnerFor().baseline(client);
    expect(result.refused).toBe(true);
    expect(result.recorded).toEqual([]);
    expect(result.checks.find((c) => c.version === 2)?.missing).toContain('table ai.learning_data');
    expect(result.checks.find((c) => c.version === 3)?.missing).toContain('table blockchain.fodi_transactions');
    expect(await scalar(client, `SELECT to_regclass('_sqlx_migrations') IS NULL`)).toBe(true);
  });

  it('refuses a database that already has history', async () => {
    await runnerFor().apply(client, { runId: randomUUID(), to: 1 });
    await expectOpsError(runnerFor().baseline(client), 'conflict', /already has migration history/);
  });
});
