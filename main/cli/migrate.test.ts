import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationPlan, MigrationRunResult, MigrationStatusReport } from '../../common/migrations';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/postgres';
import { cli } from '../../test/helpers/cli';

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('ops-console migrate (real child processes)', () => {
  let db: TestDatabase;
  let dataDir: string;
  const run = (...args: string[]) => cli(['--data-dir', dataDir, 'migrate', ...args]);

  beforeAll(async () => {
    db = await createTestDatabase('cli_migrate');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-cli-migrate-'));
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the shipped migrations as pending, then applies them, then reports them applied', async () => {
    const before = await run('status', '--url', db.url, '--json');
    expect(before.stderr).toBe('');
    expect(before.code).toBe(0);
    const report = JSON.parse(before.stdout) as MigrationStatusReport;
    expect(report.source.builtIn).toBe(true);
    expect(report.pending).toEqual([1, 2, 3, 4, 5, 6]);

    const plan = await run('plan', '--url', db.url, '--verify');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/001_create_schemas\.sql\s+\d+ statements/);
    expect(plan.stdout).toMatch(/006_\w+\.sql\s+1 statement\b(?!s)/);
    expect(plan.stdout).toMatch(/verified: all of it applies/);

    const up = await run('up', '--url', db.url, '--to', '4');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/applying 004_\w+\.sql \(\d+ statements\) … ok/);
    expect(up.stdout).toMatch(/applied 4 migrations\n/);
    expect(up.stdout).not.toMatch(/005_/);

    const rest = await run('up', '--url', db.url, '--json');
    expect(rest.code).toBe(0);
    const result = JSON.parse(rest.stdout) as MigrationRunResult;
    expect(result.applied.map((a) => a.version)).toEqual([5, 6]);

    const again = await run('up', '--url', db.url);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/up to date, nothing to apply/);

    const after = await run('status', '--url', db.url);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/history: _sqlx_migrations/);
    expect(after.stdout.match(/\bapplied\b/g)?.length).toBe(6);
    expect(after.stdout).toMatch(/up to date: nothing pending/);
  });

  it('prints a failure as file:line:column with the statement, and exits 1', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-cli-migrate-dir-'));
    fs.writeFileSync(path.join(dir, '1_fine.sql'), 'CREATE TABLE cli_fine (id int);\n');
    fs.writeFileSync(
      path.join(dir, '2_broken.sql'),
      '-- broken on line 3\nCREATE TABLE cli_one (id int);\nSELECT id, nope\n  FROM cli_one;\n',
    );
    const other = await createTestDatabase('cli_migrate_fail');
    try {
      const up = await run('up', '--url', other.url, '--dir', dir);
      expect(up.code).toBe(1);
      expect(up.stdout).toMatch(/applying 2_broken\.sql \(2 statements\) … FAILED/);
      expect(up.stderr).toContain(`${path.join(dir, '2_broken.sql')}:3:12: column "nope" does not exist`);
      expect(up.stderr).toMatch(/>\s+3 \| SELECT id, nope/);
      expect(up.stderr).toMatch(/rolled back: nothing from this file took effect/);
      expect(up.stderr).toMatch(/error: Migration 2_broken\.sql failed/);
      expect(await query(other.url, `SELECT to_regclass('cli_one') AS t`)).toEqual([{ t: null }]);

      const plan = (await run('plan', '--url', other.url, '--dir', dir, '--json')).stdout;
      expect((JSON.parse(plan) as MigrationPlan).migrations.map((m) => m.version)).toEqual([2]);
    } finally {
      await other.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a baseline where objects are missing, and explains usage errors', async () => {
    const empty = await createTestDatabase('cli_migrate_baseline');
    try {
      const baseline = await run('baseline', '--url', empty.url);
      expect(baseline.code).toBe(1);
      expect(baseline.stdout).toMatch(/001_create_schemas\.sql: MISSING/);
      expect(baseline.stdout).toMatch(/missing schema ai/);
      expect(baseline.stderr).toMatch(/Baseline refused/);

      const badAction = await run('resolve', '3', 'undo', '--url', empty.url);
      expect(badAction.code).toBe(2);
      expect(badAction.stderr).toMatch(/Unknown action "undo"/);
      expect(badAction.stderr).toMatch(/retry, mark-applied, accept-checksum, forget/);

      const noUrl = await run('status');
      expect(noUrl.code).toBe(2);
      expect(noUrl.stderr).toMatch(/No database URL given/);

      const badDir = await run('status', '--url', empty.url, '--dir', '/nonexistent/migrations');
      expect(badDir.code).toBe(2);
      expect(badDir.stderr).toMatch(/Cannot read the migrations folder/);
    } finally {
      await empty.drop();
    }
  });
});
