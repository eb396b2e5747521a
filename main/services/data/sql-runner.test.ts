import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallInput, CallName, CallOutput } from '../../../common/contract';
import { RemoteError } from '../../../common/errors';
import type { ConnectionRef } from '../../../common/profiles';
import { createTestDatabase, runSql, type TestDatabase } from '../../../test/helpers/postgres';
import type { App } from '../../app';
import { createApp } from '../../app';

describe('sql.run against a real PostgreSQL', () => {
  let db: TestDatabase;
  let app: App;
  let dir: string;
  let direct: pg.Client;
  let writable: ConnectionRef;
  let readOnly: ConnectionRef;
  let runs = 0;

  async function call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
    const result = await app.router.call(name, input, { transport: 'cli' });
    if (!result.ok) throw new RemoteError(result.error);
    return result.value as CallOutput<N>;
  }

  const run = (connection: ConnectionRef, sql: string, options: { allowWrite?: boolean; maxRows?: number } = {}) =>
    call('sql.run', { connection, sql, runId: `run-${++runs}`, ...options });

  async function count(table = 't'): Promise<number> {
    const r = await direct.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    return Number(r.rows[0]?.n);
  }

  async function saveProfile(name: string, extra: { readOnly: boolean; statementTimeoutMs?: number }) {
    const u = new URL(db.url);
    u.password = '';
    u.searchParams.set('sslmode', 'disable');
    // One session per profile, so a later run sees whatever an earlier run left in it.
    return call('profiles.save', { name, url: u.toString(), poolSize: 1, ...extra });
  }

  beforeAll(async () => {
    db = await createTestDatabase('sql');
    await runSql(
      db.url,
      `CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL); INSERT INTO t VALUES (1, 'one'), (2, 'two');`,
    );
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-sql-'));
    app = createApp({
      dataDir: dir,
      version: 'test',
      transport: 'cli',
      env: { PGPASSWORD: decodeURIComponent(new URL(db.url).password) },
    });
    // sslmode=disable: ConnectionManager.cancel does not fall back from sslmode=prefer to plain.
    const plain = new URL(db.url);
    plain.searchParams.set('sslmode', 'disable');
    writable = { url: plain.toString() };
    readOnly = { profileId: (await saveProfile('read-only', { readOnly: true })).id };
    direct = new pg.Client({ connectionString: db.url });
    await direct.connect();
  });

  afterAll(async () => {
    await direct?.end();
    await app?.shutdown();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('read-only by default', () => {
    it('returns rows with column types and source columns, in a read-only transaction', async () => {
      const result = await run(writable, 'SELECT id, name, id * 2 AS twice FROM t ORDER BY id');
      expect(result).toMatchObject({
        command: 'SELECT',
        rowCount: 2,
        truncated: false,
        readOnly: true,
        rows: [
          ['1', 'one', '2'],
          ['2', 'two', '4'],
        ],
      });
      expect(result.columns).toEqual([
        { name: 'id', type: 'integer', tableColumn: 'id' },
        { name: 'name', type: 'text', tableColumn: 'name' },
        { name: 'twice', type: 'integer', tableColumn: null },
      ]);
    });

    it('fails an INSERT with PostgreSQL’s read-only error and writes nothing', async () => {
      await expect(run(writable, `INSERT INTO t VALUES (10, 'ten')`)).rejects.toMatchObject({
        kind: 'database_error',
        message: 'cannot execute INSERT in a read-only transaction',
      });
      expect(await count()).toBe(2);
    });

    it('writes with allowWrite on a profile that is not read-only, and commits', async () => {
      const result = await run(writable, `INSERT INTO t VALUES (3, 'three') RETURNING id`, { allowWrite: true });
      expect(result).toMatchObject({ command: 'INSERT', rowCount: 1, rows: [['3']], readOnly: false });
      expect(await count()).toBe(3);
      await run(writable, 'DELETE FROM t WHERE id = 3', { allowWrite: true });
      expect(await count()).toBe(2);
    });

    it('rolls a failing write back entirely', async () => {
      await expect(
        run(writable, `INSERT INTO t VALUES (4, 'four'); INSERT INTO t VALUES (1, 'dup')`, { allowWrite: true }),
      ).rejects.toMatchObject({ kind: 'database_error', message: expect.stringMatching(/duplicate key/) });
      expect(await count()).toBe(2);
    });

    it('runs several statements as one text and returns the last result', async () => {
      const result = await run(writable, 'SELECT 1 AS a; SELECT name AS b FROM t ORDER BY id');
      expect(result.columns.map((c) => c.name)).toEqual(['b']);
      expect(result.rows).toEqual([['one'], ['two']]);
    });

    it('keeps a "COMMIT; INSERT" in read-only mode from writing, and drops the session it touched', async () => {
      await expect(run(writable, `COMMIT; INSERT INTO t VALUES (5, 'five')`)).rejects.toMatchObject({
        message: expect.stringMatching(/read-only transaction/),
      });
      expect(await count()).toBe(2);
      // The session that committed the console's SET was discarded: writing still works afterwards.
      const show = await run(writable, 'SHOW default_transaction_read_only', { allowWrite: true });
      expect(show.rows).toEqual([['off']]);
    });

    it('runs VACUUM (no transaction block) only with writing on', async () => {
      await expect(run(writable, 'VACUUM t')).rejects.toMatchObject({
        kind: 'database_error',
        hint: expect.stringMatching(/Turn on writing/),
      });
      await expect(run(writable, 'VACUUM t', { allowWrite: true })).resolves.toMatchObject({ command: 'VACUUM' });
    });
  });

  describe('read-only profile', () => {
    it('gets sessions that default to read-only from ConnectionManager, outside any wrapper', async () => {
      const show = (ref: ConnectionRef) =>
        app.services.connections.withClient(ref, async (client) => {
          const r = await client.query<{ v: string }>(`SELECT current_setting('default_transaction_read_only') AS v`);
          return r.rows[0]?.v;
        });
      expect(await show(readOnly)).toBe('on');
      expect(await show(writable)).toBe('off');
      await expect(
        app.services.connections.withClient(readOnly, (client) => client.query(`INSERT INTO t VALUES (6, 'six')`)),
      ).rejects.toMatchObject({ message: expect.stringMatching(/read-only transaction/) });
      expect(await count()).toBe(2);
    });

    it('refuses allowWrite with a hint', async () => {
      await expect(run(readOnly, `INSERT INTO t VALUES (6, 'six')`, { allowWrite: true })).rejects.toMatchObject({
        kind: 'invalid_input',
        message: expect.stringMatching(/read-only/),
        hint: expect.stringMatching(/profile/),
      });
      expect(await count()).toBe(2);
    });

    it('blocks writes and reads fine', async () => {
      await expect(run(readOnly, `UPDATE t SET name = 'x'`)).rejects.toMatchObject({
        message: 'cannot execute UPDATE in a read-only transaction',
      });
      await expect(run(readOnly, 'SELECT count(*) FROM t')).resolves.toMatchObject({ rows: [['2']], readOnly: true });
    });

    it('refuses every multi-statement escape before anything runs', async () => {
      const escapes = [
        `COMMIT; SET default_transaction_read_only = off; INSERT INTO t VALUES (7, 'seven')`,
        `COMMIT; SET default_transaction_read_only = off; COMMIT; INSERT INTO t VALUES (7, 'seven')`,
        `COMMIT; INSERT INTO t VALUES (7, 'seven')`,
        `ROLLBACK; BEGIN READ WRITE; INSERT INTO t VALUES (7, 'seven'); COMMIT`,
        `SET TRANSACTION READ WRITE; INSERT INTO t VALUES (7, 'seven')`,
      ];
      for (const sql of escapes) {
        await expect(run(readOnly, sql)).rejects.toMatchObject({
          kind: 'invalid_input',
          message: 'A read-only connection runs one statement at a time',
        });
      }
      expect(await count()).toBe(2);
    });

    it('undoes one-statement attempts to turn read-only off, run after run on the same session', async () => {
      const pid = async () => (await run(readOnly, 'SELECT pg_backend_pid()')).rows[0]?.[0];
      const session = await pid();
      const attempts = [
        'SET default_transaction_read_only = off',
        `SELECT set_config('default_transaction_read_only', 'off', false)`,
        'SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE',
        'RESET ALL',
        'SET TRANSACTION READ WRITE',
      ];
      for (const sql of attempts) {
        await run(readOnly, sql).catch(() => undefined);
        await expect(run(readOnly, `INSERT INTO t VALUES (8, 'eight')`)).rejects.toMatchObject({
          message: expect.stringMatching(/read-only transaction/),
        });
      }
      // Those attempts were rolled back inside the console's transaction, so the session was kept.
      expect(await pid()).toBe(session);
      expect(await count()).toBe(2);
    });

    it('survives a COMMIT on its own: the session is discarded and the next run is read-only again', async () => {
      const before = (await run(readOnly, 'SELECT pg_backend_pid()')).rows[0]?.[0];
      const result = await run(readOnly, 'COMMIT');
      expect(result.notices.join('\n')).toMatch(/ended the console transaction/);
      await expect(run(readOnly, `INSERT INTO t VALUES (9, 'nine')`)).rejects.toMatchObject({
        message: expect.stringMatching(/read-only transaction/),
      });
      const after = (await run(readOnly, 'SELECT pg_backend_pid()')).rows[0]?.[0];
      expect(after).not.toBe(before);
      expect(await count()).toBe(2);
    });
  });

  describe('console behaviour', () => {
    it('cancels a running query by its run id', async () => {
      const runId = 'cancel-me';
      const running = call('sql.run', { connection: writable, sql: 'SELECT pg_sleep(30)', runId });
      const settled = running.then(
        () => null,
        (error: unknown) => error,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      await expect(call('sql.cancel', { runId })).resolves.toEqual({ cancelled: true });
      const error = await settled;
      // pg_sleep(30) ends with this error only when it was cancelled (no timing assertion on a shared machine).
      expect(error).toMatchObject({ kind: 'database_error', message: 'Query cancelled' });
      // The run is over: cancelling again finds nothing, and the connection still works.
      await expect(call('sql.cancel', { runId })).resolves.toEqual({ cancelled: false });
      await expect(run(writable, 'SELECT 1')).resolves.toMatchObject({ rows: [['1']] });
    });

    it('reports a syntax or name error with the position of the culprit in the submitted text', async () => {
      const sql = 'SELECT * FROM nope';
      const error = (await run(writable, sql).catch((e: unknown) => e)) as RemoteError;
      expect(error).toMatchObject({ kind: 'database_error', message: 'relation "nope" does not exist' });
      expect(error.position).toBe(15);
      expect(sql.slice((error.position ?? 0) - 1)).toBe('nope');
      expect(error.detail).toMatch(/SQLSTATE 42P01/);

      const wide = `SELECT '😀 ünïcode' AS e,\n  * FROM nope`;
      const wideError = (await run(writable, wide).catch((e: unknown) => e)) as RemoteError;
      expect(wide.slice((wideError.position ?? 0) - 1)).toBe('nope');

      const multi = `SELECT 1;\nSELECT * FROM nope`;
      const multiError = (await run(writable, multi).catch((e: unknown) => e)) as RemoteError;
      expect(multi.slice((multiError.position ?? 0) - 1)).toBe('nope');
    });

    it('passes PostgreSQL’s hint and detail through', async () => {
      await expect(run(writable, 'SELECT nme FROM t')).rejects.toMatchObject({
        hint: expect.stringMatching(/Perhaps you meant to reference the column "t.name"/),
      });
      await expect(run(writable, `INSERT INTO t VALUES (1, 'dup')`, { allowWrite: true })).rejects.toMatchObject({
        detail: expect.stringMatching(/Key \(id\)=\(1\) already exists/),
      });
    });

    it('caps rows at maxRows and says the result was truncated', async () => {
      const capped = await run(writable, 'SELECT g FROM generate_series(1, 100) g', { maxRows: 10 });
      expect(capped.rows).toHaveLength(10);
      expect(capped.rows[9]).toEqual(['10']);
      expect(capped.truncated).toBe(true);
      const exact = await run(writable, 'SELECT g FROM generate_series(1, 10) g', { maxRows: 10 });
      expect(exact).toMatchObject({ truncated: false, rowCount: 10 });
      expect(exact.rows).toHaveLength(10);
      const multi = await run(writable, 'SELECT 1; SELECT g FROM generate_series(1, 50) g', { maxRows: 10 });
      expect(multi).toMatchObject({ truncated: true, rowCount: 50 });
      expect(multi.rows).toHaveLength(10);
      // The server stops after maxRows + 1 rows: a huge result returns quickly.
      const huge = await run(writable, 'SELECT a FROM generate_series(1, 5000) a, generate_series(1, 5000) b', {
        maxRows: 5,
      });
      expect(huge).toMatchObject({ truncated: true, rowCount: null });
    });

    it('captures NOTICEs and warnings raised by the statement', async () => {
      const result = await run(
        writable,
        `DO $$ BEGIN RAISE NOTICE 'hello %', 42; RAISE WARNING 'careful' USING HINT = 'look'; END $$`,
      );
      expect(result.notices).toEqual(['NOTICE: hello 42', 'WARNING: careful\nHINT: look']);
      expect(result.command).toBe('DO');
    });

    it('reports a statement timeout as a timeout', async () => {
      const slow = await saveProfile('slow', { readOnly: false, statementTimeoutMs: 200 });
      await expect(run({ profileId: slow.id }, 'SELECT pg_sleep(3)')).rejects.toMatchObject({
        kind: 'timeout',
        message: expect.stringMatching(/statement timeout/),
      });
    });

    it('refuses a second run with the same id while the first is running', async () => {
      const first = call('sql.run', { connection: writable, sql: 'SELECT pg_sleep(1)', runId: 'dup' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await expect(call('sql.run', { connection: writable, sql: 'SELECT 1', runId: 'dup' })).rejects.toMatchObject({
        kind: 'invalid_input',
      });
      await expect(first).resolves.toMatchObject({ command: 'SELECT' });
    });
  });
});
