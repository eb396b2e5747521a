/**
 * The plan: counts, reasons and samples from the staging database alone and
 * against real PostgreSQL, and a load right after a plan doing what it says.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpsError } from '../../../common/errors';
import { DEFAULT_SLED_NAMESPACE, type SledPlan, type SledTarget } from '../../../common/sled';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres';
import { loadImport } from './loader';
import { applyStackMigrations, buildStaging, connect, hex64, standardEntries } from './load-test-support';
import { STACK_TABLES_HINT } from './load-checks';
import { UserIds } from './mapping';
import { planImport } from './plan';
import type { StagingDb } from './staging-db';

const IMPORT = 'sled-plan-test';
let dir: string;
let staging: StagingDb;
const cleanups: Array<() => Promise<void>> = [];

async function target(migrate = true): Promise<{ db: TestDatabase; client: pg.Client; target: string }> {
  const db = await createTestDatabase('sledplan');
  const client = await connect(db.url);
  if (migrate) await applyStackMigrations(client);
  cleanups.push(async () => {
    await client.end();
    await db.drop();
  });
  return { db, client, target: `localhost/${db.name}` };
}

function table(plan: SledPlan, t: SledTarget) {
  return plan.tables.find((x) => x.target === t)!;
}

/** What the load did, per table, in the plan's terms. */
function loadedLikePlan(s: StagingDb) {
  const rows = s.db
    .prepare(
      `SELECT target, outcome, outcome_reason AS reason, count(*) AS n FROM entries
        WHERE record IS NOT NULL AND problem IS NULL GROUP BY 1, 2, 3`,
    )
    .all() as Array<{ target: SledTarget; outcome: string; reason: string | null; n: number }>;
  const out: Record<string, { loaded: number; skipped: Record<string, number> }> = {};
  for (const r of rows) {
    const t = (out[r.target] ??= { loaded: 0, skipped: {} });
    if (r.outcome === 'loaded') t.loaded += r.n;
    else {
      const reason = (r.reason ?? '').replace(/\bentry \d+\b/g, 'entry N');
      t.skipped[reason] = (t.skipped[reason] ?? 0) + r.n;
    }
  }
  return out;
}

function plannedLikeLoad(plan: SledPlan) {
  const out: Record<string, { loaded: number; skipped: Record<string, number> }> = {};
  for (const t of plan.tables) {
    if (t.toInsert + t.toSkip + t.alreadyLoaded === 0) continue;
    out[t.target] = {
      loaded: t.toInsert + t.alreadyLoaded,
      skipped: Object.fromEntries(t.skipReasons.map((r) => [r.reason, r.count])),
    };
  }
  return out;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-sled-plan-'));
  staging = buildStaging(path.join(dir, 'import.sqlite'), IMPORT, standardEntries());
});

afterEach(async () => {
  staging.close();
  for (const c of cleanups.splice(0)) await c();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('planImport', () => {
  it('plans from the staging database alone', async () => {
    const plan = await planImport(staging, staging.settings());
    expect(plan).toMatchObject({
      importId: IMPORT,
      checkedAgainst: null,
      entries: 16,
      balanceTotal: '9000000001500000007',
      secrets: { wallets: 1, mode: 'skip' },
    });
    expect(plan.tables.map((t) => [t.target, t.toInsert, t.toSkip, t.alreadyLoaded])).toEqual([
      ['blockchain.wallets', 2, 1, 0],
      ['blockchain.fodi_transactions', 2, 2, 0],
      ['ai.cache_entries', 2, 1, 0],
      ['ai.conversations', 2, 0, 0],
      ['ai.memory_facts', 2, 0, 0],
    ]);
    // alice has a wallet in this import; INV-LOCAL-001 does not.
    expect(table(plan, 'blockchain.fodi_transactions').walletUpdates).toBe(1);
    expect(table(plan, 'blockchain.fodi_transactions').skipReasons).toEqual([
      {
        reason: 'zero balance: nothing to mint',
        count: 1,
        samples: [
          {
            entryId: 5,
            source: 'fodi_ledger',
            file: `/exports/${IMPORT}.jsonl`,
            origin: 'line 6',
            key: 'balance:bob',
            family: 'balance',
            problem: null,
            reason: 'zero balance: nothing to mint',
          },
        ],
      },
      {
        reason: 'duplicate of entry N in this import',
        count: 1,
        samples: [
          expect.objectContaining({
            entryId: 7,
            key: 'balance:alice_123',
            reason: 'duplicate of entry 4 in this import',
          }),
        ],
      },
    ]);
    expect(plan.problems).toEqual([
      {
        kind: 'unknown_key',
        count: 1,
        samples: [expect.objectContaining({ entryId: 15, key: 'weird:thing', family: null, problem: 'unknown_key' })],
      },
      {
        kind: 'decode_error',
        count: 1,
        samples: [
          expect.objectContaining({ entryId: 16, key: hex64('broken'), reason: 'CachedResponse: 3 bytes left over' }),
        ],
      },
    ]);
    // Planning writes no outcome.
    expect(staging.db.prepare("SELECT count(*) FROM entries WHERE outcome <> 'pending'").pluck().get()).toBe(0);
  });

  it('counts rows already present in PostgreSQL as skips, and the load does exactly what it planned', async () => {
    const t = await target();
    const ids = new UserIds(DEFAULT_SLED_NAMESPACE);
    await t.client.query('INSERT INTO blockchain.wallets (user_id, public_key) VALUES ($1, $2), ($3, $4)', [
      ids.user('someone'),
      'CarolPubKey',
      ids.user('INV-LOCAL-001'),
      'InvWallet',
    ]);
    await t.client.query(
      "INSERT INTO ai.cache_entries (cache_key, query, response, expires_at) VALUES ($1, 'q', 'r', now())",
      [hex64('q2')],
    );
    const plan = await planImport(staging, staging.settings(), { client: t.client, target: t.target });
    expect(plan.checkedAgainst).toBe(t.target);
    expect(table(plan, 'blockchain.wallets').skipReasons.map((r) => [r.reason, r.count])).toEqual([
      ['already present: a wallet with this public key exists', 1],
      ['duplicate of entry N in this import', 1],
    ]);
    expect(table(plan, 'ai.cache_entries').skipReasons.map((r) => [r.reason, r.count])).toEqual([
      ['already present: a cache entry with this cache_key exists', 1],
      ['duplicate of entry N in this import', 1],
    ]);
    // alice's new wallet and the wallet of INV-LOCAL-001 already in PostgreSQL.
    expect(table(plan, 'blockchain.fodi_transactions').walletUpdates).toBe(2);
    // Planning never creates the provenance schema.
    expect((await t.client.query("SELECT to_regnamespace('sled_import') AS s")).rows[0].s).toBeNull();

    await loadImport({ staging, client: t.client, importId: IMPORT, target: t.target });
    expect(loadedLikePlan(staging)).toEqual(plannedLikeLoad(plan));
    const inv = await t.client.query("SELECT balance FROM blockchain.wallets WHERE public_key = 'InvWallet'");
    expect(inv.rows[0].balance).toBe('9000000000000000000');

    const after = await planImport(staging, staging.settings(), { client: t.client, target: t.target });
    expect(after.tables.map((x) => [x.target, x.toInsert, x.alreadyLoaded])).toEqual([
      ['blockchain.wallets', 0, 1],
      ['blockchain.fodi_transactions', 0, 2],
      ['ai.cache_entries', 0, 1],
      ['ai.conversations', 0, 2],
      ['ai.memory_facts', 0, 2],
    ]);
    expect(plannedLikeLoad(after)).toEqual(plannedLikeLoad(plan));
    expect(table(after, 'blockchain.fodi_transactions').walletUpdates).toBe(0);
  });

  it('says which entries another import already loaded', async () => {
    const t = await target();
    const first = buildStaging(path.join(dir, 'first.sqlite'), 'sled-first', standardEntries());
    try {
      await loadImport({ staging: first, client: t.client, importId: 'sled-first', target: t.target });
    } finally {
      first.close();
    }
    const plan = await planImport(staging, staging.settings(), { client: t.client, target: t.target });
    expect(plan.tables.every((x) => x.toInsert === 0 && x.alreadyLoaded === 0)).toBe(true);
    expect(table(plan, 'ai.conversations').skipReasons).toEqual([
      expect.objectContaining({ reason: 'already loaded by import sled-first (entry N)', count: 2 }),
    ]);
    await loadImport({ staging, client: t.client, importId: IMPORT, target: t.target });
    expect(loadedLikePlan(staging)).toEqual(plannedLikeLoad(plan));
  });

  it('refuses a database without the target tables', async () => {
    const t = await target(false);
    const error = await planImport(staging, staging.settings(), { client: t.client, target: t.target }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpsError);
    expect((error as OpsError).message).toMatch(/blockchain\.wallets.*do not exist/);
    expect((error as OpsError).hint).toBe(`${STACK_TABLES_HINT} Or plan without a connection.`);
  });
});
