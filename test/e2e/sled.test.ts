/**
 * The Sled import wizard end to end: the built renderer in Chromium over a
 * real `ops-console serve`, a fresh database with the stack's migrations, and
 * an export written byte for byte as the bot and an exporter write it — with
 * broken lines and a wallet carrying a plaintext secret. Import, read the
 * summary, change the TTL and plan, load with a passphrase, read the report
 * (reconciled), export it as JSON, reopen the import after a reload, delete
 * another behind a confirmation; the passphrase and the secret never reach
 * the page or anything main sends the browser.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SledReport } from '../../common/sled';
import {
  encodeBalance,
  encodeCachedResponse,
  encodeConversationEntry,
  encodeMemoryEntry,
  encodePreference,
  encodeWalletInfo,
  generateExport,
  JsonlExportWriter,
} from '../../main/services/sled/test-export';
import { openBrowser, screenshot, type BrowserSession } from '../helpers/browser';
import { cli } from '../helpers/cli';
import { createTestDatabase, queryRows, type TestDatabase } from '../helpers/postgres';
import { startServe, type ServeProcess } from '../helpers/serve';

/** A base58 keypair as the bot kept it, in plaintext, in wallet:alice_123. */
const SECRET = '4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw9Ufp3B2p9x5rz3SAFmfJnbGkFgLHgWxaLZq1c2K2Fm7yR';
const PASSPHRASE = 'correct horse battery staple 42';
const PROFILE = 'Sled target';

/** 1500.000000123 + 2000 FODI in units of 1e-9: the decimals show a float would lose them. */
const ALICE_TOTAL = 1_500_000_000_123n;
const BOB_TOTAL = 2_000_000_000_000n;
const BALANCE_TOTAL = ALICE_TOTAL + BOB_TOTAL;
const CACHE_KEY = 'a3f1'.repeat(16);
const CACHED_AT = 1_700_000_000n;

/** The broken lines and entries the export carries, one of each kind a user would meet. */
const PROBLEMS = { invalid_json: 1, bad_base64: 1, unknown_key: 1, decode_error: 1 } as const;
/** Entries that map to a row: 2 balances, 2 wallets, 1 cache entry, 1 conversation, 1 memory, 1 preference. */
const GOOD_ENTRIES = 8;
const ENTRIES = GOOD_ENTRIES + Object.values(PROBLEMS).reduce((a, b) => a + b, 0);

/** Format A, as the documented Rust exporter writes it, plus what a damaged file holds. */
function writeExport(file: string): void {
  const w = new JsonlExportWriter(file);
  w.header({ source: 'fodi_ledger', exportedAt: '2026-11-20T12:00:00Z' });
  w.entry(
    Buffer.from('balance:alice_123'),
    encodeBalance({ total: ALICE_TOTAL, locked: 123n, available: ALICE_TOTAL - 123n }),
  );
  w.entry(Buffer.from('balance:bob_7'), encodeBalance({ total: BOB_TOTAL, locked: 0n, available: BOB_TOTAL }));
  // A line cut short in the middle: not JSON.
  w.raw('{"tree":"__sled__default","key":"balance:carol_9","val\n');
  w.header({ source: 'wallets', exportedAt: '2026-11-20T12:00:00Z' });
  w.entry(
    Buffer.from('wallet:alice_123'),
    encodeWalletInfo({
      user_id: 'alice_123',
      pubkey: '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU',
      secret: SECRET,
      chain: 'solana',
      created_at: 1_690_000_000n,
      wallet_type: 'Managed',
    }),
  );
  w.entry(
    Buffer.from('wallet:bob_7'),
    encodeWalletInfo({
      user_id: 'bob_7',
      pubkey: 'DRpbCBMxVnDK7maPM5tGv6MvB3v1sRMC86PZ8okm21hy',
      secret: null,
      chain: 'solana',
      created_at: 1_690_000_500n,
      wallet_type: 'External',
    }),
  );
  w.raw('{"tree":"__sled__default","key":"wallet:eve_1","value_b64":"!!not base64!!"}\n');
  w.header({ source: 'ai_cache', exportedAt: '2026-11-20T12:00:00Z' });
  w.entry(
    Buffer.from(CACHE_KEY),
    encodeCachedResponse({
      query: 'is the café open tonight?',
      response: 'Yes, until 23:00.',
      model: 'gpt-4o-mini',
      cached_at: CACHED_AT,
      hit_count: 3,
      quality_score: 87,
    }),
  );
  w.header({ source: 'local_agents', exportedAt: '2026-11-20T12:00:00Z' });
  w.entry(
    Buffer.from('ctx:alice_123:1700000100'),
    encodeConversationEntry({
      user_id: 'alice_123',
      message: 'one margherita please',
      intent: 'order_food',
      timestamp: 1_700_000_100n,
      entities: ['margherita'],
    }),
  );
  // Four bytes where a bincode ConversationEntry starts with a u64 length: it cannot decode.
  w.entry(Buffer.from('ctx:dave_3:1700000200'), Buffer.from([1, 2, 3, 4]));
  w.entry(
    Buffer.from('pref:memory:memory:agent-1:allergy:nuts'),
    encodeMemoryEntry({
      id: 'mem-1',
      agent_id: 'agent-1',
      category: 'allergy',
      key: 'nuts',
      value: 'allergic to peanuts',
      created_at: '2026-01-02T03:04:05Z',
      last_accessed: '2026-01-02T03:04:05Z',
      access_count: 2,
      importance: 0.9,
      tags: ['health'],
      related_memories: [],
    }),
  );
  w.entry(Buffer.from('pref:alice_123:language'), encodePreference('en'));
  w.entry(Buffer.from('session:abc123'), Buffer.from('whatever the bot kept here'));
  w.close();
}

const poll = <T>(fn: () => Promise<T> | T, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 });
const text = async (page: Page, testId: string) =>
  ((await page.getByTestId(testId).first().textContent()) ?? '').trim();
/** The number of an outcome tile (its dd). */
const outcome = async (page: Page, name: string) =>
  ((await page.getByTestId(`sled-outcome-${name}`).locator('dd').textContent()) ?? '').trim();

/** Save a screenshot of the step for a person to look at (and one under test-results/ as the other e2e tests do). */
async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(os.tmpdir(), `sled-${name}.png`), fullPage: false });
  await screenshot(page, `sled-${name}`);
}

describe('Sled import in Chromium over ops-console serve', () => {
  let serve: ServeProcess;
  let session: BrowserSession;
  let db: TestDatabase;
  let cdp: CDPSession;
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-sled-e2e-'));
  const exportFile = path.join(tempDir, 'sled-export.jsonl');
  /** Every body main sent the browser: call answers and event-stream messages. */
  const received: string[] = [];
  const pending: Promise<void>[] = [];
  let importId = '';

  beforeAll(async () => {
    writeExport(exportFile);
    db = await createTestDatabase('e2e_sled');
    const migrated = await cli(['migrate', 'up', '--url', db.url]);
    expect(migrated.code, migrated.stderr).toBe(0);
    serve = await startServe({ PGPASSWORD: new URL(inject('pgAdminUrl')).password });
    session = await openBrowser();
    const { page } = session;
    page.on('response', (response) => {
      if (!new URL(response.url()).pathname.startsWith('/api/rpc/')) return;
      pending.push(
        response.text().then(
          (body) => void received.push(body),
          () => undefined,
        ),
      );
    });
    // The event stream never ends, so its body is read message by message.
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    cdp.on('Network.eventSourceMessageReceived', (event) => void received.push(event.data));
  });

  afterAll(async () => {
    await session?.close();
    const code = await serve?.stop();
    expect(code).toBe(0);
    await db?.drop();
    fs.rmSync(tempDir, { recursive: true, force: true });
  });

  it('creates a writable profile for the migrated database and opens Sled import', async () => {
    const { page } = session;
    const u = new URL(db.url);
    u.password = '';
    await page.goto(serve.url);
    await page.getByTestId('profile-list').waitFor();
    await page.getByTestId('profile-new').click();
    await page.getByTestId('profile-name-input').fill(PROFILE);
    await page.getByTestId('profile-url-input').fill(u.toString());
    await page.getByTestId('profile-ssl-select').selectOption('disable');
    await page.getByTestId('profile-readonly-checkbox').setChecked(false);
    await page.getByTestId('profile-save').click();
    await page.getByTestId('profile-form').waitFor({ state: 'detached' });
    await page
      .locator(`[data-testid="profile-row"][data-profile-name="${PROFILE}"]`)
      .getByTestId('profile-connect')
      .click();
    await poll(() => page.getByTestId('status-pool').textContent()).toMatch(/Pool \d+\/10/);

    await page.getByRole('link', { name: 'Sled import' }).click();
    await page.getByTestId('view-sled-import').waitFor();
    await page.getByTestId('sled-imports-empty').waitFor();
    // Nothing staged yet: only the Files step opens.
    for (const step of ['summary', 'plan', 'load', 'report']) {
      expect(await page.getByTestId(`sled-step-${step}`).isDisabled()).toBe(true);
    }
    await shot(page, '1-files');
  });

  it('imports the file, then shows the staging summary with every problem counted and sampled', async () => {
    const { page } = session;
    await page.getByLabel('Export files').fill(`${exportFile}\n`);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('sled-summary-step').waitFor({ timeout: 30_000 });
    const rows = page.getByTestId('sled-import-row');
    expect(await rows.count()).toBe(1);
    importId = (await rows.first().getAttribute('data-import-id')) ?? '';
    expect(importId).not.toBe('');
    expect(await rows.first().getAttribute('data-state')).toBe('staged');

    expect(await text(page, 'sled-summary-entries')).toContain(`${ENTRIES} —`);
    expect(await text(page, 'sled-staging-file')).toContain(importId);
    const files = await text(page, 'sled-summary-files');
    expect(files).toContain(exportFile);
    expect(files).toContain('fodi_ledger, wallets, ai_cache, local_agents');
    const family = (name: string) =>
      page.locator(`[data-testid="sled-family-row"][data-family="${name}"]`).getByTestId('sled-family-count');
    expect(await family('balance').textContent()).toBe('2');
    expect(await family('wallet').textContent()).toBe('2');
    expect(await family('ai_cache').textContent()).toBe('1');
    expect(await family('conversation').textContent()).toBe('1');
    expect(await family('memory').textContent()).toBe('1');
    expect(await family('preference').textContent()).toBe('1');

    const problems = page.getByTestId('sled-summary-problems').getByTestId('sled-problem');
    const counts: Record<string, string | null> = {};
    for (const problem of await problems.all()) {
      counts[(await problem.getAttribute('data-kind')) ?? '?'] = await problem.getAttribute('data-count');
    }
    expect(counts).toEqual(Object.fromEntries(Object.entries(PROBLEMS).map(([k, v]) => [k, String(v)])));
    // Each problem says where and why of its first entry, without being opened.
    const unknown = page.locator('[data-testid="sled-summary-problems"] [data-kind="unknown_key"]');
    expect(await unknown.getByTestId('sled-problem-example').textContent()).toBe(
      'e.g. sled-export.jsonl line 16: the key matches no known pattern (balance:, wallet:, 64 hex, ctx:, pref:)',
    );
    expect(await unknown.getByTestId('sled-problem-example').isVisible()).toBe(true);
    // And opens to its samples: where the entry came from, its key, and why.
    await unknown.locator('summary').click();
    await poll(() => unknown.getByTestId('sled-sample').count()).toBe(1);
    // The samples say it in full there, so the line under the label goes.
    expect(await unknown.getByTestId('sled-problem-example').isVisible()).toBe(false);
    const sample = (await unknown.getByTestId('sled-sample').textContent()) ?? '';
    expect(sample).toContain('session:abc123');
    // From the local_agents source, the 16th line of the file, which it names.
    expect(sample).toContain('local_agents');
    expect(sample).toContain('sled-export.jsonl, line 16');
    expect(await unknown.getByTestId('sled-sample').locator('td').first().getAttribute('title')).toBe(
      `${exportFile}, line 16`,
    );
    const broken = page.locator('[data-testid="sled-summary-problems"] [data-kind="invalid_json"]');
    await broken.locator('summary').click();
    await poll(() => broken.getByTestId('sled-sample').count()).toBe(1);
    await shot(page, '2-summary');
  });

  it('plans against the active profile, refuses a bad namespace inline, and saves a 3-day TTL', async () => {
    const { page } = session;
    await page.getByTestId('sled-next').click();
    await page.getByTestId('sled-plan-step').waitFor();
    // The target defaults to the active connection, and its database is named.
    expect(await page.getByLabel('Load into').locator('option:checked').textContent()).toContain(PROFILE);
    expect(await text(page, 'sled-target-database')).toBe(db.name);
    await poll(() => text(page, 'sled-plan-checked')).toContain(db.name);

    // main judges the namespace; its reason is shown beside the field and nothing is saved.
    await page.getByLabel('UUID namespace').fill('not-a-uuid');
    await page.getByRole('button', { name: 'Re-plan' }).click();
    await poll(() => page.getByTestId('sled-namespace-error').count()).toBe(1);
    expect(await text(page, 'sled-namespace-error')).toMatch(/UUID/);
    expect(await page.getByTestId('sled-next').isDisabled()).toBe(true);
    await shot(page, '3-plan-invalid');
    await page.getByRole('button', { name: 'Reset to default' }).click();

    await page.getByTestId('sled-ttl-days').fill('3');
    await page.getByTestId('sled-ttl-hours').fill('0');
    await page.getByTestId('sled-settings-unsaved').waitFor();
    expect(await page.getByTestId('sled-next').isDisabled()).toBe(true);
    await page.getByLabel('Encrypt with pgcrypto (passphrase asked at load)').check();
    await page.getByRole('button', { name: 'Re-plan' }).click();
    await poll(() => text(page, 'sled-plan-ttl')).toBe('3 days');
    await page.getByTestId('sled-settings-unsaved').waitFor({ state: 'detached' });

    const insert = async (target: string) =>
      (
        await page
          .locator(`[data-testid="sled-plan-row"][data-target="${target}"]`)
          .getByTestId('sled-plan-to-insert')
          .textContent()
      )?.trim();
    expect(await insert('blockchain.wallets')).toBe('2');
    expect(await insert('blockchain.fodi_transactions')).toBe('2');
    expect(await insert('ai.cache_entries')).toBe('1');
    expect(await insert('ai.conversations')).toBe('1');
    expect(await insert('ai.memory_facts')).toBe('2');
    // The exact decimal, from the digits: 3,500.000000123 FODI.
    expect(await text(page, 'sled-balance-total')).toBe('3,500.000000123 FODI');
    expect(await text(page, 'sled-plan-secrets')).toMatch(/^1 wallet — encrypted/);
    expect(await page.getByTestId('sled-next').isEnabled()).toBe(true);
    await shot(page, '4-plan');
  });

  it('loads with a passphrase after a confirmation naming the database, and the report reconciles', async () => {
    const { page } = session;
    await page.getByTestId('sled-next').click();
    await page.getByTestId('sled-load-step').waitFor();
    const pass = page.getByLabel('Passphrase', { exact: true });
    expect(await pass.getAttribute('type')).toBe('password');
    expect(await pass.getAttribute('autocomplete')).toBe('off');
    // Nothing to send until both passphrases match.
    expect(await page.getByTestId('sled-load-start').isDisabled()).toBe(true);
    await pass.fill(PASSPHRASE);
    await page.getByLabel('Repeat passphrase').fill(`${PASSPHRASE}!`);
    expect(await text(page, 'sled-load-blocked')).toMatch(/differ/);
    await page.getByLabel('Repeat passphrase').fill(PASSPHRASE);
    await shot(page, '5-load');
    // Another session holds the cache table: the load waits for it, and Cancel stops the wait itself.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE ai.cache_entries IN ACCESS EXCLUSIVE MODE');
      await page.getByRole('button', { name: `Load into ${db.name}…` }).click();
      const dialog = page.getByRole('dialog');
      expect(await dialog.textContent()).toContain(db.name);
      await shot(page, '6-load-confirm');
      await dialog.getByRole('button', { name: 'Load' }).click();
      const waiting = async () =>
        (
          await holder.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          )
        ).rows[0]!.n;
      await poll(waiting).toBe(1);
      // The run names the table it waits for.
      await poll(() => text(page, 'sled-run-current')).toBe('ai.cache_entries');
      await page.getByTestId('sled-run-cancel').click();
      await poll(() => text(page, 'sled-run-outcome')).toMatch(/^Cancelled: each committed batch/);
      await shot(page, '6-load-cancelled');
      // Still held: the load ended without waiting for it.
      expect(await waiting()).toBe(0);
      expect((await holder.query<{ n: number }>('SELECT count(*)::int AS n FROM ai.cache_entries')).rows[0]!.n).toBe(0);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }

    // Load again (the passphrase left the page when the first load started): it resumes, nothing twice.
    expect(await pass.inputValue()).toBe('');
    await pass.fill(PASSPHRASE);
    await page.getByLabel('Repeat passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: `Load into ${db.name}…` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Load' }).click();
    await page.getByTestId('sled-report-step').waitFor({ timeout: 60_000 });
    await poll(() => page.getByTestId('sled-report').getAttribute('data-reconciled')).toBe('true');
    expect(await text(page, 'sled-reconciled')).toContain('Reconciled');
    expect(await outcome(page, 'loaded')).toBe(String(GOOD_ENTRIES));
    expect(await outcome(page, 'skipped')).toBe('0');
    // Every entry with a problem is failed, with its reason.
    expect(await outcome(page, 'failed')).toBe(String(ENTRIES - GOOD_ENTRIES));
    expect(await outcome(page, 'pending')).toBe('0');
    expect(await text(page, 'sled-secrets-encrypted')).toBe('1 encrypted');
    for (const check of await page.getByTestId('sled-check').all()) {
      expect(await check.getAttribute('data-ok'), (await check.textContent()) ?? '').toBe('true');
    }
    expect(await page.getByTestId('sled-check').count()).toBeGreaterThan(0);
    await shot(page, '7-report');
    // Each reason with its first entry; the unknown key's names its key, its reason saying no more.
    const unknownReason = page.getByTestId('sled-report-reason').filter({ hasText: 'unknown key pattern' });
    expect(await unknownReason.getByTestId('sled-problem-example').textContent()).toBe(
      'e.g. sled-export.jsonl line 16: key session:abc123',
    );
    await page.getByTestId('sled-report-reason').first().locator('summary').click();
    await shot(page, '7-report-reasons');
    const html = await page.content();
    expect(html).not.toContain(PASSPHRASE);
    expect(html).not.toContain(SECRET);

    // What PostgreSQL holds: the rows, the minted total, the TTL chosen, the secret encrypted under the passphrase.
    const [wallets] = await queryRows<{ n: string; with_key: string; decrypted: string | null }>(
      db.url,
      `SELECT count(*) AS n, count(encrypted_private_key) AS with_key,
              max(public.pgp_sym_decrypt(public.dearmor(encrypted_private_key), $1)) AS decrypted
         FROM blockchain.wallets`,
      [PASSPHRASE],
    );
    expect(wallets).toEqual({ n: '2', with_key: '1', decrypted: SECRET });
    const [minted] = await queryRows<{ n: string; total: string }>(
      db.url,
      "SELECT count(*) AS n, sum(amount)::text AS total FROM blockchain.fodi_transactions WHERE tx_type = 'mint'",
    );
    expect(minted).toEqual({ n: '2', total: BALANCE_TOTAL.toString() });
    const [cache] = await queryRows<{ ttl: string }>(
      db.url,
      `SELECT extract(epoch FROM expires_at - cached_at)::bigint::text AS ttl FROM ai.cache_entries WHERE cache_key = $1`,
      [CACHE_KEY],
    );
    expect(cache?.ttl).toBe(String(3 * 86_400));

    // Cleared as the call started: back on the Load step the fields are empty and Load waits for them.
    await page.getByTestId('sled-step-load').click();
    expect(await page.getByLabel('Passphrase', { exact: true }).inputValue()).toBe('');
    expect(await page.getByLabel('Repeat passphrase').inputValue()).toBe('');
    expect(await page.getByTestId('sled-load-start').isDisabled()).toBe(true);
    await page.getByTestId('sled-step-report').click();
    await page.getByTestId('sled-report').waitFor();
  });

  it('exports the report as JSON', async () => {
    const { page } = session;
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export JSON' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`sled-report-${importId}.json`);
    const file = await download.path();
    const exported = JSON.parse(fs.readFileSync(file, 'utf8')) as SledReport;
    expect(exported.importId).toBe(importId);
    expect(exported.reconciled).toBe(true);
    expect(exported.entries).toBe(ENTRIES);
    expect(exported.outcomes.loaded).toBe(GOOD_ENTRIES);
    expect(exported.verifiedAgainst).toContain(db.name);
    expect(exported.secrets).toEqual({ encrypted: 1, leftOut: 0 });
    // The same numbers as the page shows.
    expect(await outcome(page, 'failed')).toBe(String(exported.outcomes.failed));
    expect(await page.getByTestId('sled-check').count()).toBe(exported.checks.length);
  });

  it('reopens the import from the list after a reload, with its report, and verifies it against the database', async () => {
    const { page } = session;
    await page.reload();
    await page.getByTestId('view-sled-import').waitFor();
    const row = page.locator(`[data-testid="sled-import-row"][data-import-id="${importId}"]`);
    await row.waitFor();
    expect(await row.getByTestId('sled-import-loaded').textContent()).toContain(`${GOOD_ENTRIES} loaded`);
    await row.getByRole('button', { name: /^Reopen import/ }).click();
    await page.getByTestId('sled-summary-step').waitFor();
    expect(await text(page, 'sled-summary-loaded')).toContain(`${GOOD_ENTRIES} loaded`);
    // Loaded before: the report opens straight away, read from the staging database.
    await page.getByTestId('sled-step-report').click();
    await poll(() => page.getByTestId('sled-report').getAttribute('data-reconciled')).toBe('true');
    expect(await text(page, 'sled-report-source')).toContain('from the staging database only');
    // Its checks but the first are the last load's, and say so (once above them, and each marked).
    expect(await text(page, 'sled-checks-recorded')).toMatch(new RegExp(`recorded them against \\S*${db.name}`));
    const checks = await page.getByTestId('sled-check').count();
    expect(checks).toBeGreaterThan(1);
    expect(await page.getByTestId('sled-check').first().getByTestId('sled-check-recorded').count()).toBe(0);
    expect(await page.getByTestId('sled-check-recorded').count()).toBe(checks - 1);
    await shot(page, '8-reopened');
    // The page was reloaded: the database to check against is chosen again (by its profile).
    const picker = page.getByLabel('Verify against profile');
    const value = await picker.locator('option', { hasText: PROFILE }).getAttribute('value');
    await picker.selectOption(value ?? '');
    await page.getByRole('button', { name: `Verify against ${db.name}` }).click();
    await poll(() => text(page, 'sled-report-source')).toContain(db.name);
    expect(await page.getByTestId('sled-report').getAttribute('data-reconciled')).toBe('true');
    // Checked now: nothing is marked as the last load's any more.
    expect(await page.getByTestId('sled-check-recorded').count()).toBe(0);
    expect(await page.getByTestId('sled-checks-recorded').count()).toBe(0);
    for (const check of await page.getByTestId('sled-check').all()) {
      expect(await check.getAttribute('data-ok'), (await check.textContent()) ?? '').toBe('true');
    }
  });

  it('refuses a read-only target and asks for the database name before loading into production', async () => {
    const { page } = session;
    const u = new URL(db.url);
    u.password = '';
    // Two more profiles for the same database, saved (not connected) from Connections.
    for (const [name, flags] of [
      ['Replica', { readOnly: true, production: false }],
      ['Prod', { readOnly: false, production: true }],
    ] as const) {
      await page.getByRole('link', { name: 'Connections' }).click();
      await page.getByTestId('profile-new').click();
      await page.getByTestId('profile-name-input').fill(name);
      await page.getByTestId('profile-url-input').fill(u.toString());
      await page.getByTestId('profile-ssl-select').selectOption('disable');
      await page.getByTestId('profile-readonly-checkbox').setChecked(flags.readOnly);
      await page.getByTestId('profile-production-checkbox').setChecked(flags.production);
      await page.getByTestId('profile-save').click();
      await page.getByTestId('profile-form').waitFor({ state: 'detached' });
    }
    await page.getByRole('link', { name: 'Sled import' }).click();
    await page.getByTestId('sled-step-plan').click();
    const target = page.getByLabel('Load into');
    const pick = async (name: string) =>
      target.selectOption((await target.locator('option', { hasText: name }).getAttribute('value')) ?? '');

    await pick('Replica');
    await page.getByTestId('sled-target-readonly').waitFor();
    await poll(() => page.getByTestId('sled-next').isEnabled()).toBe(true);
    await page.getByTestId('sled-next').click();
    expect(await page.getByTestId('sled-load-start').isDisabled()).toBe(true);
    expect(await text(page, 'sled-load-blocked')).toMatch(/read-only/);
    await shot(page, '10-readonly');

    await page.getByTestId('sled-step-plan').click();
    await pick('Prod');
    await page.getByTestId('sled-target-production').waitFor();
    await poll(() => page.getByTestId('sled-next').isEnabled()).toBe(true);
    await page.getByTestId('sled-next').click();
    expect(await text(page, 'sled-target-production')).toContain(db.name);
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await page.getByLabel('Repeat passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: `Load into ${db.name}…` }).click();
    const dialog = page.getByRole('dialog');
    const confirm = dialog.getByRole('button', { name: 'Load' });
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByTestId('sled-confirm-database').fill(db.name);
    expect(await confirm.isEnabled()).toBe(true);
    await shot(page, '11-production-confirm');
    // Not this time: nothing is sent, and the passphrase stays in the form only.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByLabel('Passphrase', { exact: true }).fill('');
    await page.getByLabel('Repeat passphrase').fill('');
  });

  it('deletes an import only after the confirmation', async () => {
    const { page } = session;
    // With a second file whose only header is of a version this does not read: the summary says so.
    const newer = path.join(tempDir, 'newer.jsonl');
    fs.writeFileSync(newer, `${JSON.stringify({ format: 'sled-export', version: 2, source: 'fodi_ledger' })}\n`);
    await page.getByTestId('sled-new-import').click();
    await page.getByLabel('Export files').fill(`${exportFile}\n${newer}`);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('sled-summary-step').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('sled-source-note').allTextContents()).toEqual([
      '(header not read, line 1: its version 2 is not supported (this reads version 1))',
    ]);
    await poll(() => page.getByTestId('sled-import-row').count()).toBe(2);
    const second = page.locator(`[data-testid="sled-import-row"]:not([data-import-id="${importId}"])`);
    const secondId = await second.getAttribute('data-import-id');
    await second.getByRole('button', { name: /^Delete import/ }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain(secondId ?? '?');
    await shot(page, '9-delete-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByTestId('sled-import-row').count()).toBe(2);
    await second.getByRole('button', { name: /^Delete import/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await poll(() => page.getByTestId('sled-import-row').count()).toBe(1);
    expect(await page.getByTestId('sled-import-row').getAttribute('data-import-id')).toBe(importId);
    // The wizard worked on the deleted import: it starts over.
    await page.getByTestId('sled-files-step').waitFor();
  });

  it('says why a Quick connect URL is not offered as the target, and how to load into it', async () => {
    const { page } = session;
    await page.reload();
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByTestId('db-url-input').fill(db.url);
    await page.getByTestId('list-schemas-button').click();
    await page.locator('[data-testid="active-state"] [data-state="connected"]').waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'Sled import' }).click();
    const row = page.locator(`[data-testid="sled-import-row"][data-import-id="${importId}"]`);
    await row.getByRole('button', { name: /^Reopen import/ }).click();
    await page.getByTestId('sled-summary-step').waitFor();
    await page.getByTestId('sled-step-plan').click();
    const note = page.getByTestId('sled-target-url-note');
    await note.waitFor();
    expect(await note.textContent()).toContain('ops-console sled load ID --url URL');
    expect(await page.getByTestId('sled-target-select').inputValue()).toBe('');
    // Choosing a profile puts its details where the note was.
    const select = page.getByTestId('sled-target-select');
    const value = await select.locator('option', { hasText: PROFILE }).getAttribute('value');
    await select.selectOption(value ?? '');
    await note.waitFor({ state: 'detached' });
  });

  it("shows a large plan's progress, stops it at the user's word, and plans again", async () => {
    const { page } = session;
    // Large enough that a plan takes seconds: 400 000 entries in the benchmark's mix.
    const large = generateExport(path.join(tempDir, 'large.jsonl'), { entries: 400_000 });
    await page.getByTestId('sled-new-import').click();
    await page.getByLabel('Export files').fill(large.file);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    // The summary step starts a plan at once (for the samples of the problems); the plan step shows it counting.
    await page.getByTestId('sled-summary-step').waitFor({ timeout: 60_000 });
    await page.getByTestId('sled-next').click();
    const counting = page.getByTestId('sled-plan-counting');
    await counting.waitFor();
    await poll(() => text(page, 'sled-plan-progress-text')).toMatch(/^[\d,]+ of 400,000 entries decided/);
    expect(await page.getByTestId('sled-plan-progress').getAttribute('max')).toBe('1000');
    await shot(page, '12-plan-counting');
    await counting.getByRole('button', { name: 'Stop' }).click();
    const error = page.getByTestId('sled-plan-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('Plan stopped');
    expect(await error.textContent()).toContain('The plan was cancelled');
    await counting.waitFor({ state: 'detached' });
    await shot(page, '13-plan-stopped');
    // Main stopped it: its last progress event says so.
    await Promise.all(pending);
    expect(received.some((body) => /"kind":"plan","phase":"cancelled"/.test(body))).toBe(true);
    // Stopped, it stays stopped (no plan starts by itself) until the user asks again.
    expect(await page.getByTestId('sled-plan-counting').count()).toBe(0);
    await page.getByTestId('sled-plan-again').click();
    await poll(() => page.getByTestId('sled-plan-row').count(), 120_000).toBe(5);
    expect(await page.getByTestId('sled-plan-error').count()).toBe(0);
    const inserts = await page.getByTestId('sled-plan-to-insert').allTextContents();
    expect(inserts.map((t) => Number(t.replaceAll(',', ''))).reduce((a, b) => a + b, 0)).toBe(400_000);
  });

  it('never puts the passphrase or the wallet secret in the page or in anything main sent', async () => {
    const { page } = session;
    await Promise.all(pending);
    expect(received.length).toBeGreaterThan(0);
    // The calls carried reports and plans, and the stream the progress of the runs.
    expect(received.some((body) => body.includes('"reconciled"'))).toBe(true);
    expect(received.some((body) => body.includes('"runId"'))).toBe(true);
    for (const body of received) {
      expect(body).not.toContain(PASSPHRASE);
      expect(body).not.toContain(SECRET);
    }
    const html = await page.content();
    expect(html).not.toContain(PASSPHRASE);
    expect(html).not.toContain(SECRET);
    expect(session.pageErrors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  });
});
