/**
 * Snapshots end to end: the built renderer in Chromium over a real
 * `ops-console serve`, against fresh databases of the run's PostgreSQL server.
 * A capture with live progress (and one cancelled), offline browsing of the
 * snapshot in the Schema, Data grid and SQL console views — still working once
 * the database is dropped — a diff of two captures and against live, and
 * import/export through files on the machine running ops-console.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { openBrowser, screenshot, type BrowserSession } from '../helpers/browser';
import { createTestDatabase, runSql, type TestDatabase } from '../helpers/postgres';
import { startServe, type ServeProcess } from '../helpers/serve';

/** Past 2^53: a trip through a JS number would show. */
const BIG_ID = '9007199254740993';

/** Tables in the stack's shape: jsonb events, the AI cache, exact numbers past 2^53, a table with no key. */
const FIXTURE_SQL = `
  CREATE SCHEMA ai;
  CREATE SCHEMA analytics;
  CREATE TABLE ai.cache_entries (
    id bigserial PRIMARY KEY,
    cache_key varchar(255) NOT NULL UNIQUE,
    model text NOT NULL,
    response jsonb,
    created_at timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00'
  );
  CREATE INDEX cache_entries_model_idx ON ai.cache_entries (model);
  INSERT INTO ai.cache_entries (cache_key, model, response)
  SELECT 'key-' || g, CASE WHEN g % 2 = 0 THEN 'gpt-4o' ELSE 'claude' END, jsonb_build_object('tokens', g)
  FROM generate_series(1, 200) AS g;
  CREATE FUNCTION ai.cleanup_expired_cache() RETURNS integer LANGUAGE sql AS $$ SELECT 0 $$;

  CREATE TABLE analytics.events (
    id bigserial PRIMARY KEY,
    event_type varchar(100) NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00'
  );
  INSERT INTO analytics.events (event_type, payload)
  SELECT CASE WHEN g % 3 = 0 THEN 'login' ELSE 'view' END, jsonb_build_object('n', g, 'tags', jsonb_build_array('a', 'b'))
  FROM generate_series(1, 2500) AS g;
  CREATE VIEW analytics.event_types AS SELECT DISTINCT event_type FROM analytics.events;

  CREATE TABLE public.ledger (id bigint PRIMARY KEY, amount numeric(30,10) NOT NULL, note text);
  INSERT INTO public.ledger SELECT ${BIG_ID}::bigint + g, (g * 1234567.0123456789)::numeric(30,10), 'entry ' || g
  FROM generate_series(0, 49) AS g;

  CREATE TABLE public.audit_log (line integer, message text);
  INSERT INTO public.audit_log SELECT g, 'message ' || g FROM generate_series(1, 120) AS g;
`;

/** Enough rows that a capture takes a while: progress shows, and a cancel lands mid-way. */
const BULK_SQL = (rows: number) => `
  CREATE TABLE analytics.page_views (id bigint PRIMARY KEY, path text NOT NULL, visitor uuid NOT NULL, at timestamptz NOT NULL);
  INSERT INTO analytics.page_views
  SELECT g, '/page/' || (g % 977), md5(g::text)::uuid, '2026-01-01'::timestamptz + g * interval '1 second'
  FROM generate_series(1, ${rows}) AS g;
`;

const poll = <T>(fn: () => Promise<T> | T, timeout = 20_000) => expect.poll(fn, { timeout, interval: 100 });
const text = async (page: Page, testId: string) =>
  ((await page.getByTestId(testId).first().textContent()) ?? '').trim();

/**
 * The browser logs its own line for every call answered with an HTTP error
 * status; a test that expects a call to be refused expects those and nothing else.
 */
const FAILED_CALL = /^Failed to load resource: the server responded with a status of \d+ \(.*\)$/;
const unexpectedErrors = (errors: readonly string[]) => errors.filter((e) => !FAILED_CALL.test(e));

async function queryRows<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function snapshotRow(page: Page, name: string) {
  return page.locator(`[data-testid="snapshot-row"][data-name="${name}"]`);
}

describe('snapshots in Chromium over ops-console serve', () => {
  let serve: ServeProcess;
  let session: BrowserSession;
  const databases: TestDatabase[] = [];
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-snapshots-e2e-'));

  beforeAll(async () => {
    serve = await startServe({ PGPASSWORD: new URL(inject('pgAdminUrl')).password });
  });
  afterAll(async () => {
    const code = await serve?.stop();
    expect(code).toBe(0);
    for (const db of databases) await db.drop();
    fs.rmSync(tempDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    session = await openBrowser();
  });
  afterEach(async (context) => {
    if (!session) return;
    await screenshot(session.page, context.task.name);
    await session.close();
  });

  async function freshDatabase(prefix: string, extraSql = ''): Promise<TestDatabase> {
    const db = await createTestDatabase(prefix);
    databases.push(db);
    await runSql(db.url, FIXTURE_SQL + extraSql);
    return db;
  }

  /** Save a profile for `db` (no password: serve reads PGPASSWORD) and connect it. */
  async function connectProfile(page: Page, db: TestDatabase, name: string) {
    const u = new URL(db.url);
    u.password = '';
    await page.goto(serve.url);
    await page.getByTestId('profile-list').waitFor();
    await page.getByTestId('profile-new').click();
    await page.getByTestId('profile-name-input').fill(name);
    await page.getByTestId('profile-url-input').fill(u.toString());
    await page.getByTestId('profile-ssl-select').selectOption('disable');
    await page.getByTestId('profile-save').click();
    await page.getByTestId('profile-form').waitFor({ state: 'detached' });
    await page
      .locator(`[data-testid="profile-row"][data-profile-name="${name}"]`)
      .getByTestId('profile-connect')
      .click();
    await poll(() => page.getByTestId('status-pool').textContent()).toMatch(/Pool \d+\/10/);
  }

  /** New snapshot of the active connection, from the form; resolves when the capture is done. */
  async function capture(page: Page, name: string, options: { tables?: string; rows?: string } = {}) {
    await page.getByTestId('nav-snapshots').click();
    await page.getByTestId('snapshots-tab-list').click();
    await page.getByTestId('snapshot-new').click();
    await page.getByTestId('capture-name').fill(name);
    if (options.tables) await page.getByTestId('capture-tables-input').fill(options.tables);
    if (options.rows) await page.getByTestId('capture-rows-input').fill(options.rows);
    await page.getByTestId('capture-start').click();
    await poll(() => page.getByTestId('capture-progress').getAttribute('data-state'), 60_000).toBe('done');
    await snapshotRow(page, name).waitFor();
  }

  /** Type SQL into the console editor the way a person would (see data-console.test.ts). */
  async function setSql(page: Page, sql: string) {
    const content = page.getByTestId('console-editor').locator('.cm-content');
    await content.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.press('Backspace');
    await page.keyboard.insertText(sql);
    await poll(() => content.textContent()).toBe(sql.replace(/\n/g, ''));
  }

  async function openTableData(page: Page, schema: string, table: string) {
    await page.getByTestId('nav-schema').click();
    await page.getByTestId('tree-search').fill(table);
    await page
      .locator(`[data-testid="tree-node"][data-kind="table"][data-schema="${schema}"][data-name="${table}"]`)
      .click({ timeout: 30_000 });
    await page.getByTestId('tab-data').click();
    await page.locator(`[data-testid="table-data"][data-table="${schema}.${table}"]`).waitFor({ timeout: 30_000 });
  }

  const cell = (page: Page, row: number, column: string) =>
    page.locator(`[data-testid="grid-row"][data-index="${row}"] [data-column="${column}"]`).first();

  it('captures with live progress, cancels a capture, and browses the snapshot offline after the database is dropped', async () => {
    const { page } = session;
    const db = await freshDatabase('e2e_snap_offline', BULK_SQL(400_000));
    await connectProfile(page, db, 'Offline');

    // A capture cancelled mid-way leaves nothing behind.
    await page.getByTestId('nav-snapshots').click();
    await page.getByTestId('snapshots-empty').waitFor();
    await page.getByTestId('snapshot-new').click();
    await page.getByTestId('capture-name').fill('cancelled');
    await page.getByTestId('capture-start').click();
    const progress = page.getByTestId('capture-progress');
    await poll(() => text(page, 'capture-table')).toMatch(/\./);
    await page.getByTestId('capture-cancel').click();
    await poll(() => progress.getAttribute('data-state'), 30_000).toBe('cancelled');
    expect(await text(page, 'capture-outcome')).toMatch(/nothing was saved/);
    expect(await page.getByTestId('snapshot-row').count()).toBe(0);
    await page.getByTestId('capture-dismiss').click();

    // The form stays as it was for another try. The real capture: phase, current table, tables done of total,
    // rows, rate and time left while it runs.
    expect(await page.getByTestId('capture-name').inputValue()).toBe('cancelled');
    await page.getByTestId('capture-name').fill('before');
    await page.getByTestId('capture-start').click();
    await poll(() => text(page, 'capture-tables')).toMatch(/^\d+ of 5$/);
    expect(await progress.getAttribute('data-state')).toBe('running');
    await poll(() => text(page, 'capture-rate')).toMatch(/rows\/s$/);
    expect(await text(page, 'capture-eta')).toMatch(/^(about|under|unknown)/);
    await screenshot(page, 'snapshots-capture-progress');
    await poll(() => progress.getAttribute('data-state'), 60_000).toBe('done');
    const total = 200 + 2500 + 50 + 120 + 400_000;
    expect(await text(page, 'capture-tables')).toBe('5 of 5');
    expect(await text(page, 'capture-rows')).toBe(total.toLocaleString('en-US'));
    expect(await page.getByTestId('capture-progress-bar').getAttribute('value')).toBe('1000');
    const row = snapshotRow(page, 'before');
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe(db.name);
    expect(await row.getByTestId('snapshot-tables').textContent()).toBe('5');
    expect(await row.getByTestId('snapshot-rows').textContent()).toBe(total.toLocaleString('en-US'));
    expect(await row.getByTestId('snapshot-imported').count()).toBe(0);
    await screenshot(page, 'snapshots-list-after-capture');

    // Details: tables with their rows and keys.
    await row.getByTestId('snapshot-details').click();
    const ledger = page.locator('[data-testid="detail-table-row"][data-table="public.ledger"]');
    await ledger.waitFor();
    expect(await ledger.getByTestId('detail-table-rows').textContent()).toBe('50');
    expect(
      await page.locator('[data-testid="detail-table-row"][data-table="public.audit_log"]').textContent(),
    ).toContain('no primary key');
    expect(await text(page, 'detail-database')).toBe(db.name);
    expect(await text(page, 'detail-source')).toContain('Offline');
    await page.getByTestId('snapshot-check').click();
    await poll(() => page.getByTestId('integrity-result').getAttribute('data-ok')).toBe('true');

    // Open: the banner on every page, and the status bar shows the snapshot.
    await row.getByTestId('snapshot-open').click();
    await page.getByTestId('snapshot-banner').waitFor();
    expect(page.url()).toMatch(/#\/schema$/);
    expect(await text(page, 'snapshot-banner-text')).toMatch(
      new RegExp(
        `^Snapshot before of ${db.name}, captured \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d — offline, read-only$`,
      ),
    );
    expect(await page.getByTestId('status-connection').getAttribute('data-state')).toBe('snapshot');
    expect(await text(page, 'status-connection')).toContain('Snapshot before');
    expect(await page.getByTestId('status-pool').count()).toBe(0);

    // Drop the database: from here on nothing can reach it.
    await db.drop();
    const remaining = await queryRows<{ n: string }>(
      inject('pgAdminUrl'),
      `SELECT count(*) AS n FROM pg_database WHERE datname = '${db.name}'`,
    );
    expect(remaining[0]?.n).toBe('0');

    // The schema tree and object details, from the snapshot file.
    await page.getByTestId('nav-connections').click();
    await page.getByTestId('nav-schema').click();
    await page.getByTestId('reload-model').click();
    await poll(() => text(page, 'schema-description')).toMatch(/^Snapshot before · /);
    for (const [schema, table] of [
      ['ai', 'cache_entries'],
      ['analytics', 'events'],
      ['public', 'ledger'],
      ['public', 'audit_log'],
    ]) {
      await page
        .locator(`[data-testid="tree-node"][data-kind="table"][data-schema="${schema}"][data-name="${table}"]`)
        .waitFor();
    }
    await page.locator('[data-testid="tree-node"][data-kind="view"][data-name="event_types"]').click();
    await page.getByTestId('tab-data').click();
    expect(await text(page, 'data-not-captured')).toMatch(/holds only the definition of analytics.event_types/);
    await page.locator('[data-testid="tree-node"][data-kind="function"][data-name="cleanup_expired_cache"]').click();
    expect(await page.getByTestId('run-function').count()).toBe(0);
    expect(await text(page, 'run-function-offline')).toMatch(/needs the live database/);

    // The data grid: pages, sort and filter over the snapshot, exact values.
    await openTableData(page, 'analytics', 'events');
    expect(await page.getByTestId('exact-sizes-button').count()).toBe(0);
    await poll(() => text(page, 'rows-loaded')).toBe('1,000 rows loaded · more available');
    expect(await text(page, 'offset-note')).toMatch(/snapshot file/);
    await page.getByTestId('load-more').click();
    await poll(() => text(page, 'rows-loaded')).toBe('2,000 rows loaded · more available');
    const idHeader = page.locator('[data-testid="grid-header"][data-column="id"] button').first();
    await idHeader.click();
    await idHeader.click();
    await poll(() => page.getByTestId('sort-indicator').getAttribute('data-direction')).toBe('desc');
    await poll(() => cell(page, 0, 'id').textContent()).toBe('2500');
    await page.getByTestId('filter-add').click();
    await page.getByTestId('filter-column').selectOption('event_type');
    await page.getByTestId('filter-value').fill('login');
    await page.getByTestId('filter-apply').click();
    await poll(() => text(page, 'rows-loaded')).toBe('833 rows loaded · all rows');
    expect(await cell(page, 0, 'id').textContent()).toBe('2499');
    for (const type of await page.locator('[data-testid="grid-cell"][data-column="event_type"]').allTextContents()) {
      expect(type).toBe('login');
    }
    await openTableData(page, 'public', 'ledger');
    await poll(() => cell(page, 0, 'id').textContent()).toBe(BIG_ID);
    expect(await cell(page, 1, 'amount').textContent()).toBe('1234567.0123456789');
    await screenshot(page, 'snapshots-offline-data-grid');

    // The SQL console: SQLite over the snapshot, said plainly; no EXPLAIN, no writes.
    await page.getByTestId('nav-console').click();
    await page.getByTestId('console-editor').locator('.cm-content').waitFor({ timeout: 30_000 });
    expect(await text(page, 'console-source')).toContain('SQLite SQL over the snapshot (read-only)');
    expect(await page.getByTestId('console-explain').count()).toBe(0);
    expect(await page.getByTestId('console-allow-write').count()).toBe(0);
    await poll(() => page.getByTestId('console-mapping-item').count()).toBeGreaterThan(0);
    await page.getByTestId('console-show-mapping').click();
    await poll(() => page.locator('[data-testid="grid-cell"][data-column="source_table"]').allTextContents()).toEqual(
      expect.arrayContaining(['ai.cache_entries', 'analytics.events', 'public.ledger', 'public.audit_log']),
    );
    const sources = await page.locator('[data-testid="grid-cell"][data-column="source_table"]').allTextContents();
    const tables = await page.locator('[data-testid="grid-cell"][data-column="data_table"]').allTextContents();
    const ledgerTable = tables[sources.indexOf('public.ledger')];
    expect(ledgerTable).toMatch(/^d_\d+$/);

    await setSql(page, `SELECT sqlite_version() AS v, count(*) AS n, max(c_0) AS top FROM ${ledgerTable}`);
    await page.getByTestId('console-run').click();
    await poll(() => cell(page, 0, 'n').textContent()).toBe('50');
    expect(await cell(page, 0, 'v').textContent()).toMatch(/^3\.\d+/);
    expect(await cell(page, 0, 'top').textContent()).toBe('9007199254741042');
    expect(await text(page, 'console-status')).toMatch(/read-only snapshot$/);

    // Completion knows the source names and writes the data table they stand for.
    const content = page.getByTestId('console-editor').locator('.cm-content');
    await content.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('SELECT * FROM public.led');
    const option = page
      .getByTestId('console-editor')
      .locator('.cm-tooltip-autocomplete li', { has: page.locator('.cm-completionLabel', { hasText: /^ledger$/ }) });
    await option.first().click({ timeout: 30_000 });
    await poll(() => content.textContent()).toBe(`SELECT * FROM ${ledgerTable}`);

    // A write is refused by main, plainly.
    await setSql(page, `DELETE FROM ${ledgerTable}`);
    await page.getByTestId('console-run').click();
    await poll(() => text(page, 'console-error')).toMatch(/read-only/);
    await screenshot(page, 'snapshots-offline-console');

    // Migrations need the live database: the section says so instead of failing.
    await page.getByTestId('nav-migrations').click();
    await page.getByTestId('migrations-offline').waitFor();

    // Close: the banner goes, and the views are back on the (now dropped) live connection.
    await page.getByTestId('snapshot-banner-close').click();
    await page.getByTestId('snapshot-banner').waitFor({ state: 'detached' });
    expect(await page.getByTestId('status-connection').getAttribute('data-state')).not.toBe('snapshot');
    expect(unexpectedErrors(session.pageErrors)).toEqual([]);
  });

  it('diffs two captures side by side, and a capture against the live database', async () => {
    const { page } = session;
    const db = await freshDatabase('e2e_snap_diff');
    await connectProfile(page, db, 'Diff');
    await capture(page, 'diff-before');

    await runSql(
      db.url,
      `
      ALTER TABLE ai.cache_entries ADD COLUMN hits integer NOT NULL DEFAULT 0;
      DROP INDEX ai.cache_entries_model_idx;
      CREATE OR REPLACE FUNCTION ai.cleanup_expired_cache() RETURNS integer LANGUAGE sql AS $$ SELECT 42 $$;
      UPDATE ai.cache_entries SET model = 'gpt-5' WHERE id = 3;
      DELETE FROM ai.cache_entries WHERE id = 5;
      INSERT INTO ai.cache_entries (cache_key, model) VALUES ('key-new', 'claude');
      INSERT INTO analytics.events (event_type, payload) VALUES ('signup', '{"n": 0}');
      `,
    );
    await capture(page, 'diff-after');

    await page.getByTestId('snapshots-tab-diff').click();
    const left = page.getByTestId('diff-left');
    const right = page.getByTestId('diff-right');
    // The older on the left, the newer on the right, by default.
    expect(await left.locator('option:checked').textContent()).toMatch(/^diff-before/);
    expect(await right.locator('option:checked').textContent()).toMatch(/^diff-after/);
    await page.getByTestId('diff-run').click();
    await page.getByTestId('diff-result').waitFor({ timeout: 30_000 });

    // Schema: the added column, the dropped index, the changed function body.
    await page.locator('[data-testid="diff-added"][data-kind="column"][data-name="ai.cache_entries.hits"]').waitFor();
    await page
      .locator('[data-testid="diff-removed"][data-kind="index"][data-name="ai.cache_entries_model_idx"]')
      .waitFor();
    const fn = page.locator('[data-testid="diff-changed"][data-kind="function"]', { hasText: 'cleanup_expired_cache' });
    const body = fn.locator('[data-testid="diff-attr"][data-what="definition"]');
    expect(await body.getByTestId('diff-before').textContent()).toContain('SELECT 0');
    expect(await body.getByTestId('diff-after').textContent()).toContain('SELECT 42');

    // Row counts: only what differs by default.
    const events = page.locator('[data-testid="diff-count-row"][data-table="analytics.events"]');
    expect(await events.locator('td').allTextContents()).toEqual(['analytics.events', '2,500', '2,501', '+1']);
    expect(await page.locator('[data-testid="diff-count-row"][data-table="public.ledger"]').count()).toBe(0);
    await page.getByTestId('diff-counts-all').check();
    expect(await page.locator('[data-testid="diff-count-row"][data-table="public.ledger"]').count()).toBe(1);

    // Rows side by side: removed, added and changed (the changed cell marked on both sides).
    const cache = page.locator('[data-testid="row-diff"][data-table="ai.cache_entries"]');
    expect(await cache.getByTestId('row-diff-counts').textContent()).toBe('1 removed1 added1 changed');
    expect(await cache.getByTestId('row-removed').textContent()).toContain('key-5');
    expect(await cache.getByTestId('row-added').textContent()).toContain('key-new');
    const changed = cache.getByTestId('row-changed');
    expect(await changed.getAttribute('data-key')).toBe('3');
    expect(await changed.locator('td[data-changed="true"]').allTextContents()).toEqual(['claude', 'gpt-5']);
    const skipped = page.locator('[data-testid="row-diff-skipped"][data-table="public.audit_log"]');
    expect(await skipped.textContent()).toMatch(/no primary key/);
    await cache.scrollIntoViewIfNeeded();
    await screenshot(page, 'snapshots-diff-rows');
    await page.getByTestId('diff-form').scrollIntoViewIfNeeded();
    await screenshot(page, 'snapshots-diff');

    // Against live: the database is as "after" left it.
    await right.selectOption('live');
    await left.selectOption({ label: (await left.locator('option', { hasText: /^diff-after/ }).textContent()) ?? '' });
    await page.getByTestId('diff-run').click();
    await poll(() => text(page, 'diff-right-label')).toMatch(new RegExp(`^live ${db.name} `));
    expect(await text(page, 'diff-summary')).toMatch(/^No schema change · row counts equal · no row differences/);
    expect(unexpectedErrors(session.pageErrors)).toEqual([]);
  });

  it('refuses a file that is not a snapshot, and imports an exported one back as imported', async () => {
    const { page } = session;
    const db = await freshDatabase('e2e_snap_files');
    await connectProfile(page, db, 'Files');
    await capture(page, 'to-export', { tables: 'ai.*,public.ledger', rows: '100' });
    const row = snapshotRow(page, 'to-export');
    expect(await row.getByTestId('snapshot-tables').textContent()).toBe('2');
    expect(await row.getByTestId('snapshot-rows').textContent()).toBe('150');

    // Not a snapshot: refused with the reason, and nothing listed. (The serve process is shared by the tests
    // of this file: count from what is listed now.)
    const listed = await page.getByTestId('snapshot-row').count();
    const notes = path.join(tempDir, 'notes.txt');
    fs.writeFileSync(notes, 'These are notes, not a snapshot.\n');
    await page.getByTestId('snapshot-import').click();
    await page.getByTestId('import-path').fill(notes);
    await page.getByTestId('import-confirm').click();
    const refusal = page.getByTestId('import-error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain(notes);
    expect(await refusal.locator('.error-box__message').textContent()).not.toBe('');
    await screenshot(page, 'snapshots-import-refused');
    expect(await page.getByTestId('snapshot-row').count()).toBe(listed);

    // Export, then import the file back.
    const exported = path.join(tempDir, 'to-export.snapshot');
    await row.getByTestId('snapshot-details').click();
    await page.getByTestId('snapshot-export').click();
    await page.getByTestId('export-path').fill(exported);
    await page.getByTestId('export-confirm').click();
    await poll(() => text(page, 'export-result')).toContain(exported);
    expect(fs.statSync(exported).size).toBeGreaterThan(0);

    await page.getByTestId('import-path').fill(exported);
    await page.getByTestId('import-confirm').click();
    await poll(() => text(page, 'import-result')).toMatch(/^Imported /);
    await poll(() => page.getByTestId('snapshot-row').count()).toBe(listed + 1);
    const imported = page.locator('[data-testid="snapshot-row"][data-imported="true"]');
    expect(await imported.getByTestId('snapshot-imported').textContent()).toBe('imported');
    expect(await imported.getByTestId('snapshot-rows').textContent()).toBe('150');

    // Rename and delete (after a confirmation).
    await imported.getByTestId('snapshot-details').click();
    await page.getByTestId('snapshot-rename').click();
    await page.getByTestId('rename-input').fill('copied back');
    await page.getByTestId('rename-input').press('Enter');
    await snapshotRow(page, 'copied back').waitFor();
    await screenshot(page, 'snapshots-list-imported');
    await page.getByTestId('snapshot-delete').click();
    await page.getByTestId('delete-dialog').waitFor();
    await page.getByTestId('confirm-delete').click();
    await poll(() => page.getByTestId('snapshot-row').count()).toBe(listed);
    expect(await snapshotRow(page, 'copied back').count()).toBe(0);
    expect(unexpectedErrors(session.pageErrors)).toEqual([]);
  });
});
