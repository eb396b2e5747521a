/**
 * The plan's questions to PostgreSQL, set-based per chunk of entries (never a
 * scan of a whole table per chunk), and the natural key of a staged record.
 */
import type pg from 'pg';
import { OpsError } from '../../../common/errors';
import type { SledFamily, SledTarget } from '../../../common/sled';
import { sledTargets } from '../../../common/sled';
import { quoteIdent } from '../catalog/quote';
import { STACK_TABLES_HINT } from './load-checks';
import { targetSql } from './load-statement';
import type { UserIds } from './mapping';
import type { BalanceRecord, CacheRecord, WalletRecord } from './records';

/** The natural key column of the targets that have one. */
export const NATURAL_KEYS: Partial<Record<SledTarget, string>> = {
  'blockchain.wallets': 'public_key',
  'blockchain.fodi_transactions': 'tx_id',
  'ai.cache_entries': 'cache_key',
};

export interface PlanDb {
  client: pg.ClientBase;
  target: string;
  provenance: boolean;
}

export interface PlanEntry {
  id: number;
  source: string;
  tree: string;
  keyHex: string;
  record: string;
  outcome: string;
  outcomeReason: string | null;
  provenanceFirst: number | null;
}

export interface NaturalKey {
  /** public_key, tx_id or cache_key; null for tables without one. */
  key: string | null;
  userUuid: string | null;
  total: bigint | null;
  hasSecret: boolean;
}

export function naturalKeyOf(family: SledFamily, recordText: string, ids: UserIds): NaturalKey {
  const none: NaturalKey = { key: null, userUuid: null, total: null, hasSecret: false };
  try {
    switch (family) {
      case 'wallet': {
        const r = JSON.parse(recordText) as WalletRecord;
        return { key: r.pubkey, userUuid: ids.user(r.user_id), total: null, hasSecret: r.has_secret === true };
      }
      case 'balance': {
        const r = JSON.parse(recordText) as BalanceRecord;
        return {
          key: ids.openingBalanceTxId(r.user_id),
          userUuid: ids.user(r.user_id),
          total: BigInt(r.total),
          hasSecret: false,
        };
      }
      case 'ai_cache':
        return { ...none, key: (JSON.parse(recordText) as CacheRecord).cache_key };
      default:
        return none;
    }
  } catch {
    return none;
  }
}

export async function requireTargets(client: pg.ClientBase, target: string): Promise<void> {
  const result = await client.query<{ name: string }>(
    'SELECT t.name FROM unnest($1::text[]) AS t(name) WHERE to_regclass(t.name) IS NULL',
    [sledTargets],
  );
  const missing = result.rows.map((r) => r.name);
  if (missing.length > 0) {
    throw new OpsError(
      'conflict',
      `${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist on ${target}`,
      {
        hint: `${STACK_TABLES_HINT} Or plan without a connection.`,
      },
    );
  }
}

/** This import's own provenance (with a database) or the last load's staged outcomes (without). */
export async function recordedOutcomes(
  db: PlanDb | null,
  importId: string,
  rows: readonly PlanEntry[],
): Promise<Map<number, { outcome: string; reason: string | null }>> {
  const recorded = new Map<number, { outcome: string; reason: string | null }>();
  if (!db) {
    for (const r of rows) {
      if (r.outcome === 'loaded' || r.outcome === 'skipped')
        recorded.set(r.id, { outcome: r.outcome, reason: r.outcomeReason });
    }
    return recorded;
  }
  if (!db.provenance) return recorded;
  const result = await db.client.query<{ entry_id: string; outcome: string; reason: string | null }>(
    `SELECT entry_id, outcome, reason FROM sled_import.provenance WHERE import_id = $1 AND entry_id = ANY($2::bigint[])`,
    [importId, rows.map((r) => r.id)],
  );
  for (const r of result.rows) recorded.set(Number(r.entry_id), { outcome: r.outcome, reason: r.reason });
  return recorded;
}

/** Entries whose Sled key another entry (of this or another import) already holds in the provenance. */
export async function heldByOthers(
  db: PlanDb | null,
  importId: string,
  rows: readonly PlanEntry[],
  recorded: ReadonlyMap<number, unknown>,
): Promise<Map<number, { importId: string; entryId: string }>> {
  const held = new Map<number, { importId: string; entryId: string }>();
  if (!db?.provenance) return held;
  const open = rows.filter((r) => !recorded.has(r.id));
  if (open.length === 0) return held;
  // LATERAL … LIMIT 1: an index lookup per entry, never a scan of the whole provenance per chunk.
  const result = await db.client.query<{ id: string; import_id: string; entry_id: string }>(
    `SELECT i.id::text AS id, p.import_id, p.entry_id::text AS entry_id
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS i(id, source, tree, key_hex)
       JOIN LATERAL (
         SELECT p.import_id, p.entry_id FROM sled_import.provenance p
          WHERE p.source = i.source AND p.tree = i.tree AND p.sled_key = decode(i.key_hex, 'hex') LIMIT 1) p ON true
      WHERE NOT (p.import_id = $5 AND p.entry_id = i.id)`,
    [open.map((r) => r.id), open.map((r) => r.source), open.map((r) => r.tree), open.map((r) => r.keyHex), importId],
  );
  for (const r of result.rows) held.set(Number(r.id), { importId: r.import_id, entryId: r.entry_id });
  return held;
}

/** Natural keys already in the target table, with the import entry that loaded each (if one did). */
export async function presentKeys(
  db: PlanDb | null,
  target: SledTarget,
  natural: readonly NaturalKey[],
): Promise<Map<string, { importId: string | null; entryId: string | null }>> {
  const present = new Map<string, { importId: string | null; entryId: string | null }>();
  const naturalKey = NATURAL_KEYS[target];
  if (!db || !naturalKey) return present;
  const column = quoteIdent(naturalKey);
  const table = targetSql(target);
  const keys = [...new Set(natural.map((n) => n.key).filter((k): k is string => k !== null))];
  if (keys.length === 0) return present;
  // target and column are constants of this file (sledTargets and NATURAL_KEYS), never input.
  const result = await db.client.query<{ key: string; import_id: string | null; entry_id: string | null }>(
    db.provenance
      ? `SELECT x.${column} AS key, p.import_id, p.entry_id::text AS entry_id
           FROM ${table} x
           LEFT JOIN sled_import.provenance p ON p.target_table = $2 AND p.target_id = x.id AND p.outcome = 'loaded'
          WHERE x.${column} = ANY($1::text[])`
      : `SELECT x.${column} AS key, NULL::text AS import_id, NULL::text AS entry_id FROM ${table} x
          WHERE x.${column} = ANY($1::text[]) AND $2::text IS NOT NULL`,
    [keys, target],
  );
  for (const r of result.rows) {
    present.set(r.key, { importId: r.import_id, entryId: r.entry_id });
  }
  return present;
}
