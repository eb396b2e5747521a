/**
 * Snapshots through the app's router, as the renderer and the CLI use them:
 * capture from a real server, browse with that server STOPPED, diff two
 * captures and a capture against the live database, export and import, and a
 * killed capture that leaves nothing behind after the next start.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogModel } from '../../../common/catalog';
import type { DataPage, SqlResult } from '../../../common/data';
import type { SnapshotDetail, SnapshotDiff, SnapshotSummary } from '../../../common/snapshots';
import { CLI_BIN } from '../../../test/helpers/cli';
import { startThrowawayPostgres, type ThrowawayServer } from '../../../test/helpers/embedded-server';
import { createApp, type App } from '../../app';

const STACK_SQL = `
  CREATE SCHEMA ai; CREATE SCHEMA analytics;
  CREATE TABLE analytics.events (id bigint PRIMARY KEY, event_type text NOT NULL, payload jsonb, amount numeric(20,6));
  INSERT INTO analytics.events
    SELECT 9007199254740990 + g, CASE WHEN g % 3 = 0 THEN 'order' ELSE 'login' END,
           jsonb_build_object('n', g), g * 1.000001
      FROM generate_series(1, 500) g;
  CREATE TABLE ai.cache_entries (cache_key text PRIMARY KEY, model text, hit_count int DEFAULT 0);
  CREATE INDEX cache_entries_model_idx ON ai.cache_entries (model);
  INSERT INTO ai.cache_entries SELECT 'k' || g, 'm' || (g % 4), g FROM generate_series(1, 50) g;
  CREATE TABLE analytics.no_pk (line int, message text);
  INSERT INTO analytics.no_pk VALUES (1, ''), (2, NULL);
  CREATE FUNCTION ai.cleanup_expired_cache() RETURNS int LANGUAGE sql AS 'SELECT 0';
`;

async function call<T>(app: App, name: string, input: unknown): Promise<T> {
  const result = await app.router.call(name, input, { transport: 'cli' });
  if (!result.ok) throw Object.assign(new Error(result.error.message), result.error);
  return result.value as T;
}

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describe('snapshots through the router', () => {
  let server: ThrowawayServer;
  let url: string;
  let dataDir: string;
  let app: App;
  let first: SnapshotSummary;

  beforeAll(async () => {
    server = await startThrowawayPostgres({ prefix: 'ops-snapshot-', password: 'snap-password' });
    url = server.adminUrl.replace(/\/postgres$/, '/stack');
    await sql(server.adminUrl, 'CREATE DATABASE stack');
    await sql(url, STACK_SQL);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-snapshots-app-'));
    app = createApp({ dataDir, version: '0.0.0-test', transport: 'cli' });
  }, 120_000);
  afterAll(async () => {
    await app?.shutdown();
    await server?.stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('captures a database with its catalog, rows and metadata, never the password', async () => {
    first = await call<SnapshotSummary>(app, 'snapshot.create', {
      connection: { url },
      captureId: 'cap-1',
      name: 'before',
    });
    expect(first).toMatchObject({ name: 'before', database: 'stack', tableCount: 3, rowCount: 552, imported: false });
    const detail = await call<SnapshotDetail>(app, 'snapshot.show', { id: 'before' });
    expect(detail.tables.map((t) => [`${t.schema}.${t.name}`, t.rows])).toEqual(
      expect.arrayContaining([
        ['analytics.events', 500],
        ['ai.cache_entries', 50],
        ['analytics.no_pk', 2],
      ]),
    );
    expect(detail.sourceTarget).not.toContain('snap-password');
    expect(fs.readFileSync(path.join(dataDir, 'snapshots', `${first.id}.snapshot`)).includes('snap-password')).toBe(
      false,
    );
    expect((await call<SnapshotSummary[]>(app, 'snapshot.list', {})).map((s) => s.id)).toEqual([first.id]);
  });

  it('diffs two captures and a capture against the live database', async () => {
    await sql(
      url,
      `ALTER TABLE ai.cache_entries ADD COLUMN quality_score double precision;
       DROP INDEX ai.cache_entries_model_idx;
       CREATE OR REPLACE FUNCTION ai.cleanup_expired_cache() RETURNS int LANGUAGE sql AS 'SELECT 1';
       UPDATE analytics.events SET event_type = 'refund' WHERE id = 9007199254740991;
       DELETE FROM analytics.events WHERE id = 9007199254740992;
       INSERT INTO analytics.events VALUES (9007199254749999, 'signup', '{}', 0);`,
    );
    const live = await call<SnapshotDiff>(app, 'snapshot.diff', { left: 'before', right: { connection: { url } } });
    const second = await call<SnapshotSummary>(app, 'snapshot.create', {
      connection: { url },
      captureId: 'cap-2',
      name: 'after',
    });
    const stored = await call<SnapshotDiff>(app, 'snapshot.diff', { left: first.id, right: { snapshot: second.id } });
    for (const diff of [live, stored]) {
      expect(diff.schema.added).toContainEqual({ kind: 'column', name: 'ai.cache_entries.quality_score' });
      expect(diff.schema.removed).toContainEqual(
        expect.objectContaining({ kind: 'index', name: expect.stringContaining('cache_entries_model_idx') }),
      );
      expect(diff.schema.changed.some((c) => c.kind === 'function' && c.name.includes('cleanup_expired_cache'))).toBe(
        true,
      );
      const events = diff.rows.find((r) => r.table === 'analytics.events');
      expect(events?.skipped).toBeNull();
      expect(events?.added.map((r) => r[0])).toEqual(['9007199254749999']);
      expect(events?.removed.map((r) => r[0])).toEqual(['9007199254740992']);
      expect(events?.changed).toHaveLength(1);
      expect(events?.changed[0]?.before[1]).toBe('login');
      expect(events?.changed[0]?.after[1]).toBe('refund');
      expect(diff.rows.find((r) => r.table === 'analytics.no_pk')?.skipped).toMatch(/primary key/);
    }
    expect(stored.right).toMatchObject({ kind: 'snapshot', name: 'after' });
    expect(live.right).toMatchObject({ kind: 'live', database: 'stack' });
  });

  it('browses a snapshot with the database server stopped', async () => {
    await server.stop();
    const ref = { snapshotId: 'before' };
    const model = await call<CatalogModel>(app, 'schema.model', { connection: ref });
    expect(model.relations.map((r) => `${r.schema}.${r.name}`).sort()).toEqual([
      'ai.cache_entries',
      'analytics.events',
      'analytics.no_pk',
    ]);
    const page = await call<DataPage>(app, 'data.page', {
      connection: ref,
      schema: 'analytics',
      table: 'events',
      sort: [{ column: 'id', direction: 'desc' }],
      filters: [{ column: 'event_type', operator: 'eq', value: 'order' }],
      pageSize: 3,
    });
    expect(page.rows.map((r) => r[0])).toEqual(['9007199254741488', '9007199254741485', '9007199254741482']);
    expect(page.rows[0]?.[2]).toEqual({ n: 498 });
    expect(page.hasMore).toBe(true);
    expect(await call(app, 'schema.count', { connection: ref, schema: 'ai', table: 'cache_entries' })).toEqual({
      count: '50',
    });
    // A snapshot keeps estimated sizes; exact ones need the live database.
    await expect(
      call(app, 'schema.sizes', { connection: ref, schema: 'ai', table: 'cache_entries' }),
    ).rejects.toMatchObject({ kind: 'invalid_input', message: expect.stringMatching(/not available on a snapshot/) });
    const noPk = await call<DataPage>(app, 'data.page', { connection: ref, schema: 'analytics', table: 'no_pk' });
    expect(noPk.rows).toEqual([
      ['1', ''],
      ['2', null],
    ]);
    const result = await call<SqlResult>(app, 'sql.run', {
      connection: ref,
      sql: 'SELECT schema_name, table_name, row_count FROM snapshot_tables ORDER BY ord',
      runId: 'r1',
    });
    expect(result.rows).toHaveLength(3);
    const refused = await app.router.call(
      'sql.run',
      { connection: ref, sql: 'SELECT 1', runId: 'r2', allowWrite: true },
      { transport: 'cli' },
    );
    expect(refused.ok).toBe(false);
  });

  it('exports and imports a snapshot, which comes back read-only and listed as imported', async () => {
    const target = path.join(dataDir, 'shared.snapshot');
    await call(app, 'snapshot.export', { id: 'before', file: target });
    await call(app, 'snapshot.delete', { id: 'before' });
    const imported = await call<SnapshotSummary>(app, 'snapshot.import', { file: target });
    expect(imported).toMatchObject({ name: 'before', imported: true });
    expect(await call(app, 'snapshot.check', { id: imported.id })).toMatchObject({ ok: true, contentHashOk: true });
  });
});

describe('a killed capture', () => {
  it('is never listed, and the next start removes what it left', async () => {
    const server = await startThrowawayPostgres({ prefix: 'ops-snapshot-kill-', password: 'kill-password' });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-snapshots-kill-'));
    try {
      await sql(
        server.adminUrl,
        'CREATE TABLE big AS SELECT g AS id, md5(g::text) AS body FROM generate_series(1, 2000000) g',
      );
      const child = spawn(
        process.execPath,
        [CLI_BIN, '--data-dir', dataDir, 'snapshot', 'create', '--url', server.adminUrl],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const snapshots = path.join(dataDir, 'snapshots');
      const partial = () =>
        fs.existsSync(snapshots) ? fs.readdirSync(snapshots).filter((f) => f.endsWith('.partial')) : [];
      for (let i = 0; i < 600 && partial().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(partial()).toHaveLength(1);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      expect(partial()).toHaveLength(1);
      const app = createApp({ dataDir, version: '0.0.0-test', transport: 'cli' });
      try {
        expect(await call<SnapshotSummary[]>(app, 'snapshot.list', {})).toEqual([]);
        expect(partial()).toEqual([]);
        expect(fs.readdirSync(snapshots).filter((f) => f.endsWith('.snapshot'))).toEqual([]);
      } finally {
        await app.shutdown();
      }
    } finally {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
