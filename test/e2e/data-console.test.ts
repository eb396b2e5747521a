/**
 * The data grid and the SQL console in Chromium, over a real `ops-console
 * serve`, against a fresh database of the run's PostgreSQL server.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { openBrowser, screenshot, type BrowserSession } from '../helpers/browser';
import { createTestDatabase, runSql, type TestDatabase } from '../helpers/postgres';
import { startServe, type ServeProcess } from '../helpers/serve';

/** ids past 2^53, so a conversion through a JS number would show. */
const ID_BASE = '9007199254740000';

const FIXTURE_SQL = `
  CREATE TABLE big_items (
    id bigint PRIMARY KEY,
    amount numeric(30,10) NOT NULL,
    payload jsonb,
    body text,
    label text
  );
  INSERT INTO big_items
  SELECT ${ID_BASE}::bigint + g,
         (g * 1234567.0123456789)::numeric(30,10),
         jsonb_build_object('n', g, 'tags', jsonb_build_array('a', 'b'), 'nested', jsonb_build_object('even', g % 2 = 0)),
         repeat('long text ' || g || ' ', 40),
         CASE WHEN g % 10 = 0 THEN NULL WHEN g % 10 = 1 THEN '' ELSE 'label ' || g END
  FROM generate_series(1, 3000) AS g;
  ANALYZE big_items;

  CREATE TABLE no_pk_log (line integer, message text);
  INSERT INTO no_pk_log SELECT g, 'message ' || g FROM generate_series(1, 500) AS g;

  CREATE TABLE "User" ("Id" serial PRIMARY KEY, "Email" text NOT NULL);
  INSERT INTO "User" ("Email") VALUES ('ada@example.com'), ('grace@example.com');
`;

async function queryValue(url: string, sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ v: string }>(sql);
    return String(result.rows[0]?.v);
  } finally {
    await client.end();
  }
}

/**
 * The browser logs its own line for every call answered with an HTTP error
 * status (the transport sends database errors as 502); a test that expects a
 * statement to fail expects that line and nothing else.
 */
const FAILED_CALL = /^Failed to load resource: the server responded with a status of 502 \(Bad Gateway\)$/;
const unexpectedErrors = (errors: readonly string[]) => errors.filter((e) => !FAILED_CALL.test(e));

const poll = <T>(fn: () => Promise<T> | T, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 });
const text = async (page: Page, testId: string) =>
  ((await page.getByTestId(testId).first().textContent()) ?? '').trim();

describe('data grid and SQL console in Chromium over ops-console serve', () => {
  let db: TestDatabase;
  let serve: ServeProcess;
  let session: BrowserSession;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_data');
    await runSql(db.url, FIXTURE_SQL);
    serve = await startServe({ PGPASSWORD: new URL(inject('pgAdminUrl')).password });
  });
  afterAll(async () => {
    const code = await serve?.stop();
    expect(code).toBe(0);
    await db?.drop();
  });
  beforeEach(async () => {
    session = await openBrowser();
  });
  afterEach(async (context) => {
    if (!session) return;
    await screenshot(session.page, context.task.name);
    await session.close();
  });

  /**
   * Quick-connect with the database URL and wait until it is the active,
   * connected connection. A failure says what the page and serve said, not
   * only that an element never appeared.
   */
  /** The end of serve's log file and stderr, for a failure message. */
  function serveLogTail(): string {
    const file = path.join(serve.dataDir, 'logs', 'ops-console.log');
    const log = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '(no log file)';
    return `serve's log ends with:\n${log.slice(-3000)}\nserve's stderr ends with:\n${serve.stderr().slice(-1000)}`;
  }

  async function connect(page: Page) {
    await page.goto(serve.url);
    await page.getByTestId('db-url-input').fill(db.url);
    await page.getByTestId('list-schemas-button').click();
    const connected = page.locator('[data-testid="active-state"] [data-state="connected"]');
    const failed = page.getByTestId('connection-error').or(page.getByTestId('active-connection-error'));
    try {
      await connected.or(failed).first().waitFor({ timeout: 30_000 });
    } catch (error) {
      throw new Error(`The quick connect did not finish: ${String(error)}\n${serveLogTail()}`, { cause: error });
    }
    if (await failed.count()) {
      throw new Error(`The quick connect failed: ${await failed.first().textContent()}\n${serveLogTail()}`);
    }
  }

  async function openConsole(page: Page) {
    await connect(page);
    await page.getByTestId('nav-console').click();
    await page.getByTestId('console-editor').locator('.cm-content').waitFor({ timeout: 30_000 });
  }

  /**
   * Replace the editor text the way a person would. (Playwright's fill() goes
   * through execCommand, which makes Chromium add inline-styled spans to keep
   * the highlighting it deletes: the CSP refuses those, which no keyboard does.)
   */
  async function setSql(page: Page, sql: string) {
    const content = page.getByTestId('console-editor').locator('.cm-content');
    await content.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.press('Backspace');
    await page.keyboard.insertText(sql);
    await poll(() => content.textContent()).toBe(sql.replace(/\n/g, ''));
  }

  async function run(page: Page, sql: string) {
    await setSql(page, sql);
    await page.getByTestId('console-run').click();
  }

  async function openTableData(page: Page, table: string) {
    await page.getByTestId('nav-schema').click();
    await page.getByTestId('tree-search').fill(table);
    const node = page.locator(`[data-testid="tree-node"][data-kind="table"][data-name="${table}"]`);
    await node.first().click({ timeout: 30_000 });
    await page.getByTestId('tab-data').click();
    await page.locator(`[data-testid="table-data"][data-table="public.${table}"]`).waitFor({ timeout: 30_000 });
  }

  it('shows an empty state with a way to Connections when nothing is connected', async () => {
    const { page } = session;
    await page.goto(serve.url);
    // The schema browser says the same, and what it will show.
    await page.getByTestId('nav-schema').click();
    const schemaEmpty = page.getByTestId('schema-empty');
    await schemaEmpty.waitFor();
    expect(await schemaEmpty.textContent()).toContain('No connection yet');
    await page.getByTestId('nav-console').click();
    await page.getByTestId('console-empty').waitFor();
    await page.getByRole('button', { name: 'Go to Connections' }).click();
    await page.getByTestId('db-url-input').waitFor();
    expect(session.pageErrors).toEqual([]);
  });

  it('runs a query into the grid with exact values, NULL and empty text told apart, styled editor and no CSP error', async () => {
    const { page } = session;
    await openConsole(page);

    // CodeMirror's styles are in an adopted stylesheet of its shadow root, which the CSP allows.
    const editorStyle = await page.evaluate(() => {
      const root = document.querySelector('[data-testid="console-editor"]')?.shadowRoot;
      const editor = root?.querySelector('.cm-editor');
      const gutters = root?.querySelector('.cm-gutters');
      return {
        adopted: root?.adoptedStyleSheets.length ?? 0,
        display: editor ? getComputedStyle(editor).display : null,
        gutterBackground: gutters ? getComputedStyle(gutters).backgroundColor : null,
        documentStyleElements: document.querySelectorAll('style').length,
      };
    });
    expect(editorStyle).toEqual({
      adopted: 1,
      display: 'flex',
      gutterBackground: 'rgb(247, 248, 250)',
      documentStyleElements: 0,
    });

    await run(page, `SELECT id, amount, label, payload FROM big_items ORDER BY id LIMIT 50`);
    await poll(() => text(page, 'console-status')).toMatch(/^SELECT · 50 rows · .* · read-only transaction$/);
    await poll(() => page.getByTestId('grid-row').count()).toBeGreaterThan(10);
    const firstRow = page.locator('[data-testid="grid-row"][data-index="0"]');
    expect(await firstRow.locator('[data-column="id"]').textContent()).toBe('9007199254740001');
    expect(await firstRow.locator('[data-column="amount"]').textContent()).toBe('1234567.0123456789');
    expect(await firstRow.locator('[data-column="label"]').getAttribute('data-kind')).toBe('empty');
    const tenth = page.locator('[data-testid="grid-row"][data-index="9"]');
    expect(await tenth.locator('[data-column="label"]').getAttribute('data-kind')).toBe('null');
    expect(await tenth.locator('[data-column="label"]').textContent()).toBe('NULL');

    // SQL keywords are highlighted (a styled token span), not plain text.
    const keywordColor = await page.evaluate(() => {
      const root = document.querySelector('[data-testid="console-editor"]')?.shadowRoot;
      const span = Array.from(root?.querySelectorAll('.cm-line span') ?? []).find((s) => s.textContent === 'SELECT');
      return span ? getComputedStyle(span).color : null;
    });
    expect(keywordColor).not.toBeNull();
    expect(keywordColor).not.toBe('rgb(28, 34, 48)');

    // Ctrl+Enter runs too.
    await setSql(page, 'SELECT count(*) AS n FROM "User"');
    await page.keyboard.press('Control+Enter');
    await poll(() => page.locator('[data-testid="grid-cell"][data-column="n"]').first().textContent()).toBe('2');
    expect(session.pageErrors).toEqual([]);
  });

  it('completes schema, table and column names from the catalog, quoting mixed case', async () => {
    const { page } = session;
    await openConsole(page);
    const content = page.getByTestId('console-editor').locator('.cm-content');
    await content.click();
    await page.keyboard.type('SELECT * FROM big_it');
    const options = page.getByTestId('console-editor').locator('.cm-tooltip-autocomplete li');
    await poll(() => options.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('big_items')]));
    await page.keyboard.press('Escape');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('SELECT * FROM Use');
    // The table (not the USER keyword): completing it inserts the quoted name.
    const userTable = options.filter({ has: page.locator('.cm-completionLabel', { hasText: /^User$/ }) });
    await userTable.first().waitFor({ timeout: 30_000 });
    expect(await userTable.first().textContent()).toContain('table');
    await userTable.first().click();
    await poll(() => content.textContent()).toBe('SELECT * FROM "User"');

    // Columns through an alias, and tables through their schema.
    await page.keyboard.type(' u WHERE u.Em');
    const email = options.filter({ has: page.locator('.cm-completionLabel', { hasText: /^Email$/ }) });
    await email.first().click({ timeout: 30_000 });
    await poll(() => content.textContent()).toBe('SELECT * FROM "User" u WHERE u."Email"');
    await page.keyboard.type(' IN (SELECT label FROM public.no_p');
    await poll(() => options.allTextContents()).toEqual(expect.arrayContaining(['no_pk_logtable']));
    expect(session.pageErrors).toEqual([]);
  });

  it("shows PostgreSQL's error with the line and column, and selects it in the editor", async () => {
    const { page } = session;
    await openConsole(page);
    await run(page, 'SELECT *\nFROM nope');
    const error = page.getByTestId('console-error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.textContent()).toContain('relation "nope" does not exist');
    expect(await text(page, 'console-error-position')).toBe('line 2, column 6');
    const marked = await page.evaluate(() => {
      const root = document.querySelector('[data-testid="console-editor"]')?.shadowRoot;
      return root?.querySelector('.cm-sql-error')?.textContent ?? null;
    });
    expect(marked).toBe('nope');
    expect(await text(page, 'console-status')).toMatch(/^Failed after/);
    expect(unexpectedErrors(session.pageErrors)).toEqual([]);
  });

  it('cancels a running query with pg_cancel_backend', async () => {
    const { page } = session;
    await openConsole(page);
    await run(page, 'SELECT pg_sleep(30)');
    await page.getByTestId('console-cancel').waitFor();
    await poll(() => text(page, 'console-status')).toMatch(/^Running… \d+\.\d s$/);
    await page.getByTestId('console-cancel').click();
    // Well before pg_sleep(30) would end on its own; the error must say it was cancelled.
    await page.getByTestId('console-error').waitFor({ timeout: 25_000 });
    expect(await page.getByTestId('console-error').getAttribute('data-cancelled')).toBe('true');
    expect(await text(page, 'console-status')).toMatch(/^Cancelled after/);
    await page.getByTestId('console-run').waitFor();
    expect(unexpectedErrors(session.pageErrors)).toEqual([]);
  });

  it('refuses an INSERT unless writes are allowed for the tab', async () => {
    const { page } = session;
    await openConsole(page);
    const allow = page.getByTestId('console-allow-write');
    expect(await allow.isChecked()).toBe(false);
    const insert = `INSERT INTO "User" ("Email") VALUES ('linus@example.com')`;
    await run(page, insert);
    const error = page.getByTestId('console-error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.textContent()).toMatch(/read-only transaction/);
    expect(await queryValue(db.url, `SELECT count(*) AS v FROM "User"`)).toBe('2');

    await allow.check();
    await page.getByTestId('console-run').click();
    await poll(() => text(page, 'console-status')).toMatch(/^INSERT · 1 row affected · .* · writes allowed$/);
    expect(await queryValue(db.url, `SELECT count(*) AS v FROM "User"`)).toBe('3');

    // A new tab starts read-only again.
    await page.getByTestId('console-new-tab').click();
    await poll(() => page.getByTestId('console-tab').count()).toBe(2);
    expect(await page.getByTestId('console-allow-write').isChecked()).toBe(false);
    expect(await page.getByTestId('console-editor').locator('.cm-content').textContent()).toBe('');
    await page.locator('[data-testid="console-tab"][data-active="false"] [role="tab"]').click();
    await poll(() => page.getByTestId('console-editor').locator('.cm-content').textContent()).toBe(insert);
    expect(unexpectedErrors(session.pageErrors)).toEqual([]);
  });

  it('shows EXPLAIN as a tree, without ANALYZE unless asked', async () => {
    const { page } = session;
    await openConsole(page);
    expect(await page.getByTestId('explain-analyze').isChecked()).toBe(false);
    await setSql(
      page,
      `SELECT b.id, u."Email" FROM big_items b JOIN "User" u ON u."Id" = b.id WHERE b.amount > 5 ORDER BY b.id`,
    );
    await page.getByTestId('console-explain').click();
    const tree = page.getByTestId('explain-tree');
    await tree.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('explain-node').count()).toBeGreaterThan(1);
    expect(await tree.textContent()).toContain('big_items');
    expect(await tree.textContent()).not.toContain('actual rows');

    await page.getByTestId('explain-analyze').check();
    await page.getByTestId('console-explain').click();
    await poll(() => tree.textContent()).toContain('actual rows');
    expect(session.pageErrors).toEqual([]);
  });

  it('pages, sorts and filters table rows, keeps the filters across tables and opens jsonb in a side panel', async () => {
    const { page } = session;
    await connect(page);
    await openTableData(page, 'big_items');
    await poll(() => text(page, 'rows-loaded')).toMatch(/^1,000 rows loaded · more available$/);
    expect(await text(page, 'paging-mode')).toContain('keyset');

    // Scrolling to the end loads the next pages; the DOM keeps only the rows in view.
    const scroller = page.locator('[data-table="public.big_items"] .result-grid__scroll');
    for (let i = 0; i < 20 && !/all rows/.test(await text(page, 'rows-loaded')); i++) {
      await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await page.waitForTimeout(200);
    }
    await poll(() => text(page, 'rows-loaded')).toBe('3,000 rows loaded · all rows');
    await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    expect(await page.getByTestId('grid-row').count()).toBeLessThan(100);
    await poll(() => page.locator('[data-testid="grid-row"][data-index="2999"] [data-column="id"]').textContent()).toBe(
      '9007199254743000',
    );

    // Sort: asc, then desc, by clicking the header.
    const amountHeader = page.locator('[data-testid="grid-header"][data-column="amount"] button').first();
    await amountHeader.click();
    await poll(() => page.locator('[data-testid="grid-header"][data-column="amount"]').getAttribute('data-sort')).toBe(
      'asc',
    );
    await amountHeader.click();
    await poll(() => page.getByTestId('sort-indicator').getAttribute('data-direction')).toBe('desc');
    const maxAmount = await queryValue(db.url, 'SELECT max(amount)::text AS v FROM big_items');
    await poll(() =>
      page.locator('[data-testid="grid-row"][data-index="0"] [data-column="amount"]').textContent(),
    ).toBe(maxAmount);

    // Filter: label starts with "label 12".
    await page.getByTestId('filter-add').click();
    await page.getByTestId('filter-column').selectOption('label');
    await page.getByTestId('filter-operator').selectOption('starts_with');
    await page.getByTestId('filter-value').fill('label 12');
    await page.getByTestId('filter-apply').click();
    const expected = await queryValue(db.url, `SELECT count(*) AS v FROM big_items WHERE label LIKE 'label 12%'`);
    await poll(() => text(page, 'rows-loaded')).toBe(`${expected} rows loaded · all rows`);
    for (const label of await page.locator('[data-testid="grid-cell"][data-column="label"]').allTextContents()) {
      expect(label).toMatch(/^label 12/);
    }

    // jsonb in the side panel, pretty-printed.
    await page
      .locator('[data-testid="grid-row"][data-index="0"] [data-column="payload"] [data-testid="cell-expand"]')
      .click();
    const panel = page.getByTestId('json-panel');
    await panel.waitFor();
    const json = (await panel.locator('pre').textContent()) ?? '';
    expect(json).toMatch(/^\{\n {2}"n": \d+,\n {2}"tags": \[\n {4}"a",/);
    await screenshot(page, 'data grid with jsonb panel');
    await page.getByTestId('json-panel-close').click();

    // Another table, then back: sort and filter are still there.
    await openTableData(page, 'User');
    await poll(() => text(page, 'rows-loaded')).toMatch(/^\d+ rows loaded · all rows$/);
    await openTableData(page, 'big_items');
    expect(await page.getByTestId('filter-value').inputValue()).toBe('label 12');
    expect(await text(page, 'filters-applied')).toBe('1 filter applied');
    expect(await page.getByTestId('sort-indicator').getAttribute('data-direction')).toBe('desc');
    await poll(() => text(page, 'rows-loaded')).toBe(`${expected} rows loaded · all rows`);
    expect(session.pageErrors).toEqual([]);
  });

  it('says so when a table without a primary key pages with OFFSET', async () => {
    const { page } = session;
    await connect(page);
    await openTableData(page, 'no_pk_log');
    const note = page.getByTestId('offset-note');
    await note.waitFor({ timeout: 30_000 });
    expect(await note.textContent()).toMatch(/OFFSET/);
    await poll(() => text(page, 'rows-loaded')).toMatch(/^500 rows loaded · all rows$/);
    expect(session.pageErrors).toEqual([]);
  });
});
