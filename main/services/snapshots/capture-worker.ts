/**
 * The worker entry of a snapshot capture (capture.ts starts it; the CLI and
 * Electron builds bundle it as capture-worker.mjs / .cjs).
 */
import { runCapture } from './capture-run';

void runCapture();
