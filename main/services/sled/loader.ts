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
 *     created_at = to_timestamp(created_at), balance = the amount of the
 *     user's opening-balance mint (the balances load first; 0 without one),
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
 *     statement: UPDATE blockchain.wallets SET balance = total WHERE user_id = uuid
 *     (the user's wallets already in the table; those of this import come later
 *     and take the amount as they are inserted).
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
 * load-statement.ts for the statement and provenance.ts for the schema. The
 * staging outcomes of a batch are written after its COMMIT (pipelined: while
 * the next batch's statement runs) and re-synced from the provenance at the
 * start of every load, which covers a kill between the two.
 */
import type pg from 'pg';
import { OpsError } from '../../../common/errors';
import type { SledFamily, SledReport, SledTarget } from '../../../common/sled';
import type { Logger } from '../logging/log-service';
import {
  type BatchContext,
  batchParams,
  cancelledError,
  type EntryOutcome,
  isQueryCancel,
  LoadCancelledError,
  loadError,
  runBatch,
} from './load-batch';
import { checkTargets, refusePooledEndpoint, refuseReadOnly, secretLogging } from './load-checks';
import { LoadProgress, type LoadProgressEvent } from './load-progress';
import { OriginResolver, prepareBatch, type PreparedBatch } from './load-rows';
import { markProblemEntries, pendingCount, pendingEntries, walletsWantingSecrets } from './load-staging';
import {
  batchStatement,
  deallocateStatements,
  namedStatement,
  statementLoadId,
  tableSpecs,
  type TableSpec,
} from './load-statement';
import { UserIds } from './mapping';
import {
  ensureProvenance,
  finishLoadRun,
  provenanceExists,
  releaseLoadLock,
  startLoadRun,
  syncOutcomesFromProvenance,
  syncOutcomesWithoutProvenance,
  takeLoadLock,
} from './provenance';
import { reportImport } from './report';
import type { StagingDb } from './staging-db';

/**
 * Entries per load transaction. Measured on the benchmark's million entries
 * (paired runs, bundled CLI): 2,500 a batch peaks at 240 to 242 MB against
 * 263 to 276 MB at 5,000 (less of each batch's JSON is garbage in the two
 * heaps at once), for 2 to 3 % more time.
 */
export const DEFAULT_BATCH_SIZE = 2500;

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
  /**
   * Cancels the statement `client` is running, from another connection
   * (pg_cancel_backend): on abort, a batch waiting for a lock or still running
   * ends at once instead of at its end. Without it the load stops between batches.
   */
  cancelQuery?: () => Promise<unknown>;
  onProgress?: (progress: LoadProgressEvent) => void;
  logger?: Logger;
  /** The time of the report and of last_load_at (a load on its own thread asks the caller's clock). */
  clock?: () => Date | Promise<Date>;
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

/**
 * Load order: the balances before the wallets, so a wallet takes its user's
 * minted amount as it is inserted. The other way round, every mint would
 * update the wallet rows just written (a second version of each row, and its
 * index entries): about a tenth of a million-entry load.
 */
const PHASES: readonly Phase[] = [
  { family: 'balance', spec: 'balance' },
  { family: 'wallet', spec: 'wallet' },
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

  refusePooledEndpoint(target);
  await refuseReadOnly(client, target);
  // The staged outcomes are a cache of the provenance (re-synced at every start): NORMAL is enough for them.
  const synchronous = staging.db.readonly ? null : (staging.db.pragma('synchronous', { simple: true }) as number);
  if (synchronous !== null) staging.db.pragma('synchronous = NORMAL');
  await takeLoadLock(client, target);
  let runId: string | null = null;
  /** Outcomes of the last committed batch, written to the staging database during the next statement. */
  let unwritten: EntryOutcome[] | null = null;
  const writeOutcomes = () => {
    if (unwritten) staging.setOutcomes(unwritten);
    unwritten = null;
  };
  let hookFailed = false;
  // The batch statements are prepared under names of this load's, and deallocated at its end.
  const statementLoad = statementLoadId();
  // The statement cancel sent on abort; the clean-up below waits for it, so it cannot hit a clean-up statement.
  let cancelling: Promise<unknown> | null = null;
  const onAbort = () => {
    cancelling ??= (opts.cancelQuery?.() ?? Promise.resolve()).catch((error: unknown) =>
      logger.warn(`sled load ${importId}: cancelling the running statement failed:`, error),
    );
  };
  const stopListening = () => opts.signal?.removeEventListener('abort', onAbort);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const sequences = await checkTargets(client, target, encrypt);
    const setLocal = encrypt ? await secretLogging(client, logger, target) : [];
    // Nothing is written to PostgreSQL before the secrets are in hand (the export file may be gone).
    if (await provenanceExists(client)) {
      const synced = await syncOutcomesFromProvenance(staging, client, importId);
      if (synced > 0)
        logger.info(`sled load ${importId}: ${synced} staged outcomes synced from ${target}'s provenance`);
    } else {
      syncOutcomesWithoutProvenance(staging);
    }
    const problems = markProblemEntries(staging);
    if (problems > 0) logger.info(`sled load ${importId}: ${problems} entries with problems marked failed`);
    let secrets = new Map<number, string>();
    if (encrypt) {
      const wanted = walletsWantingSecrets(staging);
      if (wanted.size > 0) {
        secrets = await (opts.readSecrets ?? (await defaultSecretReader()))(staging, wanted);
        for (const s of secrets.values()) sensitive.push(s);
      }
    }
    await ensureProvenance(client, target);
    runId = await startLoadRun(client, importId, target);
    progress.start(pendingCount(staging));

    const specs = tableSpecs(encrypt);
    const statements = new Map<TableSpec, BatchContext['statement']>();
    const statementOf = (spec: TableSpec): BatchContext['statement'] => {
      let statement = statements.get(spec);
      if (!statement) statements.set(spec, (statement = namedStatement(batchStatement(spec), statementLoad)));
      return statement;
    };
    const origins = new OriginResolver(staging, importId);
    const ids = new UserIds(settings.uuidNamespace);

    for (const phase of PHASES) {
      const spec = specs[phase.spec];
      const ctx: BatchContext = {
        client,
        importId,
        runId,
        target,
        spec,
        statement: statementOf(spec),
        sequence: sequences.get(spec.target)!,
        passphrase,
        sensitive,
        signal: opts.signal,
        setLocal: spec.usesPassphrase ? setLocal : [],
      };
      const buildContext = { origins, ids, settings, secrets, encrypt };
      const prepare = (afterId: number): (PreparedBatch & { params: unknown[] }) | null => {
        const entries = pendingEntries(staging, phase.family, afterId, batchSize);
        if (entries.length === 0) return null;
        const batch = prepareBatch(staging, entries, phase.family, buildContext);
        return { ...batch, params: batchParams(ctx, batch.rows) };
      };
      // Pipelined: while PostgreSQL runs a batch's statement, the previous batch's outcomes go to the
      // staging database (its COMMIT is done) and the next batch is read and built.
      const queue: { next: (PreparedBatch & { params: unknown[] }) | null } = { next: prepare(0) };
      if (queue.next) progress.into(spec.target);
      while (queue.next) {
        if (opts.signal?.aborted) throw cancelledError();
        const batch = queue.next;
        queue.next = null;
        const result = await runBatch(
          ctx,
          batch.rows,
          () => {
            writeOutcomes();
            queue.next = prepare(batch.lastId);
          },
          batch.params,
        );
        try {
          await opts.afterCommit?.({ target: spec.target, entryIds: batch.entryIds });
        } catch (error) {
          hookFailed = true;
          throw error;
        }
        unwritten = [...result.outcomes, ...batch.early];
        const failed = unwritten.filter((o) => o.outcome === 'failed').length;
        logger.debug(
          `sled load ${importId}: ${spec.target} entries ${batch.entryIds[0]}–${batch.lastId}: ` +
            `${result.outcomes.filter((o) => o.outcome === 'loaded').length} loaded, ${failed} failed` +
            (result.walletsUpdated ? `, ${result.walletsUpdated} wallet balances set` : '') +
            (result.isolated ? ' (PostgreSQL refused the batch; retried entry by entry)' : ''),
        );
        progress.advance(batch.entryIds.length, spec.target);
      }
    }
    writeOutcomes();
    await finishLoadRun(client, runId, 'done');
  } catch (error) {
    // Batches committed before the failure keep their outcomes (unless the test hook stands for a kill).
    if (!hookFailed) {
      try {
        writeOutcomes();
      } catch {
        // The next load syncs them from the provenance.
      }
    }
    stopListening();
    await cancelling;
    // A cancel that landed late (on the batch's ROLLBACK) could leave its transaction open: end it for sure.
    if (cancelling) await client.query('ROLLBACK').catch(() => undefined);
    const cancelled = error instanceof LoadCancelledError || (opts.signal?.aborted === true && isQueryCancel(error));
    if (runId !== null) await finishLoadRun(client, runId, cancelled ? 'cancelled' : 'failed').catch(() => undefined);
    const failure = cancelled
      ? cancelledError()
      : loadError(error, { target, sensitive }, `Loading import ${importId}`);
    const message = failure instanceof OpsError ? failure.message : 'the load stopped on an unexpected error';
    progress.phase(cancelled ? 'cancelled' : 'failed', null, message);
    logger.warn(`sled load ${importId}: ${cancelled ? 'cancelled' : `failed: ${message}`}`);
    throw failure;
  } finally {
    stopListening();
    await cancelling;
    await deallocateStatements(client, statementLoad).catch(() => undefined);
    await releaseLoadLock(client).catch(() => undefined);
    if (synchronous !== null) staging.db.pragma(`synchronous = ${Number(synchronous)}`);
  }

  progress.phase('verifying', null, 'Reconciling');
  let report: SledReport;
  try {
    const now = await clock();
    report = await reportImport(staging, { client, target }, () => now);
  } catch (error) {
    const failure = loadError(error, { target, sensitive }, `Reconciling import ${importId}`);
    progress.phase('failed', null, failure instanceof OpsError ? failure.message : 'the report failed');
    throw failure;
  }
  staging.setMeta('last_report', JSON.stringify(report));
  staging.setMeta('last_load_at', (await clock()).toISOString());
  progress.finish(report);
  return report;
}

export type { LoadProgressEvent } from './load-progress';
