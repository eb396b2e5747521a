/**
 * The worker entry of a snapshot capture (capture.ts starts it; the CLI and
 * Electron builds bundle it as capture-worker.mjs / .cjs). The same entry
 * runs both of its threads, told apart by workerData: the capture itself
 * (capture-run.ts), which starts the writer (capture-writer.ts) from its own URL.
 */
import { workerData } from 'node:worker_threads';
import { runCapture } from './capture-run';
import { CAPTURE_WRITER_ROLE, runCaptureWriter } from './capture-writer';

if ((workerData as { role?: unknown } | null)?.role === CAPTURE_WRITER_ROLE) runCaptureWriter();
else void runCapture();
