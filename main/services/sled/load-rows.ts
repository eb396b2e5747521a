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
    const provenanceKey = `${built.source}\u0000${built.tree}\u0000${built.keyHex}`;
    const first = firstOfKey.get(provenanceKey);
    if (first !== undefined) {
      early.push({ id: entry.id, outcome: 'skipped', reason: skipReasons.duplicate(first), targetId: null });
      continue;
    }
    firstOfKey.set(provenanceKey, entry.id);
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
  const common = {
    entryId: entry.id,
    source: origin.source,
    tree: origin.tree,
    keyHex: entry.key?.toString('hex') ?? '',
  };
  try {
    const record: unknown = JSON.parse(entry.record ?? 'null');
    switch (family) {
      case 'wallet': {
        const row = walletRow(record as WalletRecord, origin, ctx.ids, ctx.settings.secrets);
        const secret = row.wantsSecret ? ctx.secrets.get(entry.id) : undefined;
        if (row.wantsSecret && secret === undefined) {
          return failed(entry.id, 'the wallet secret could not be read back from the export file');
        }
        return {
          ...common,
          preReason: null,
          values: [
            row.userId,
            row.publicKey,
            row.walletType,
            row.createdAt,
            row.metadata,
            row.openingTxId,
            secret ?? null,
          ],
        };
      }
      case 'balance': {
        const r = record as BalanceRecord;
        const row = mintRow(r, origin, ctx.ids, walletKeys.get(r.user_id) ?? null);
        return {
          ...common,
          preReason: row.zero ? skipReasons.zeroBalance : null,
          values: [row.userId, row.txId, row.toAddress, row.amount, row.createdAt, row.metadata],
        };
      }
      case 'ai_cache': {
        const row = cacheRow(record as CacheRecord, ctx.settings.cacheTtlSeconds);
        return {
          ...common,
          preReason: null,
          values: [
            row.cacheKey,
            row.query,
            row.response,
            row.model,
            row.cachedAt,
            row.expiresAt,
            row.hitCount,
            row.qualityScore,
          ],
        };
      }
      case 'conversation': {
        const row = conversationRow(record as ConversationRecord, origin, ctx.ids);
        return {
          ...common,
          preReason: null,
          values: [row.userId, row.sessionId, row.content, row.metadata, row.createdAt],
        };
      }
      case 'memory':
      case 'preference': {
        const row =
          family === 'memory'
            ? memoryFactRow(record as MemoryRecord, ctx.ids)
            : preferenceFactRow(record as PreferenceRecord, origin, ctx.ids);
        return {
          ...common,
          preReason: null,
          values: [row.userId, row.factType, row.factData, row.confidence, row.createdAt, row.updatedAt],
        };
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
