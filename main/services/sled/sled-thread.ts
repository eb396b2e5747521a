/**
 * A plan, a report or a load of an import, or the summary of a large one,
 * off the caller's thread. Each reads the whole staging database (a plan of a
 * million entries takes seconds of synchronous SQLite work; a load reads and
 * maps every batch, about a hundred milliseconds each); on the main thread
 * that would stall every other request, the backend's supervision and, in the
 * desktop app, the window. So they run in a worker (the stage worker's entry,
 * in the role below), and the PostgreSQL queries they make go back to the
 * caller's thread, which owns the connection: the worker asks, the caller runs
 * the query on its client and answers with the rows. A query that fails
 * there fails the run with that same error object, as if it had been run in
 * place.
 *
 * A load also sends back its progress, its log lines, and its requests to
 * cancel the running statement (pg_cancel_backend from another connection,
 * which the caller holds) and for the time (the caller's clock). Its cancel is
 * a message: the load rolls back its batch and ends its run in PostgreSQL
 * before the thread ends. A load thread that dies on its own (a crash, out of
 * memory) leaves the connection with the caller, who rolls back what it had
 * open and frees the load lock.
 */
import path from 'node:path';
import type pg from 'pg';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { OpsError, type SerializedError } from '../../../common/errors';
import type { SledImportSummary, SledPlan, SledReport, SledSettings } from '../../../common/sled';
import type { Logger } from '../logging/log-service';
import { deserializeThreadError, serializeThreadError } from '../worker-threads';
import { cancelledError, LoadCancelledError } from './load-batch';
import type { LoadProgressEvent } from './load-progress';
import { loadImport } from './loader';
import { planImport } from './plan';
import { releaseLoadLock } from './provenance';
import { reportImport } from './report';
import { STAGING_EXTENSION, StagingDb } from './staging-db';
import { summarize } from './staging-summary';

export const SLED_THREAD_ROLE = 'sled-read';
const YOUNG_GENERATION_MB = 8;

type Work =
  | { kind: 'summary' }
  | { kind: 'plan'; settings: SledSettings }
  | { kind: 'report'; now: string }
  | {
      kind: 'load';
      importId: string;
      passphrase: string | null;
      batchSize: number | null;
      /** Whether the caller can cancel a running statement (then the thread asks it to on abort). */
      cancellable: boolean;
    };

export type SledThreadJob = {
  role: typeof SLED_THREAD_ROLE;
  /** The staging database. */
  file: string;
  nativeBinding: string | null;
  /** The target's display name when there is a database (its queries come back to the caller). */
  target: string | null;
} & Work;

/** A query as the thread sends it (a text, or a named statement) and its values. */
interface ThreadQuery {
  text: string;
  name?: string;
  values?: unknown[];
}

type LogLevel = keyof Logger;

type ThreadResult = SledImportSummary | SledPlan | SledReport;

type FromThread =
  | { type: 'query'; id: number; query: ThreadQuery }
  | { type: 'progress'; done: number; total: number }
  | { type: 'loadProgress'; event: LoadProgressEvent }
  | { type: 'log'; level: LogLevel; parts: unknown[] }
  | { type: 'ask'; id: number; what: 'cancelQuery' | 'now' }
  | { type: 'done'; result: ThreadResult }
  | { type: 'failed'; error: SerializedError; query: number | null; cancelled: boolean };

type ToThread =
  /** A query's rows; `multi` when the text held several statements (one rows array each). */
  | { type: 'rows'; id: number; rows: unknown[]; multi: boolean }
  | { type: 'queryFailed'; id: number; message: string; code: string | null }
  | { type: 'answer'; id: number; value: string | null; error: string | null }
  | { type: 'abort' };

/** What a run needs from the caller's side: where the worker entry is and the database, if any. */
export interface SledThreadRun {
  workerUrl: URL;
  file: string;
  nativeBinding: string | null;
  db?: { client: pg.ClientBase; target: string };
  /** A plan's progress: entries decided so far, of all (at most every PROGRESS_INTERVAL_MS, and at the end). */
  onProgress?: (done: number, total: number) => void;
  /**
   * A plan: stops the thread at once (terminated: it writes nothing the caller
   * keeps); the run rejects with PlanCancelledError. A load: the load's own
   * cancel (its batch rolled back); the run rejects with LoadCancelledError.
   */
  signal?: AbortSignal;
}

/** A load's side of a run: what loadImport takes from the caller, less what stays in the thread. */
export interface LoadThreadRun extends SledThreadRun {
  db: { client: pg.ClientBase; target: string };
  importId: string;
  passphrase?: string | undefined;
  batchSize?: number | undefined;
  cancelQuery?: () => Promise<unknown>;
  onLoadProgress?: (progress: LoadProgressEvent) => void;
  logger?: Logger;
  clock?: () => Date;
}

const PROGRESS_INTERVAL_MS = 250;

export class PlanCancelledError extends OpsError {
  readonly cancelled = true;

  constructor(id: string) {
    super('conflict', 'The plan was cancelled', { detail: `import ${id}`, hint: 'Plan again to count it.' });
    this.name = 'PlanCancelledError';
  }
}

/** summarize (staging-summary.ts) of a large staging database: its counts read a million index entries or more. */
export function summaryInThread(run: SledThreadRun): Promise<SledImportSummary> {
  return runInThread(run, { kind: 'summary' }) as Promise<SledImportSummary>;
}

export function planInThread(run: SledThreadRun, settings: SledSettings): Promise<SledPlan> {
  return runInThread(run, { kind: 'plan', settings }) as Promise<SledPlan>;
}

export function reportInThread(run: SledThreadRun, now: Date): Promise<SledReport> {
  return runInThread(run, { kind: 'report', now: now.toISOString() }) as Promise<SledReport>;
}

/** loadImport (loader.ts) on a thread of its own, its queries run on `run.db.client`. */
export function loadInThread(run: LoadThreadRun): Promise<SledReport> {
  return runInThread(run, {
    kind: 'load',
    importId: run.importId,
    passphrase: run.passphrase ?? null,
    batchSize: run.batchSize ?? null,
    cancellable: run.cancelQuery !== undefined,
  }) as Promise<SledReport>;
}

/** Buffers come back from a thread as plain Uint8Arrays; pg and the callers want Buffers. */
function asBuffer(value: unknown): unknown {
  return value instanceof Uint8Array && !Buffer.isBuffer(value)
    ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    : value;
}

function rowsWithBuffers(rows: unknown[]): unknown[] {
  for (const row of rows) {
    if (row === null || typeof row !== 'object') continue;
    const record = row as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const value = record[key];
      if (value instanceof Uint8Array) record[key] = asBuffer(value);
    }
  }
  return rows;
}

async function runInThread(run: SledThreadRun | LoadThreadRun, work: Work): Promise<ThreadResult> {
  const job: SledThreadJob = {
    role: SLED_THREAD_ROLE,
    file: run.file,
    nativeBinding: run.nativeBinding,
    target: run.db?.target ?? null,
    ...work,
  };
  const load = work.kind === 'load' ? (run as LoadThreadRun) : null;
  // No execArgv of the parent's (an -e script's --input-type would stop the worker): it needs none.
  // A young generation of 8 MB instead of V8's default: the plan of the benchmark's million entries
  // peaks 45 MB lower (a process of the worker alone: 184 MB instead of 230 MB) in the same time.
  const worker = new Worker(run.workerUrl, {
    workerData: job,
    execArgv: [],
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  // The caller's own errors of the queries it ran for the worker, by query id.
  const queryErrors = new Map<number, unknown>();
  let stopListening = (): void => undefined;
  let died = false;
  try {
    return await new Promise<ThreadResult>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        fn();
      };
      const reply = (answer: ToThread) => {
        if (!settled) worker.postMessage(answer);
      };
      if (run.signal) {
        const signal = run.signal;
        const abort = load
          ? () => reply({ type: 'abort' })
          : () => settle(() => reject(new PlanCancelledError(path.basename(run.file, STAGING_EXTENSION))));
        if (signal.aborted) abort();
        else signal.addEventListener('abort', abort, { once: true });
        stopListening = () => signal.removeEventListener('abort', abort);
      }
      const runQuery = (id: number, query: ThreadQuery) => {
        const client = run.db?.client;
        if (!client) {
          reply({ type: 'queryFailed', id, message: 'no database for this run', code: null });
          return;
        }
        const config: pg.QueryConfig = {
          text: query.text,
          ...(query.name === undefined ? {} : { name: query.name }),
          ...(query.values === undefined ? {} : { values: query.values.map(asBuffer) }),
        };
        client.query(config).then(
          (result: pg.QueryResult | pg.QueryResult[]) =>
            reply(
              Array.isArray(result)
                ? { type: 'rows', id, rows: result.map((r) => r.rows), multi: true }
                : { type: 'rows', id, rows: result.rows, multi: false },
            ),
          (error: unknown) => {
            queryErrors.set(id, error);
            const code = (error as { code?: unknown } | null)?.code;
            reply({
              type: 'queryFailed',
              id,
              message: error instanceof Error ? error.message : String(error),
              code: typeof code === 'string' ? code : null,
            });
          },
        );
      };
      const answer = (id: number, what: 'cancelQuery' | 'now') => {
        if (what === 'now') {
          reply({ type: 'answer', id, value: (load?.clock ?? (() => new Date()))().toISOString(), error: null });
          return;
        }
        const cancel = load?.cancelQuery ?? (() => Promise.resolve());
        cancel().then(
          () => reply({ type: 'answer', id, value: null, error: null }),
          (error: unknown) =>
            reply({ type: 'answer', id, value: null, error: error instanceof Error ? error.message : String(error) }),
        );
      };
      worker.on('message', (message: FromThread) => {
        if (settled) return;
        switch (message.type) {
          case 'progress':
            run.onProgress?.(message.done, message.total);
            break;
          case 'loadProgress':
            load?.onLoadProgress?.(message.event);
            break;
          case 'log':
            load?.logger?.[message.level](...message.parts);
            break;
          case 'query':
            runQuery(message.id, message.query);
            break;
          case 'ask':
            answer(message.id, message.what);
            break;
          case 'done':
            settle(() => resolve(message.result));
            break;
          case 'failed': {
            const original = message.query === null ? undefined : queryErrors.get(message.query);
            const error = message.cancelled ? cancelledError() : (original ?? deserializeThreadError(message.error));
            settle(() => reject(error));
            break;
          }
        }
      });
      const died_ = (error: Error) =>
        settle(() => {
          died = true;
          reject(error);
        });
      worker.on('error', died_);
      worker.on('exit', () => died_(new OpsError('internal', `The ${work.kind} thread stopped unexpectedly`)));
    });
  } finally {
    stopListening();
    await worker.terminate();
    if (died && load) await cleanUpAfterLoadThread(load.db.client);
  }
}

/**
 * A load thread died with the connection in the caller's hands: its open
 * transaction (a batch, never committed) is rolled back and the load lock
 * freed, so the next load can take it. pg runs a client's queries in turn, so
 * these come after any the thread left running.
 */
async function cleanUpAfterLoadThread(client: pg.ClientBase): Promise<void> {
  await client.query('ROLLBACK').catch(() => undefined);
  await releaseLoadLock(client).catch(() => undefined);
}

/** An error of a query the caller ran for this thread. */
class ProxiedQueryError extends Error {
  constructor(
    readonly id: number,
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'ProxiedQueryError';
  }
}

/** A log line's parts as they can cross to the caller's thread (an Error clones; other objects as JSON). */
function loggable(part: unknown): unknown {
  if (part === null || typeof part !== 'object' || part instanceof Error) return part;
  try {
    return JSON.stringify(part);
  } catch {
    return String(part);
  }
}

/** The worker's side: opens the staging database, runs the summary, plan, report or load, posts the result. */
export function runSledThread(): void {
  const job = workerData as SledThreadJob;
  const port = parentPort;
  if (!port) return;
  const post = (message: FromThread) => port.postMessage(message);
  let nextId = 0;
  const waiting = new Map<number, { resolve: (message: ToThread) => void; reject: (error: Error) => void }>();
  const controller = new AbortController();
  port.on('message', (message: ToThread) => {
    if (message.type === 'abort') {
      controller.abort();
      return;
    }
    const waiter = waiting.get(message.id);
    if (!waiter) return;
    waiting.delete(message.id);
    if (message.type === 'queryFailed')
      waiter.reject(new ProxiedQueryError(message.id, message.message, message.code ?? undefined));
    else waiter.resolve(message);
  });
  const request = (make: (id: number) => FromThread): Promise<ToThread> => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      post(make(id));
    });
  };
  // All the plan, the report and the load use of a client: query(text or config, values) and the rows.
  const client = {
    async query(textOrConfig: string | ThreadQuery, values?: unknown[]): Promise<unknown> {
      const query: ThreadQuery = typeof textOrConfig === 'string' ? { text: textOrConfig } : { ...textOrConfig };
      if (values !== undefined) query.values = values;
      const answer = await request((id) => ({ type: 'query', id, query }));
      if (answer.type !== 'rows') throw new Error(`a query answered with ${answer.type}`);
      return answer.multi
        ? answer.rows.map((rows) => ({ rows: rowsWithBuffers(rows as unknown[]) }))
        : { rows: rowsWithBuffers(answer.rows) };
    },
  } as unknown as pg.ClientBase;
  const ask = async (what: 'cancelQuery' | 'now'): Promise<string | null> => {
    const answer = await request((id) => ({ type: 'ask', id, what }));
    if (answer.type !== 'answer') throw new Error(`a request answered with ${answer.type}`);
    if (answer.error !== null) throw new Error(answer.error);
    return answer.value;
  };
  const logger: Logger = {
    error: (...parts) => post({ type: 'log', level: 'error', parts: parts.map(loggable) }),
    warn: (...parts) => post({ type: 'log', level: 'warn', parts: parts.map(loggable) }),
    info: (...parts) => post({ type: 'log', level: 'info', parts: parts.map(loggable) }),
    debug: (...parts) => post({ type: 'log', level: 'debug', parts: parts.map(loggable) }),
  };
  const db = job.target === null ? undefined : { client, target: job.target };
  const work = async (): Promise<ThreadResult> => {
    const options = job.nativeBinding ? { nativeBinding: job.nativeBinding } : {};
    const readonly = job.kind === 'report' || job.kind === 'summary';
    const staging = StagingDb.open(job.file, { readonly, ...options });
    try {
      if (job.kind === 'summary') return summarize(staging);
      if (job.kind === 'plan') {
        let last = 0;
        return await planImport(staging, job.settings, db, (done, total) => {
          const now = performance.now();
          if (done < total && now - last < PROGRESS_INTERVAL_MS) return;
          last = now;
          post({ type: 'progress', done, total });
        });
      }
      if (job.kind === 'report') {
        const now = new Date(job.now);
        return await reportImport(staging, db, () => now);
      }
      if (!db) throw new Error('a load needs a database');
      return await loadImport({
        staging,
        client,
        importId: job.importId,
        target: db.target,
        ...(job.passphrase === null ? {} : { passphrase: job.passphrase }),
        ...(job.batchSize === null ? {} : { batchSize: job.batchSize }),
        signal: controller.signal,
        ...(job.cancellable ? { cancelQuery: () => ask('cancelQuery') } : {}),
        onProgress: (event) => post({ type: 'loadProgress', event }),
        logger,
        clock: async () => new Date((await ask('now')) ?? Date.now()),
      });
    } finally {
      staging.close();
    }
  };
  work().then(
    (result) => {
      post({ type: 'done', result });
      port.close();
    },
    (error: unknown) => {
      post({
        type: 'failed',
        error: serializeThreadError(
          error,
          { summary: 'Reading the import', plan: 'Planning', report: 'The report', load: 'Loading' }[job.kind],
        ),
        query: error instanceof ProxiedQueryError ? error.id : null,
        cancelled: error instanceof LoadCancelledError,
      });
      port.close();
    },
  );
}
