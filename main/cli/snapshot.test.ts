import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotDetail, SnapshotDiff, SnapshotSummary } from '../../common/snapshots';
import { cli } from '../../test/helpers/cli';
import { createTestDatabase, runSql, type TestDatabase } from '../../test/helpers/postgres';

describe('ops-console snapshot (real child processes)', () => {
  let db: TestDatabase;
  let dataDir: string;
  const run = (...args: string[]) => cli(['--data-dir', dataDir, ...args]);

  beforeAll(async () => {
    db = await createTestDatabase('cli_snapshot');
    await runSql(
      db.url,
      `CREATE SCHEMA ai;
       CREATE TABLE ai.cache_entries (cache_key text PRIMARY KEY, response text, hit_count int);
       INSERT INTO ai.cache_entries SELECT 'k' || g, repeat('r', g), g FROM generate_series(1, 40) g;
       CREATE TABLE public.events (id bigint PRIMARY KEY, kind text);
       INSERT INTO public.events SELECT g, 'e' FROM generate_series(1, 25) g;`,
    );
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-cli-snapshot-'));
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates, lists, shows, diffs against live, exports, imports and deletes by id or name', async () => {
    const created = await run(
      'snapshot',
      'create',
      '--url',
      db.url,
      '--name',
      'first',
      '--tables',
      'ai.*',
      '--rows-per-table',
      '10',
      '--json',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const summary = JSON.parse(created.stdout) as SnapshotSummary;
    expect(summary).toMatchObject({ name: 'first', tableCount: 1, rowCount: 10, rowLimit: 10, tablePattern: 'ai.*' });

    const list = await run('snapshot', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${summary.id}\\s+first\\s+${db.name}`));

    const show = JSON.parse((await run('snapshot', 'show', 'first', '--json')).stdout) as SnapshotDetail;
    expect(show.tables).toEqual([
      expect.objectContaining({ schema: 'ai', name: 'cache_entries', rows: 10, truncated: true }),
    ]);

    await runSql(
      db.url,
      `UPDATE ai.cache_entries SET hit_count = 0 WHERE cache_key = 'k1'; CREATE TABLE public.late (id int PRIMARY KEY);`,
    );
    const diff = await run('snapshot', 'diff', 'first', '--live', '--url', db.url, '--json');
    expect(diff.code).toBe(0);
    const parsed = JSON.parse(diff.stdout) as SnapshotDiff;
    // The catalog is captured whole, whatever the table pattern: only the new table is added.
    expect(parsed.schema.added).toEqual([{ kind: 'table', name: 'public.late' }]);
    // A capture cut by the row limit cannot be compared row by row, and says so.
    expect(parsed.rows.find((r) => r.table === 'ai.cache_entries')?.skipped).toMatch(/truncated|limit/i);

    const file = path.join(dataDir, 'out.snapshot');
    expect((await run('snapshot', 'export', 'first', file)).code).toBe(0);
    expect(fs.existsSync(file)).toBe(true);
    const again = await run('snapshot', 'export', 'first', file);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/hint: /);
    expect((await run('snapshot', 'export', 'first', file, '--overwrite')).code).toBe(0);

    expect((await run('snapshot', 'delete', summary.id)).code).toBe(0);
    const imported = await run('snapshot', 'import', file);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/imported .* "first"/);
    const check = await run('snapshot', 'check', 'first');
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/content hash: ok/);
  });

  it('takes capture (the word the UI uses) for create', async () => {
    const captured = await run(
      'snapshot',
      'capture',
      '--url',
      db.url,
      '--name',
      'by capture',
      '--tables',
      'ai.*',
      '--json',
    );
    expect(captured.code, captured.stderr).toBe(0);
    expect(JSON.parse(captured.stdout)).toMatchObject({ name: 'by capture', tablePattern: 'ai.*' });
    expect((await run('snapshot', 'delete', 'by capture')).code).toBe(0);
  });

  it('refuses a file that is not a snapshot, and a diff without a second side', async () => {
    const text = path.join(dataDir, 'notes.txt');
    fs.writeFileSync(text, 'not a snapshot\n');
    const refused = await run('snapshot', 'import', text);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not an ops-console snapshot/);
    expect(refused.stderr).toMatch(/hint: /);
    const bad = await run('snapshot', 'diff', 'first');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: Give a second snapshot to compare with, or --live for the live database\n');
    const both = await run('snapshot', 'diff', 'first', 'second', '--live');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('error: Give a second snapshot or --live, not both\n');
    const missing = await run('snapshot', 'show', 'no-such-snapshot');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/error: /);
  });
});
