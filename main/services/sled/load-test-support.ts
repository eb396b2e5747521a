/**
 * Test support for the plan, load and report tests: staging databases built
 * directly from records (the shapes of records.ts), the stack's migrations on
 * a test database, and the full contents of the target tables for comparing
 * two loads.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { SledFamily, SledProblemKind, SledTarget } from '../../../common/sled';
import { familyTarget } from '../../../common/sled';
import type {
  BalanceRecord,
  CacheRecord,
  ConversationRecord,
  MemoryRecord,
  PreferenceRecord,
  WalletRecord,
} from './records';
import { StagingDb, type NewEntry } from './staging-db';

export const TREE = '__sled__default';
export const EXPORTED_AT = '2024-06-01T12:00:00Z';
export const CREATED_AT = '2024-07-01T08:00:00.000Z';

export interface FixtureEntry {
  source: string;
  key: string | Buffer;
  family: SledFamily | null;
  record: object | null;
  problem?: SledProblemKind;
  reason?: string;
}

export const balance = (source: string, r: BalanceRecord): FixtureEntry => ({
  source,
  key: `balance:${r.user_id}`,
  family: 'balance',
  record: r,
});
export const wallet = (source: string, r: WalletRecord): FixtureEntry => ({
  source,
  key: `wallet:${r.user_id}`,
  family: 'wallet',
  record: r,
});
export const cache = (source: string, r: CacheRecord): FixtureEntry => ({
  source,
  key: r.cache_key,
  family: 'ai_cache',
  record: r,
});
export const conversation = (source: string, r: Omit<ConversationRecord, 'key_user_id' | 'key_ts'>): FixtureEntry => ({
  source,
  key: `ctx:${r.user_id}:${r.timestamp}`,
  family: 'conversation',
  record: { ...r, key_user_id: r.user_id, key_ts: r.timestamp },
});
export const memory = (source: string, entry: MemoryRecord['entry']): FixtureEntry => ({
  source,
  key: `pref:memory:memory:${entry.agent_id}:${entry.category}:${entry.key}`,
  family: 'memory',
  record: { entry },
});
export const preference = (source: string, r: PreferenceRecord): FixtureEntry => ({
  source,
  key: `pref:${r.user_id}:${r.key}`,
  family: 'preference',
  record: r,
});

/** UUIDv5 as RFC 4122 §4.3 defines it, written here independently of the uuid package the mapping uses. */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(Buffer.from(name, 'utf8'))
    .digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const hex64 = (seed: string): string => createHash('sha256').update(seed).digest('hex');

export function memoryEntry(agent: string, key: string, importance: number): MemoryRecord['entry'] {
  return {
    id: `mem-${agent}-${key}`,
    agent_id: agent,
    category: 'fact',
    key,
    value: `value of ${key}`,
    created_at: '2024-05-01T10:00:00Z',
    last_accessed: '2024-05-20T10:00:00.5Z',
    access_count: 3,
    importance,
    tags: ['t1'],
    related_memories: [],
  };
}

/** Builds a staged import (state 'staged') with one file and the given sources. */
export function buildStaging(
  file: string,
  id: string,
  entries: readonly FixtureEntry[],
  sources: Record<string, string | null> = {},
): StagingDb {
  const staging = StagingDb.create(file, id, CREATED_AT);
  const fileId = staging.addFile({ path: `/exports/${id}.jsonl`, bytes: 1, format: 'jsonl' });
  const sourceIds = new Map<string, number>();
  const news: NewEntry[] = entries.map((e, i) => {
    let sourceId = sourceIds.get(e.source);
    if (sourceId === undefined) {
      sourceId = staging.addSource({
        fileId,
        name: e.source,
        exportedAt: e.source in sources ? (sources[e.source] ?? null) : EXPORTED_AT,
        origin: `line ${i + 1}`,
      });
      sourceIds.set(e.source, sourceId);
    }
    const key = typeof e.key === 'string' ? Buffer.from(e.key, 'utf8') : e.key;
    return {
      fileId,
      sourceId,
      origin: `line ${i + 2}`,
      tree: TREE,
      key,
      value: Buffer.from('{}'),
      valueSha256: null,
      valueRedacted: e.family === 'wallet',
      family: e.family,
      target: e.family ? familyTarget[e.family] : null,
      record: e.record === null ? null : JSON.stringify(e.record),
      problem: e.problem ?? null,
      reason: e.reason ?? null,
    };
  });
  staging.insertEntries(news);
  staging.finishFile(fileId, '0'.repeat(64), entries.length);
  staging.finishStaging('staged', null);
  return staging;
}

/** The standard mix: every family, duplicates, a zero balance, problems. */
export function standardEntries(): FixtureEntry[] {
  return [
    wallet('wallets', {
      user_id: 'alice_123',
      pubkey: 'AlicePubKey1111111111111111111111111111111',
      has_secret: true,
      chain: 'solana',
      created_at: '1700000000',
      wallet_type: 'Managed',
    }),
    wallet('wallets', {
      user_id: 'carol',
      pubkey: 'CarolPubKey',
      has_secret: false,
      chain: 'solana',
      created_at: '1700000500',
      wallet_type: 'External',
    }),
    // Another user with alice's key: a duplicate of entry 1.
    wallet('wallets-old', {
      user_id: 'dave',
      pubkey: 'AlicePubKey1111111111111111111111111111111',
      has_secret: false,
      chain: 'solana',
      created_at: '1690000000',
      wallet_type: 'External',
    }),
    balance('fodi_ledger', { user_id: 'alice_123', total: '1500000000', locked: '500000000', available: '1000000000' }),
    balance('fodi_ledger', { user_id: 'bob', total: '0', locked: '0', available: '0' }),
    balance('fodi_ledger', {
      user_id: 'INV-LOCAL-001',
      total: '9000000000000000000',
      locked: '0',
      available: '9000000000000000000',
    }),
    // alice's balance again in an older export: a duplicate.
    balance('fodi_ledger_old', { user_id: 'alice_123', total: '7', locked: '0', available: '7' }),
    cache('ai_cache', {
      cache_key: hex64('q1'),
      query: 'What is FODI?',
      response: 'A token.',
      model: 'gpt-4o-mini',
      cached_at: '1717000000',
      hit_count: 5,
      quality_score: 9,
    }),
    cache('ai_cache', {
      cache_key: hex64('q2'),
      query: 'Menu?',
      response: 'Soup.',
      model: 'local',
      cached_at: '1717000100',
      hit_count: 0,
      quality_score: null,
    }),
    cache('ai_cache_old', {
      cache_key: hex64('q1'),
      query: 'What is FODI? (old)',
      response: 'Old.',
      model: 'old',
      cached_at: '1600000000',
      hit_count: 1,
      quality_score: null,
    }),
    conversation('local_agents', {
      user_id: 'alice_123',
      message: 'Order soup',
      intent: 'order',
      timestamp: '1700000100',
      entities: ['soup'],
    }),
    conversation('local_agents', {
      user_id: 'alice_123',
      message: 'Thanks',
      intent: 'smalltalk',
      timestamp: '1700000200',
      entities: [],
    }),
    memory('local_agents', memoryEntry('agent-7', 'likes', 0.8)),
    preference('local_agents', { user_id: 'alice_123', key: 'language', value: 'en' }),
    {
      source: 'local_agents',
      key: 'weird:thing',
      family: null,
      record: null,
      problem: 'unknown_key',
      reason: 'no family',
    },
    {
      source: 'ai_cache',
      key: hex64('broken'),
      family: 'ai_cache',
      record: null,
      problem: 'decode_error',
      reason: 'CachedResponse: 3 bytes left over',
    },
  ];
}

/** `n` more entries of the families without natural keys and with, for runs of many batches. */
export function manyEntries(n: number): FixtureEntry[] {
  const out: FixtureEntry[] = [];
  for (let i = 0; i < n; i++) {
    const user = `user_${i % 97}`;
    switch (i % 6) {
      case 0:
        out.push(
          wallet('wallets', {
            user_id: `w_${i}`,
            pubkey: `Key${i}`,
            has_secret: i % 12 === 0,
            chain: 'solana',
            created_at: String(1_700_000_000 + i),
            wallet_type: i % 12 === 0 ? 'Managed' : 'External',
          }),
        );
        break;
      case 1:
        out.push(
          balance('fodi_ledger', {
            user_id: `w_${i - 1}`,
            total: String(i * 1000),
            locked: '0',
            available: String(i * 1000),
          }),
        );
        break;
      case 2:
        out.push(
          cache('ai_cache', {
            cache_key: hex64(`k${i % 500}`),
            query: `q ${i}`,
            response: `r ${i}`,
            model: 'm',
            cached_at: String(1_717_000_000 + i),
            hit_count: i,
            quality_score: i % 3 === 0 ? null : i % 256,
          }),
        );
        break;
      case 3:
        out.push(
          conversation('local_agents', {
            user_id: user,
            message: `message ${i} ✓`,
            intent: 'chat',
            timestamp: String(1_700_000_000 + i),
            entities: [`e${i}`],
          }),
        );
        break;
      case 4:
        out.push(memory('local_agents', memoryEntry(`agent-${i % 13}`, `k${i}`, (i % 10) / 10)));
        break;
      default:
        out.push(preference('local_agents', { user_id: user, key: `p${i}`, value: `v${i}` }));
    }
  }
  return out;
}

const migrationsDir = fileURLToPath(new URL('../../../migrations', import.meta.url));

/** Migrations 001–005 (schemas, pgcrypto, the ai and blockchain tables, the triggers) as psql would run them. */
export async function applyStackMigrations(client: pg.ClientBase): Promise<void> {
  for (const name of [
    '001_create_schemas.sql',
    '002_ai_tables.sql',
    '003_blockchain_tables.sql',
    '004_analytics_tables.sql',
    '005_functions.sql',
  ]) {
    await client.query(fs.readFileSync(path.join(migrationsDir, name), 'utf8'));
  }
}

export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'sled-load-test' });
  await client.connect();
  return client;
}

/**
 * Everything a load writes, without the generated ids, in a stable order;
 * encrypted secrets decrypted (their ciphertext differs on every run).
 */
export async function loadedContents(
  client: pg.ClientBase,
  passphrase = 'unused-passphrase',
): Promise<Record<string, unknown[]>> {
  const q = async (sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows;
  return {
    wallets: await q(
      `SELECT user_id, public_key, wallet_type, balance, created_at, last_sync, metadata::text,
              CASE WHEN encrypted_private_key IS NULL THEN NULL
                   ELSE public.pgp_sym_decrypt(public.dearmor(encrypted_private_key), $1) END AS secret
         FROM blockchain.wallets ORDER BY public_key`,
      [passphrase],
    ),
    transactions: await q(
      `SELECT tx_id, from_address, to_address, amount, tx_type, status, blockchain_tx, metadata::text, created_at, confirmed_at
         FROM blockchain.fodi_transactions ORDER BY tx_id`,
    ),
    cache: await q(
      `SELECT cache_key, query, response, model, cached_at, expires_at, hit_count, quality_score
         FROM ai.cache_entries ORDER BY cache_key`,
    ),
    conversations: await q(
      `SELECT user_id, session_id, role, content, metadata::text, created_at FROM ai.conversations
        ORDER BY metadata->'sled'->>'source', metadata->'sled'->>'key'`,
    ),
    facts: await q(
      `SELECT user_id, business_id, fact_type, fact_data::text, confidence, created_at, updated_at FROM ai.memory_facts
        ORDER BY fact_data::text`,
    ),
    provenance: await q(
      `SELECT p.source, p.tree, encode(p.sled_key, 'hex') AS key, p.import_id, p.entry_id, p.target_table, p.outcome, p.reason,
              p.target_id IS NOT NULL AS has_row
         FROM sled_import.provenance p ORDER BY p.import_id, p.entry_id`,
    ),
  };
}

/** Staged outcomes (without row ids, which depend on the sequences). */
export function stagedOutcomes(staging: StagingDb): unknown[] {
  return staging.db
    .prepare('SELECT id, outcome, outcome_reason, target_id IS NOT NULL AS has_row FROM entries ORDER BY id')
    .all();
}

export async function rowCounts(client: pg.ClientBase): Promise<Record<SledTarget | 'provenance', number>> {
  const result = await client.query<{ t: string; n: number }>(`
    SELECT 'blockchain.wallets' AS t, count(*)::int AS n FROM blockchain.wallets
    UNION ALL SELECT 'blockchain.fodi_transactions', count(*)::int FROM blockchain.fodi_transactions
    UNION ALL SELECT 'ai.cache_entries', count(*)::int FROM ai.cache_entries
    UNION ALL SELECT 'ai.conversations', count(*)::int FROM ai.conversations
    UNION ALL SELECT 'ai.memory_facts', count(*)::int FROM ai.memory_facts
    UNION ALL SELECT 'provenance', count(*)::int FROM sled_import.provenance`);
  return Object.fromEntries(result.rows.map((r) => [r.t, r.n])) as Record<SledTarget | 'provenance', number>;
}
