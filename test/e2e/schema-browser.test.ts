/**
 * Connection profiles, the connection check and the schema browser, end to
 * end: the built renderer in Chromium over a real `ops-console serve`, against
 * a fresh database shaped like the stack (quoted mixed-case names included).
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { openBrowser, screenshot, type BrowserSession } from '../helpers/browser';
import { createTestDatabase, runSql, type TestDatabase } from '../helpers/postgres';
import { startServe, type ServeProcess } from '../helpers/serve';

const FIXTURE_SQL = `
  CREATE SCHEMA ai;
  CREATE SCHEMA blockchain;
  CREATE SCHEMA analytics;

  CREATE TABLE public."User" (
    id bigserial PRIMARY KEY,
    "displayName" text NOT NULL,
    email varchar(255) UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  COMMENT ON COLUMN public."User"."displayName" IS 'Shown in the app';

  CREATE TABLE public."BusinessSubscription" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "userId" bigint NOT NULL REFERENCES public."User"(id) ON DELETE CASCADE,
    plan text NOT NULL CHECK (plan IN ('free', 'pro', 'team')),
    settings jsonb NOT NULL DEFAULT '{}',
    amount numeric(10,2)
  );
  CREATE INDEX "BusinessSubscription_settings_idx" ON public."BusinessSubscription" USING gin (settings);
  COMMENT ON TABLE public."BusinessSubscription" IS 'Paid plans per user';

  INSERT INTO public."User" ("displayName", email) VALUES ('Ada', 'ada@example.com'), ('Grace', 'grace@example.com'), ('Linus', NULL);
  INSERT INTO public."BusinessSubscription" ("userId", plan, settings, amount)
    VALUES (1, 'pro', '{"seats": 5}', 49.00), (2, 'team', '{"seats": 20, "sso": true}', 199.00);

  CREATE TABLE ai.cache_entries (
    id bigserial PRIMARY KEY,
    cache_key varchar(255) NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL
  );
  INSERT INTO ai.cache_entries (cache_key, expires_at) VALUES
    ('old-1', now() - interval '1 day'), ('old-2', now() - interval '2 days'), ('fresh', now() + interval '1 day');
  CREATE FUNCTION ai.cleanup_expired_cache() RETURNS integer LANGUAGE plpgsql AS $$
  DECLARE removed integer;
  BEGIN
    DELETE FROM ai.cache_entries WHERE expires_at < now();
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
  END $$;

  CREATE TABLE blockchain.wallets (id bigserial PRIMARY KEY, public_key varchar(255) UNIQUE);

  CREATE TABLE analytics.events (
    id bigserial PRIMARY KEY,
    event_type varchar(100) NOT NULL,
    "userId" bigint REFERENCES public."User"(id),
    created_at timestamptz NOT NULL DEFAULT now()
  );
  INSERT INTO analytics.events (event_type, "userId") VALUES ('login', 1), ('login', 2), ('purchase', 1);
  CREATE MATERIALIZED VIEW analytics.daily_events AS
    SELECT date_trunc('day', created_at) AS day, count(*) AS events FROM analytics.events GROUP BY 1;
  CREATE UNIQUE INDEX daily_events_day ON analytics.daily_events (day);
  CREATE MATERIALIZED VIEW analytics.event_totals AS
    SELECT event_type, count(*) AS total FROM analytics.events GROUP BY 1;
  ANALYZE;
`;

const PROFILE = 'Stack test';

function profileRow(page: Page, name: string) {
  return page.locator(`[data-testid="profile-row"][data-profile-name="${name}"]`);
}

function treeNode(page: Page, kind: string, name: string) {
  return page.locator(`[data-testid="tree-node"][data-kind="${kind}"][data-name="${name}"]`);
}

describe('profiles, connection check and schema browser in Chromium', () => {
  let db: TestDatabase;
  let serve: ServeProcess;
  let session: BrowserSession;
  let password: string;
  /** The test database's URL without a password: serve reads it from PGPASSWORD. */
  let urlWithoutPassword: string;

  beforeAll(async () => {
    db = await createTestDatabase('browser');
    await runSql(db.url, FIXTURE_SQL);
    password = new URL(inject('pgAdminUrl')).password;
    const u = new URL(db.url);
    u.password = '';
    urlWithoutPassword = u.toString();
    serve = await startServe({ PGPASSWORD: password });
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

  /** Create the profile once (profiles live in serve's data folder), then connect it in this window. */
  async function connectProfile(page: Page, name = PROFILE, options: { production?: boolean } = {}) {
    await page.goto(serve.url);
    await page.getByTestId('profile-list').waitFor();
    await expect.poll(() => profileRow(page, 'Local').count()).toBe(1);
    if ((await profileRow(page, name).count()) === 0) {
      await page.getByTestId('profile-new').click();
      const form = page.getByTestId('profile-form');
      await form.waitFor();
      // No host yet: read-only, until the host is known to be this machine.
      expect(await page.getByTestId('profile-readonly-checkbox').isChecked()).toBe(true);
      expect(await form.textContent()).toContain('On by default until the host is known to be this machine.');
      await page.getByTestId('profile-name-input').fill(name);
      await page.getByTestId('profile-url-input').fill(urlWithoutPassword);
      await page.getByTestId('profile-ssl-select').selectOption('disable');
      // 127.0.0.1 is this machine: read-only is off by default (it is on for any other host).
      expect(await page.getByTestId('profile-readonly-checkbox').isChecked()).toBe(false);
      expect(await form.textContent()).toContain('Off by default for a server on this machine.');
      if (options.production) await page.getByTestId('profile-production-checkbox').check();
      await page.getByTestId('profile-save').click();
      await form.waitFor({ state: 'detached' });
      await profileRow(page, name).waitFor();
    }
    await profileRow(page, name).getByTestId('profile-connect').click();
    await expect.poll(() => page.getByTestId('status-pool').textContent(), { timeout: 20_000 }).toMatch(/Pool \d+\/10/);
  }

  async function openInSchema(page: Page, search: string, kind: string, name: string) {
    await page.getByTestId('tree-search').fill(search);
    await treeNode(page, kind, name).click();
    await expect.poll(() => page.getByTestId('object-title').getAttribute('data-name')).toBe(name);
  }

  it('saves a profile from a URL without a password, connects it and checks it step by step', async () => {
    const { page } = session;
    await connectProfile(page);
    const row = profileRow(page, PROFILE);
    expect(await row.textContent()).toContain('postgres@127.0.0.1');
    expect(await row.textContent()).not.toContain('read-only');

    const status = (await page.getByTestId('status-connection').textContent()) ?? '';
    expect(status).toContain(PROFILE);
    expect(status).toMatch(/PostgreSQL \d+/);
    expect(status).not.toContain(password);
    expect(await page.getByTestId('status-pool').textContent()).toMatch(/Pool \d+\/10 · \d+ idle · 0 waiting/);
    expect(await page.getByTestId('status-production').count()).toBe(0);

    await row.getByTestId('profile-check').click();
    const steps = row.getByTestId('doctor-step');
    await expect.poll(() => steps.count(), { timeout: 20_000 }).toBe(5);
    const results: Record<string, string | null> = {};
    for (const step of await steps.all()) {
      results[(await step.getAttribute('data-step')) ?? '?'] = await step.getAttribute('data-status');
    }
    // sslmode=disable: TLS is not attempted; every other step passes.
    expect(results).toEqual({ dns: 'pass', tcp: 'pass', tls: 'skip', auth: 'pass', version: 'pass' });
    expect(await row.getByTestId('doctor-report').textContent()).toMatch(/All checks passed/);
    expect(await page.locator('body').textContent()).not.toContain(password);
    expect(session.pageErrors).toEqual([]);
  });

  it('refuses to store a password in serve mode and says what to do instead', async () => {
    const { page } = session;
    await page.goto(serve.url);
    await page.getByTestId('profile-new').click();
    await page.getByTestId('profile-name-input').fill('With password');
    await page.getByTestId('profile-url-input').fill(urlWithoutPassword);
    await page.getByTestId('profile-password-input').fill('typed-secret-42');
    await page.getByTestId('profile-save').click();
    const error = page.getByTestId('profile-form-error');
    await error.waitFor();
    const text = (await error.textContent()) ?? '';
    expect(text).toMatch(/Refusing to save the password/);
    expect(text).toMatch(/PGPASSWORD/);
    expect(text).not.toContain('typed-secret-42');
    // Nothing was saved.
    expect(await profileRow(page, 'With password').count()).toBe(0);
  });

  it('browses the catalog: search, mixed-case names, columns, indexes, foreign keys both ways and DDL', async () => {
    const { page } = session;
    await connectProfile(page);
    await page.getByRole('link', { name: 'Schema' }).click();
    await page.getByTestId('schema-tree').waitFor();
    await expect.poll(() => page.locator('[data-testid="tree-node"][data-kind="schema"]').count()).toBe(4);

    await page.getByTestId('tree-search').fill('business');
    await expect
      .poll(() =>
        page
          .locator('[data-testid="tree-node"][data-kind="table"]')
          .evaluateAll((n) => n.map((e) => e.getAttribute('data-name'))),
      )
      .toEqual(['BusinessSubscription']);
    await treeNode(page, 'table', 'BusinessSubscription').click();
    expect(await page.getByTestId('object-title').textContent()).toBe('public.BusinessSubscription');
    expect(await page.getByTestId('object-comment').textContent()).toBe('Paid plans per user');
    expect(await page.getByTestId('row-estimate').textContent()).toMatch(/~2 rows \(estimate\)/);
    expect(await page.getByTestId('relation-sizes').textContent()).toMatch(/Total \d/);

    const columns = await page
      .getByTestId('column-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
    expect(columns).toEqual(['id', 'userId', 'plan', 'settings', 'amount']);
    const idRow = page.locator('[data-testid="column-row"][data-name="id"]');
    expect(await idRow.textContent()).toContain('GENERATED ALWAYS AS IDENTITY');
    expect(await page.locator('[data-testid="column-row"][data-name="amount"]').textContent()).toContain(
      'numeric(10,2)',
    );
    await screenshot(page, 'schema browser - columns of BusinessSubscription');

    await page.getByTestId('tab-indexes').click();
    const gin = page.locator('[data-testid="index-row"][data-method="gin"]');
    await gin.waitFor();
    expect(await gin.textContent()).toContain('BusinessSubscription_settings_idx');

    await page.getByTestId('tab-fks').click();
    const out = page.locator('[data-testid="fk-row"][data-direction="out"]');
    await expect.poll(() => out.count()).toBe(1);
    expect(await out.textContent()).toContain('public.User');
    expect(await out.textContent()).toContain('cascade');

    await page.getByTestId('tab-ddl').click();
    const ddl = (await page.getByTestId('ddl-text').textContent()) ?? '';
    expect(ddl).toMatch(/CREATE TABLE public\."BusinessSubscription"/);
    expect(ddl).toContain('"userId"');
    expect(ddl).toMatch(/REFERENCES public\."User"/);
    await screenshot(page, 'schema browser - DDL of BusinessSubscription');

    // Exact counts only on demand.
    expect(await page.getByTestId('exact-count').count()).toBe(0);
    await page.getByTestId('exact-count-button').click();
    await expect.poll(() => page.getByTestId('exact-count').textContent()).toBe('exactly 2 rows');

    // "User" and its incoming foreign keys, found by following the link in the outgoing key.
    await page.getByTestId('tab-fks').click();
    await out.getByRole('button', { name: 'public.User' }).click();
    await expect.poll(() => page.getByTestId('object-title').textContent()).toBe('public.User');
    const incoming = page.locator('[data-testid="fk-row"][data-direction="in"]');
    await expect.poll(() => incoming.count()).toBe(2);
    const from = await incoming.evaluateAll((rows) => rows.map((r) => r.querySelector('td')?.textContent));
    expect(from).toEqual(['analytics.events', 'public.BusinessSubscription']);
    await screenshot(page, 'schema browser - foreign keys into User');

    // A search with the same letters in another case finds "User" too.
    await openInSchema(page, 'USER', 'table', 'User');
    await page.getByTestId('tab-columns').click();
    expect(await page.locator('[data-testid="column-row"][data-name="displayName"]').textContent()).toContain(
      'Shown in the app',
    );

    // The Data tab shows the rows (the data grid component).
    await page.getByTestId('tab-data').click();
    await page.getByTestId('table-data').waitFor();
    await expect.poll(() => page.getByTestId('table-data').textContent(), { timeout: 20_000 }).toContain('Grace');
    expect(session.pageErrors).toEqual([]);
  });

  it('reads the exact sizes of a table on demand, as PostgreSQL measures them now', async () => {
    const { page } = session;
    await connectProfile(page);
    await page.getByRole('link', { name: 'Schema' }).click();
    await openInSchema(page, 'wallets', 'table', 'wallets');
    // A small catalog: the model's sizes are exact already, so nothing says "estimated".
    expect(await page.getByTestId('sizes-estimated').count()).toBe(0);
    expect(await page.getByTestId('relation-sizes-exact').count()).toBe(0);
    const button = page.getByTestId('exact-sizes-button');
    expect(await button.textContent()).toBe('Exact sizes');
    await page.getByTestId('tab-indexes').click();
    const keySize = page.locator('[data-testid="index-row"][data-name="wallets_public_key_key"] td').nth(6);
    const keySizeInModel = await keySize.textContent();

    // The table grows after the model was read: the exact sizes must be read now, not taken from the model.
    await runSql(
      db.url,
      `INSERT INTO blockchain.wallets (public_key)
         SELECT repeat(md5(g::text), 6) FROM generate_series(1, 3000) g`,
    );
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    let expected: string;
    try {
      const { rows } = await client.query<{ total: string }>(
        `SELECT pg_table_size(c.oid)
                + (SELECT coalesce(sum(pg_total_relation_size(i.indexrelid)), 0) FROM pg_index i WHERE i.indrelid = c.oid)
                AS total
           FROM pg_class c WHERE c.oid = 'blockchain.wallets'::regclass`,
      );
      expected = rows[0]?.total ?? '';
    } finally {
      await client.end();
    }
    expect(Number(expected)).toBeGreaterThan(100_000);

    await button.click();
    const exact = page.getByTestId('relation-sizes-exact');
    await expect.poll(() => exact.getAttribute('data-total-bytes')).toBe(expected);
    expect(await exact.textContent()).toMatch(/Table \d.*Indexes \d.*TOAST \d.*Total \d.*exact/);
    expect(await button.textContent()).toBe('Read again');
    expect(await page.getByTestId('exact-sizes-error').count()).toBe(0);
    // The Indexes tab shows the index's exact size too, grown since the model was read.
    await expect.poll(() => keySize.textContent()).not.toBe(keySizeInModel);
    await screenshot(page, 'schema browser - exact sizes of wallets');
    expect(session.pageErrors).toEqual([]);
  });

  it('refreshes materialized views and runs a function only after the database name is typed', async () => {
    const { page } = session;
    await connectProfile(page);
    await page.getByRole('link', { name: 'Schema' }).click();

    await openInSchema(page, 'daily', 'materialized_view', 'daily_events');
    await page.getByTestId('refresh-matview').click();
    await expect.poll(() => page.getByTestId('op-result').textContent()).toMatch(/Refreshed CONCURRENTLY in/);

    await openInSchema(page, 'totals', 'materialized_view', 'event_totals');
    await page.getByTestId('refresh-matview').click();
    await expect
      .poll(() => page.getByTestId('op-result').textContent())
      .toMatch(/Refreshed \(not concurrently\) in .+ — /);

    await openInSchema(page, 'cleanup', 'function', 'cleanup_expired_cache');
    expect(await page.getByTestId('fn-signature').textContent()).toBe('ai.cleanup_expired_cache()');
    await page.getByTestId('run-function').click();
    const dialog = page.getByTestId('run-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(db.name);
    const confirm = page.getByTestId('confirm-run');
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByTestId('confirm-database-input').fill(db.name.toUpperCase());
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByTestId('confirm-database-input').fill(db.name);
    expect(await confirm.isDisabled()).toBe(false);
    await confirm.click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('op-result').textContent()).toMatch(/Returned 2 in/);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM ai.cache_entries');
      expect(rows[0]?.n).toBe('1');
    } finally {
      await client.end();
    }
    expect(session.pageErrors).toEqual([]);
  });

  it('starts the embedded server when the built-in Local profile connects, and stops it on request', async () => {
    const { page } = session;
    await page.goto(serve.url);
    const row = profileRow(page, 'Local');
    const server = row.getByTestId('local-server');
    await expect.poll(() => server.getAttribute('data-state')).toBe('stopped');
    // Local cannot be edited or deleted.
    expect(await row.getByTestId('profile-delete').count()).toBe(0);
    await row.getByTestId('profile-connect').click();
    await expect.poll(() => server.getAttribute('data-state'), { timeout: 90_000 }).toBe('running');
    await expect.poll(() => page.getByTestId('status-pool').textContent(), { timeout: 30_000 }).toMatch(/Pool \d+\/10/);
    expect(await page.getByTestId('status-connection').textContent()).toMatch(/Local.*PostgreSQL \d+/);
    await row.getByTestId('local-stop').click();
    await expect.poll(() => server.getAttribute('data-state'), { timeout: 30_000 }).toBe('stopped');
    expect(session.pageErrors).toEqual([]);
  });

  it('marks the whole window when the active profile is production', async () => {
    const { page } = session;
    await connectProfile(page, 'Stack production', { production: true });
    await page.getByTestId('production-banner').waitFor();
    expect(await page.getByTestId('production-banner').textContent()).toContain('Stack production');
    expect(await page.getByTestId('status-production').textContent()).toBe('PRODUCTION');
    expect(await profileRow(page, 'Stack production').textContent()).toMatch(/production/i);
    await page.getByRole('link', { name: 'Schema' }).click();
    await expect.poll(() => page.getByTestId('tree-node').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('production-banner').isVisible()).toBe(true);
  });
});
