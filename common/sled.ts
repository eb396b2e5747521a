import { z } from 'zod';
import { connectionRef } from './profiles';

/**
 * Migrating the legacy Sled data into PostgreSQL: import (stage an export in
 * SQLite), plan, load exactly once, reconcile. The export formats, the key
 * families and where each goes are documented in the README ("Sled import").
 */

/** The key families the bot stored; `null` in an entry means the key matched none. */
export const sledFamilies = ['balance', 'wallet', 'ai_cache', 'conversation', 'memory', 'preference'] as const;
export type SledFamily = (typeof sledFamilies)[number];

/** Where each family goes, in load order (wallets first, so balances can update them). */
export const sledTargets = [
  'blockchain.wallets',
  'blockchain.fodi_transactions',
  'ai.cache_entries',
  'ai.conversations',
  'ai.memory_facts',
] as const;
export type SledTarget = (typeof sledTargets)[number];

export const familyTarget: Record<SledFamily, SledTarget> = {
  wallet: 'blockchain.wallets',
  balance: 'blockchain.fodi_transactions',
  ai_cache: 'ai.cache_entries',
  conversation: 'ai.conversations',
  memory: 'ai.memory_facts',
  preference: 'ai.memory_facts',
};

/**
 * Why an entry cannot be loaded as it is. Every staged entry with a problem is
 * kept, with the kind and a message saying what was wrong.
 */
export const sledProblemKinds = [
  /** A line (format A) that is not valid JSON, or a JSON value that is not an entry. */
  'invalid_json',
  /** A header line missing, of another format or of an unsupported version. */
  'bad_header',
  /** key_b64 / value_b64 that is not valid base64. */
  'bad_base64',
  /** An entry with both or neither of key and key_b64 (value and value_b64). */
  'bad_entry',
  /** A key that matches no known family. */
  'unknown_key',
  /** A value that does not decode as its family's Rust type (bincode or JSON). */
  'decode_error',
  /** A decoded value that does not fit its column (a u64 beyond bigint, a model name over 50 characters …). */
  'out_of_range',
] as const;
export type SledProblemKind = (typeof sledProblemKinds)[number];

/** The default UUIDv5 namespace for Sled user ids (documented in the README). */
export const DEFAULT_SLED_NAMESPACE = '5d1e7a3c-0f4b-5c8e-9a61-2b7d4e0c9f13';
/** The default cache TTL: expires_at = cached_at + 7 days. */
export const DEFAULT_CACHE_TTL_SECONDS = 7 * 24 * 3600;

/** The plan's editable choices, kept in the staging database. */
export interface SledSettings {
  /** Seconds added to cached_at for ai.cache_entries.expires_at. */
  cacheTtlSeconds: number;
  /** The UUIDv5 namespace that maps Sled user ids to UUIDs. */
  uuidNamespace: string;
  /**
   * What happens to wallet secrets (plaintext keypairs): encrypted with
   * pgcrypto's pgp_sym_encrypt under a passphrase given at load time (never
   * stored), or left out (encrypted_private_key NULL, counted in the report).
   */
  secrets: 'encrypt' | 'skip';
}

export const sledSettingsInput = z
  .object({
    cacheTtlSeconds: z
      .number()
      .int()
      .min(0)
      .max(100 * 365 * 24 * 3600)
      .optional(),
    uuidNamespace: z
      .string()
      .regex(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
        'Expected a UUID such as 6ba7b811-9dad-11d1-80b4-00c04fd430c8',
      )
      .optional(),
    secrets: z.enum(['encrypt', 'skip']).optional(),
  })
  .strict();

/** One export file read into an import. */
export interface SledFileSummary {
  path: string;
  bytes: number;
  /** 'jsonl' = format A (our JSON Lines), 'export-json' = format B (serde_json of sled::Db::export()). */
  format: 'jsonl' | 'export-json';
  sha256: string;
  entries: number;
  /** Source names found in it (format A headers; format B: the file name). */
  sources: string[];
}

export type SledImportState = 'staging' | 'staged' | 'failed' | 'cancelled';

export interface SledImportSummary {
  id: string;
  state: SledImportState;
  createdAt: string;
  files: SledFileSummary[];
  entries: number;
  /** Entries without a problem, by family. */
  byFamily: Record<SledFamily, number>;
  /** Entries with a problem, by kind. */
  problems: Partial<Record<SledProblemKind, number>>;
  /** The first entry of each problem kind: in which file, where in it, and why. */
  problemExamples: Partial<Record<SledProblemKind, { file: string; origin: string; reason: string | null }>>;
  /** Entries loaded, skipped and failed by the loads so far (0 before the first load). */
  loaded: number;
  skipped: number;
  failed: number;
  /** The last load's finish time, or null. */
  lastLoadAt: string | null;
  /** The staging database file (in the data folder). */
  stagingFile: string;
  stagingBytes: number;
  /** Why staging failed, when state is 'failed'. */
  message: string | null;
}

/** A staged entry as the UI shows it: the key printable, the value never (a wallet secret may be in it). */
export interface SledEntrySample {
  entryId: number;
  source: string | null;
  /** The export file it was read from (its path as imported). */
  file: string;
  /** Where in that file: 'line 12' (format A) or 'collection 0, pair 41' (format B). */
  origin: string;
  /** The key as UTF-8 when it is, else `0x…` hex; shortened past 200 characters. */
  key: string | null;
  family: SledFamily | null;
  problem: SledProblemKind | null;
  reason: string | null;
}

/** A problem's example: where, then why (without saying where twice: the reader's reasons start with their line). */
export function sampleLine(sample: { origin: string; reason: string | null }): string {
  const reason = sample.reason ?? '';
  if (reason === '') return sample.origin;
  return reason === sample.origin || reason.startsWith(`${sample.origin}:`) || reason.startsWith(`${sample.origin} `)
    ? reason
    : `${sample.origin}: ${reason}`;
}

/** sampleLine of a sample listed under a group's reason: its key rather than a reason that only repeats the group's. */
export function sampleLineUnder(
  sample: { origin: string; reason: string | null; key: string | null },
  groupReason: string,
): string {
  return sample.reason === groupReason && sample.key !== null
    ? `${sample.origin}: key ${sample.key}`
    : sampleLine(sample);
}

export interface SledPlanTable {
  target: SledTarget;
  /** Entries that become rows (or, for balances, mint rows). */
  toInsert: number;
  /** Entries that will not become rows, with the reason counted. */
  toSkip: number;
  skipReasons: Array<{ reason: string; count: number; samples: SledEntrySample[] }>;
  /** Entries already loaded by an earlier run (provenance in PostgreSQL). */
  alreadyLoaded: number;
  /** Balances only: wallets whose balance the load sets. */
  walletUpdates?: number;
}

export interface SledPlanProblem {
  kind: SledProblemKind;
  count: number;
  samples: SledEntrySample[];
}

export interface SledPlan {
  importId: string;
  settings: SledSettings;
  /** The target the skip counts were checked against, or null (not checked). */
  checkedAgainst: string | null;
  tables: SledPlanTable[];
  problems: SledPlanProblem[];
  /** Wallets that carry a plaintext secret, and what the load does with them. */
  secrets: { wallets: number; mode: SledSettings['secrets'] };
  /** Sum of the totals of the balances that decoded (units of 1e-9 FODI), as a decimal string. */
  balanceTotal: string;
  entries: number;
}

export type SledEntryOutcome = 'loaded' | 'skipped' | 'failed' | 'pending';

export interface SledReportCheck {
  name: string;
  expected: string;
  actual: string;
  ok: boolean;
  /**
   * Set when the check is not made now but read back from the last load's
   * report (a report from the staging database only): when that load ran and
   * the database it checked.
   */
  recorded?: { at: string; against: string | null };
}

export interface SledReportTable {
  target: SledTarget | null;
  loaded: number;
  skipped: number;
  failed: number;
  pending: number;
}

export interface SledReport {
  importId: string;
  generatedAt: string;
  /** Where the checks were verified (host:port/database), or null when read from the staging database only. */
  verifiedAgainst: string | null;
  entries: number;
  /** Every staged entry is exactly one of these; pending means not loaded yet. */
  outcomes: Record<SledEntryOutcome, number>;
  tables: SledReportTable[];
  /** Reasons for skipped and failed entries, counted, with samples. */
  reasons: Array<{ outcome: 'skipped' | 'failed'; reason: string; count: number; samples: SledEntrySample[] }>;
  checks: SledReportCheck[];
  /** Wallet secrets: how many were encrypted, how many left out. Never the secrets. */
  secrets: { encrypted: number; leftOut: number };
  /** True when every entry is accounted for and every check holds. */
  reconciled: boolean;
}

export type SledRunPhase = 'reading' | 'planning' | 'loading' | 'verifying' | 'done' | 'failed' | 'cancelled';

export interface SledProgress {
  runId: string;
  importId: string | null;
  kind: 'import' | 'plan' | 'load';
  phase: SledRunPhase;
  /** The file being read or the target table being loaded (null for a plan). */
  current: string | null;
  done: number;
  /** Entries to read (bytes for imports: see unit) or rows to load; null when unknown. */
  total: number | null;
  unit: 'bytes' | 'entries';
  entriesPerSecond: number;
  etaSeconds: number | null;
  message: string | null;
  /** An import's entries read so far (its done/total count bytes). */
  entries?: number;
}

const importId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Expected an import id of letters, digits, - or _');
const runId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Expected a run id of letters, digits, - or _');
const filePath = z.string().trim().min(1).max(4096);

/** Most decoder threads an import may add (each is a V8 heap of its own, about 90 MB at work). */
export const MAX_DECODER_THREADS = 8;
export const sledImportInput = z
  .object({
    files: z.array(filePath).min(1).max(100),
    runId: runId.optional(),
    /** Threads besides the reading one that decode blocks of a JSON Lines export (default 0). */
    decoderThreads: z.number().int().min(0).max(MAX_DECODER_THREADS).optional(),
  })
  .strict();
export const sledRefInput = z.object({ id: importId }).strict();
export const sledPlanInput = z
  .object({
    id: importId,
    connection: connectionRef.optional(),
    settings: sledSettingsInput.optional(),
    /** Follows the plan's progress events, and cancels it through sled.cancel. */
    runId: runId.optional(),
  })
  .strict();
export const sledLoadInput = z
  .object({
    id: importId,
    connection: connectionRef,
    /** Required when the plan says secrets: 'encrypt'; never stored or logged. */
    passphrase: z.string().min(8, 'A passphrase needs at least 8 characters').max(1024).optional(),
    /** Entries per PostgreSQL transaction (default 5000). */
    batchSize: z.number().int().min(1).max(100_000).optional(),
    runId: runId.optional(),
  })
  .strict();
export const sledReportInput = z.object({ id: importId, connection: connectionRef.optional() }).strict();
export const sledCancelInput = z.object({ runId }).strict();
