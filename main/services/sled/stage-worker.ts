/**
 * The worker entry of a Sled import's staging (stager.ts starts it; the CLI
 * and Electron builds bundle it as stage-worker.mjs / .cjs): reading,
 * decoding and the SQLite writes all run here, never on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OpsError, type SerializedError } from '../../../common/errors';
import type { StageJob, StageMainMessage, StageWorkerMessage } from './stage-messages';
import { stageFiles, type StageProgress } from './stage-run';
import { StagingDb } from './staging-db';

const job = workerData as StageJob;
const port = parentPort;

class Cancelled extends Error {}

let cancelled = false;

function post(message: StageWorkerMessage): void {
  port?.postMessage(message);
}

function serialize(error: unknown): SerializedError {
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
  // File system errors (ENOSPC, EIO, a file removed while read) are the machine's, not the input's.
  return typeof code === 'string' && /^E[A-Z]+$/.test(code)
    ? { kind: 'unavailable', message: `Staging stopped: ${message}` }
    : { kind: 'internal', message: `Staging failed: ${message}` };
}

async function run(): Promise<void> {
  port?.on('message', (message: StageMainMessage) => {
    if (message.type === 'cancel') cancelled = true;
  });
  // The port alone must not keep the worker alive once staging is over.
  port?.unref();
  let staging: StagingDb | null = null;
  try {
    staging = StagingDb.open(job.file, job.nativeBinding ? { nativeBinding: job.nativeBinding } : {});
    staging.beginBulk();
    let lastPost = 0;
    const entries = await stageFiles(staging, job.files, {
      async chunk(progress: StageProgress) {
        // Lets the cancel message in between two chunks.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (cancelled) throw new Cancelled();
        const now = performance.now();
        if (now - lastPost >= job.progressIntervalMs || progress.current === null) {
          lastPost = now;
          post({ type: 'progress', progress });
        }
      },
    });
    staging.endBulk();
    staging.finishStaging('staged', null);
    staging.close();
    post({ type: 'done', entries });
  } catch (error) {
    staging?.close();
    // The stager deletes the file; nothing of it is kept.
    post(cancelled || error instanceof Cancelled ? { type: 'cancelled' } : { type: 'failed', error: serialize(error) });
  }
}

void run();
