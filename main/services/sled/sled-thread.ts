/**
 * A plan or a report of an import, off the caller's thread. Both read the
 * whole staging database (a plan of a million entries takes seconds of
 * synchronous SQLite work); on the main thread that would stall every other
 * request, the backend's supervision and, in the desktop app, the window. So
 * they run in a worker (the stage worker's entry, in the role below), and the
 * PostgreSQL queries they make go back to the caller's thread, which owns the
 * connection: the worker asks, the caller runs the query on its client and
 * answers with the rows. A query that fails there fails the run with that
 * same error object, as if it had been run in place.
 */
import path from 'node:path';
import type pg from 'pg';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { OpsError, type SerializedError } from '../../../common/errors';
import type { SledPlan, SledReport, SledSettings } from '../../../common/sled';
import { deserializeThreadError, serializeThreadError } from '../worker-threads';
import { planImport } from './plan';
import { reportImport } from './report';
import { STAGING_EXTENSION, StagingDb } from './staging-db';

export const SLED_THREAD_ROLE = 'sled-read';
const YOUNG_GENERATION_MB = 8;

export type SledThreadJob = {
  role: typeof SLED_THREAD_ROLE;
  /** The staging database. */
  file: string;
  nativeBinding: string | null;
  /** The target's display name when there is a database (its queries come back to the caller). */
  target: string | null;
} & ({ kind: 'plan'; settings: SledSettings } | { kind: 'report'; now: string });

type FromThread =
  | { type: 'query'; id: number; text: string; values: unknown[] | undefined }
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; result: SledPlan | SledReport }
  | { type: 'failed'; error: SerializedError; query: number | null };

type ToThread =
  | { type: 'rows'; id: number; rows: unknown[] }
  | { type: 'queryFailed'; id: number; message: string; code: string | null };

/** What a run needs from the caller's side: where the worker entry is and the database, if any. */
export interface SledThreadRun {
  workerUrl: URL;
  file: string;
  nativeBinding: string | null;
  db?: { client: pg.ClientBase; target: string };
  /** A plan's progress: entries decided so far, of all (at most every PROGRESS_INTERVAL_MS, and at the end). */
  onProgress?: (done: number, total: number) => void;
  /** Stops the thread at once (terminated: it writes nothing the caller keeps); the run rejects with PlanCancelledError. */
  signal?: AbortSignal;
}

const PROGRESS_INTERVAL_MS = 250;

export class PlanCancelledError extends OpsError {
  readonly cancelled = true;

  constructor(id: string) {
    super('conflict', 'The plan was cancelled', { detail: `import ${id}`, hint: 'Plan again to count it.' });
    this.name = 'PlanCancelledError';
  }
}

export function planInThread(run: SledThreadRun, settings: SledSettings): Promise<SledPlan> {
  return runInThread(run, { kind: 'plan', settings }) as Promise<SledPlan>;
}

export function reportInThread(run: SledThreadRun, now: Date): Promise<SledReport> {
  return runInThread(run, { kind: 'report', now: now.toISOString() }) as Promise<SledReport>;
}

async function runInThread(
  run: SledThreadRun,
  work: { kind: 'plan'; settings: SledSettings } | { kind: 'report'; now: string },
): Promise<SledPlan | SledReport> {
  const job: SledThreadJob = {
    role: SLED_THREAD_ROLE,
    file: run.file,
    nativeBinding: run.nativeBinding,
    target: run.db?.target ?? null,
    ...work,
  };
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
  try {
    return await new Promise<SledPlan | SledReport>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        fn();
      };
      if (run.signal) {
        const signal = run.signal;
        const abort = () => settle(() => reject(new PlanCancelledError(path.basename(run.file, STAGING_EXTENSION))));
        if (signal.aborted) abort();
        signal.addEventListener('abort', abort, { once: true });
        stopListening = () => signal.removeEventListener('abort', abort);
      }
      worker.on('message', (message: FromThread) => {
        if (message.type === 'progress') {
          if (!settled) run.onProgress?.(message.done, message.total);
        } else if (message.type === 'query') {
          const reply = (answer: ToThread) => {
            if (!settled) worker.postMessage(answer);
          };
          const client = run.db?.client;
          if (!client) {
            reply({ type: 'queryFailed', id: message.id, message: 'no database for this run', code: null });
            return;
          }
          client.query(message.text, message.values).then(
            (result: pg.QueryResult) => reply({ type: 'rows', id: message.id, rows: result.rows }),
            (error: unknown) => {
              queryErrors.set(message.id, error);
              const code = (error as { code?: unknown } | null)?.code;
              reply({
                type: 'queryFailed',
                id: message.id,
                message: error instanceof Error ? error.message : String(error),
                code: typeof code === 'string' ? code : null,
              });
            },
          );
        } else if (message.type === 'done') {
          settle(() => resolve(message.result));
        } else {
          const original = message.query === null ? undefined : queryErrors.get(message.query);
          settle(() => reject(original ?? deserializeThreadError(message.error)));
        }
      });
      worker.on('error', (error) => settle(() => reject(error)));
      worker.on('exit', () =>
        settle(() =>
          reject(
            new OpsError('internal', `The ${work.kind === 'plan' ? 'plan' : 'report'} thread stopped unexpectedly`),
          ),
        ),
      );
    });
  } finally {
    stopListening();
    await worker.terminate();
  }
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

/** The worker's side: opens the staging database, runs the plan or report, posts the result. */
export function runSledThread(): void {
  const job = workerData as SledThreadJob;
  const port = parentPort;
  if (!port) return;
  const post = (message: FromThread) => port.postMessage(message);
  let nextId = 0;
  const waiting = new Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }>();
  port.on('message', (message: ToThread) => {
    const waiter = waiting.get(message.id);
    if (!waiter) return;
    waiting.delete(message.id);
    if (message.type === 'rows') waiter.resolve(message.rows);
    else waiter.reject(new ProxiedQueryError(message.id, message.message, message.code ?? undefined));
  });
  // All the plan and the report use of a client: query(text, values) and the rows.
  const client = {
    query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve: (rows) => resolve({ rows }), reject });
        post({ type: 'query', id, text, values });
      });
    },
  } as unknown as pg.ClientBase;
  const db = job.target === null ? undefined : { client, target: job.target };
  const work = async (): Promise<SledPlan | SledReport> => {
    const options = job.nativeBinding ? { nativeBinding: job.nativeBinding } : {};
    const staging = StagingDb.open(job.file, { readonly: job.kind === 'report', ...options });
    try {
      if (job.kind === 'plan') {
        let last = 0;
        return await planImport(staging, job.settings, db, (done, total) => {
          const now = performance.now();
          if (done < total && now - last < PROGRESS_INTERVAL_MS) return;
          last = now;
          post({ type: 'progress', done, total });
        });
      }
      const now = new Date(job.now);
      return await reportImport(staging, db, () => now);
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
        error: serializeThreadError(error, job.kind === 'plan' ? 'Planning' : 'The report'),
        query: error instanceof ProxiedQueryError ? error.id : null,
      });
      port.close();
    },
  );
}
