/**
 * Stages a Sled import: checks the export files, creates the staging
 * database and runs the stage worker (stage-worker.ts), which reads, decodes
 * and writes every entry. On success the database is 'staged'; on cancel or
 * failure it is deleted with its -wal/-shm, so no half import is ever left.
 */
import { workerEntryUrl } from '../worker-url';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { OpsError, type SerializedError } from '../../../common/errors';
import { detectExportFormat } from './export-reader';
import type { StageCounts, StageJob, StageMainMessage, StageWorkerMessage } from './stage-messages';
import { StagingDb } from './staging-db';

export interface StageProgressReport {
  current: string | null;
  bytesDone: number;
  bytesTotal: number;
  entries: number;
  entriesPerSecond: number;
  etaSeconds: number | null;
}

export interface StageRequest {
  /** The staging database to create (must not exist). */
  file: string;
  id: string;
  createdAt: string;
  /** Export files, in import order. */
  files: string[];
  /** better-sqlite3's native binding (the desktop app's Electron build). */
  nativeBinding?: string;
  /** The worker entry; by default the one beside this module (defaultStageWorkerUrl). */
  workerUrl?: URL;
  /**
   * Decoder threads for format A blocks besides the reading thread (default 0).
   * Each one is a V8 heap of its own (about 90 MB while staging): a million
   * entries stage in about 10 to 15 % less time with one on two cores, more
   * with more cores, for memory the default keeps under 300 MB.
   */
  decoders?: number;
  /** At most every 250 ms, and once at the end of reading. */
  onProgress(p: StageProgressReport): void;
  signal?: AbortSignal;
}

const PROGRESS_INTERVAL_MS = 250;
const SYNC_INTERVAL_MS = 500;
/** How long a cancelled worker may take to stop before it is terminated. */
const CANCEL_GRACE_MS = 10_000;

/**
 * The stage worker for how this module runs: the TypeScript sources (vitest,
 * the CLI through tsx) start it through a bootstrap that registers tsx; the
 * CLI bundle (dist/cli/ops-console.mjs) finds dist/cli/stage-worker.mjs, and
 * the Electron bundle (dist/main/index.cjs) dist/main/stage-worker.cjs.
 */
export function defaultStageWorkerUrl(moduleUrl: string | undefined = import.meta.url): URL {
  return workerEntryUrl('stage-worker', moduleUrl, 'workerUrl to stageImport');
}

export class StageCancelledError extends OpsError {
  readonly cancelled = true;

  constructor(id: string) {
    super('conflict', 'The import was cancelled', { detail: `import ${id}` });
    this.name = 'StageCancelledError';
  }
}

/** Each file must be a readable regular file, listed once, and look like an export. */
async function checkFiles(files: readonly string[]): Promise<string[]> {
  if (files.length === 0) throw new OpsError('invalid_input', 'No export file to import');
  const seen = new Set<string>();
  const checked: string[] = [];
  for (const given of files) {
    const file = path.resolve(given);
    if (seen.has(file)) {
      throw new OpsError('invalid_input', `${file} is listed twice`, {
        hint: 'Each export file is read once per import.',
      });
    }
    seen.add(file);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new OpsError('invalid_input', `Cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : String(code)}`, {
        hint: 'Check the path: it is read on the machine running ops-console.',
      });
    }
    if (!stat.isFile()) {
      throw new OpsError('invalid_input', `${file} is not a regular file`, {
        hint: stat.isDirectory() ? 'Give the export files in that folder, not the folder.' : 'Give an export file.',
      });
    }
    try {
      fs.closeSync(fs.openSync(file, 'r'));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new OpsError(
        'invalid_input',
        `Cannot read ${file}: ${code === 'EACCES' ? 'permission denied' : String(code)}`,
        { hint: 'The user running ops-console needs read access to the file.' },
      );
    }
    await detectExportFormat(file);
    checked.push(file);
  }
  return checked;
}

/** The staging database and its SQLite side files, gone. */
export function removeStagingFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${file}${suffix}`, { force: true });
}

/**
 * Writes the staging file back to disk while it grows: the bulk insert runs
 * without fsync, and the disk then works alongside the CPU instead of taking
 * the whole file in one fsync at the end. Best effort; endBulk makes it durable.
 */
class BackgroundSync {
  private readonly opened: Promise<fs.promises.FileHandle | null>;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(file: string, intervalMs: number) {
    this.opened = fs.promises.open(file, 'r+').catch(() => null);
    void this.opened.then((handle) => {
      if (!handle || this.stopped) return;
      this.timer = setInterval(() => {
        this.running = this.running.then(() => handle.datasync()).catch(() => undefined);
      }, intervalMs);
      this.timer.unref();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const handle = await this.opened;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    // Closed before the file may be deleted (Windows keeps an open file).
    await handle?.close().catch(() => undefined);
  }
}

/** Entries per second (smoothed) and the time left from the bytes still to read. */
class Rate {
  private last: { at: number; bytes: number; entries: number } | null = null;
  entriesPerSecond = 0;
  bytesPerSecond = 0;

  update(counts: StageCounts, now: number): void {
    if (this.last && now > this.last.at) {
      const seconds = (now - this.last.at) / 1000;
      const entries = (counts.entries - this.last.entries) / seconds;
      const bytes = (counts.bytesDone - this.last.bytes) / seconds;
      this.entriesPerSecond = this.entriesPerSecond === 0 ? entries : 0.7 * this.entriesPerSecond + 0.3 * entries;
      this.bytesPerSecond = this.bytesPerSecond === 0 ? bytes : 0.7 * this.bytesPerSecond + 0.3 * bytes;
    }
    this.last = { at: now, bytes: counts.bytesDone, entries: counts.entries };
  }

  eta(counts: StageCounts): number | null {
    if (counts.current === null) return 0;
    return this.bytesPerSecond > 0 ? Math.ceil((counts.bytesTotal - counts.bytesDone) / this.bytesPerSecond) : null;
  }
}

/** Stages `files` into a new staging database at `file`; resolves once it is 'staged'. */
export async function stageImport(req: StageRequest): Promise<void> {
  if (req.signal?.aborted) throw new StageCancelledError(req.id);
  const files = await checkFiles(req.files);
  if (req.signal?.aborted) throw new StageCancelledError(req.id);
  StagingDb.create(
    req.file,
    req.id,
    req.createdAt,
    req.nativeBinding ? { nativeBinding: req.nativeBinding } : {},
  ).close();

  const workerUrl = req.workerUrl ?? defaultStageWorkerUrl();
  const job: StageJob = {
    file: req.file,
    files,
    nativeBinding: req.nativeBinding ?? null,
    progressIntervalMs: PROGRESS_INTERVAL_MS,
    workerUrl: workerUrl.href,
    ...(req.decoders === undefined ? {} : { decoders: req.decoders }),
  };
  let worker: Worker;
  try {
    // No execArgv of the parent's (an -e script's --input-type would stop the worker): it needs none.
    worker = new Worker(workerUrl, { workerData: job, execArgv: [] });
  } catch (error) {
    removeStagingFiles(req.file);
    throw error;
  }

  const sync = new BackgroundSync(req.file, SYNC_INTERVAL_MS);
  const rate = new Rate();
  const report = (counts: StageCounts) => {
    rate.update(counts, performance.now());
    try {
      req.onProgress({
        ...counts,
        entriesPerSecond: Math.round(rate.entriesPerSecond),
        etaSeconds: rate.eta(counts),
      });
    } catch {
      // A failing listener must not stop the import.
    }
  };

  let cancelRequested = false;
  let killTimer: NodeJS.Timeout | null = null;
  const cancel = () => {
    if (cancelRequested) return;
    cancelRequested = true;
    const message: StageMainMessage = { type: 'cancel' };
    worker.postMessage(message);
    // A worker stuck in a long synchronous step is stopped outright.
    killTimer = setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS);
    killTimer.unref();
  };
  req.signal?.addEventListener('abort', cancel, { once: true });
  // Aborted while the database was being created: the listener came too late to hear it.
  if (req.signal?.aborted) cancel();

  return new Promise<void>((resolve, reject) => {
    let done = false;
    let failure: SerializedError | null = null;
    let crash: Error | null = null;
    worker.on('message', (message: StageWorkerMessage) => {
      switch (message.type) {
        case 'progress':
          report(message.progress);
          break;
        case 'done':
          done = true;
          break;
        case 'cancelled':
          cancelRequested = true;
          break;
        case 'failed':
          failure = message.error;
          break;
      }
    });
    worker.on('error', (error) => {
      crash = error;
    });
    worker.on('exit', (code) => void exited(code));
    const exited = async (code: number) => {
      if (killTimer) clearTimeout(killTimer);
      req.signal?.removeEventListener('abort', cancel);
      await sync.stop();
      // Finished is finished, even when a cancel arrived too late to stop it.
      if (done) {
        resolve();
        return;
      }
      removeStagingFiles(req.file);
      if (cancelRequested) {
        reject(new StageCancelledError(req.id));
        return;
      }
      reject(failureError(failure, crash, code));
    };
  });
}

function failureError(failure: SerializedError | null, crash: Error | null, code: number): OpsError {
  if (failure !== null) {
    return new OpsError(failure.kind, failure.message, {
      ...(failure.hint === undefined ? {} : { hint: failure.hint }),
      ...(failure.detail === undefined ? {} : { detail: failure.detail }),
    });
  }
  return new OpsError('internal', 'The stage worker stopped unexpectedly', {
    detail: crash ? crash.message : `exit code ${code}`,
  });
}
