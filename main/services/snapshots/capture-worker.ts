/**
 * The worker entry of a snapshot capture (capture.ts starts it; the CLI and
 * Electron builds bundle it as capture-worker.mjs / .cjs). The same entry
 * runs the capture's content hash thread, told apart by workerData.
 */
import { workerData } from 'node:worker_threads';
import { runCapture } from './capture-run';
import { HASH_THREAD_ROLE, runHashThread } from './hash-thread';

if ((workerData as { role?: unknown } | null)?.role === HASH_THREAD_ROLE) runHashThread();
else void runCapture();
