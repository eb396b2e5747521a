/**
 * What the stager (main side, stager.ts) and the stage worker
 * (stage-worker.ts) say to each other. The job travels as workerData.
 */
import type { SerializedError } from '../../../common/errors';

export interface StageJob {
  /** The staging database, already created (StagingDb.create) and empty. */
  file: string;
  /** The export files, checked readable, in import order. */
  files: string[];
  nativeBinding: string | null;
  /** Least time between two progress messages. */
  progressIntervalMs: number;
  /** This worker's own entry, which also runs the SQLite writer and decoder threads (stage-writer.ts). */
  workerUrl: string;
  /** Decoder threads besides the reading thread (default 0). */
  decoders?: number;
}

export interface StageCounts {
  current: string | null;
  bytesDone: number;
  bytesTotal: number;
  entries: number;
}

export type StageWorkerMessage =
  | { type: 'progress'; progress: StageCounts }
  | { type: 'done'; entries: number }
  | { type: 'cancelled' }
  | { type: 'failed'; error: SerializedError };

export type StageMainMessage = { type: 'cancel' };
