/**
 * What the main side and the capture worker (capture-worker.ts) say to each
 * other. The job travels as workerData; the URL in it carries the password
 * and is never logged or posted back.
 */
import type { SerializedError } from '../../../common/errors';
import type { CaptureProgress } from '../../../common/snapshots';

export interface CaptureJob {
  id: string;
  /** The partial file to write (…/<id>.snapshot.partial); the main side renames it when done. */
  file: string;
  /** libpq URL, password included. */
  url: string;
  /** The snapshot's name, or null for "<database> <ISO minute>". */
  name: string | null;
  sourceProfile: string | null;
  sourceTarget: string;
  tablePattern: string | null;
  rowLimit: number | null;
  /** Rows per SQLite transaction. */
  batchRows: number;
  /** Least time between two progress messages. */
  progressIntervalMs: number;
  /** The capture worker's own entry, which also runs the writer thread (capture-writer.ts). */
  workerUrl: string;
  /** better-sqlite3's native binding, when not the default one (the desktop app's Electron build). */
  nativeBinding: string | null;
}

export interface CaptureSummary {
  database: string;
  serverVersion: string;
  name: string;
  tableCount: number;
  rowCount: number;
  startedAt: string;
  finishedAt: string;
  contentSha256: string;
}

export type WorkerProgress = Omit<CaptureProgress, 'captureId'>;

export type WorkerMessage =
  | { type: 'progress'; progress: WorkerProgress }
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | { type: 'done'; summary: CaptureSummary }
  | { type: 'cancelled' }
  | { type: 'failed'; error: SerializedError };

export type MainMessage = { type: 'cancel' };
