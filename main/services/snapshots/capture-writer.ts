/**
 * The capture's second thread, which writes the snapshot file. The capture
 * thread (capture-run.ts) reads the connection, hashes the COPY bytes and
 * scans them into fields (CopyTextScanner); it hands them over in batches — the
 * rows' bytes in one transferred buffer, each field's offset and length in
 * another — and this thread decodes the values and inserts them
 * (SnapshotWriter). So scanning and SQLite run on both cores at once.
 *
 * Both threads run the capture worker's entry (capture-worker.ts), told apart
 * by workerData.role. Messages are handled in order: a table, its batches,
 * its end, its record; at last the meta rows. The capture thread runs at most
 * MAX_IN_FLIGHT_BYTES ahead of the writer.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { SerializedError } from '../../../common/errors';
import { abortWorker, deserializeThreadError, serializeThreadError, watchWorker } from '../worker-threads';
import type { SnapshotColumn } from '../../../common/snapshots';
import type { CopyFieldSink, CopyRow } from './copy-text';
import type { MetaKey } from './format';
import { SnapshotWriter, type TableRecord, type TableSink } from './snapshot-writer';
import { decoderFor, type CapturedValue, type FieldDecoder } from './value-codec';

export const CAPTURE_WRITER_ROLE = 'capture-writer';

export interface CaptureWriterJob {
  role: typeof CAPTURE_WRITER_ROLE;
  file: string;
  batchRows: number;
  nativeBinding: string | null;
}

/** A batch of rows: `fields` holds an offset into `data` and a length (-1: NULL) per field, row after row. */
export interface Batch {
  data: ArrayBuffer;
  fields: ArrayBuffer;
  rows: number;
}

type ToWriter =
  | { type: 'table'; ord: number; columns: SnapshotColumn[] }
  | ({ type: 'batch' } & Batch)
  | { type: 'endTable' }
  | { type: 'record'; record: TableRecord }
  | { type: 'finish'; meta: Record<MetaKey, string> }
  | { type: 'abort' };

type FromWriter =
  | { type: 'ready' }
  | { type: 'ack'; bytes: number }
  | { type: 'finished' }
  | { type: 'failed'; error: SerializedError };

/** How far the capture thread may run ahead of the writer (bounds the memory in flight). */
const MAX_IN_FLIGHT_BYTES = 8 * 1024 * 1024;
/** A batch is handed over once its rows hold about this many bytes. */
const BATCH_BYTES = 256 * 1024;

/**
 * Gathers scanned fields into batches (a CopyFieldSink): the pieces they lie in
 * are copied into one buffer when the batch is handed over, so the fields
 * themselves are never copied one by one.
 */
export class BatchBuilder implements CopyFieldSink {
  private parts: Uint8Array[] = [];
  private bytesSoFar = 0;
  /** Where the current piece starts in the batch's data. */
  private pieceBase = 0;
  private fields = new Int32Array(16 * 1024);
  private used = 0;
  /** Field entries up to the end of the last complete row. */
  private usedAtRowEnd = 0;
  rows = 0;

  get size(): number {
    return this.bytesSoFar;
  }

  piece(piece: Buffer): void {
    this.pieceBase = this.bytesSoFar;
    this.parts.push(piece);
    this.bytesSoFar += piece.length;
  }

  range(start: number, end: number): void {
    this.add(this.pieceBase + start, end - start);
  }

  bytes(field: Uint8Array | null): void {
    if (field === null) {
      this.add(0, -1);
      return;
    }
    this.add(this.bytesSoFar, field.length);
    this.parts.push(field);
    this.bytesSoFar += field.length;
  }

  rowEnd(): void {
    this.rows += 1;
    this.usedAtRowEnd = this.used;
  }

  private add(offset: number, length: number): void {
    if (this.used + 2 > this.fields.length) {
      const grown = new Int32Array(this.fields.length * 2);
      grown.set(this.fields);
      this.fields = grown;
    }
    this.fields[this.used++] = offset;
    this.fields[this.used++] = length;
  }

  /**
   * The finished rows as a batch, and a fresh start. Only whole rows go out: a
   * piece ends with a row, but for one that an escaped newline carries on,
   * and then the batch waits for that row's end.
   */
  take(): Batch | null {
    if (this.rows === 0 || this.used !== this.usedAtRowEnd) return null;
    const data = new Uint8Array(this.bytesSoFar);
    let at = 0;
    for (const part of this.parts) {
      data.set(part, at);
      at += part.length;
    }
    const fields = this.fields.slice(0, this.used);
    const batch = { data: data.buffer, fields: fields.buffer, rows: this.rows };
    this.parts = [];
    this.bytesSoFar = 0;
    this.pieceBase = 0;
    this.used = 0;
    this.usedAtRowEnd = 0;
    this.rows = 0;
    return batch;
  }
}

type Waiter = { resolve: () => void; reject: (error: Error) => void };

/** The capture thread's side of the writer thread. */
export class CaptureWriterThread {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private failure: Error | null = null;
  private inFlight = 0;
  private room: Waiter | null = null;
  private finished: Waiter | null = null;
  private readyWaiter: Waiter | null = null;
  private isReady = false;
  /** The current table's fields, for a CopyTextScanner. */
  readonly batch = new BatchBuilder();

  constructor(workerUrl: URL, job: Omit<CaptureWriterJob, 'role'>) {
    const data: CaptureWriterJob = { role: CAPTURE_WRITER_ROLE, ...job };
    this.worker = new Worker(workerUrl, { workerData: data, execArgv: [] });
    this.worker.on('message', (message: FromWriter) => {
      if (message.type === 'ready') {
        this.isReady = true;
        this.readyWaiter?.resolve();
        this.readyWaiter = null;
      } else if (message.type === 'ack') {
        this.inFlight -= message.bytes;
        if (this.inFlight <= MAX_IN_FLIGHT_BYTES) {
          const room = this.room;
          this.room = null;
          room?.resolve();
        }
      } else if (message.type === 'finished') {
        this.finished?.resolve();
        this.finished = null;
      } else {
        this.fail(deserializeThreadError(message.error));
      }
    });
    this.exited = watchWorker(this.worker, 'snapshot writer', (error) => this.fail(error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of [this.room, this.finished, this.readyWaiter]) waiter?.reject(this.failure);
    this.room = null;
    this.finished = null;
    this.readyWaiter = null;
  }

  /** Resolves once the writer has created the snapshot file (so a capture fails early where it cannot). */
  ready(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.isReady) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.readyWaiter = { resolve, reject };
    });
  }

  private post(message: ToWriter, transfer?: ArrayBuffer[]): void {
    if (this.failure) throw this.failure;
    this.worker.postMessage(message, transfer);
  }

  /** Starts a table: its rows follow as batches. */
  table(ord: number, columns: SnapshotColumn[]): void {
    this.post({ type: 'table', ord, columns });
  }

  /**
   * Hands the batch over once it is big enough (or always, with `force`);
   * resolves at once unless the writer is too far behind.
   */
  flush(force = false): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    if (!force && this.batch.size < BATCH_BYTES) return undefined;
    const batch = this.batch.take();
    if (batch === null) return undefined;
    this.inFlight += batch.data.byteLength;
    this.post({ type: 'batch', ...batch }, [batch.data, batch.fields]);
    if (this.inFlight <= MAX_IN_FLIGHT_BYTES) return undefined;
    return new Promise<void>((resolve, reject) => {
      this.room = { resolve, reject };
    });
  }

  /** Ends the current table (its last rows are handed over first). */
  async endTable(): Promise<void> {
    await this.flush(true);
    this.post({ type: 'endTable' });
  }

  record(record: TableRecord): void {
    this.post({ type: 'record', record });
  }

  /** Writes the meta rows, commits, closes and fsyncs the file; the writer thread then ends. */
  async finish(meta: Record<MetaKey, string>): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.finished = { resolve, reject };
    });
    this.post({ type: 'finish', meta });
    await done;
    await this.exited;
  }

  /** Stops the writer (nothing more is written) and waits until its file is closed. */
  async abort(): Promise<void> {
    await abortWorker(this.worker, this.exited);
  }
}

/** Each row of a batch, its fields as views into the batch's data (null for NULL); the array is reused. */
export function readBatch(batch: Batch, width: number, onRow: (fields: CopyRow) => void): void {
  const fields = new Int32Array(batch.fields);
  const row: CopyRow = new Array<Uint8Array | null>(width).fill(null);
  let at = 0;
  for (let r = 0; r < batch.rows; r++) {
    for (let i = 0; i < width; i++) {
      const offset = fields[at++]!;
      const length = fields[at++]!;
      row[i] = length < 0 ? null : new Uint8Array(batch.data, offset, length);
    }
    onRow(row);
  }
}

/** Decodes a batch's rows and writes them into the table's sink. */
function writeBatch(batch: Batch, decoders: readonly FieldDecoder[], sink: TableSink): void {
  const values = new Array<CapturedValue>(decoders.length).fill(null);
  readBatch(batch, decoders.length, (fields) => {
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      values[i] = field === null ? null : decoders[i]!(field);
    }
    // The sink copies the values into its INSERT's parameters: the array is reused.
    sink.write(values);
  });
}

/** The writer thread's life: decode and write what arrives, in order, then finish or drop the file. */
export function runCaptureWriter(): void {
  const job = workerData as CaptureWriterJob;
  const port = parentPort;
  if (!port) return;
  const post = (message: FromWriter) => port.postMessage(message);
  let writer: SnapshotWriter;
  try {
    writer = new SnapshotWriter(job.file, job.batchRows, job.nativeBinding);
    post({ type: 'ready' });
  } catch (error) {
    post({ type: 'failed', error: serializeThreadError(error, 'Writing the snapshot') });
    port.close();
    return;
  }
  let sink: TableSink | null = null;
  let decoders: FieldDecoder[] = [];
  let failed = false;
  port.on('message', (message: ToWriter) => {
    if (failed) return;
    try {
      switch (message.type) {
        case 'table':
          sink = writer.table(message.ord, message.columns);
          decoders = message.columns.map((c) => decoderFor(c.storage));
          break;
        case 'batch':
          if (!sink) throw new Error('rows arrived outside a table');
          writeBatch(message, decoders, sink);
          post({ type: 'ack', bytes: message.data.byteLength });
          break;
        case 'endTable':
          sink?.flush();
          sink = null;
          break;
        case 'record':
          writer.recordTable(message.record);
          break;
        case 'finish':
          writer.finish(message.meta);
          post({ type: 'finished' });
          port.close();
          break;
        case 'abort':
          writer.abort();
          port.close();
          break;
      }
    } catch (error) {
      failed = true;
      writer.abort();
      post({ type: 'failed', error: serializeThreadError(error, 'Writing the snapshot') });
      port.close();
    }
  });
}
