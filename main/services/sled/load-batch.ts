/**
 * Runs one batch of one target table (the statement of load-statement.ts) in
 * one transaction with the run's counters. When PostgreSQL refuses the batch
 * (a data or constraint error), it is rolled back and retried entry by entry
 * under SAVEPOINTs, so only the entries PostgreSQL refuses fail.
 */
import type pg from 'pg';
import { OpsError } from '../../../common/errors';
import { redactText } from '../logging/redact';
import { skipReasons } from './mapping';
import { sessionChangedError } from '../migrations/lock';
import { countFailed, HOLDS_LOAD_LOCK_SQL, LOAD_LOCK_KEY, loadSessionWords } from './provenance';
import { inputColumns, type TableSpec } from './load-statement';

/** One entry ready for the statement. */
export interface BatchRow {
  entryId: number;
  /** source, tree and key (hex), NUL-separated: the provenance key. */
  provenanceKey: string;
  /**
   * The statement's input row by column (load-statement.ts): entry_id, source,
   * tree, key_hex, pre_reason (a reason decided before PostgreSQL, such as a
   * zero balance) and the spec's columns.
   */
  input: Record<string, unknown>;
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
  /** The batch statement, prepared under its name (planned once per load, not once per batch). */
  statement: { name: string; text: string };
  sequence: string;
  passphrase: string | null;
  /** Strings that must never appear in a message (the passphrase, the batch's secrets). */
  sensitive: readonly string[];
  signal: AbortSignal | undefined;
  /** Extra statements after BEGIN (wallets under encryption, as superuser: keep parameters out of the server log). */
  setLocal: readonly string[];
}

/** A load stopped by its AbortSignal (kind 'conflict'). */
export class LoadCancelledError extends OpsError {
  constructor() {
    super('conflict', 'The load was cancelled', {
      hint: 'The batch in progress was rolled back; what was committed before stays. Run the load again to resume.',
    });
  }
}

export function cancelledError(): LoadCancelledError {
  return new LoadCancelledError();
}

/**
 * The statement's parameters: the rows as one JSON array per column (JSON on
 * the server; JSON.stringify is native and far cheaper than array literals),
 * then the run's constants.
 */
export function batchParams(ctx: Omit<BatchContext, 'signal' | 'setLocal'>, rows: readonly BatchRow[]): unknown[] {
  const params: unknown[] = [
    // One JSON array per input column (null where a row has no value), in the statement's order.
    ...inputColumns(ctx.spec).map((c) => JSON.stringify(rows.map((r) => r.input[c.name] ?? null))),
    ctx.importId,
    ctx.sequence,
    ctx.spec.target,
    skipReasons.alreadyPresent[ctx.spec.target] ?? 'not inserted',
    ctx.runId,
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

/** PostgreSQL's query_canceled: what pg_cancel_backend (a cancelled load) makes the running statement end with. */
export function isQueryCancel(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '57014';
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
  // One round trip (simple protocol, no parameters). work_mem: a batch's rows (up to a few MB of
  // text) stay in memory in the statement's CTE instead of spilling to a temporary file. The last
  // statement checks that this transaction runs in the session holding the load lock (and its
  // prepared statements): a transaction pooler could have given it another.
  const results = (await ctx.client.query(
    [
      'BEGIN',
      'SET LOCAL statement_timeout = 0',
      "SET LOCAL work_mem = '64MB'",
      ...ctx.setLocal,
      HOLDS_LOAD_LOCK_SQL,
    ].join('; '),
  )) as unknown as Array<pg.QueryResult<{ held?: boolean }>>;
  if (results.at(-1)?.rows[0]?.held !== true)
    throw await sessionChangedError(ctx.client, LOAD_LOCK_KEY, loadSessionWords(ctx.target));
}

async function commit(ctx: BatchContext): Promise<void> {
  if (ctx.signal?.aborted) throw cancelledError();
  await ctx.client.query('COMMIT');
}

/**
 * Runs one batch in one transaction. Returns once COMMIT succeeded; the caller
 * then records the outcomes in the staging database.
 *
 * `overlap` runs exactly once, while PostgreSQL executes the batch's statement
 * (synchronous work: the previous batch's staging update, reading the next).
 */
export async function runBatch(
  ctx: BatchContext,
  rows: readonly BatchRow[],
  overlap: () => void = () => undefined,
  params: unknown[] = batchParams(ctx, rows),
): Promise<BatchResult> {
  let overlapped = false;
  let overlapError: unknown = null;
  const runOverlap = () => {
    if (overlapped) return;
    overlapped = true;
    try {
      overlap();
    } catch (error) {
      overlapError = error;
    }
  };
  const rethrowOverlap = () => {
    if (overlapError !== null) throw overlapError;
  };
  if (rows.length === 0) {
    runOverlap();
    rethrowOverlap();
    return { outcomes: [], walletsUpdated: 0, isolated: false };
  }
  try {
    await begin(ctx);
    const pending = ctx.client.query<StatementRow>({ ...ctx.statement, values: params });
    runOverlap();
    const result = await pending;
    rethrowOverlap();
    const { outcomes, updated } = outcomesOf(ctx, result.rows);
    await commit(ctx);
    return { outcomes, walletsUpdated: updated, isolated: false };
  } catch (error) {
    await rollback(ctx.client);
    if (ctx.signal?.aborted && isQueryCancel(error)) throw cancelledError();
    if (error instanceof OpsError || error === overlapError) throw error;
    if (!isDataError(error)) throw loadError(error, ctx, `Loading ${ctx.spec.target}`);
  }
  runOverlap();
  rethrowOverlap();
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
        const result = await ctx.client.query<StatementRow>({ ...ctx.statement, values: batchParams(ctx, [row]) });
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
    await countFailed(ctx.client, ctx.runId, outcomes.filter((o) => o.outcome === 'failed').length);
    await commit(ctx);
    return { outcomes, walletsUpdated, isolated: true };
  } catch (error) {
    await rollback(ctx.client);
    throw loadError(error, ctx, `Loading ${ctx.spec.target}`);
  }
}
