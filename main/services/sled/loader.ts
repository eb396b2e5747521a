/**
 * Loads a staged Sled import into PostgreSQL, exactly once.
 *
 * Mapping (the README's "Sled import" section copies this)
 *
 *   User ids. Sled user ids are free text; every uuid below is
 *   UUIDv5(namespace = settings.uuidNamespace, name = the original id as UTF-8)
 *   (default namespace 5d1e7a3c-0f4b-5c8e-9a61-2b7d4e0c9f13). The original id
 *   is kept in the row's JSON.
 *
 *   blockchain.wallets ← wallet:{user_id}
 *     user_id = uuid(user_id), public_key = pubkey, wallet_type = chain,
 *     created_at = to_timestamp(created_at), balance = 0 (set by the balances;
 *     a wallet loaded after its user's opening balance takes that amount),
 *     metadata = {"sled": {import_id, source, tree, key, user_id},
 *                 "wallet_kind": "Managed"|"External",
 *                 "secret": "encrypted"|"left_out"|"none"},
 *     encrypted_private_key = armor(pgp_sym_encrypt(secret, passphrase,
 *     'cipher-algo=aes256')) when settings.secrets = 'encrypt', else NULL.
 *     The passphrase is a query parameter: never interpolated, logged, stored
 *     or put in an error. Secrets are read back from the export file (the only
 *     plaintext copy). An existing public_key → skipped, "already present: a
 *     wallet with this public key exists".
 *
 *   blockchain.fodi_transactions ← balance:{user_id}: one opening-balance mint per user
 *     tx_id = 'sled-opening-balance-' || uuid(user_id), from_address NULL,
 *     to_address = the public key of the user's wallet in this import (the
 *     first in entry order) else 'user:' || uuid, amount = total,
 *     tx_type 'mint', status 'confirmed', created_at = confirmed_at = the
 *     source's exported_at (else the import's created_at),
 *     metadata = {"sled": {…, user_id}, "balance": {"total","locked","available"}} (strings).
 *     total = 0 → skipped, "zero balance: nothing to mint". In the same
 *     statement: UPDATE blockchain.wallets SET balance = total WHERE user_id = uuid.
 *
 *   ai.cache_entries ← 64-hex key
 *     cache_key = the key, query, response, model, cached_at = to_timestamp(cached_at),
 *     expires_at = cached_at + settings.cacheTtlSeconds, hit_count, quality_score.
 *
 *   ai.conversations ← ctx:{user_id}:{ts}
 *     user_id = uuid(user_id), session_id = UUIDv5(namespace, 'session:' || user_id)
 *     (one session per Sled user), role 'user', content = message,
 *     created_at = to_timestamp(timestamp),
 *     metadata = {"intent", "entities", "sled": {…, user_id, timestamp}}.
 *
 *   ai.memory_facts ← pref:memory:memory:{agent_id}:{category}:{key}
 *     user_id = uuid(agent_id), fact_type = category, confidence = importance,
 *     fact_data = the MemoryEntry as recorded, created_at = created_at,
 *     updated_at = last_accessed.
 *   ai.memory_facts ← pref:{user_id}:{key}
 *     user_id = uuid(user_id), fact_type 'preference', confidence 1.0,
 *     fact_data = {"user_id" (original), "key", "value"}, created_at =
 *     updated_at = the source's exported_at (else the import's created_at).
 *
 *   Entries with a problem and entries of an unknown key are 'failed' with
 *   their reason and never reach PostgreSQL. Within one import the first entry
 *   (in entry order) with a wallet public key, a cache_key or a balance user
 *   wins; later ones are skipped, "duplicate of entry N in this import".
 *
 * Exactly once: each batch is one transaction that writes the rows and their
 * provenance (sled_import.provenance, keyed by source, tree and Sled key); see
 * load-batch.ts for the statement and provenance.ts for the schema. The
 * staging outcomes are written after COMMIT and re-synced from the provenance
 * at the start of every load.
 */
import type pg from 'pg';
import { OpsError } from '../../../common/errors';
import type { SledFamily, SledReport, SledTarget } from '../../../common/sled';
import type { Logger } from '../logging/log-service';
import { type BatchContext, type BatchRow, cancelledError, type EntryOutcome, loadError, runBatch } from './load-batch';
import { checkTargets, refuseReadOnly, secretLogging } from './load-checks';
import { LoadProgress, type LoadProgressEvent } from './load-progress';
import { buildRow, OriginResolver } from './load-rows';
import { markProblemEntries, pendingCount, pendingEntries, walletKeysOf, walletsWantingSecrets } from './load-staging';
import { batchStatement, tableSpecs, type TableSpec } from './load-statement';
import { skipReasons, UserIds } from './mapping';
import {
  ensureProvenance,
  finishLoadRun,
  releaseLoadLock,
  startLoadRun,
  syncOutcomesFromProvenance,
  takeLoadLock,
} from './provenance';
import { reportImport } from './report';
import type { StagingDb } from './staging-db';

export const DEFAULT_BATCH_SIZE = 5000;

/** Reads wallet secrets back from the export file: entry id → the plaintext secret. */
export type SecretReader = (staging: StagingDb, wantedIds: ReadonlySet<number>) => Promise<Map<number, string>>;

export interface LoadOptions {
  staging: StagingDb;
  /** A dedicated connection, not in a transaction; the load keeps it for the whole run (session lock). */
  client: pg.ClientBase;
  importId: string;
  /** host:port/database, for messages. */
  target: string;
  passphrase?: string;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: LoadProgressEvent) => void;
  logger?: Logger;
  clock?: () => Date;
  /** Tests: where secrets come from (default: the export file, readWalletSecrets). */
  readSecrets?: SecretReader;
  /** Tests: runs after each batch's COMMIT and before its staging update (a throw there simulates a kill). */
  afterCommit?: (batch: { target: SledTarget; entryIds: readonly number[] }) => void | Promise<void>;
}

/** The export-file reader, loaded only when a load encrypts secrets. */
async function defaultSecretReader(): Promise<SecretReader> {
  const { readWalletSecrets } = await import('./secrets');
  return (staging, wanted) => readWalletSecrets(staging, wanted);
}

const silent: Logger = { error() {}, warn() {}, info() {}, debug() {} };

interface Phase {
  family: SledFamily;
  spec: keyof ReturnType<typeof tableSpecs>;
}

/** Load order: wallets first, so the balances can set their balance. */
const PHASES: readonly Phase[] = [
  { family: 'wallet', spec: 'wallet' },
  { family: 'balance', spec: 'balance' },
  { family: 'ai_cache', spec: 'cache' },
  { family: 'conversation', spec: 'conversation' },
  { family: 'memory', spec: 'fact' },
  { family: 'preference', spec: 'fact' },
];

export async function loadImport(opts: LoadOptions): Promise<SledReport> {
  const { staging, client, importId, target } = opts;
  const logger = opts.logger ?? silent;
  const clock = opts.clock ?? (() => new Date());
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new OpsError('invalid_input', `A batch size must be a whole number of at least 1 (got ${batchSize})`);
  }
  if (staging.id !== importId) {
    throw new OpsError('invalid_input', `The staging database holds import ${staging.id}, not ${importId}`);
  }
  if (staging.state !== 'staged') {
    throw new OpsError('conflict', `Import ${importId} is ${staging.state}, not staged`, {
      hint: 'Only a completely staged import can be loaded; import the files again.',
    });
  }
  const settings = staging.settings();
  const encrypt = settings.secrets === 'encrypt';
  const passphrase = opts.passphrase ?? null;
  if (encrypt && !passphrase) {
    throw new OpsError('invalid_input', 'The plan encrypts wallet secrets, but no passphrase was given', {
      hint: "Give a passphrase (sled load --passphrase-env VAR), or set secrets to 'skip' in the plan to leave them out.",
    });
  }
  const sensitive = passphrase ? [passphrase] : [];
  const progress = new LoadProgress(importId, opts.onProgress);
  progress.phase('loading', null, 'Checking the target');
  if (opts.signal?.aborted) throw cancelledError();

  await refuseReadOnly(client, target);
  await takeLoadLock(client, target);
  let runId: string | null = null;
  try {
    const sequences = await checkTargets(client, target, encrypt);
    const setLocal = encrypt ? await secretLogging(client, logger, target) : [];
    await ensureProvenance(client, target);
    runId = await startLoadRun(client, importId, target);
    const synced = await syncOutcomesFromProvenance(staging, client, importId);
    if (synced > 0) logger.info(`sled load ${importId}: ${synced} staged outcomes synced from ${target}'s provenance`);
    const problems = markProblemEntries(staging);
    if (problems > 0) logger.info(`sled load ${importId}: ${problems} entries with problems marked failed`);
    progress.start(pendingCount(staging));

    const specs = tableSpecs(encrypt);
    const statements = new Map<TableSpec, string>();
    const statementOf = (spec: TableSpec): string => {
      let sql = statements.get(spec);
      if (!sql) statements.set(spec, (sql = batchStatement(spec)));
      return sql;
    };
    const origins = new OriginResolver(staging, importId);
    const ids = new UserIds(settings.uuidNamespace);
    let secrets = new Map<number, string>();
    if (encrypt) {
      const wanted = walletsWantingSecrets(staging);
      if (wanted.size > 0) {
        secrets = await (opts.readSecrets ?? (await defaultSecretReader()))(staging, wanted);
        for (const s of secrets.values()) sensitive.push(s);
      }
    }

    for (const phase of PHASES) {
      const spec = specs[phase.spec];
      const ctx: BatchContext = {
        client,
        importId,
        runId,
        target,
        spec,
        sql: statementOf(spec),
        sequence: sequences.get(spec.target)!,
        passphrase,
        sensitive,
        signal: opts.signal,
        setLocal: spec.usesPassphrase ? setLocal : [],
      };
      let after = 0;
      for (;;) {
        if (opts.signal?.aborted) throw cancelledError();
        const entries = pendingEntries(staging, phase.family, after, batchSize);
        const last = entries[entries.length - 1];
        if (!last) break;
        after = last.id;
        const walletKeys = phase.family === 'balance' ? walletKeysOf(staging, entries) : new Map<string, string>();
        const rows: BatchRow[] = [];
        const early: EntryOutcome[] = [];
        const firstOfKey = new Map<string, number>();
        for (const entry of entries) {
          const built = buildRow(entry, phase.family, { origins, ids, settings, secrets, walletKeys, encrypt });
          if ('outcome' in built) {
            early.push(built);
            continue;
          }
          // The same Sled key twice in one batch: the first one's provenance decides the second (load-batch.ts, rule 1).
          const provenanceKey = `${built.source}\u0000${built.tree}\u0000${built.keyHex}`;
          const first = firstOfKey.get(provenanceKey);
          if (first !== undefined) {
            early.push({ id: entry.id, outcome: 'skipped', reason: skipReasons.duplicate(first), targetId: null });
            continue;
          }
          firstOfKey.set(provenanceKey, entry.id);
          rows.push(built);
        }
        const result = await runBatch(ctx, rows);
        await opts.afterCommit?.({ target: spec.target, entryIds: entries.map((e) => e.id) });
        staging.setOutcomes([...result.outcomes, ...early]);
        const failed =
          result.outcomes.filter((o) => o.outcome === 'failed').length +
          early.filter((o) => o.outcome === 'failed').length;
        logger.debug(
          `sled load ${importId}: ${spec.target} entries ${entries[0]!.id}–${last.id}: ` +
            `${result.outcomes.filter((o) => o.outcome === 'loaded').length} loaded, ${failed} failed` +
            (result.walletsUpdated ? `, ${result.walletsUpdated} wallet balances set` : '') +
            (result.isolated ? ' (PostgreSQL refused the batch; retried entry by entry)' : ''),
        );
        progress.advance(entries.length, spec.target);
      }
    }
    await finishLoadRun(client, runId, 'done');
  } catch (error) {
    const cancelled = error instanceof OpsError && error.message === cancelledError().message;
    if (runId !== null) await finishLoadRun(client, runId, cancelled ? 'cancelled' : 'failed').catch(() => undefined);
    const failure = loadError(error, { target, sensitive }, `Loading import ${importId}`);
    const message = failure instanceof OpsError ? failure.message : 'the load stopped on an unexpected error';
    progress.phase(cancelled ? 'cancelled' : 'failed', null, message);
    logger.warn(`sled load ${importId}: ${cancelled ? 'cancelled' : `failed: ${message}`}`);
    throw failure;
  } finally {
    await releaseLoadLock(client).catch(() => undefined);
  }

  progress.phase('verifying', null, 'Reconciling');
  const report = await reportImport(staging, { client, target }, clock);
  staging.setMeta('last_report', JSON.stringify(report));
  staging.setMeta('last_load_at', clock().toISOString());
  progress.finish(report);
  return report;
}

export type { LoadProgressEvent } from './load-progress';
