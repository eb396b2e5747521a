import { randomBytes } from 'node:crypto';
import { workerEntryUrl } from '../worker-url';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { OpsError, type SerializedError } from '../../../common/errors';
import type { CapturePhase, CaptureProgress } from '../../../common/snapshots';
import type { Logger } from '../logging/log-service';
import type { CaptureJob, CaptureSummary, MainMessage, WorkerMessage, WorkerProgress } from './capture-messages';
import { isAlive, processStartTime } from '../backend/process-tree';
import { PARTIAL_EXTENSION, SNAPSHOT_EXTENSION } from './format';

/** Beside a partial file: which process writes it, so another process's start-up leaves it alone. */
const OWNER_SUFFIX = '.owner';

interface PartialOwner {
  pid: number;
  startTime: string | null;
}

function writeOwner(partial: string): void {
  const owner: PartialOwner = { pid: process.pid, startTime: processStartTime(process.pid) };
  fs.writeFileSync(`${partial}${OWNER_SUFFIX}`, JSON.stringify(owner));
}

/** The partial file is being written by a process that is still alive (not a reused pid). */
function ownedByLiveProcess(partial: string): boolean {
  let owner: PartialOwner;
  try {
    owner = JSON.parse(fs.readFileSync(`${partial}${OWNER_SUFFIX}`, 'utf8')) as PartialOwner;
  } catch {
    return false;
  }
  if (!Number.isInteger(owner.pid) || !isAlive(owner.pid)) return false;
  return owner.startTime === null || processStartTime(owner.pid) === owner.startTime;
}

export interface SnapshotCaptureOptions {
  /** The snapshots folder (<data>/snapshots). */
  dir: string;
  logger: Logger;
  /** The worker entry; by default the one beside this module (see defaultWorkerUrl). */
  workerUrl?: URL;
  clock?: () => Date;
  /** better-sqlite3's native binding for the worker (the desktop app's Electron build). */
  nativeBinding?: string;
  /** Rows per SQLite transaction (default 10 000). */
  batchRows?: number;
  /** Least time between two progress reports (default 250 ms). */
  progressIntervalMs?: number;
  /** How long a cancelled worker may take to stop before it is terminated (default 10 s). */
  cancelGraceMs?: number;
}

export interface CaptureRequest {
  captureId: string;
  /** libpq URL with the password (ConnectionManager.databaseUrl); passed to the worker, never logged. */
  url: string;
  sourceProfile: string | null;
  /** host:port/database as user, for the file's metadata. */
  sourceTarget: string;
  /** null for "<database> <ISO minute>". */
  name: string | null;
  tablePattern: string | null;
  rowLimit: number | null;
  onProgress: (progress: CaptureProgress) => void;
}

export interface CaptureResult {
  id: string;
  /** The finished snapshot file. */
  file: string;
  summary: CaptureSummary;
}

/** Rejects a capture that was cancelled (kind 'conflict': the capture no longer runs). */
export class CaptureCancelledError extends OpsError {
  readonly cancelled = true;

  constructor(captureId: string) {
    super('conflict', 'The snapshot capture was cancelled', { detail: `capture ${captureId}` });
    this.name = 'CaptureCancelledError';
  }
}

interface Running {
  worker: Worker;
  cancelRequested: boolean;
  killTimer: NodeJS.Timeout | null;
  done: Promise<unknown>;
}

/** snap-<yyyymmdd-hhmmss>-<6 hex>, in UTC. */
export function newSnapshotId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `snap-${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * The capture worker for how this module runs: the TypeScript sources (vitest,
 * the CLI through tsx) start it through a bootstrap that registers tsx; the
 * CLI bundle (dist/cli/ops-console.mjs) finds dist/cli/capture-worker.mjs, and
 * the Electron bundle (dist/main/index.cjs) dist/main/capture-worker.cjs.
 */
export function defaultWorkerUrl(moduleUrl: string | undefined = import.meta.url): URL {
  return workerEntryUrl('capture-worker', moduleUrl, 'workerUrl to SnapshotCapture');
}

/**
 * Removes what cancelled, failed or killed captures left in `dir` (the
 * `*.snapshot.partial` files and any SQLite side files of them); returns how
 * many partial snapshots it removed. Run at start-up, before any capture.
 */
export function cleanupPartials(dir: string): number {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    const match = /^(.*\.snapshot\.partial)(-journal|-wal|-shm|\.owner)?$/.exec(entry);
    if (!match?.[1]) continue;
    const partial = path.join(dir, match[1]);
    // A capture running in another ops-console process (the app while the CLI starts) is not a leftover.
    if (ownedByLiveProcess(partial)) continue;
    fs.rmSync(path.join(dir, entry), { force: true });
    if (match[2] === undefined) removed += 1;
  }
  return removed;
}

/**
 * Captures snapshots in worker threads (capture-worker.ts), one per
 * capture: the worker writes `<id>.snapshot.partial`,
 * and only a complete file is renamed to `<id>.snapshot` here. A cancelled or
 * failed capture's partial file is deleted here; a killed process's is left
 * for cleanupPartials.
 */
export class SnapshotCapture {
  private readonly running = new Map<string, Running>();
  private readonly workerUrl: URL;
  private readonly clock: () => Date;

  constructor(private readonly options: SnapshotCaptureOptions) {
    this.workerUrl = options.workerUrl ?? defaultWorkerUrl();
    this.clock = options.clock ?? (() => new Date());
  }

  /** Captures ids currently running. */
  active(): string[] {
    return [...this.running.keys()];
  }

  start(request: CaptureRequest): Promise<CaptureResult> {
    const { captureId } = request;
    if (this.running.has(captureId)) {
      return Promise.reject(
        new OpsError('conflict', `A capture with id ${captureId} is already running`, {
          hint: 'Use a new capture id for each capture.',
        }),
      );
    }
    const { dir, logger } = this.options;
    fs.mkdirSync(dir, { recursive: true });
    const id = newSnapshotId(this.clock());
    const partial = path.join(dir, `${id}${PARTIAL_EXTENSION}`);
    const file = path.join(dir, `${id}${SNAPSHOT_EXTENSION}`);
    writeOwner(partial);
    const job: CaptureJob = {
      id,
      file: partial,
      url: request.url,
      name: request.name,
      sourceProfile: request.sourceProfile,
      sourceTarget: request.sourceTarget,
      tablePattern: request.tablePattern,
      rowLimit: request.rowLimit,
      batchRows: this.options.batchRows ?? 10_000,
      progressIntervalMs: this.options.progressIntervalMs ?? 250,
      nativeBinding: this.options.nativeBinding ?? null,
      workerUrl: this.workerUrl.href,
    };
    const report = (progress: WorkerProgress) => {
      try {
        request.onProgress({ captureId, ...progress });
      } catch (error) {
        logger.warn(`capture ${captureId}: a progress listener failed: ${String(error)}`);
      }
    };
    let last: WorkerProgress | null = null;
    const final = (phase: CapturePhase, message: string): WorkerProgress => ({
      phase,
      table: null,
      tablesDone: last?.tablesDone ?? 0,
      tablesTotal: last?.tablesTotal ?? 0,
      rowsDone: last?.rowsDone ?? 0,
      rowsPerSecond: 0,
      etaSeconds: null,
      message,
    });

    // No execArgv of the parent's (an -e script's --input-type would stop the worker): it needs none.
    const worker = new Worker(this.workerUrl, { workerData: job, execArgv: [] });
    const entry: Running = { worker, cancelRequested: false, killTimer: null, done: Promise.resolve() };
    this.running.set(captureId, entry);
    logger.info(`capture ${captureId} started: snapshot ${id} of ${request.sourceTarget}`);
    const started = performance.now();

    const promise = new Promise<CaptureResult>((resolve, reject) => {
      let summary: CaptureSummary | null = null;
      let failure: SerializedError | null = null;
      let workerCancelled = false;
      let crash: Error | null = null;
      worker.on('message', (message: WorkerMessage) => {
        switch (message.type) {
          case 'progress':
            last = message.progress;
            report(message.progress);
            break;
          case 'log':
            logger[message.level](`capture ${captureId}: ${message.message}`);
            break;
          case 'done':
            summary = message.summary;
            break;
          case 'cancelled':
            workerCancelled = true;
            break;
          case 'failed':
            failure = message.error;
            break;
        }
      });
      worker.on('error', (error) => {
        crash = error;
      });
      worker.on('exit', (code) => {
        if (entry.killTimer) clearTimeout(entry.killTimer);
        fs.rmSync(`${partial}${OWNER_SUFFIX}`, { force: true });
        this.running.delete(captureId);
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        if (summary !== null) {
          try {
            fs.renameSync(partial, file);
            syncDirectory(dir);
          } catch (error) {
            fs.rmSync(partial, { force: true });
            const failed = new OpsError('unavailable', `The snapshot file could not be put in place: ${String(error)}`);
            report(final('failed', failed.message));
            reject(failed);
            return;
          }
          logger.info(
            `capture ${captureId} done in ${seconds} s: ${summary.tableCount} tables, ${summary.rowCount} rows`,
          );
          report({ ...final('done', `Captured ${summary.rowCount} rows`), tablesDone: summary.tableCount });
          resolve({ id, file, summary });
          return;
        }
        // Whatever the worker left is not a snapshot.
        fs.rmSync(partial, { force: true });
        if (workerCancelled || entry.cancelRequested) {
          logger.info(`capture ${captureId} cancelled after ${seconds} s`);
          report(final('cancelled', 'Cancelled'));
          reject(new CaptureCancelledError(captureId));
          return;
        }
        const error = failureError(failure, crash, code);
        logger.warn(`capture ${captureId} failed after ${seconds} s: ${error.message}`);
        report(final('failed', error.message));
        reject(error);
      });
    });
    entry.done = promise.catch(() => undefined);
    return promise;
  }

  /** Asks a running capture to stop; false when no capture has that id. */
  cancel(captureId: string): boolean {
    const entry = this.running.get(captureId);
    if (!entry) return false;
    if (entry.cancelRequested) return true;
    entry.cancelRequested = true;
    const message: MainMessage = { type: 'cancel' };
    entry.worker.postMessage(message);
    // A worker stuck in a synchronous step past the grace period is stopped outright.
    entry.killTimer = setTimeout(() => void entry.worker.terminate(), this.options.cancelGraceMs ?? 10_000);
    entry.killTimer.unref();
    return true;
  }

  /** Cancels every running capture and waits for their workers to stop. */
  async stop(): Promise<void> {
    const pending = [...this.running.entries()].map(([captureId, entry]) => {
      this.cancel(captureId);
      return entry.done;
    });
    await Promise.all(pending);
  }
}

function failureError(failure: SerializedError | null, crash: Error | null, code: number): OpsError {
  if (failure !== null) {
    return new OpsError(failure.kind, failure.message, {
      ...(failure.hint === undefined ? {} : { hint: failure.hint }),
      ...(failure.detail === undefined ? {} : { detail: failure.detail }),
    });
  }
  return new OpsError('internal', 'The capture worker stopped unexpectedly', {
    detail: crash ? crash.message : `exit code ${code}`,
  });
}

/** Makes the rename durable where the platform allows fsync on a folder. */
function syncDirectory(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
