/**
 * Loading staged Sled imports into real PostgreSQL: the mapping of every
 * family checked row by row, exactly-once (a second load, a failure between
 * COMMIT and the staging update, a cancel), PostgreSQL refusing one entry,
 * secrets, a read-only session and a concurrent load.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpsError } from '../../../common/errors';
import { DEFAULT_SLED_NAMESPACE, type SledProgress } from '../../../common/sled';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres';
import { memoryLogger } from '../catalog/test-support';
import { loadImport, type LoadOptions } from './loader';
import { refusePooledEndpoint, STACK_TABLES_HINT } from './load-checks';
import {
  applyStackMigrations,
  buildStaging,
  connect,
  type FixtureEntry,
  hex64,
  loadedContents,
  manyEntries,
  memory,
  memoryEntry,
  rowCounts,
  stagedOutcomes,
  standardEntries,
  uuidV5,
  wallet,
} from './load-test-support';
import { planImport } from './plan';
import type { StagingDb } from './staging-db';
import { summarize } from './staging-summary';

const ALICE = uuidV5('alice_123', DEFAULT_SLED_NAMESPACE);
const IMPORT = 'sled-test-import';
const SECRET = '4NmYq7vZ1bXh9pKcR3sT8uW2eF6gJ5aL0dQyMnBvCxZ1'; // a made-up base58 keypair
const PASSPHRASE = 'correct horse battery staple';

interface Target {
  db: TestDatabase;
  client: pg.Client;
  target: string;
}

let dir: string;
const targets: Target[] = [];
const stagings: StagingDb[] = [];

async function freshTarget(): Promise<Target> {
  const db = await createTestDatabase('sledload');
  const client = await connect(db.url);
  await applyStackMigrations(client);
  const t = { db, client, target: `localhost/${db.name}` };
  targets.push(t);
  return t;
}

function staged(entries: readonly FixtureEntry[], name = 'import'): StagingDb {
  const staging = buildStaging(path.join(dir, `${name}.sqlite`), IMPORT, entries);
  stagings.push(staging);
  return staging;
}

function load(t: Target, staging: StagingDb, extra: Partial<LoadOptions> = {}) {
  return loadImport({ staging, client: t.client, importId: IMPORT, target: t.target, ...extra });
}

/** The run is recorded as cancelled, its advisory lock went with it, and a second load gives the reference's rows. */
async function expectCancelledThenResumed(t: Target, staging: StagingDb, reference: Target): Promise<void> {
  expect((await t.client.query('SELECT outcome FROM sled_import.loads')).rows).toEqual([{ outcome: 'cancelled' }]);
  expect((await t.client.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'")).rows[0].n).toBe(
    0,
  );
  const report = await load(t, staging, { batchSize: 10 });
  expect(report.reconciled).toBe(true);
  expect(await loadedContents(t.client)).toEqual(await loadedContents(reference.client));
}

/** The client, recording each batch statement it runs and whether the server then held it prepared. */
function recordingStatements(
  client: pg.Client,
  into: Array<{ name: string; text: string; prepared: boolean }>,
): pg.Client {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: unknown[]) => {
        const result = await (target.query as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (isBatchStatement(args[0])) {
          const { name, text } = args[0] as { name: string; text: string };
          const held = await target.query('SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name = $1', [
            name,
          ]);
          into.push({ name, text, prepared: held.rows[0].n === 1 });
        }
        return result;
      };
    },
  });
}

/** A query's first argument that is a batch's statement (a named statement's config). */
function isBatchStatement(query: unknown): boolean {
  const text = (query as { text?: unknown } | null)?.text;
  return typeof text === 'string' && text.startsWith('WITH decided');
}

async function rejection(promise: Promise<unknown>): Promise<OpsError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpsError);
  return error as OpsError;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-sled-load-'));
});

afterEach(async () => {
  for (const s of stagings.splice(0)) s.close();
  for (const t of targets.splice(0)) {
    await t.client.end().catch(() => undefined);
    await t.db.drop();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('loadImport', () => {
  it('maps every family to the rows the issue describes', async () => {
    expect(ALICE).toBe('fe45d849-a062-5285-905a-7798a85f9cca'); // also Python's uuid.uuid5
    const t = await freshTarget();
    const staging = staged(standardEntries());
    const progress: Array<Omit<SledProgress, 'runId'>> = [];
    const report = await load(t, staging, { onProgress: (p) => progress.push(p) });

    const wallets = (await t.client.query('SELECT * FROM blockchain.wallets ORDER BY public_key')).rows;
    expect(wallets).toHaveLength(2);
    const alice = wallets.find((w) => w.public_key === 'AlicePubKey1111111111111111111111111111111');
    expect(alice).toMatchObject({
      user_id: ALICE,
      wallet_type: 'solana',
      balance: '1500000000',
      encrypted_private_key: null,
    });
    expect((alice.created_at as Date).toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(alice.metadata).toEqual({
      sled: {
        import_id: IMPORT,
        source: 'wallets',
        tree: '__sled__default',
        key: 'wallet:alice_123',
        user_id: 'alice_123',
      },
      wallet_kind: 'Managed',
      secret: 'left_out',
    });
    const carol = wallets.find((w) => w.public_key === 'CarolPubKey');
    expect(carol).toMatchObject({ user_id: uuidV5('carol', DEFAULT_SLED_NAMESPACE), balance: '0' });
    expect(carol.metadata).toMatchObject({ wallet_kind: 'External', secret: 'none' });

    const txs = (await t.client.query('SELECT * FROM blockchain.fodi_transactions ORDER BY amount')).rows;
    expect(txs).toHaveLength(2);
    expect(txs[0]).toMatchObject({
      tx_id: `sled-opening-balance-${ALICE}`,
      from_address: null,
      to_address: 'AlicePubKey1111111111111111111111111111111',
      amount: '1500000000',
      tx_type: 'mint',
      status: 'confirmed',
    });
    expect((txs[0].created_at as Date).toISOString()).toBe('2024-06-01T12:00:00.000Z');
    expect((txs[0].confirmed_at as Date).toISOString()).toBe('2024-06-01T12:00:00.000Z');
    expect(txs[0].metadata).toEqual({
      sled: {
        import_id: IMPORT,
        source: 'fodi_ledger',
        tree: '__sled__default',
        key: 'balance:alice_123',
        user_id: 'alice_123',
      },
      balance: { total: '1500000000', locked: '500000000', available: '1000000000' },
    });
    const inv = uuidV5('INV-LOCAL-001', DEFAULT_SLED_NAMESPACE);
    expect(txs[1]).toMatchObject({
      tx_id: `sled-opening-balance-${inv}`,
      to_address: `user:${inv}`,
      amount: '9000000000000000000',
    });

    const cacheRows = (await t.client.query('SELECT * FROM ai.cache_entries ORDER BY cached_at')).rows;
    expect(cacheRows.map((r) => [r.cache_key, r.query, r.model, r.hit_count, r.quality_score])).toEqual([
      [hex64('q1'), 'What is FODI?', 'gpt-4o-mini', 5, 9],
      [hex64('q2'), 'Menu?', 'local', 0, null],
    ]);
    for (const r of cacheRows) {
      expect((r.expires_at as Date).getTime() - (r.cached_at as Date).getTime()).toBe(7 * 24 * 3600 * 1000);
    }
    expect((cacheRows[0].cached_at as Date).toISOString()).toBe('2024-05-29T16:26:40.000Z');

    const conversations = (await t.client.query('SELECT * FROM ai.conversations ORDER BY created_at')).rows;
    expect(conversations.map((c) => [c.user_id, c.session_id, c.role, c.content])).toEqual([
      [ALICE, uuidV5('session:alice_123', DEFAULT_SLED_NAMESPACE), 'user', 'Order soup'],
      [ALICE, uuidV5('session:alice_123', DEFAULT_SLED_NAMESPACE), 'user', 'Thanks'],
    ]);
    expect((conversations[0].created_at as Date).toISOString()).toBe('2023-11-14T22:15:00.000Z');
    expect(conversations[0].metadata).toEqual({
      intent: 'order',
      entities: ['soup'],
      sled: {
        import_id: IMPORT,
        source: 'local_agents',
        tree: '__sled__default',
        key: 'ctx:alice_123:1700000100',
        user_id: 'alice_123',
        timestamp: '1700000100',
      },
    });

    const facts = (await t.client.query('SELECT * FROM ai.memory_facts ORDER BY fact_type')).rows;
    expect(facts).toHaveLength(2);
    expect(facts[0]).toMatchObject({
      user_id: uuidV5('agent-7', DEFAULT_SLED_NAMESPACE),
      fact_type: 'fact',
      confidence: 0.8,
      fact_data: memoryEntry('agent-7', 'likes', 0.8),
    });
    expect((facts[0].created_at as Date).toISOString()).toBe('2024-05-01T10:00:00.000Z');
    expect((facts[0].updated_at as Date).toISOString()).toBe('2024-05-20T10:00:00.500Z');
    expect(facts[1]).toMatchObject({
      user_id: ALICE,
      fact_type: 'preference',
      confidence: 1,
      fact_data: { user_id: 'alice_123', key: 'language', value: 'en' },
    });
    expect((facts[1].created_at as Date).toISOString()).toBe('2024-06-01T12:00:00.000Z');

    const outcomes = staging.db.prepare('SELECT id, outcome, outcome_reason FROM entries ORDER BY id').all();
    expect(outcomes).toEqual([
      { id: 1, outcome: 'loaded', outcome_reason: null },
      { id: 2, outcome: 'loaded', outcome_reason: null },
      { id: 3, outcome: 'skipped', outcome_reason: 'duplicate of entry 1 in this import' },
      { id: 4, outcome: 'loaded', outcome_reason: null },
      { id: 5, outcome: 'skipped', outcome_reason: 'zero balance: nothing to mint' },
      { id: 6, outcome: 'loaded', outcome_reason: null },
      { id: 7, outcome: 'skipped', outcome_reason: 'duplicate of entry 4 in this import' },
      { id: 8, outcome: 'loaded', outcome_reason: null },
      { id: 9, outcome: 'loaded', outcome_reason: null },
      { id: 10, outcome: 'skipped', outcome_reason: 'duplicate of entry 8 in this import' },
      { id: 11, outcome: 'loaded', outcome_reason: null },
      { id: 12, outcome: 'loaded', outcome_reason: null },
      { id: 13, outcome: 'loaded', outcome_reason: null },
      { id: 14, outcome: 'loaded', outcome_reason: null },
      { id: 15, outcome: 'failed', outcome_reason: 'unknown key pattern' },
      { id: 16, outcome: 'failed', outcome_reason: 'CachedResponse: 3 bytes left over' },
    ]);

    expect(report.outcomes).toEqual({ loaded: 10, skipped: 4, failed: 2, pending: 0 });
    // The imports list counts the same outcomes (from the partial index of the done entries).
    expect(summarize(staging)).toMatchObject({ entries: 16, loaded: 10, skipped: 4, failed: 2 });
    expect(report.verifiedAgainst).toBe(t.target);
    expect(report.reconciled).toBe(true);
    expect(report.checks.every((c) => c.ok)).toBe(true);
    const balances = report.checks.find((c) => c.name.startsWith('sum of the exported balances'))!;
    expect(balances.expected).toBe('9000000001500000007'); // 1.5e9 + 0 + 9e18 + 7, beyond 2^53
    expect(report.checks.find((c) => c.name.startsWith('wallet balances set'))?.actual).toBe('1');
    expect(report.secrets).toEqual({ encrypted: 0, leftOut: 1 });
    expect(JSON.parse(staging.meta('last_report')!)).toEqual(report);
    expect(staging.meta('last_load_at')).not.toBeNull();

    const loading = progress.filter((p) => p.phase === 'loading');
    expect(loading.length).toBeGreaterThan(0);
    expect(loading.at(-1)).toMatchObject({ importId: IMPORT, kind: 'load', unit: 'entries', done: 14, total: 14 });
    expect(progress.at(-1)).toMatchObject({ phase: 'done', done: 14 });
  });

  it("sets the balance of the user's wallets already in the table and of the wallets it loads", async () => {
    const t = await freshTarget();
    const inv = uuidV5('INV-LOCAL-001', DEFAULT_SLED_NAMESPACE);
    // A wallet of INV-LOCAL-001 that is not in the import, and one of alice's under another key.
    await t.client.query(
      `INSERT INTO blockchain.wallets (user_id, public_key, balance) VALUES ($1, 'InvTreasuryKey', 0), ($2, 'AliceOldKey', 3)`,
      [inv, ALICE],
    );
    const report = await load(t, staged(standardEntries()), { batchSize: 2 });
    expect(report.reconciled).toBe(true);
    const balances = (await t.client.query('SELECT public_key, balance FROM blockchain.wallets ORDER BY public_key'))
      .rows;
    expect(balances).toEqual([
      // Already in the table: updated by the mint.
      { public_key: 'AliceOldKey', balance: '1500000000' },
      // Loaded after the mints: takes the amount as it is inserted.
      { public_key: 'AlicePubKey1111111111111111111111111111111', balance: '1500000000' },
      // No balance in the import.
      { public_key: 'CarolPubKey', balance: '0' },
      // Already in the table: updated by the mint.
      { public_key: 'InvTreasuryKey', balance: '9000000000000000000' },
    ]);
    // Two updated by the mints, one loaded with its balance.
    expect(report.checks.find((c) => c.name.startsWith('wallet balances set'))?.actual).toBe('3');
  });

  it('changes nothing when the same import is loaded again', async () => {
    const t = await freshTarget();
    const staging = staged([...standardEntries(), ...manyEntries(300)]);
    const statements: Array<{ name: string; text: string; prepared: boolean }> = [];
    const first = await load({ ...t, client: recordingStatements(t.client, statements) }, staging, { batchSize: 37 });
    const counts = await rowCounts(t.client);
    const contents = await loadedContents(t.client);
    const loads = await t.client.query('SELECT loaded FROM sled_import.loads ORDER BY id');

    const firstStatements = statements.splice(0);
    const second = await load({ ...t, client: recordingStatements(t.client, statements) }, staging, {
      batchSize: 37,
    });
    expect(await rowCounts(t.client)).toEqual(counts);
    expect(await loadedContents(t.client)).toEqual(contents);
    const runs = (await t.client.query('SELECT loaded, skipped, outcome FROM sled_import.loads ORDER BY id')).rows;
    expect(runs).toHaveLength(2);
    expect(runs[1]).toEqual({ loaded: '0', skipped: '0', outcome: 'done' });
    expect(loads.rows[0].loaded).toBe(String(first.outcomes.loaded));
    expect(second.outcomes).toEqual(first.outcomes);
    expect(second.reconciled).toBe(true);
    // Every entry accounted for, both times.
    const o = second.outcomes;
    expect(o.loaded + o.skipped + o.failed + o.pending).toBe(second.entries);
    expect(second.entries).toBe(316);
    // The batches ran as prepared statements: one per table spec and load, reused batch after batch,
    // prepared on the server while the load ran, deallocated at its end.
    const names = new Set(firstStatements.map((st) => st.name));
    expect(names.size).toBe(5);
    expect(firstStatements.length).toBeGreaterThan(names.size);
    for (const st of firstStatements) {
      expect(st.name).toMatch(/^sled_load_[0-9a-f]{12}_[0-9a-f]{24}$/);
      expect(st.prepared).toBe(true);
    }
    expect(new Set(firstStatements.map((st) => st.text)).size).toBe(5);
    // The second load found every entry in the provenance: no batch ran. No statement is left on the connection.
    expect(statements).toEqual([]);
    const left = await t.client.query("SELECT name FROM pg_prepared_statements WHERE starts_with(name, 'sled_load_')");
    expect(left.rows).toEqual([]);
  });

  it('is exactly-once when a run stops between COMMIT and the staging update', async () => {
    const entries = [...standardEntries(), ...manyEntries(200)];
    const reference = await freshTarget();
    const refStaging = staged(entries, 'reference');
    await load(reference, refStaging, { batchSize: 1000 });

    const t = await freshTarget();
    const staging = staged(entries, 'interrupted');
    let commits = 0;
    const stop = new Error('process gone');
    const failure = await load(t, staging, {
      batchSize: 9,
      afterCommit: () => {
        commits += 1;
        if (commits === 4) throw stop;
      },
    }).catch((e: unknown) => e);
    expect(failure).toBe(stop);
    // PostgreSQL has four batches; the staging database only three.
    expect((await rowCounts(t.client)).provenance).toBeGreaterThan(
      staging.db
        .prepare("SELECT count(*) AS n FROM entries WHERE outcome IN ('loaded', 'skipped')")
        .pluck()
        .get() as number,
    );

    const report = await load(t, staging, { batchSize: 9 });
    expect(report.reconciled).toBe(true);
    expect(await loadedContents(t.client)).toEqual(await loadedContents(reference.client));
    expect(stagedOutcomes(staging)).toEqual(stagedOutcomes(refStaging));
  });

  it('cancels a batch stuck behind a lock at once (pg_cancel_backend), not when the lock goes', async () => {
    const entries = [...standardEntries(), ...manyEntries(120)];
    const reference = await freshTarget();
    await load(reference, staged(entries, 'reference'));

    const t = await freshTarget();
    const staging = staged(entries, 'stuck');
    // Another session holds the cache table: the load's first batch into it waits.
    const holder = await connect(t.db.url);
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE ai.cache_entries IN ACCESS EXCLUSIVE MODE');
    const pid = (await t.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const cancelled: boolean[] = [];
    const controller = new AbortController();
    const loading = load(t, staging, {
      batchSize: 10,
      signal: controller.signal,
      cancelQuery: async () => {
        const other = await connect(t.db.url);
        try {
          const r = await other.query<{ ok: boolean }>('SELECT pg_cancel_backend($1) AS ok', [pid]);
          cancelled.push(r.rows[0]!.ok);
        } finally {
          await other.end();
        }
      },
    });
    try {
      const waiting = async () =>
        (
          await holder.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'",
            [pid],
          )
        ).rows[0]!.n;
      await expect.poll(waiting, { timeout: 20_000 }).toBe(1);
      controller.abort();
      // It ends while the lock is still held: the wait itself was cancelled.
      const error = await rejection(loading);
      expect(error.message).toBe('The load was cancelled');
      expect(cancelled).toEqual([true]);
      const held = await holder.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks WHERE pid = pg_backend_pid() AND mode = 'AccessExclusiveLock' AND granted",
      );
      expect(held.rows[0]!.n).toBeGreaterThan(0);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    // Nothing of the cancelled batch stays.
    expect((await t.client.query('SELECT count(*)::int AS n FROM ai.cache_entries')).rows[0].n).toBe(0);
    await expectCancelledThenResumed(t, staging, reference);
  });

  it('leaves no transaction open when a late cancel hits the batch’s ROLLBACK', async () => {
    const t = await freshTarget();
    const staging = staged([...standardEntries(), ...manyEntries(60)], 'late-cancel');
    const controller = new AbortController();
    let statements = 0;
    let rollbackLost = false;
    // The abort comes as the second batch's statement returns; the ROLLBACK that follows is lost, as a
    // pg_cancel_backend arriving just then would lose it, leaving that batch's transaction open.
    const client = new Proxy(t.client, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
        return async (...args: unknown[]) => {
          if (args[0] === 'ROLLBACK' && controller.signal.aborted && !rollbackLost) {
            rollbackLost = true;
            throw Object.assign(new Error('canceling statement due to user request'), { code: '57014' });
          }
          const result = await (target.query as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (isBatchStatement(args[0]) && ++statements === 2) controller.abort();
          return result;
        };
      },
    });
    const pid = (await t.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const error = await rejection(
      load({ ...t, client }, staging, { batchSize: 10, signal: controller.signal, cancelQuery: async () => undefined }),
    );
    expect(error.message).toBe('The load was cancelled');
    expect(rollbackLost).toBe(true);
    const other = await connect(t.db.url);
    try {
      const state = await other.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid]);
      expect(state.rows).toEqual([{ state: 'idle' }]);
      // Seen from another session: the first batch and the run's outcome are committed, the second batch is not.
      expect((await other.query('SELECT count(*)::int AS n FROM sled_import.provenance')).rows[0].n).toBe(10);
      expect((await other.query('SELECT outcome FROM sled_import.loads')).rows).toEqual([{ outcome: 'cancelled' }]);
    } finally {
      await other.end();
    }
  });

  it('rolls back the batch in progress on cancel, and the import resumes', async () => {
    const entries = [...standardEntries(), ...manyEntries(120)];
    const reference = await freshTarget();
    const refStaging = staged(entries, 'reference');
    await load(reference, refStaging);

    const t = await freshTarget();
    const staging = staged(entries, 'cancelled');
    const controller = new AbortController();
    let statements = 0;
    // The real client; the abort arrives while the third batch's statement runs (before its COMMIT).
    const client = new Proxy(t.client, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
        return async (...args: unknown[]) => {
          const result = await (target.query as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (isBatchStatement(args[0]) && ++statements === 3) controller.abort();
          return result;
        };
      },
    });
    const progress: Array<Omit<SledProgress, 'runId'>> = [];
    const error = await rejection(
      load({ ...t, client }, staging, {
        batchSize: 10,
        signal: controller.signal,
        onProgress: (p) => progress.push(p),
      }),
    );
    expect(error.kind).toBe('conflict');
    expect(error.message).toBe('The load was cancelled');
    expect(progress.at(-1)?.phase).toBe('cancelled');
    // Two batches of ten committed, the third rolled back.
    expect((await rowCounts(t.client)).provenance).toBe(20);
    expect(staging.db.prepare("SELECT count(*) FROM entries WHERE outcome <> 'pending'").pluck().get()).toBe(20 + 2);
    await expectCancelledThenResumed(t, staging, reference);
  });

  it('fails only the entry PostgreSQL refuses, with its message, and loads the rest of the batch', async () => {
    const t = await freshTarget();
    const staging = staged([
      memory('local_agents', memoryEntry('a', 'ok-1', 0.5)),
      memory('local_agents', memoryEntry('a', 'too-sure', 1.5)), // confidence must be <= 1
      memory('local_agents', memoryEntry('a', 'ok-2', 0.25)),
      { ...memory('local_agents', { ...memoryEntry('a', 'bad-time', 0.1), created_at: 'the day before' }) },
    ]);
    const logger = memoryLogger();
    const report = await load(t, staging, { logger });
    const facts = (await t.client.query("SELECT fact_data->>'key' AS key FROM ai.memory_facts ORDER BY id")).rows;
    expect(facts.map((f) => f.key)).toEqual(['ok-1', 'ok-2']);
    const outcomes = staging.db.prepare('SELECT outcome, outcome_reason FROM entries ORDER BY id').all();
    expect(outcomes).toEqual([
      { outcome: 'loaded', outcome_reason: null },
      {
        outcome: 'failed',
        outcome_reason: 'new row for relation "memory_facts" violates check constraint "memory_facts_confidence_check"',
      },
      { outcome: 'loaded', outcome_reason: null },
      // PostgreSQL quotes the input here; the reason keeps the message, not the value.
      {
        outcome: 'failed',
        outcome_reason: 'invalid input syntax for type timestamp with time zone: (value not shown)',
      },
    ]);
    expect(report.outcomes).toEqual({ loaded: 2, skipped: 0, failed: 2, pending: 0 });
    expect(report.reconciled).toBe(true);
    expect(logger.lines.some((l) => l.includes('retried entry by entry'))).toBe(true);
    // The failed entries are tried again by the next load (and fail again), the loaded ones are not.
    const again = await load(t, staging);
    expect(again.outcomes).toEqual(report.outcomes);
    expect((await t.client.query('SELECT count(*)::int AS n FROM ai.memory_facts')).rows[0].n).toBe(2);
  });

  it('encrypts wallet secrets with pgcrypto and never shows them', async () => {
    const t = await freshTarget();
    const entries: FixtureEntry[] = [
      ...standardEntries(),
      wallet('wallets', {
        user_id: 'eve',
        pubkey: 'EvePubKey',
        has_secret: true,
        chain: 'x'.repeat(60), // wallet_type is varchar(50): PostgreSQL refuses this one
        created_at: '1700000000',
        wallet_type: 'Managed',
      }),
    ];
    const staging = staged(entries);
    staging.saveSettings({ ...staging.settings(), secrets: 'encrypt' });
    const secrets = new Map([
      [1, SECRET],
      [17, `${SECRET}-eve`],
    ]);
    const asked: number[][] = [];
    const logger = memoryLogger();
    const progress: unknown[] = [];
    const report = await load(t, staging, {
      passphrase: PASSPHRASE,
      logger,
      onProgress: (p) => progress.push(p),
      readSecrets: async (_staging, wanted) => {
        asked.push([...wanted].sort((a, b) => a - b));
        return secrets;
      },
    });
    expect(asked).toEqual([[1, 17]]);
    const row = (
      await t.client.query(
        `SELECT encrypted_private_key, metadata->>'secret' AS marker,
                public.pgp_sym_decrypt(public.dearmor(encrypted_private_key), $1) AS plain
           FROM blockchain.wallets WHERE public_key = 'AlicePubKey1111111111111111111111111111111'`,
        [PASSPHRASE],
      )
    ).rows[0];
    expect(row.encrypted_private_key).not.toContain(SECRET);
    expect(row.encrypted_private_key).toMatch(/^-----BEGIN PGP MESSAGE-----/);
    expect(row.marker).toBe('encrypted');
    expect(row.plain).toBe(SECRET);
    const wrong = await t.client
      .query(
        "SELECT public.pgp_sym_decrypt(public.dearmor(encrypted_private_key), 'wrong') FROM blockchain.wallets WHERE encrypted_private_key IS NOT NULL",
      )
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(Error);
    expect(report.secrets).toEqual({ encrypted: 1, leftOut: 0 });
    expect(report.reconciled).toBe(true);
    expect(staging.db.prepare('SELECT outcome_reason FROM entries WHERE id = 17').pluck().get()).toBe(
      'value too long for type character varying(50)',
    );

    const plan = await planImport(staging, staging.settings(), { client: t.client, target: t.target });
    const shown = [
      JSON.stringify(report),
      JSON.stringify(plan),
      JSON.stringify(progress),
      logger.lines.join('\n'),
      JSON.stringify((await t.client.query('SELECT * FROM sled_import.provenance')).rows),
      JSON.stringify((await t.client.query('SELECT * FROM sled_import.loads')).rows),
    ].join('\n');
    for (const s of [SECRET, PASSPHRASE]) expect(shown).not.toContain(s);
    staging.db.pragma('wal_checkpoint(TRUNCATE)');
    const file = fs.readFileSync(staging.file);
    for (const s of [SECRET, PASSPHRASE]) expect(file.includes(Buffer.from(s))).toBe(false);
  });

  it('refuses to encrypt without a passphrase before writing anything', async () => {
    const t = await freshTarget();
    const staging = staged(standardEntries());
    staging.saveSettings({ ...staging.settings(), secrets: 'encrypt' });
    const error = await rejection(load(t, staging));
    expect(error.kind).toBe('invalid_input');
    expect(error.message).toMatch(/no passphrase/);
    expect((await t.client.query("SELECT to_regnamespace('sled_import') AS s")).rows[0].s).toBeNull();
    expect(staging.db.prepare("SELECT count(*) FROM entries WHERE outcome <> 'pending'").pluck().get()).toBe(0);
  });

  it('writes nothing when the secrets cannot be read back from the export', async () => {
    const t = await freshTarget();
    const staging = staged(standardEntries());
    staging.saveSettings({ ...staging.settings(), secrets: 'encrypt' });
    const gone = new OpsError('not_found', 'The export file /exports/x.jsonl is gone');
    const progress: Array<Omit<SledProgress, 'runId'>> = [];
    const error = await rejection(
      load(t, staging, {
        passphrase: PASSPHRASE,
        readSecrets: () => Promise.reject(gone),
        onProgress: (p) => progress.push(p),
      }),
    );
    expect(error).toBe(gone);
    expect(progress.at(-1)).toMatchObject({ phase: 'failed', message: gone.message });
    expect((await t.client.query("SELECT to_regnamespace('sled_import') AS s")).rows[0].s).toBeNull();
    expect((await t.client.query('SELECT count(*)::int AS n FROM blockchain.wallets')).rows[0].n).toBe(0);
  });

  it('refuses to load when pgcrypto is missing and secrets are to be encrypted', async () => {
    const t = await freshTarget();
    await t.client.query('DROP EXTENSION pgcrypto');
    const staging = staged(standardEntries());
    staging.saveSettings({ ...staging.settings(), secrets: 'encrypt' });
    const error = await rejection(
      load(t, staging, { passphrase: PASSPHRASE, readSecrets: async () => new Map([[1, SECRET]]) }),
    );
    expect(error.kind).toBe('conflict');
    expect(error.message).toMatch(/pgcrypto is not installed/);
    expect(error.hint).toMatch(/CREATE EXTENSION pgcrypto/);
    // Leaving the secrets out works without it.
    staging.saveSettings({ ...staging.settings(), secrets: 'skip' });
    expect((await load(t, staging)).reconciled).toBe(true);
  });

  it("refuses a database without the stack's tables, naming them and the command that creates them", async () => {
    const db = await createTestDatabase('sledbare');
    const client = await connect(db.url);
    const t = { db, client, target: `localhost/${db.name}` };
    targets.push(t);
    await client.query('CREATE SCHEMA blockchain; CREATE SCHEMA ai');
    const error = await rejection(load(t, staged(standardEntries())));
    expect(error.kind).toBe('conflict');
    expect(error.message).toBe(
      `blockchain.wallets, blockchain.fodi_transactions, ai.cache_entries, ai.conversations, ai.memory_facts do not exist on ${t.target}`,
    );
    expect(error.hint).toBe(STACK_TABLES_HINT);
    // Nothing was written: not even the provenance schema.
    expect((await client.query("SELECT to_regnamespace('sled_import') AS s")).rows[0].s).toBeNull();
    // Once the migrations ran, the same import loads.
    await applyStackMigrations(client);
    expect((await load(t, staged(standardEntries(), 'again'))).reconciled).toBe(true);
  });

  it("refuses Neon's pooled endpoint before writing anything, naming the direct one", async () => {
    const t = await freshTarget();
    const staging = staged(standardEntries());
    for (const target of [
      'postgres://app@ep-cool-darkness-123456-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require',
      'EP-Cool-Darkness-123456-POOLER.eu-central-1.aws.neon.tech/neondb',
    ]) {
      const error = await rejection(load({ ...t, target }, staging));
      expect(error.kind).toBe('conflict');
      expect(error.message).toBe(
        "ep-cool-darkness-123456-pooler.eu-central-1.aws.neon.tech is Neon's pooled endpoint; a load needs a session of its own",
      );
      expect(error.hint).toMatch(
        /^Load through the direct endpoint, ep-cool-darkness-123456\.eu-central-1\.aws\.neon\.tech /,
      );
    }
    expect((await t.client.query("SELECT to_regnamespace('sled_import') AS s")).rows[0].s).toBeNull();
    expect(
      (await t.client.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'")).rows[0].n,
    ).toBe(0);
    // The direct endpoint, other hosts that merely say pooler, and a plain host/database load.
    for (const target of [
      'postgres://app@ep-cool-darkness-123456.eu-central-1.aws.neon.tech/neondb',
      'postgres://app@db-pooler.example.com/app',
      'pooler.neon.tech/neondb',
    ]) {
      expect(() => refusePooledEndpoint(target)).not.toThrow();
    }
    expect((await load({ ...t, target: 'localhost/app' }, staging)).reconciled).toBe(true);
  });

  it('refuses a read-only session', async () => {
    const t = await freshTarget();
    await t.client.query('SET default_transaction_read_only = on');
    const staging = staged(standardEntries());
    const error = await rejection(load(t, staging));
    expect(error.kind).toBe('conflict');
    expect(error.message).toMatch(/read-only/);
    await t.client.query('SET default_transaction_read_only = off');
    expect((await t.client.query("SELECT to_regnamespace('sled_import') AS s")).rows[0].s).toBeNull();
  });

  it('lets only one load run at a time and names the one holding the lock', async () => {
    const t = await freshTarget();
    const staging = staged([...standardEntries(), ...manyEntries(50)]);
    const other = await connect(t.db.url);
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let reached!: () => void;
      const inside = new Promise<void>((resolve) => (reached = resolve));
      const first = load(t, staging, {
        batchSize: 10,
        afterCommit: async () => {
          reached();
          await held;
        },
      });
      await inside;
      const secondStaging = staged([...standardEntries(), ...manyEntries(50)], 'second');
      const error = await rejection(
        loadImport({ staging: secondStaging, client: other, importId: IMPORT, target: t.target }),
      );
      const pid = (await t.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      expect(error.kind).toBe('conflict');
      expect(error.message).toContain('Another Sled load is running');
      expect(error.message).toContain('"sled-load-test"');
      expect(error.message).toContain(`pid ${pid}`);
      release();
      expect((await first).reconciled).toBe(true);
    } finally {
      await other.end();
    }
  });
});
