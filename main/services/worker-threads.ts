import type { Worker } from 'node:worker_threads';
import { OpsError, type SerializedError } from '../../common/errors';

/**
 * An error as a worker thread posts it to the thread that started it. An
 * OpsError keeps its kind, hint and detail; a file system or SQLite I/O error
 * (ENOSPC, SQLITE_FULL, a file removed while in use) is the machine's problem,
 * 'unavailable'; anything else is a bug, 'internal'. `work` names what
 * stopped, as in "Staging" or "Writing the snapshot".
 */
export function serializeThreadError(error: unknown, work: string): SerializedError {
  if (error instanceof OpsError) {
    return {
      kind: error.kind,
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error.detail === undefined ? {} : { detail: error.detail }),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(E[A-Z]+|SQLITE_(FULL|IOERR.*|CANTOPEN|READONLY.*))$/.test(code)
    ? { kind: 'unavailable', message: `${work} stopped: ${message}` }
    : { kind: 'internal', message: `${work} failed: ${message}` };
}

/** The OpsError a thread's posted error stands for. */
export function deserializeThreadError(error: SerializedError): OpsError {
  return new OpsError(error.kind, error.message, {
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    ...(error.detail === undefined ? {} : { detail: error.detail }),
  });
}

/**
 * Sends a worker's errors, and its exit, to `fail` (an exit after the work is
 * done is harmless there); resolves once the worker has exited.
 */
export function watchWorker(worker: Worker, what: string, fail: (error: Error) => void): Promise<void> {
  worker.on('error', fail);
  return new Promise((resolve) => {
    worker.on('exit', () => {
      fail(new OpsError('internal', `The ${what} stopped unexpectedly`));
      resolve();
    });
  });
}

/** Tells a writer thread to drop its work (its `abort` message) and waits until it has exited. */
export async function abortWorker(worker: Worker, exited: Promise<void>): Promise<void> {
  try {
    worker.postMessage({ type: 'abort' });
  } catch {
    // Already gone.
  }
  await exited;
}
