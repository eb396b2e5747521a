/**
 * Staged record → the values of its target row. Pure: no database, no clock;
 * the loader turns these into the arrays of one set-based INSERT per batch and
 * the planner uses the same functions, so both agree on every key and reason.
 * The mapping itself is documented at the top of loader.ts.
 */
import { parse as parseUuid, v5 as uuidV5 } from 'uuid';
import type { SledTarget } from '../../../common/sled';
import type {
  BalanceRecord,
  CacheRecord,
  ConversationRecord,
  MemoryRecord,
  PreferenceRecord,
  WalletRecord,
} from './records';

/** Where an entry came from, as the provenance and the rows' JSON record it. */
export interface EntryOrigin {
  importId: string;
  entryId: number;
  /** The source name (format A header, format B file). */
  source: string;
  tree: string;
  /** The Sled key as UTF-8 text (every known family's key is text). */
  key: string;
  /**
   * The time rows without a time of their own are dated: the source's
   * exported_at, else the import's created_at (RFC 3339).
   */
  asOf: string;
}

/** Maps Sled's free-text user ids to UUIDv5 under one namespace (parsed once). */
export class UserIds {
  private readonly namespace: Uint8Array;
  /** Users repeat (a conversation per message): recent results, bounded. */
  private readonly memo = new Map<string, string>();

  constructor(readonly namespaceText: string) {
    this.namespace = parseUuid(namespaceText);
  }

  /** UUIDv5(namespace, the original id as UTF-8). */
  user(userId: string): string {
    return this.v5(userId);
  }

  /** One conversation session per Sled user: UUIDv5(namespace, 'session:' + user_id). */
  session(userId: string): string {
    return this.v5(`session:${userId}`);
  }

  private v5(name: string): string {
    let id = this.memo.get(name);
    if (id === undefined) {
      if (this.memo.size >= 50_000) this.memo.clear();
      id = uuidV5(name, this.namespace);
      this.memo.set(name, id);
    }
    return id;
  }

  /** The opening-balance mint's deterministic tx_id. */
  openingBalanceTxId(userId: string): string {
    return openingBalanceTxIdOf(this.user(userId));
  }
}

export function openingBalanceTxIdOf(userUuid: string): string {
  return `sled-opening-balance-${userUuid}`;
}

/** Why an entry that maps to a row does not become one. The planner and the loader use the same words. */
export const skipReasons = {
  zeroBalance: 'zero balance: nothing to mint',
  alreadyPresent: {
    'blockchain.wallets': 'already present: a wallet with this public key exists',
    'blockchain.fodi_transactions': 'already present: a transaction with this tx_id exists',
    'ai.cache_entries': 'already present: a cache entry with this cache_key exists',
  } as Partial<Record<SledTarget, string>>,
  duplicate: (firstEntryId: number | string) => `duplicate of entry ${firstEntryId} in this import`,
  loadedByImport: (importId: string, entryId: number | string) =>
    `already loaded by import ${importId} (entry ${entryId})`,
} as const;

export const UNKNOWN_KEY_REASON = 'unknown key pattern';

/** The `sled` object kept in a row's JSON: where the row came from. */
export function sledMeta(origin: EntryOrigin, extra: Record<string, string> = {}): Record<string, string> {
  return {
    import_id: origin.importId,
    source: origin.source,
    tree: origin.tree,
    key: origin.key,
    ...extra,
  };
}

/** Unix seconds (decimal string, range-checked by the stager) as RFC 3339. */
export function unixToIso(seconds: string | bigint): string {
  return new Date(Number(BigInt(seconds)) * 1000).toISOString();
}

export type SecretMode = 'encrypt' | 'skip';

export interface WalletRow {
  userId: string;
  publicKey: string;
  walletType: string;
  createdAt: string;
  metadata: Record<string, unknown>;
  /** The opening-balance tx_id of this wallet's user (the wallet takes its amount if it is already minted). */
  openingTxId: string;
  /** True when the record had a secret and the load encrypts secrets: the loader supplies it. */
  wantsSecret: boolean;
}

export function walletRow(record: WalletRecord, origin: EntryOrigin, ids: UserIds, secrets: SecretMode): WalletRow {
  const userId = ids.user(record.user_id);
  const secret = !record.has_secret ? 'none' : secrets === 'encrypt' ? 'encrypted' : 'left_out';
  return {
    userId,
    publicKey: record.pubkey,
    walletType: record.chain,
    createdAt: unixToIso(record.created_at),
    metadata: {
      sled: sledMeta(origin, { user_id: record.user_id }),
      wallet_kind: record.wallet_type,
      secret,
    },
    openingTxId: openingBalanceTxIdOf(userId),
    wantsSecret: secret === 'encrypted',
  };
}

export interface MintRow {
  userId: string;
  txId: string;
  toAddress: string;
  amount: string;
  createdAt: string;
  metadata: Record<string, unknown>;
  /** A zero total mints nothing (amount must be > 0): skipped with skipReasons.zeroBalance. */
  zero: boolean;
}

/** @param walletKey the public key of this user's wallet in the import, if any. */
export function mintRow(record: BalanceRecord, origin: EntryOrigin, ids: UserIds, walletKey: string | null): MintRow {
  const userId = ids.user(record.user_id);
  return {
    userId,
    txId: openingBalanceTxIdOf(userId),
    toAddress: walletKey ?? `user:${userId}`,
    amount: BigInt(record.total).toString(),
    createdAt: origin.asOf,
    metadata: {
      sled: sledMeta(origin, { user_id: record.user_id }),
      balance: { total: record.total, locked: record.locked, available: record.available },
    },
    zero: BigInt(record.total) === 0n,
  };
}

export interface CacheRow {
  cacheKey: string;
  query: string;
  response: string;
  model: string;
  cachedAt: string;
  expiresAt: string;
  hitCount: number;
  qualityScore: number | null;
}

export function cacheRow(record: CacheRecord, ttlSeconds: number): CacheRow {
  const cached = BigInt(record.cached_at);
  return {
    cacheKey: record.cache_key,
    query: record.query,
    response: record.response,
    model: record.model,
    cachedAt: unixToIso(cached),
    expiresAt: unixToIso(cached + BigInt(ttlSeconds)),
    hitCount: record.hit_count,
    qualityScore: record.quality_score,
  };
}

export interface ConversationRow {
  userId: string;
  sessionId: string;
  role: 'user';
  content: string;
  createdAt: string;
  metadata: Record<string, unknown>;
}

export function conversationRow(record: ConversationRecord, origin: EntryOrigin, ids: UserIds): ConversationRow {
  return {
    userId: ids.user(record.user_id),
    sessionId: ids.session(record.user_id),
    role: 'user',
    content: record.message,
    createdAt: unixToIso(record.timestamp),
    metadata: {
      intent: record.intent,
      entities: record.entities,
      sled: sledMeta(origin, { user_id: record.user_id, timestamp: record.timestamp }),
    },
  };
}

export interface MemoryFactRow {
  userId: string;
  factType: string;
  /** Serialized as JSON with the batch (jsonb in PostgreSQL). */
  factData: unknown;
  confidence: number;
  /** Text PostgreSQL parses as timestamptz (RFC 3339). */
  createdAt: string;
  updatedAt: string;
}

/** pref:memory:memory:… → a fact of the agent, fact_data = the MemoryEntry as recorded. */
export function memoryFactRow(record: MemoryRecord, ids: UserIds): MemoryFactRow {
  const entry = record.entry;
  return {
    userId: ids.user(entry.agent_id),
    factType: entry.category,
    factData: entry,
    confidence: entry.importance,
    createdAt: entry.created_at,
    updatedAt: entry.last_accessed,
  };
}

/** pref:{user}:{key} → a 'preference' fact; a raw string has no time, so it is dated as of the export. */
export function preferenceFactRow(record: PreferenceRecord, origin: EntryOrigin, ids: UserIds): MemoryFactRow {
  return {
    userId: ids.user(record.user_id),
    factType: 'preference',
    factData: { user_id: record.user_id, key: record.key, value: record.value },
    confidence: 1,
    createdAt: origin.asOf,
    updatedAt: origin.asOf,
  };
}

/** The key as shown in messages and samples: UTF-8 when it is, else 0x… hex; shortened past 200 characters. */
export function printableKey(key: Buffer | null): string | null {
  if (key === null) return null;
  const text = key.toString('utf8');
  const printable = Buffer.from(text, 'utf8').equals(key) && !key.some((byte) => byte < 0x20 || byte === 0x7f);
  const shown = printable ? text : `0x${key.toString('hex')}`;
  return shown.length > 200 ? `${shown.slice(0, 199)}…` : shown;
}
