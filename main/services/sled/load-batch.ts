/**
 * One batch of one target table: a single set-based statement (data-modifying
 * CTEs over unnest'ed arrays) that inserts the rows AND their provenance, in
 * one transaction with the run's counters. When PostgreSQL refuses the batch
 * (a data or constraint error), it is rolled back and retried entry by entry
 * under SAVEPOINTs, so only the entries PostgreSQL refuses fail.
 *
 * Decisions, in this order, for each entry (the same whatever the batch size,
 * so a run killed and resumed with other batches gives the same rows):
 *   1. its (source, tree, key) is already in sled_import.provenance → the
 *      recorded outcome (this entry), a duplicate (another entry of this
 *      import) or 'already loaded by import X' (another import);
 *   2. a reason decided before PostgreSQL (a zero balance) → skipped;
 *   3. its natural key (public_key, tx_id, cache_key) is already in the table →
 *      a duplicate of the entry of this import that loaded it, else 'already present';
 *   4. an earlier entry of the batch has the same natural key → a duplicate of it;
 *   5. else inserted, with an id taken from the table's sequence beforehand
 *      (OVERRIDING SYSTEM VALUE), so each row maps back to its entry.
 */
import type pg from 'pg';
import { OpsError } from '../../../common/errors';
import type { SledTarget } from '../../../common/sled';
import { redactText } from '../logging/redact';
import { skipReasons } from './mapping';
import { countBatch } from './provenance';

export interface InputColumn {
  name: string;
  /** Element type of the parameter array. */
  type: string;
}

export interface TableSpec {
  target: SledTarget;
  /** Schema-qualified, quoted. */
  table: string;
  columns: readonly InputColumn[];
  /** Target column → SQL expression over `w` (the winners: input columns plus new_id). */
  insert: ReadonlyArray<readonly [column: string, expression: string]>;
  naturalKey: { column: string; input: string } | null;
  /** Balances: set blockchain.wallets.balance of the user's wallets to the minted amount. */
  updatesWalletBalances: boolean;
  /** Wallets under secrets = 'encrypt': the passphrase is the last parameter. */
  usesPassphrase: boolean;
}

const ENCRYPTED_SECRET =
  "CASE WHEN w.secret IS NULL THEN NULL ELSE public.armor(public.pgp_sym_encrypt(w.secret, $PASSPHRASE, 'cipher-algo=aes256')) END";

export function tableSpecs(
  encryptSecrets: boolean,
): Record<'wallet' | 'balance' | 'cache' | 'conversation' | 'fact', TableSpec> {
  return {
    wallet: {
      target: 'blockchain.wallets',
      table: 'blockchain.wallets',
      columns: [
        { name: 'user_id', type: 'uuid' },
        { name: 'public_key', type: 'text' },
        { name: 'wallet_type', type: 'text' },
        { name: 'created_at', type: 'timestamptz' },
        { name: 'metadata', type: 'jsonb' },
        { name: 'opening_tx_id', type: 'text' },
        { name: 'secret', type: 'text' },
      ],
      insert: [
        ['id', 'w.new_id'],
        ['user_id', 'w.user_id'],
        ['public_key', 'w.public_key'],
        ['encrypted_private_key', encryptSecrets ? ENCRYPTED_SECRET : 'NULL'],
        ['wallet_type', 'w.wallet_type'],
        // Normally 0 here and set by the balances; a wallet loaded after its user's mint takes the amount.
        [
          'balance',
          'COALESCE((SELECT t.amount FROM blockchain.fodi_transactions t WHERE t.tx_id = w.opening_tx_id), 0)',
        ],
        ['created_at', 'w.created_at'],
        ['metadata', 'w.metadata'],
      ],
      naturalKey: { column: 'public_key', input: 'public_key' },
      updatesWalletBalances: false,
      usesPassphrase: encryptSecrets,
    },
    balance: {
      target: 'blockchain.fodi_transactions',
      table: 'blockchain.fodi_transactions',
      columns: [
        { name: 'user_id', type: 'uuid' },
        { name: 'tx_id', type: 'text' },
        { name: 'to_address', type: 'text' },
        { name: 'amount', type: 'bigint' },
        { name: 'created_at', type: 'timestamptz' },
        { name: 'metadata', type: 'jsonb' },
      ],
      insert: [
        ['id', 'w.new_id'],
        ['tx_id', 'w.tx_id'],
        ['from_address', 'NULL'],
        ['to_address', 'w.to_address'],
        ['amount', 'w.amount'],
        ['tx_type', "'mint'"],
        ['status', "'confirmed'"],
        ['metadata', 'w.metadata'],
        ['created_at', 'w.created_at'],
        ['confirmed_at', 'w.created_at'],
      ],
      naturalKey: { column: 'tx_id', input: 'tx_id' },
      updatesWalletBalances: true,
      usesPassphrase: false,
    },
    cache: {
      target: 'ai.cache_entries',
      table: 'ai.cache_entries',
      columns: [
        { name: 'cache_key', type: 'text' },
        { name: 'query', type: 'text' },
        { name: 'response', type: 'text' },
        { name: 'model', type: 'text' },
        { name: 'cached_at', type: 'timestamptz' },
        { name: 'expires_at', type: 'timestamptz' },
        { name: 'hit_count', type: 'integer' },
        { name: 'quality_score', type: 'double precision' },
      ],
      insert: [
        ['id', 'w.new_id'],
        ['cache_key', 'w.cache_key'],
        ['query', 'w.query'],
        ['response', 'w.response'],
        ['model', 'w.model'],
        ['cached_at', 'w.cached_at'],
        ['expires_at', 'w.expires_at'],
        ['hit_count', 'w.hit_count'],
        ['quality_score', 'w.quality_score'],
      ],
      naturalKey: { column: 'cache_key', input: 'cache_key' },
      updatesWalletBalances: false,
      usesPassphrase: false,
    },
    conversation: {
      target: 'ai.conversations',
      table: 'ai.conversations',
      columns: [
        { name: 'user_id', type: 'uuid' },
        { name: 'session_id', type: 'uuid' },
        { name: 'content', type: 'text' },
        { name: 'metadata', type: 'jsonb' },
        { name: 'created_at', type: 'timestamptz' },
      ],
      insert: [
        ['id', 'w.new_id'],
        ['user_id', 'w.user_id'],
        ['session_id', 'w.session_id'],
        ['role', "'user'"],
        ['content', 'w.content'],
        ['metadata', 'w.metadata'],
        ['created_at', 'w.created_at'],
      ],
      naturalKey: null,
      updatesWalletBalances: false,
      usesPassphrase: false,
    },
    fact: {
      target: 'ai.memory_facts',
      table: 'ai.memory_facts',
      columns: [
        { name: 'user_id', type: 'uuid' },
        { name: 'fact_type', type: 'text' },
        { name: 'fact_data', type: 'jsonb' },
        { name: 'confidence', type: 'double precision' },
        { name: 'created_at', type: 'timestamptz' },
        { name: 'updated_at', type: 'timestamptz' },
      ],
      insert: [
        ['id', 'w.new_id'],
        ['user_id', 'w.user_id'],
        ['fact_type', 'w.fact_type'],
        ['fact_data', 'w.fact_data'],
        ['confidence', 'w.confidence'],
        ['created_at', 'w.created_at'],
        ['updated_at', 'w.updated_at'],
      ],
      naturalKey: null,
      updatesWalletBalances: false,
      usesPassphrase: false,
    },
  };
}

const COMMON_COLUMNS: readonly InputColumn[] = [
  { name: 'entry_id', type: 'bigint' },
  { name: 'source', type: 'text' },
  { name: 'tree', type: 'text' },
  { name: 'key_hex', type: 'text' },
  { name: 'pre_reason', type: 'text' },
];

/** The statement of a spec. Every identifier and expression is a constant of this file; every value is a parameter. */
export function batchStatement(spec: TableSpec): string {
  const all = [...COMMON_COLUMNS, ...spec.columns];
  const n = all.length;
  const IMPORT = `$${n + 1}::text`;
  const SEQUENCE = `$${n + 2}::regclass`;
  const TARGET = `$${n + 3}::text`;
  const PRESENT = `$${n + 4}::text`;
  const PASSPHRASE = `$${n + 5}::text`;
  const unnest = all.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  const names = all.map((c) => c.name).join(', ');
  const insertColumns = spec.insert.map(([column]) => column).join(', ');
  const insertValues = spec.insert.map(([, expression]) => expression.replaceAll('$PASSPHRASE', PASSPHRASE)).join(', ');
  const nk = spec.naturalKey;
  const parts: string[] = [
    `input AS MATERIALIZED (
       SELECT t.*, decode(t.key_hex, 'hex') AS sled_key FROM unnest(${unnest}) AS t(${names}))`,
    `held AS MATERIALIZED (
       SELECT i.entry_id, p.import_id, p.entry_id AS held_entry, p.outcome, p.reason, p.target_id
         FROM input i JOIN sled_import.provenance p ON p.source = i.source AND p.tree = i.tree AND p.sled_key = i.sled_key)`,
    `fresh AS MATERIALIZED (
       SELECT i.* FROM input i WHERE NOT EXISTS (SELECT 1 FROM held h WHERE h.entry_id = i.entry_id))`,
  ];
  let reason: string;
  if (nk) {
    parts.push(
      `present AS MATERIALIZED (
         SELECT f.entry_id, p.import_id AS by_import, p.entry_id AS by_entry
           FROM fresh f JOIN ${spec.table} x ON x.${nk.column} = f.${nk.input}
           LEFT JOIN sled_import.provenance p ON p.target_table = ${TARGET} AND p.target_id = x.id AND p.outcome = 'loaded'
          WHERE f.pre_reason IS NULL)`,
      `candidates AS MATERIALIZED (
         SELECT f.*, min(f.entry_id) OVER (PARTITION BY f.${nk.input}) AS first_entry
           FROM fresh f
          WHERE f.pre_reason IS NULL AND NOT EXISTS (SELECT 1 FROM present x WHERE x.entry_id = f.entry_id))`,
      `winners AS MATERIALIZED (
         SELECT c.*, nextval(${SEQUENCE}) AS new_id FROM candidates c WHERE c.first_entry = c.entry_id)`,
      `ins AS (
         INSERT INTO ${spec.table} (${insertColumns}) OVERRIDING SYSTEM VALUE
         SELECT ${insertValues} FROM winners w
         ON CONFLICT (${nk.column}) DO NOTHING
         RETURNING id)`,
    );
    reason = `CASE WHEN ins.id IS NOT NULL THEN NULL
                   WHEN f.pre_reason IS NOT NULL THEN f.pre_reason
                   WHEN x.entry_id IS NOT NULL AND x.by_import = ${IMPORT} THEN 'duplicate of entry ' || x.by_entry || ' in this import'
                   WHEN x.entry_id IS NOT NULL THEN ${PRESENT}
                   WHEN c.first_entry <> f.entry_id THEN 'duplicate of entry ' || c.first_entry || ' in this import'
                   ELSE ${PRESENT} END`;
  } else {
    parts.push(
      `winners AS MATERIALIZED (
         SELECT f.*, nextval(${SEQUENCE}) AS new_id FROM fresh f WHERE f.pre_reason IS NULL)`,
      `ins AS (
         INSERT INTO ${spec.table} (${insertColumns}) OVERRIDING SYSTEM VALUE
         SELECT ${insertValues} FROM winners w
         RETURNING id)`,
    );
    reason = `CASE WHEN ins.id IS NOT NULL THEN NULL ELSE coalesce(f.pre_reason, ${PRESENT}) END`;
  }
  parts.push(
    `decided AS MATERIALIZED (
       SELECT f.entry_id, f.source, f.tree, f.sled_key, ins.id AS target_id, ${reason} AS reason
         FROM fresh f
         LEFT JOIN winners w ON w.entry_id = f.entry_id
         LEFT JOIN ins ON ins.id = w.new_id
         ${nk ? 'LEFT JOIN present x ON x.entry_id = f.entry_id LEFT JOIN candidates c ON c.entry_id = f.entry_id' : ''})`,
    `prov AS (
       INSERT INTO sled_import.provenance (source, tree, sled_key, import_id, entry_id, target_table, target_id, outcome, reason)
       SELECT d.source, d.tree, d.sled_key, ${IMPORT}, d.entry_id, ${TARGET}, d.target_id,
              CASE WHEN d.target_id IS NULL THEN 'skipped' ELSE 'loaded' END, d.reason
         FROM decided d)`,
  );
  if (spec.updatesWalletBalances) {
    parts.push(
      `upd AS (
         UPDATE blockchain.wallets wl SET balance = w.amount
           FROM winners w JOIN ins ON ins.id = w.new_id
          WHERE wl.user_id = w.user_id
         RETURNING wl.id)`,
    );
  }
  const updated = spec.updatesWalletBalances ? '(SELECT count(*) FROM upd)::int' : '0';
  return `WITH ${parts.join(',\n')}
SELECT d.entry_id::text AS entry_id, CASE WHEN d.target_id IS NULL THEN 'skipped' ELSE 'loaded' END AS outcome,
       d.reason, d.target_id::text AS target_id, NULL::text AS held_import, NULL::text AS held_entry, ${updated} AS updated
  FROM decided d
UNION ALL
SELECT h.entry_id::text, h.outcome, h.reason, h.target_id::text, h.import_id, h.held_entry::text, 0
  FROM held h`;
}

/** One entry ready for the statement. */
export interface BatchRow {
  entryId: number;
  source: string;
  tree: string;
  keyHex: string;
  /** Decided before PostgreSQL (a zero balance): skipped with this reason. */
  preReason: string | null;
  /** In the order of spec.columns. */
  values: readonly unknown[];
}

export interface EntryOutcome {
  id: number;
  outcome: 'loaded' | 'skipped' | 'failed';
  reason: string | null;
  targetId: number | null;
}

export interface BatchResult {
  outcomes: EntryOutcome[];
  walletsUpdated: number;
  /** True when PostgreSQL refused the batch and it was retried entry by entry. */
  isolated: boolean;
}

export interface BatchContext {
  client: pg.ClientBase;
  importId: string;
  runId: string;
  target: string;
  spec: TableSpec;
  sql: string;
  sequence: string;
  passphrase: string | null;
  /** Strings that must never appear in a message (the passphrase, the batch's secrets). */
  sensitive: readonly string[];
  signal: AbortSignal | undefined;
  /** Extra statements after BEGIN (wallets under encryption, as superuser: keep parameters out of the server log). */
  setLocal: readonly string[];
}

export function cancelledError(): OpsError {
  return new OpsError('conflict', 'The load was cancelled', {
    hint: 'The batch in progress was rolled back; what was committed before stays. Run the load again to resume.',
  });
}

function paramsOf(ctx: BatchContext, rows: readonly BatchRow[]): unknown[] {
  const columns = ctx.spec.columns.map((_, i) => rows.map((r) => r.values[i] ?? null));
  const params: unknown[] = [
    rows.map((r) => r.entryId),
    rows.map((r) => r.source),
    rows.map((r) => r.tree),
    rows.map((r) => r.keyHex),
    rows.map((r) => r.preReason),
    ...columns,
    ctx.importId,
    ctx.sequence,
    ctx.spec.target,
    skipReasons.alreadyPresent[ctx.spec.target] ?? 'not inserted',
  ];
  if (ctx.spec.usesPassphrase) params.push(ctx.passphrase);
  return params;
}

interface StatementRow {
  entry_id: string;
  outcome: 'loaded' | 'skipped';
  reason: string | null;
  target_id: string | null;
  held_import: string | null;
  held_entry: string | null;
  updated: number;
}

function outcomesOf(ctx: BatchContext, rows: readonly StatementRow[]): { outcomes: EntryOutcome[]; updated: number } {
  let updated = 0;
  const outcomes = rows.map((r): EntryOutcome => {
    const id = Number(r.entry_id);
    updated = Math.max(updated, r.updated);
    if (r.held_import === null) {
      return { id, outcome: r.outcome, reason: r.reason, targetId: r.target_id === null ? null : Number(r.target_id) };
    }
    if (r.held_import === ctx.importId && Number(r.held_entry) === id) {
      return { id, outcome: r.outcome, reason: r.reason, targetId: r.target_id === null ? null : Number(r.target_id) };
    }
    const reason =
      r.held_import === ctx.importId
        ? skipReasons.duplicate(r.held_entry ?? '?')
        : skipReasons.loadedByImport(r.held_import, r.held_entry ?? '?');
    return { id, outcome: 'skipped', reason, targetId: null };
  });
  return { outcomes, updated };
}

/** Errors that belong to the data of some entry (SQLSTATE classes 22 and 23): isolate them. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/**
 * PostgreSQL's message, safe to keep and show: never a parameter value. The
 * few messages that quote the offending input ('invalid input syntax for type
 * uuid: "…"') lose the quote; the passphrase and secrets are removed anyway.
 */
export function safePgMessage(error: unknown, sensitive: readonly string[]): string {
  let message = error instanceof Error ? error.message : String(error);
  message = message.replace(/: ".*"$/s, ': (value not shown)');
  for (const s of sensitive) if (s.length > 0) message = message.split(s).join('***');
  message = redactText(message);
  return message.length > 500 ? `${message.slice(0, 499)}…` : message;
}

/**
 * A failure during a load as the caller sees it: PostgreSQL errors become an
 * OpsError that carries nothing of the parameters (and no cause that could),
 * a lost connection says the load can be resumed, anything else (a bug, a
 * SQLite error) goes through unchanged.
 */
export function loadError(
  error: unknown,
  ctx: { target: string; sensitive: readonly string[] },
  doing: string,
): unknown {
  if (error instanceof OpsError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return new OpsError('database_error', `${doing} on ${ctx.target} failed: ${safePgMessage(error, ctx.sensitive)}`, {
      detail: `SQLSTATE ${code}`,
    });
  }
  const message = error instanceof Error ? error.message : '';
  if ((typeof code === 'string' && /^E[A-Z]+$/.test(code)) || /connection terminated|not queryable/i.test(message)) {
    return new OpsError('connection_failed', `Lost the connection to ${ctx.target} while ${doing.toLowerCase()}`, {
      hint: 'What was committed stays; run the load again to resume.',
      detail: safePgMessage(error, ctx.sensitive),
    });
  }
  return error;
}

async function rollback(client: pg.ClientBase): Promise<void> {
  try {
    await client.query('ROLLBACK');
  } catch {
    // The connection is gone; the server rolls back on its own.
  }
}

async function begin(ctx: BatchContext): Promise<void> {
  await ctx.client.query('BEGIN');
  await ctx.client.query('SET LOCAL statement_timeout = 0');
  for (const statement of ctx.setLocal) await ctx.client.query(statement);
}

async function commit(ctx: BatchContext, outcomes: readonly EntryOutcome[], walletsUpdated: number): Promise<void> {
  const count = (o: EntryOutcome['outcome']) => outcomes.filter((x) => x.outcome === o).length;
  await countBatch(ctx.client, ctx.runId, {
    loaded: count('loaded'),
    skipped: count('skipped'),
    failed: count('failed'),
    walletsUpdated,
  });
  if (ctx.signal?.aborted) throw cancelledError();
  await ctx.client.query('COMMIT');
}

/**
 * Runs one batch in one transaction. Returns once COMMIT succeeded; the caller
 * then records the outcomes in the staging database.
 */
export async function runBatch(ctx: BatchContext, rows: readonly BatchRow[]): Promise<BatchResult> {
  if (rows.length === 0) return { outcomes: [], walletsUpdated: 0, isolated: false };
  try {
    await begin(ctx);
    const result = await ctx.client.query<StatementRow>(ctx.sql, paramsOf(ctx, rows));
    const { outcomes, updated } = outcomesOf(ctx, result.rows);
    await commit(ctx, outcomes, updated);
    return { outcomes, walletsUpdated: updated, isolated: false };
  } catch (error) {
    await rollback(ctx.client);
    if (error instanceof OpsError) throw error;
    if (!isDataError(error)) throw loadError(error, ctx, `Loading ${ctx.spec.target}`);
  }
  return runIsolated(ctx, rows);
}

/** The batch again, entry by entry under savepoints: only what PostgreSQL refuses fails. */
async function runIsolated(ctx: BatchContext, rows: readonly BatchRow[]): Promise<BatchResult> {
  const outcomes: EntryOutcome[] = [];
  let walletsUpdated = 0;
  try {
    await begin(ctx);
    for (const row of rows) {
      await ctx.client.query('SAVEPOINT sled_entry');
      try {
        const result = await ctx.client.query<StatementRow>(ctx.sql, paramsOf(ctx, [row]));
        const done = outcomesOf(ctx, result.rows);
        outcomes.push(...done.outcomes);
        walletsUpdated += done.updated;
        await ctx.client.query('RELEASE SAVEPOINT sled_entry');
      } catch (error) {
        if (!isDataError(error)) throw error;
        await ctx.client.query('ROLLBACK TO SAVEPOINT sled_entry');
        outcomes.push({
          id: row.entryId,
          outcome: 'failed',
          reason: safePgMessage(error, ctx.sensitive),
          targetId: null,
        });
      }
    }
    await commit(ctx, outcomes, walletsUpdated);
    return { outcomes, walletsUpdated, isolated: true };
  } catch (error) {
    await rollback(ctx.client);
    throw loadError(error, ctx, `Loading ${ctx.spec.target}`);
  }
}
