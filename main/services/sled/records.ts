/**
 * The decoded records the stager writes into entries.record (JSON) and the
 * loader reads. One shape per key family. Integers that may exceed 2^53 (u64,
 * i64) are decimal strings, so no digit is lost; the stager has already
 * checked that each fits its target column (else the entry has an
 * 'out_of_range' problem and no record is loaded).
 *
 * Key patterns (checked in this order):
 *   balance:{user_id}                                   → balance
 *   wallet:{user_id}                                    → wallet
 *   ^[0-9a-f]{64}$ (exactly 64 lowercase hex characters)→ ai_cache
 *   ctx:{user_id}:{unix_ts}  (split at the LAST ':')   → conversation
 *   pref:memory:memory:{agent_id}:{category}:{key}      → memory
 *   pref:{user_id}:{key}     (split at the FIRST ':')   → preference
 */

/** balance:{user_id}, serde_json `Balance { total: u64, locked: u64, available: u64 }` in units of 1e-9 FODI. */
export interface BalanceRecord {
  user_id: string;
  total: string;
  locked: string;
  available: string;
}

/**
 * wallet:{user_id}, serde_json `WalletInfo`. The secret itself is never in the
 * record (nor in the staged value bytes): only whether there is one.
 */
export interface WalletRecord {
  /** The key's user id (the value's user_id is checked to match; a mismatch is a decode_error). */
  user_id: string;
  pubkey: string;
  has_secret: boolean;
  chain: string;
  /** Unix seconds (u64) as a decimal string. */
  created_at: string;
  wallet_type: 'Managed' | 'External';
}

/** 64-hex key, bincode `CachedResponse`. */
export interface CacheRecord {
  cache_key: string;
  query: string;
  response: string;
  model: string;
  /** Unix seconds (u64) as a decimal string. */
  cached_at: string;
  /** u32; checked to fit integer (≤ 2147483647). */
  hit_count: number;
  /** Option<u8>. */
  quality_score: number | null;
}

/** ctx:{user_id}:{unix_ts}, bincode `ConversationEntry`. */
export interface ConversationRecord {
  user_id: string;
  message: string;
  intent: string;
  /** i64 unix seconds as a decimal string. */
  timestamp: string;
  entities: string[];
  /** The key's parts, kept for the report. */
  key_user_id: string;
  key_ts: string;
}

/** pref:memory:memory:{agent_id}:{category}:{key}, UTF-8 JSON `MemoryEntry`, kept whole (fact_data = the entry). */
export interface MemoryRecord {
  /** The entry exactly as parsed from the value. */
  entry: {
    id: string;
    agent_id: string;
    category: string;
    key: string;
    value: string;
    created_at: string;
    last_accessed: string;
    access_count: number;
    importance: number;
    tags: string[];
    related_memories: string[];
  };
}

/** pref:{user_id}:{key}, a raw UTF-8 string. */
export interface PreferenceRecord {
  user_id: string;
  key: string;
  value: string;
}

export type SledRecord =
  BalanceRecord | WalletRecord | CacheRecord | ConversationRecord | MemoryRecord | PreferenceRecord;

/** Column limits the stager checks (the stack's migrations 002 and 003). */
export const LIMITS = {
  bigintMax: 9223372036854775807n,
  integerMax: 2147483647,
  /** varchar(255): wallets.public_key, fodi_transactions.to_address, cache_entries.cache_key. */
  varchar255: 255,
  /** varchar(50): cache_entries.model, memory_facts.fact_type, wallets.wallet_type. */
  varchar50: 50,
  /** Unix seconds PostgreSQL's timestamptz and JS can both hold: years 0001–9999. */
  unixSecondsMin: -62135596800n,
  unixSecondsMax: 253402300799n,
} as const;
