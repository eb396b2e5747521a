/**
 * The stage worker's SQLite thread. The reading thread (stage-run.ts) parses
 * and decodes; this one only writes, so the two halves of the work run on
 * both cores. Files and sources get the ids the reading thread predicts (the
 * database is new, so they count from 1); the writer checks them.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { SerializedError } from '../../../common/errors';
import { abortWorker, deserializeThreadError, serializeThreadError, watchWorker } from '../worker-threads';
import type { ExportFormat } from './export-reader';
import { PackedInserter } from './stage-batch';
import type { StageSink } from './stage-run';
import { StagingDb } from './staging-db';

export const WRITER_ROLE = 'stage-writer';

export interface WriterJob {
  role: typeof WRITER_ROLE;
  file: string;
  nativeBinding: string | null;
}

type ToWriter =
  | { type: 'file'; id: number; path: string; bytes: number; format: ExportFormat }
  | { type: 'source'; id: number; fileId: number; name: string; exportedAt: string | null; origin: string }
  | { type: 'rows'; buffer: ArrayBuffer; rows: number }
  | { type: 'finishFile'; fileId: number; sha256: string; entries: number }
  | { type: 'meta'; key: string; value: string }
  | { type: 'end' }
  | { type: 'abort' };

type FromWriter = { type: 'ack' } | { type: 'finished' } | { type: 'failed'; error: SerializedError };

/** Batches the reading thread may run ahead of the writer (bounds the memory in flight). */
const MAX_IN_FLIGHT = 4;

export function serializeError(error: unknown): SerializedError {
  return serializeThreadError(error, 'Staging');
}

/** The reading thread's side: a StageSink that posts to the writer thread. */
export class WriterThread {
  private readonly worker: Worker;
  private inFlight = 0;
  private waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private failure: Error | null = null;
  private finished: { resolve: () => void; reject: (error: Error) => void } | null = null;
  private readonly exited: Promise<void>;
  private files = 0;
  private sources = 0;

  constructor(workerUrl: URL, job: Omit<WriterJob, 'role'>) {
    const data: WriterJob = { role: WRITER_ROLE, ...job };
    this.worker = new Worker(workerUrl, { workerData: data, execArgv: [] });
    this.worker.on('message', (message: FromWriter) => {
      if (message.type === 'ack') {
        this.inFlight -= 1;
        this.waiting.shift()?.resolve();
      } else if (message.type === 'finished') {
        this.finished?.resolve();
      } else {
        this.fail(deserializeThreadError(message.error));
      }
    });
    this.exited = watchWorker(this.worker, 'staging writer', (error) => this.fail(error));
  }

  private fail(error: Error): void {
    if (this.failure === null) this.failure = error;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
    this.finished?.reject(this.failure);
    this.finished = null;
  }

  private post(message: ToWriter, transfer?: ArrayBuffer[]): void {
    if (this.failure) throw this.failure;
    this.worker.postMessage(message, transfer);
  }

  readonly sink: StageSink = {
    addFile: (file) => {
      this.files += 1;
      this.post({ type: 'file', id: this.files, ...file });
      return this.files;
    },
    addSource: (source) => {
      this.sources += 1;
      this.post({ type: 'source', id: this.sources, ...source });
      return this.sources;
    },
    rows: (buffer, rows) => {
      this.post({ type: 'rows', buffer, rows }, [buffer]);
      this.inFlight += 1;
      if (this.inFlight <= MAX_IN_FLIGHT) return undefined;
      return new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    },
    finishFile: (fileId, sha256, entries) => this.post({ type: 'finishFile', fileId, sha256, entries }),
    setMeta: (key, value) => this.post({ type: 'meta', key, value }),
  };

  /** Every batch written, the indexes built, the database 'staged' and closed. */
  async end(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.finished = { resolve, reject };
    });
    this.post({ type: 'end' });
    await done;
    await this.exited;
  }

  /** Stops the writer (its open transaction is dropped) and waits until its database is closed. */
  async abort(): Promise<void> {
    await abortWorker(this.worker, this.exited);
  }
}

/** The writer thread's life: open, write what arrives in order, finish or drop. */
export function runWriter(): void {
  const job = workerData as WriterJob;
  const port = parentPort;
  if (!port) return;
  const post = (message: FromWriter) => port.postMessage(message);
  let staging: StagingDb | null = null;
  try {
    staging = StagingDb.open(job.file, job.nativeBinding ? { nativeBinding: job.nativeBinding } : {});
    staging.beginBulk();
  } catch (error) {
    staging?.close();
    post({ type: 'failed', error: serializeError(error) });
    port.close();
    return;
  }
  const db = staging;
  const inserter = new PackedInserter(db);
  port.on('message', (message: ToWriter) => {
    try {
      switch (message.type) {
        case 'file': {
          const id = db.addFile({ path: message.path, bytes: message.bytes, format: message.format });
          if (id !== message.id) throw new Error(`file id ${id} where ${message.id} was expected`);
          break;
        }
        case 'source': {
          const { id: expected, ...source } = message;
          const id = db.addSource(source);
          if (id !== expected) throw new Error(`source id ${id} where ${expected} was expected`);
          break;
        }
        case 'rows':
          inserter.insert(message.buffer);
          post({ type: 'ack' });
          break;
        case 'finishFile':
          db.finishFile(message.fileId, message.sha256, message.entries);
          break;
        case 'meta':
          db.setMeta(message.key, message.value);
          break;
        case 'end':
          db.endBulk();
          db.finishStaging('staged', null);
          db.close();
          post({ type: 'finished' });
          port.close();
          break;
        case 'abort':
          db.close();
          port.close();
          break;
      }
    } catch (error) {
      db.close();
      post({ type: 'failed', error: serializeError(error) });
      port.close();
    }
  });
}
