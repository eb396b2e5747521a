/** A staged entry as the values of its batch statement (load-statement.ts), through the mapping. */
import type { SledFamily } from '../../../common/sled';
import type { BatchRow, EntryOutcome } from './load-batch';
import {
  cacheRow,
  conversationRow,
  type EntryOrigin,
  memoryFactRow,
  mintRow,
  preferenceFactRow,
  skipReasons,
  type UserIds,
  walletRow,
} from './mapping';
import type {
  BalanceRecord,
  CacheRecord,
  ConversationRecord,
  MemoryRecord,
  PreferenceRecord,
  WalletRecord,
} from './records';
import { type LoadEntry, walletKeysOf } from './load-staging';
import type { StagingDb } from './staging-db';

export interface BuildContext {
  origins: OriginResolver;
  ids: UserIds;
  settings: { cacheTtlSeconds: number; secrets: 'encrypt' | 'skip' };
  secrets: Map<number, string>;
  encrypt: boolean;
}

export interface PreparedBatch {
  entryIds: number[];
  lastId: number;
  /** For the statement. */
  rows: BatchRow[];
  /** Decided without PostgreSQL: a mapping failure, the same Sled key twice in the batch. */
  early: EntryOutcome[];
}

/** A batch of pending entries as the statement's rows, plus what is decided without PostgreSQL. */
export function prepareBatch(
  staging: StagingDb,
  entries: readonly LoadEntry[],
  family: SledFamily,
  ctx: BuildContext,
): PreparedBatch {
  const walletKeys = family === 'balance' ? walletKeysOf(staging, entries) : new Map<string, string>();
  const rows: BatchRow[] = [];
  const early: EntryOutcome[] = [];
  const firstOfKey = new Map<string, number>();
  for (const entry of entries) {
    const built = buildRow(entry, family, ctx, walletKeys);
    if ('outcome' in built) {
      early.push(built);
      continue;
    }
    // The same Sled key twice in one batch: the first one's provenance decides the second (load-statement.ts, rule 1).
    const first = firstOfKey.get(built.provenanceKey);
    if (first !== undefined) {
      early.push({ id: entry.id, outcome: 'skipped', reason: skipReasons.duplicate(first), targetId: null });
      continue;
    }
    firstOfKey.set(built.provenanceKey, entry.id);
    rows.push(built);
  }
  return { entryIds: entries.map((e) => e.id), lastId: entries[entries.length - 1]?.id ?? 0, rows, early };
}

/** A staged entry as the statement's values, or its outcome when it cannot get that far. */
function buildRow(
  entry: LoadEntry,
  family: SledFamily,
  ctx: BuildContext,
  walletKeys: ReadonlyMap<string, string>,
): BatchRow | EntryOutcome {
  const origin = ctx.origins.of(entry);
  const keyHex = entry.key?.toString('hex') ?? '';
  const row = (preReason: string | null, values: Record<string, unknown>): BatchRow => ({
    entryId: entry.id,
    provenanceKey: `${origin.source}\u0000${origin.tree}\u0000${keyHex}`,
    input: {
      entry_id: entry.id,
      source: origin.source,
      tree: origin.tree,
      key_hex: keyHex,
      pre_reason: preReason,
      ...values,
    },
  });
  try {
    const record: unknown = JSON.parse(entry.record ?? 'null');
    switch (family) {
      case 'wallet': {
        const w = walletRow(record as WalletRecord, origin, ctx.ids, ctx.settings.secrets);
        const secret = w.wantsSecret ? ctx.secrets.get(entry.id) : undefined;
        if (w.wantsSecret && secret === undefined) {
          return failed(entry.id, 'the wallet secret could not be read back from the export file');
        }
        return row(null, {
          user_id: w.userId,
          public_key: w.publicKey,
          wallet_type: w.walletType,
          created_at: w.createdAt,
          metadata: w.metadata,
          opening_tx_id: w.openingTxId,
          secret: secret ?? null,
        });
      }
      case 'balance': {
        const r = record as BalanceRecord;
        const m = mintRow(r, origin, ctx.ids, walletKeys.get(r.user_id) ?? null);
        return row(m.zero ? skipReasons.zeroBalance : null, {
          user_id: m.userId,
          tx_id: m.txId,
          to_address: m.toAddress,
          amount: m.amount,
          created_at: m.createdAt,
          metadata: m.metadata,
        });
      }
      case 'ai_cache': {
        const c = cacheRow(record as CacheRecord, ctx.settings.cacheTtlSeconds);
        return row(null, {
          cache_key: c.cacheKey,
          query: c.query,
          response: c.response,
          model: c.model,
          cached_at: c.cachedAt,
          expires_at: c.expiresAt,
          hit_count: c.hitCount,
          quality_score: c.qualityScore,
        });
      }
      case 'conversation': {
        const c = conversationRow(record as ConversationRecord, origin, ctx.ids);
        return row(null, {
          user_id: c.userId,
          session_id: c.sessionId,
          content: c.content,
          metadata: c.metadata,
          created_at: c.createdAt,
        });
      }
      case 'memory':
      case 'preference': {
        const f =
          family === 'memory'
            ? memoryFactRow(record as MemoryRecord, ctx.ids)
            : preferenceFactRow(record as PreferenceRecord, origin, ctx.ids);
        return row(null, {
          user_id: f.userId,
          fact_type: f.factType,
          fact_data: f.factData,
          confidence: f.confidence,
          created_at: f.createdAt,
          updated_at: f.updatedAt,
        });
      }
    }
  } catch (error) {
    return failed(
      entry.id,
      `the staged record does not map to a row: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function failed(id: number, reason: string): EntryOutcome {
  return { id, outcome: 'failed', reason, targetId: null };
}

/** Source names and their export times, read once. */
export class OriginResolver {
  private readonly sources = new Map<number, { name: string; exportedAt: string | null }>();
  private readonly createdAt: string;

  constructor(
    staging: StagingDb,
    private readonly importId: string,
  ) {
    const rows = staging.db.prepare('SELECT id, name, exported_at FROM sources').all() as Array<{
      id: number;
      name: string;
      exported_at: string | null;
    }>;
    for (const r of rows) this.sources.set(r.id, { name: r.name, exportedAt: r.exported_at });
    this.createdAt = staging.meta('created_at') ?? new Date(0).toISOString();
  }

  of(entry: LoadEntry): EntryOrigin {
    const source = entry.sourceId === null ? undefined : this.sources.get(entry.sourceId);
    return {
      importId: this.importId,
      entryId: entry.id,
      source: source?.name ?? '',
      tree: entry.tree ?? '',
      key: entry.key?.toString('utf8') ?? '',
      asOf: source?.exportedAt ?? this.createdAt,
    };
  }
}
