/**
 * The worker entry of a Sled import's staging (stager.ts starts it; the CLI
 * and Electron builds bundle it as stage-worker.mjs / .cjs). The same entry
 * runs all of its threads, told apart by workerData: this one reads
 * (stage-run.ts), and it starts the decoder threads and the SQLite writer
 * (stage-writer.ts) from its own URL. It also runs an import's plan or
 * report (sled-thread.ts). Nothing of it runs on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { StageJob, StageMainMessage, StageWorkerMessage } from './stage-messages';
import { readIntoSink, type StageProgress } from './stage-run';
import { DECODER_ROLE, runDecoder, runWriter, serializeError, WRITER_ROLE, WriterThread } from './stage-writer';
import { runSledThread, SLED_THREAD_ROLE } from './sled-thread';

class Cancelled extends Error {}

async function runStage(): Promise<void> {
  const job = workerData as StageJob;
  const port = parentPort;
  let cancelled = false;
  const post = (message: StageWorkerMessage) => port?.postMessage(message);
  port?.on('message', (message: StageMainMessage) => {
    if (message.type === 'cancel') cancelled = true;
  });
  // The port alone must not keep the worker alive once staging is over.
  port?.unref();
  const writer = new WriterThread(new URL(job.workerUrl), {
    file: job.file,
    nativeBinding: job.nativeBinding,
    decoders: job.decoders ?? 0,
  });
  try {
    let lastPost = 0;
    const entries = await readIntoSink(job.files, writer.sink, {
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
    await writer.end();
    post({ type: 'done', entries });
  } catch (error) {
    // The writer closes its database before the stager deletes the file.
    await writer.abort();
    post(
      cancelled || error instanceof Cancelled
        ? { type: 'cancelled' }
        : { type: 'failed', error: serializeError(error) },
    );
  }
}

const role = (workerData as { role?: unknown } | null)?.role;
if (role === WRITER_ROLE) runWriter();
else if (role === DECODER_ROLE) runDecoder();
else if (role === SLED_THREAD_ROLE) runSledThread();
else void runStage();
