/**
 * The Migrations section end to end: the built renderer in Chromium over a
 * real `ops-console serve`, applying the migrations shipped in migrations/ to
 * fresh databases of the run's PostgreSQL server — a clean run followed live
 * (the lock held by another session first), a run that fails midway, blockers
 * resolved from the UI, and a baseline of a database built without history.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { migrationLockKey } from '../../main/services/migrations/lock';
import { openBrowser, screenshot, type BrowserSession } from '../helpers/browser';
import { createTestDatabase, runSql, type TestDatabase } from '../helpers/postgres';
import { startServe, type ServeProcess } from '../helpers/serve';

const MIGRATIONS_DIR = path.resolve('migrations');
const FILES = fs
  .readdirSync(MIGRATIONS_DIR)
  .filter((name) => /^\d+_.+\.sql$/.test(name))
  .sort();
const versionOf = (fileName: string) => Number(/^(\d+)_/.exec(fileName)?.[1]);

const poll = <T>(fn: () => Promise<T> | T, timeout = 20_000) => expect.poll(fn, { timeout, interval: 100 });

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function profileRow(page: Page, name: string) {
  return page.locator(`[data-testid="profile-row"][data-profile-name="${name}"]`);
}

function row(page: Page, version: number) {
  return page.locator(`[data-testid="migration-row"][data-version="${version}"]`);
}

async function rowStates(page: Page): Promise<Record<string, string | null>> {
  const states: Record<string, string | null> = {};
  for (const r of await page.getByTestId('migration-row').all()) {
    states[(await r.getAttribute('data-version')) ?? '?'] = await r.getAttribute('data-state');
  }
  return states;
}

const allIn = (state: string) => Object.fromEntries(FILES.map((f) => [String(versionOf(f)), state]));

describe('migrations in Chromium over ops-console serve', () => {
  let serve: ServeProcess;
  let session: BrowserSession;
  const databases: TestDatabase[] = [];

  beforeAll(async () => {
    // The six stack migrations are what the UI applies; the test is about them.
    expect(FILES.length).toBe(6);
    serve = await startServe({ PGPASSWORD: new URL(inject('pgAdminUrl')).password });
  });
  afterAll(async () => {
    const code = await serve?.stop();
    expect(code).toBe(0);
    for (const db of databases) await db.drop();
  });
  beforeEach(async () => {
    session = await openBrowser();
  });
  afterEach(async (context) => {
    if (!session) return;
    await screenshot(session.page, context.task.name);
    await session.close();
  });

  async function freshDatabase(prefix: string): Promise<TestDatabase> {
    const db = await createTestDatabase(prefix);
    databases.push(db);
    return db;
  }

  /** Save a profile for `db` (no password: serve reads PGPASSWORD), connect it, and open Migrations. */
  async function openMigrations(page: Page, db: TestDatabase, name: string, options: { production?: boolean } = {}) {
    const u = new URL(db.url);
    u.password = '';
    await page.goto(serve.url);
    await page.getByTestId('profile-list').waitFor();
    await page.getByTestId('profile-new').click();
    await page.getByTestId('profile-name-input').fill(name);
    await page.getByTestId('profile-url-input').fill(u.toString());
    await page.getByTestId('profile-ssl-select').selectOption('disable');
    if (options.production) await page.getByTestId('profile-production-checkbox').check();
    await page.getByTestId('profile-save').click();
    await page.getByTestId('profile-form').waitFor({ state: 'detached' });
    await profileRow(page, name).getByTestId('profile-connect').click();
    await poll(() => page.getByTestId('status-pool').textContent()).toMatch(/Pool \d+\/10/);
    await page.getByTestId('nav-migrations').click();
    await page.getByTestId('migration-table').waitFor();
    expect(await page.getByTestId('migrations-database').textContent()).toBe(db.name);
  }

  it('asks for a connection first, with a button that goes to Connections', async () => {
    const { page } = session;
    await page.goto(serve.url);
    await page.getByTestId('nav-migrations').click();
    await page.getByTestId('migrations-empty').waitFor();
    await page.getByTestId('migrations-empty').getByRole('button', { name: 'Go to Connections' }).click();
    await page.getByTestId('profile-list').waitFor();
    expect(page.url()).toMatch(/#\/connections$/);
  });

  it('plans the six shipped migrations and applies them all with live progress, after waiting for the lock', async () => {
    const { page } = session;
    const db = await freshDatabase('e2e_mig_fresh');
    await openMigrations(page, db, 'Fresh');

    expect(await rowStates(page)).toEqual(allIn('pending'));
    expect(await page.getByTestId('migrations-history').textContent()).toMatch(/does not exist yet/);
    expect(await page.getByTestId('migrations-counts').textContent()).toBe('6 pending');
    expect(await page.getByTestId('migrations-description').textContent()).toMatch(/PostgreSQL \d+/);
    expect(await page.getByTestId('migrations-source').textContent()).toMatch(/migrations$/);
    expect(await page.getByTestId('apply-all').textContent()).toBe('Apply all (6)');
    // Nothing recorded yet: a baseline is offered.
    expect(await page.getByTestId('baseline-button').count()).toBe(1);

    // Plan: the six files in order, each with its SQL.
    await page.getByTestId('plan-button').click();
    const plan = page.getByTestId('migration-plan');
    await poll(() => plan.getAttribute('data-state')).toBe('done');
    expect(await page.getByTestId('plan-item-file').allTextContents()).toEqual(FILES);
    expect(await page.getByTestId('plan-summary').textContent()).toContain(`6 migrations would run on ${db.name}`);
    const first = page.getByTestId('plan-item').first();
    await first.locator('summary').click();
    const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, FILES[0]!), 'utf8');
    expect(await first.getByTestId('plan-item-sql').textContent()).toBe(sql);
    await screenshot(page, 'migrations-plan');
    await page.getByTestId('plan-close').click();
    expect(await plan.count()).toBe(0);

    // A baseline of an empty database is refused, naming what is missing; nothing is recorded.
    await page.getByTestId('baseline-button').click();
    expect(await page.getByTestId('baseline-dialog').textContent()).toContain(db.name);
    await page.getByTestId('confirm-baseline').click();
    await poll(() => page.getByTestId('migration-baseline').getAttribute('data-state')).toBe('done');
    const verdict = page.getByTestId('baseline-verdict');
    expect(await verdict.getAttribute('data-refused')).toBe('true');
    expect(await verdict.textContent()).toContain(`${FILES[0]} (4 missing)`);
    expect(await page.getByTestId('baseline-check').count()).toBe(6);
    const firstCheck = page.locator(`[data-testid="baseline-check"][data-version="${versionOf(FILES[0]!)}"]`);
    expect(await firstCheck.getAttribute('data-missing')).toBe('4');
    expect(await firstCheck.textContent()).toContain('schema ai');
    await screenshot(page, 'migrations-baseline-refused');
    await page.getByTestId('baseline-dismiss').click();
    expect(await rowStates(page)).toEqual(allIn('pending'));

    // Another session holds sqlx's migration lock: the run waits and says who holds it.
    const holder = new pg.Client({ connectionString: db.url, application_name: 'e2e lock holder' });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1::int8)', [migrationLockKey(db.name).toString()]);
      await page.getByTestId('apply-all').click();
      const lock = page.getByTestId('run-lock');
      await poll(() => lock.getAttribute('data-state')).toBe('waiting');
      expect(await lock.textContent()).toContain('e2e lock holder');
      expect(await page.getByTestId('migration-run').getAttribute('data-state')).toBe('running');
      // Everything that writes is off while the run goes.
      expect(await page.getByTestId('apply-all').isDisabled()).toBe(true);
      expect(await page.getByTestId('verify-button').isDisabled()).toBe(true);
      await screenshot(page, 'migrations-lock-wait');
      await holder.query('SELECT pg_advisory_unlock($1::int8)', [migrationLockKey(db.name).toString()]);
    } finally {
      await holder.end();
    }

    const run = page.getByTestId('migration-run');
    await poll(() => run.getAttribute('data-state')).toBe('applied');
    expect(await page.getByTestId('run-summary').textContent()).toMatch(/^Applied 6 migrations in [\d.]+ (ms|s)\./);
    expect(await page.getByTestId('run-summary').textContent()).toMatch(/Waited [\d.]+ (ms|s) for the migration lock/);
    expect(await page.getByTestId('run-done-item').evaluateAll((items) => items.map((i) => i.textContent))).toEqual(
      FILES.map((f) => expect.stringContaining(f)),
    );
    expect(await page.getByTestId('run-progress-bar').getAttribute('value')).toBe('1000');
    expect(await page.getByTestId('run-progress-count').textContent()).toBe('6 of 6 applied');

    // The status was read again: all applied, with their timings and checksums.
    await poll(() => rowStates(page)).toEqual(allIn('applied'));
    for (const time of await page.getByTestId('migration-time').allTextContents())
      expect(time).toMatch(/^[\d.]+ (ms|s)$/);
    for (const on of await page.getByTestId('migration-installed-on').allTextContents()) {
      expect(on).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    }
    const checksum = page.getByTestId('migration-checksum').first();
    expect(await checksum.textContent()).toMatch(/^[0-9a-f]{8}$/);
    expect(await checksum.getAttribute('data-checksum')).toMatch(/^[0-9a-f]{96}$/);
    expect(await page.getByTestId('migrations-history').textContent()).toMatch(/_sqlx_migrations exists/);
    expect(await page.getByTestId('apply-all').isDisabled()).toBe(true);
    expect(await page.getByTestId('apply-disabled-reason').textContent()).toMatch(/up to date/);
    expect(await page.getByTestId('baseline-button').count()).toBe(0);
    await page.getByTestId('run-summary').scrollIntoViewIfNeeded();
    await screenshot(page, 'migrations-applied');
    await row(page, versionOf(FILES[5]!)).scrollIntoViewIfNeeded();
    await screenshot(page, 'migrations-applied-table');

    // What the database says, not only the UI.
    const history = await query<{ version: string; success: boolean }>(
      db.url,
      'SELECT version::text, success FROM _sqlx_migrations ORDER BY version',
    );
    expect(history).toEqual(FILES.map((f) => ({ version: String(versionOf(f)), success: true })));
    expect(session.pageErrors).toEqual([]);
  });

  it('shows where and why a migration failed, rolled back, with the ones before it applied', async () => {
    const { page } = session;
    const db = await freshDatabase('e2e_mig_fail');
    // A metrics table that is not the one 004 creates: its CREATE TABLE IF NOT EXISTS keeps this one,
    // and the index on metric_name that follows fails.
    await runSql(db.url, 'CREATE SCHEMA analytics; CREATE TABLE analytics.metrics (x int);');
    await openMigrations(page, db, 'Conflicting');

    // Verify first: everything in one transaction, rolled back, and the same failure.
    await page.getByTestId('verify-button').click();
    const plan = page.getByTestId('migration-plan');
    await poll(() => plan.getAttribute('data-state')).toBe('done');
    expect(await page.getByTestId('plan-verification').getAttribute('data-ok')).toBe('false');
    expect(await plan.getByTestId('failure-file').textContent()).toBe(FILES[3]);
    expect(await rowStates(page)).toEqual(allIn('pending'));
    await page.getByTestId('plan-close').click();

    await page.getByTestId('apply-all').click();
    const run = page.getByTestId('migration-run');
    await poll(() => run.getAttribute('data-state')).toBe('failed');
    const failure = run.getByTestId('migration-failure');
    expect(await failure.getAttribute('data-version')).toBe(String(versionOf(FILES[3]!)));
    expect(await failure.getByTestId('failure-file').textContent()).toBe(FILES[3]);
    const position = (await failure.getByTestId('failure-position').textContent()) ?? '';
    expect(position).toMatch(/^(line \d+(, column \d+)?|statement starts at line \d+)$/);
    const line = Number(/\d+/.exec(position)?.[0]);
    // The line named is the CREATE INDEX on metric_name in the file.
    const fileLines = fs.readFileSync(path.join(MIGRATIONS_DIR, FILES[3]!), 'utf8').split('\n');
    expect(fileLines[line - 1]).toMatch(/metric_name/);
    expect(await failure.getByTestId('failure-message').textContent()).toBe('column "metric_name" does not exist');
    expect(await failure.getByTestId('failure-code').textContent()).toBe('42703');
    expect(await failure.getByTestId('failure-transaction').textContent()).toMatch(/^Rolled back/);
    const marked = failure.getByTestId('failure-line');
    expect(await marked.getAttribute('data-line')).toBe(String(line));
    expect(await marked.textContent()).toContain('metric_name');
    expect(await failure.getByTestId('failure-recovery').locator('li').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('run-summary').textContent()).toMatch(
      /^Applied 3 migrations in .*, then 004 failed\./,
    );
    expect(await page.getByTestId('run-not-run').textContent()).toContain('005, 006');

    const versions = FILES.map(versionOf);
    await poll(() => rowStates(page)).toEqual({
      [versions[0]!]: 'applied',
      [versions[1]!]: 'applied',
      [versions[2]!]: 'applied',
      [versions[3]!]: 'pending',
      [versions[4]!]: 'pending',
      [versions[5]!]: 'pending',
    });
    await failure.scrollIntoViewIfNeeded();
    await screenshot(page, 'migrations-failure');

    const history = await query<{ version: string }>(db.url, 'SELECT version::text FROM _sqlx_migrations ORDER BY 1');
    expect(history.map((h) => Number(h.version))).toEqual(versions.slice(0, 3));
    // Rolled back: 004's first statement (its events table) is not there either.
    const events = await query<{ t: string | null }>(db.url, `SELECT to_regclass('analytics.events')::text AS t`);
    expect(events).toEqual([{ t: null }]);
    expect(session.pageErrors).toEqual([]);
  });

  it('resolves a changed checksum and a missing file from the blockers panel', async () => {
    const { page } = session;
    const db = await freshDatabase('e2e_mig_blocked');
    await openMigrations(page, db, 'Blocked');
    await page.getByTestId('apply-all').click();
    await poll(() => page.getByTestId('migration-run').getAttribute('data-state')).toBe('applied');
    // As if 002 had been edited after it ran, and a version whose file is gone had run too.
    const v2 = versionOf(FILES[1]!);
    await runSql(
      db.url,
      `UPDATE _sqlx_migrations SET checksum = '\\x00'::bytea WHERE version = ${v2};
       INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
       VALUES (999, 'gone', true, '\\x01'::bytea, 1000);`,
    );
    await page.getByTestId('run-dismiss').click();
    await page.getByTestId('migrations-reload').click();

    await poll(() => page.getByTestId('migration-blocker').count()).toBe(2);
    expect(await row(page, v2).getAttribute('data-state')).toBe('changed');
    expect(await row(page, 999).getAttribute('data-state')).toBe('missing');
    expect(await page.getByTestId('apply-disabled-reason').textContent()).toBe('Resolve the blockers first');
    await screenshot(page, 'migrations-blockers');

    const changed = page.locator(`[data-testid="migration-blocker"][data-kind="changed"]`);
    await changed.getByTestId('resolve-accept_checksum').click();
    const dialog = page.getByTestId('resolve-dialog');
    expect(await dialog.textContent()).toContain(db.name);
    expect(await dialog.textContent()).toContain(FILES[1]);
    await page.getByTestId('confirm-resolve').click();
    await poll(() => page.getByTestId('resolution').getAttribute('data-state')).toBe('done');
    await poll(() => row(page, v2).getAttribute('data-state')).toBe('applied');

    const missing = page.locator(`[data-testid="migration-blocker"][data-kind="missing"]`);
    await missing.getByTestId('resolve-forget').click();
    // Cancel first: nothing changes.
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await row(page, 999).getAttribute('data-state')).toBe('missing');
    await missing.getByTestId('resolve-forget').click();
    await page.getByTestId('confirm-resolve').click();
    await poll(() => row(page, 999).count()).toBe(0);
    expect(await page.getByTestId('migration-blockers').count()).toBe(0);
    expect(await rowStates(page)).toEqual(allIn('applied'));
    expect(session.pageErrors).toEqual([]);
  });

  it('baselines a production database built without history, after typing its name', async () => {
    const { page } = session;
    const db = await freshDatabase('e2e_mig_baseline');
    for (const file of FILES) await runSql(db.url, fs.readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8'));
    await openMigrations(page, db, 'Built by hand', { production: true });

    expect(await rowStates(page)).toEqual(allIn('pending'));
    await page.getByTestId('baseline-button').click();
    const dialog = page.getByTestId('baseline-dialog');
    expect(await dialog.textContent()).toContain('PRODUCTION');
    const confirm = page.getByTestId('confirm-baseline');
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByTestId('confirm-database-input').fill(`${db.name}x`);
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByTestId('confirm-database-input').fill(db.name);
    await screenshot(page, 'migrations-baseline-dialog');
    await confirm.click();

    const baseline = page.getByTestId('migration-baseline');
    await poll(() => baseline.getAttribute('data-state')).toBe('done');
    expect(await page.getByTestId('baseline-verdict').getAttribute('data-refused')).toBe('false');
    expect(await page.getByTestId('baseline-recorded').textContent()).toBe(
      FILES.map((f) => /^(\d+)_/.exec(f)?.[1]).join(', '),
    );
    for (const check of await page.getByTestId('baseline-check').all()) {
      expect(await check.getAttribute('data-missing')).toBe('0');
    }
    await poll(() => rowStates(page)).toEqual(allIn('applied'));
    await screenshot(page, 'migrations-baseline');
    expect(session.pageErrors).toEqual([]);
  });
});
