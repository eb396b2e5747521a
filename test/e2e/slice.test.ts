/**
 * The first vertical slice, end to end: the built renderer in a real Chromium,
 * over the HTTP transport of a real `ops-console serve` child process, against
 * the run's real PostgreSQL server.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { openBrowser, screenshot, type BrowserSession } from '../helpers/browser';
import { createTestDatabase, runSql, STACK_SCHEMAS_SQL, type TestDatabase } from '../helpers/postgres';
import { startServe, type ServeProcess } from '../helpers/serve';

const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('first slice in Chromium over ops-console serve', () => {
  let db: TestDatabase;
  let serve: ServeProcess;
  let session: BrowserSession;

  beforeAll(async () => {
    db = await createTestDatabase('e2e');
    await runSql(db.url, STACK_SCHEMAS_SQL);
    serve = await startServe();
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

  it('shows app info from main: version, transport and data folder', async () => {
    const { page } = session;
    await page.goto(serve.url);
    // The token is exchanged for a cookie and removed from the address bar.
    expect(page.url()).not.toContain('token=');
    await expect.poll(() => page.getByTestId('app-version').textContent()).toContain(pkg.version);
    expect(await page.getByTestId('app-transport').textContent()).toContain('http');
    expect(await page.getByTestId('app-data-dir').textContent()).toContain(serve.dataDir);
    await expect.poll(() => page.getByTestId('status-link').textContent()).toMatch(/open/i);
    await expect.poll(() => page.getByTestId('status-backend').textContent()).toMatch(/not configured/i);
    expect(session.pageErrors).toEqual([]);
  });

  it('lists the schemas of a database URL and makes it the active connection', async () => {
    const { page } = session;
    await page.goto(serve.url);
    await page.getByTestId('db-url-input').fill(db.url);
    await page.getByTestId('list-schemas-button').click();
    await page.getByTestId('schema-list').waitFor();
    const rows = page.getByTestId('schema-row');
    await expect.poll(() => rows.count()).toBe(4);
    const names = (await rows.locator('td:first-child').allTextContents()).map((text) => text.trim());
    expect(names).toEqual(['ai', 'analytics', 'blockchain', 'public']);
    expect(await page.getByTestId('server-version').textContent()).toMatch(/\d+/);
    const status = (await page.getByTestId('status-connection').textContent()) ?? '';
    expect(status).toContain('127.0.0.1');
    const password = new URL(db.url).password;
    expect(status).not.toContain(password);

    // The Schema view shows the same listing without asking again for the URL.
    await page.getByRole('link', { name: 'Schema' }).click();
    await expect.poll(() => page.getByTestId('schema-row').count()).toBe(4);
    expect(session.pageErrors).toEqual([]);
  });

  it('shows a clear error with a hint for a wrong password, and never the password', async () => {
    const { page } = session;
    await page.goto(serve.url);
    const u = new URL(db.url);
    u.password = 'not-the-password-42';
    await page.getByTestId('db-url-input').fill(u.toString());
    await page.getByTestId('list-schemas-button').click();
    const error = page.getByTestId('connection-error');
    await error.waitFor();
    const text = (await error.textContent()) ?? '';
    expect(text).toMatch(/Password authentication failed/);
    expect(text).toMatch(/password/i);
    expect(text).not.toContain('not-the-password-42');
  });

  it('streams redacted log lines into the Logs view', async () => {
    const { page } = session;
    await page.goto(serve.url);
    await page.getByRole('link', { name: 'Logs' }).click();
    await page.getByTestId('log-line').first().waitFor();
    // A call made now must appear through the event stream, not a reload.
    await page.evaluate(async (url) => {
      await fetch('/api/rpc/db.listSchemas', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ url }),
      });
    }, db.url);
    await expect
      .poll(async () => (await page.getByTestId('log-line').allTextContents()).join('\n'))
      .toContain('listed 4 schemas');
    const all = (await page.getByTestId('log-line').allTextContents()).join('\n');
    expect(all).not.toContain(new URL(db.url).password);
    await page.getByTestId('log-filter-text').fill('listed 4 schemas');
    await expect.poll(() => page.getByTestId('log-line').count()).toBeGreaterThan(0);
    for (const line of await page.getByTestId('log-line').allTextContents()) expect(line).toContain('listed 4 schemas');
  });
});
