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

const FIXTURE = `
  CREATE SCHEMA ai;
  CREATE SCHEMA analytics;
  CREATE TABLE ai.cache_entries (id bigserial PRIMARY KEY, cache_key text NOT NULL UNIQUE, expires_at timestamptz NOT NULL);
  INSERT INTO ai.cache_entries (cache_key, expires_at) VALUES
    ('a', now() - interval '1 hour'), ('b', now() - interval '1 minute'), ('c', now() + interval '1 day');
  CREATE FUNCTION ai.cleanup_expired_cache() RETURNS integer LANGUAGE plpgsql AS $$
    DECLARE n integer;
    BEGIN
      DELETE FROM ai.cache_entries WHERE expires_at < now();
      GET DIAGNOSTICS n = ROW_COUNT;
      RETURN n;
    END $$;
  CREATE FUNCTION ai.touch(x int) RETURNS int LANGUAGE sql AS 'SELECT x';
  CREATE FUNCTION ai.nothing() RETURNS void LANGUAGE sql AS '';
  CREATE PROCEDURE ai.proc() LANGUAGE sql AS 'SELECT 1';

  CREATE TABLE analytics.events (id bigserial PRIMARY KEY, event_type text NOT NULL);
  INSERT INTO analytics.events (event_type) VALUES ('login'), ('login'), ('logout');
  CREATE MATERIALIZED VIEW analytics.event_counts AS
    SELECT event_type, count(*) AS n FROM analytics.events GROUP BY event_type;
  CREATE UNIQUE INDEX ON analytics.event_counts (event_type);
  CREATE MATERIALIZED VIEW analytics.event_total AS SELECT count(*) AS n FROM analytics.events;
  CREATE MATERIALIZED VIEW analytics.partial AS SELECT event_type FROM analytics.events GROUP BY event_type;
  CREATE UNIQUE INDEX ON analytics.partial (event_type) WHERE event_type <> 'x';
  CREATE MATERIALIZED VIEW analytics.later AS SELECT event_type FROM analytics.events GROUP BY event_type WITH NO DATA;
  CREATE UNIQUE INDEX ON analytics.later (event_type);
`;

describe('ops.* against a real PostgreSQL', () => {
  let db: TestDatabase;
  let app: App;
  let dir: string;
  let direct: pg.Client;
  let writable: ConnectionRef;
  let readOnly: ConnectionRef;

  async function call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
    const result = await app.router.call(name, input, { transport: 'cli' });
    if (!result.ok) throw new RemoteError(result.error);
    return result.value as CallOutput<N>;
  }

  async function scalar(sql: string): Promise<string | null> {
    const r = await direct.query<{ v: string | null }>(sql);
    return r.rows[0]?.v ?? null;
  }

  const opsLog = () =>
    app.log
      .recent(5000)
      .filter((line) => line.scope === 'ops')
      .map((line) => line.message);

  beforeAll(async () => {
    db = await createTestDatabase('ops');
    await runSql(db.url, FIXTURE);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-ops-'));
    app = createApp({
      dataDir: dir,
      version: 'test',
      transport: 'cli',
      env: { PGPASSWORD: decodeURIComponent(new URL(db.url).password) },
    });
    writable = { url: db.url };
    const u = new URL(db.url);
    u.password = '';
    u.searchParams.set('sslmode', 'disable');
    readOnly = { profileId: (await call('profiles.save', { name: 'ro', url: u.toString(), readOnly: true })).id };
    direct = new pg.Client({ connectionString: db.url });
    await direct.connect();
  });

  afterAll(async () => {
    await direct?.end();
    await app?.shutdown();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('ops.refreshMatview', () => {
    it('refreshes CONCURRENTLY when there is a plain unique index, and logs it', async () => {
      await runSql(db.url, `INSERT INTO analytics.events (event_type) VALUES ('signup')`);
      const result = await call('ops.refreshMatview', {
        connection: writable,
        schema: 'analytics',
        name: 'event_counts',
      });
      expect(result).toMatchObject({ concurrently: true, note: null });
      expect(result.durationMs).toBeGreaterThanOrEqual(0);
      expect(await scalar(`SELECT n::text AS v FROM analytics.event_counts WHERE event_type = 'signup'`)).toBe('1');
      const line = opsLog().find((m) => m.includes('REFRESH MATERIALIZED VIEW CONCURRENTLY'));
      expect(line).toMatch(new RegExp(`who=${os.userInfo().username} `));
      expect(line).toMatch(/what="REFRESH MATERIALIZED VIEW CONCURRENTLY \\"analytics\\".\\"event_counts\\""/);
      expect(line).toMatch(/when=\d{4}-\d\d-\d\dT/);
      expect(line).toMatch(/result="ok" durationMs=\d/);
    });

    it('refreshes without CONCURRENTLY, with the note, when there is no usable unique index', async () => {
      await runSql(db.url, `INSERT INTO analytics.events (event_type) VALUES ('signup')`);
      const plain = await call('ops.refreshMatview', {
        connection: writable,
        schema: 'analytics',
        name: 'event_total',
      });
      expect(plain).toMatchObject({
        concurrently: false,
        note: 'no unique index: refreshed without CONCURRENTLY (blocks readers)',
      });
      expect(await scalar('SELECT n::text AS v FROM analytics.event_total')).toBe('5');
      // A partial unique index does not allow CONCURRENTLY either.
      const partial = await call('ops.refreshMatview', { connection: writable, schema: 'analytics', name: 'partial' });
      expect(partial.concurrently).toBe(false);
    });

    it('refreshes a never-populated view without CONCURRENTLY, with a note', async () => {
      const result = await call('ops.refreshMatview', { connection: writable, schema: 'analytics', name: 'later' });
      expect(result).toMatchObject({ concurrently: false, note: expect.stringMatching(/never populated/) });
      expect(await scalar('SELECT count(*)::text AS v FROM analytics.later')).toBe('3');
    });

    it('refuses a table, a missing view and a read-only profile', async () => {
      await expect(
        call('ops.refreshMatview', { connection: writable, schema: 'analytics', name: 'events' }),
      ).rejects.toMatchObject({
        kind: 'invalid_input',
        message: expect.stringMatching(/is a table, not a materialized view/),
      });
      await expect(
        call('ops.refreshMatview', { connection: writable, schema: 'analytics', name: 'nope' }),
      ).rejects.toMatchObject({ kind: 'not_found' });
      await expect(
        call('ops.refreshMatview', { connection: readOnly, schema: 'analytics', name: 'event_counts' }),
      ).rejects.toMatchObject({ kind: 'invalid_input', hint: expect.stringMatching(/read-only/) });
    });
  });

  describe('ops.runFunction', () => {
    it('refuses a confirmation that is not the database name, and runs nothing', async () => {
      for (const confirmDatabase of ['postgres', db.name.toUpperCase(), ` ${db.name}`]) {
        await expect(
          call('ops.runFunction', {
            connection: writable,
            schema: 'ai',
            name: 'cleanup_expired_cache',
            confirmDatabase,
          }),
        ).rejects.toMatchObject({ kind: 'invalid_input', hint: expect.stringContaining(db.name) });
      }
      expect(await scalar('SELECT count(*)::text AS v FROM ai.cache_entries')).toBe('3');
    });

    it('runs a zero-argument function and returns its result as text, logged', async () => {
      const result = await call('ops.runFunction', {
        connection: writable,
        schema: 'ai',
        name: 'cleanup_expired_cache',
        confirmDatabase: db.name,
      });
      expect(result.result).toBe('2');
      expect(await scalar('SELECT count(*)::text AS v FROM ai.cache_entries')).toBe('1');
      const line = opsLog().find((m) => m.includes('cleanup_expired_cache'));
      expect(line).toContain(`on database ${db.name}`);
      expect(line).toMatch(/result="ok: 2"/);
      expect(line).toMatch(/who=\S+ /);
    });

    it('returns null for a void function', async () => {
      await expect(
        call('ops.runFunction', { connection: writable, schema: 'ai', name: 'nothing', confirmDatabase: db.name }),
      ).resolves.toMatchObject({ result: null });
    });

    it('refuses functions with arguments, procedures, missing functions and read-only profiles', async () => {
      await expect(
        call('ops.runFunction', { connection: writable, schema: 'ai', name: 'touch', confirmDatabase: db.name }),
      ).rejects.toMatchObject({ kind: 'invalid_input', message: expect.stringMatching(/takes arguments/) });
      await expect(
        call('ops.runFunction', { connection: writable, schema: 'ai', name: 'proc', confirmDatabase: db.name }),
      ).rejects.toMatchObject({ kind: 'invalid_input', message: expect.stringMatching(/procedure/) });
      await expect(
        call('ops.runFunction', { connection: writable, schema: 'ai', name: 'nope', confirmDatabase: db.name }),
      ).rejects.toMatchObject({ kind: 'not_found' });
      await expect(
        call('ops.runFunction', {
          connection: readOnly,
          schema: 'ai',
          name: 'cleanup_expired_cache',
          confirmDatabase: db.name,
        }),
      ).rejects.toMatchObject({ kind: 'invalid_input', message: expect.stringMatching(/read-only/) });
    });

    it('logs a failing run with its error', async () => {
      await runSql(
        db.url,
        `CREATE FUNCTION ai.broken() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$`,
      );
      await expect(
        call('ops.runFunction', { connection: writable, schema: 'ai', name: 'broken', confirmDatabase: db.name }),
      ).rejects.toMatchObject({ kind: 'database_error', message: 'boom' });
      expect(opsLog().find((m) => m.includes('broken'))).toMatch(/result="failed: boom"/);
    });
  });
});
