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
import type { StagedEntry, StagingDb } from './staging-db';

export interface BuildContext {
  origins: OriginResolver;
  ids: UserIds;
  settings: { cacheTtlSeconds: number; secrets: 'encrypt' | 'skip' };
  secrets: Map<number, string>;
  walletKeys: Map<string, string>;
  encrypt: boolean;
}

/** A staged entry as the statement's values, or its outcome when it cannot get that far. */
export function buildRow(entry: StagedEntry, family: SledFamily, ctx: BuildContext): BatchRow | EntryOutcome {
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
        const row = mintRow(r, origin, ctx.ids, ctx.walletKeys.get(r.user_id) ?? null);
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

  of(entry: StagedEntry): EntryOrigin {
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
