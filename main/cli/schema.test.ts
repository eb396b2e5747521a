import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogModel } from '../../common/catalog';
import { createTestDatabase, runSql, type TestDatabase } from '../../test/helpers/postgres';
import { createApp } from '../app';
import { STACK_CATALOG_SQL } from '../services/catalog/test-support';
import { cli } from '../../test/helpers/cli';

describe('ops-console schema (real child processes)', () => {
  let db: TestDatabase;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase('cli_schema');
    await runSql(db.url, STACK_CATALOG_SQL);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-cli-schema-'));
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the whole catalog model as JSON with --url … --json', async () => {
    const run = await cli(['--data-dir', dataDir, 'schema', '--url', db.url, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const model = JSON.parse(run.stdout) as CatalogModel;
    expect(model.database).toBe(db.name);
    expect(model.schemas.map((s) => s.name)).toEqual(['ai', 'analytics', 'blockchain', 'public']);
    const user = model.relations.find((r) => r.schema === 'public' && r.name === 'User');
    expect(user?.columns.find((c) => c.name === 'emailAddress')?.type).toBe('character varying(255)');
    expect(user?.ddl).toContain('CREATE TABLE public."User" (');
    expect(model.functions).toHaveLength(5);
    expect(model.enums.map((e) => e.name)).toEqual(['Mood', 'subscription_status']);
    expect(run.stdout).not.toContain(new URL(db.url).password);
  });

  it('reads exact sizes with --exact-sizes, and --help says when sizes are estimated', async () => {
    const run = await cli(['--data-dir', dataDir, 'schema', '--url', db.url, '--json', '--exact-sizes']);
    expect(run.code).toBe(0);
    const model = JSON.parse(run.stdout) as CatalogModel;
    expect(model.sizesEstimated).toBeUndefined();
    const user = model.relations.find((r) => r.schema === 'public' && r.name === 'User');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const direct = await client.query<{ total: string }>(
        `SELECT pg_table_size('public."User"'::regclass)
                + (SELECT sum(pg_total_relation_size(indexrelid)) FROM pg_index WHERE indrelid = 'public."User"'::regclass)
                AS total`,
      );
      expect(user?.sizes.totalBytes).toBe(Number(direct.rows[0]?.total));
    } finally {
      await client.end();
    }
    const help = await cli(['schema', '--help']);
    expect(help.stdout).toMatch(/--exact-sizes\s+read exact table, index and TOAST sizes/);
    expect(help.stdout).toMatch(/more than\s+5,000 relations/);
  });

  it('prints a per-schema summary for humans, taking the URL from DATABASE_URL', async () => {
    const run = await cli(['--data-dir', dataDir, 'schema'], { DATABASE_URL: db.url });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`database ${db.name} (PostgreSQL `);
    expect(run.stdout).toMatch(/schema\s+tables\s+views\s+matviews\s+functions\s+sequences\s+enums\s+comment/);
    expect(run.stdout).toMatch(/\nanalytics\s+4\s+2\s+1\s+1\s+2\s+0\s+metrics and events\n/);
    expect(run.stdout).toMatch(/\npublic\s+2\s+0\s+0\s+2\s+3\s+1\s/);
  });

  it('reads through a saved profile with --profile NAME', async () => {
    const u = new URL(db.url);
    const app = createApp({ dataDir, version: 'test', transport: 'cli' });
    try {
      const saved = await app.router.call(
        'profiles.save',
        {
          name: 'stack',
          host: u.hostname,
          port: Number(u.port),
          database: db.name,
          user: u.username,
          sslMode: 'disable',
        },
        { transport: 'cli' },
      );
      expect(saved.ok).toBe(true);
    } finally {
      await app.shutdown();
    }
    const run = await cli(['--data-dir', dataDir, '--json', 'schema', '--profile', 'stack'], {
      PGPASSWORD: decodeURIComponent(u.password),
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as CatalogModel).database).toBe(db.name);
  });

  it('exits 2 on usage errors', async () => {
    const [both, none, unknown] = await Promise.all([
      cli(['--data-dir', dataDir, 'schema', '--url', db.url, '--profile', 'stack']),
      cli(['--data-dir', dataDir, 'schema']),
      cli(['--data-dir', dataDir, 'schema', '--profile', 'nope']),
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^error: Give either --url or --profile, not both\nhint: /);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: No database URL given/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: No connection profile named "nope"\nhint: Saved profiles: .*stack/);
  });

  it('exits 1 with the error when the read fails, never printing the password', async () => {
    const u = new URL(db.url);
    u.password = 'wrong-password-xyz';
    const failed = await cli(['--data-dir', dataDir, 'schema', '--url', u.toString(), '--json']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(/^error: /);
    expect(failed.stderr).not.toContain('wrong-password-xyz');
  });
});
