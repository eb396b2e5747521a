/**
 * The stage worker's other threads. The SQLite writer writes, and decodes
 * a share of the blocks of format A lines itself when there are no decoder
 * threads (WRITER_SHARE); the decoder threads read blocks into packed rows
 * (packBlock) and post them straight to the writer. Everything the writer gets carries a
 * sequence number given by the reading thread, in file order; the writer
 * applies them in that order, whichever thread they come from. Files and
 * sources get the ids the reading thread predicts (the database is new, so
 * they count from 1); the writer checks them.
 */
import { MessageChannel, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import type { SerializedError } from '../../../common/errors';
import { abortWorker, deserializeThreadError, serializeThreadError, watchWorker } from '../worker-threads';
import type { ExportFormat } from './export-reader';
import { BatchPacker, PackedInserter } from './stage-batch';
import { packBlock, type LineBlock, type StageSink } from './stage-run';
import { StagingDb } from './staging-db';

export const WRITER_ROLE = 'stage-writer';
export const DECODER_ROLE = 'stage-decoder';

export interface WriterJob {
  role: typeof WRITER_ROLE;
  file: string;
  nativeBinding: string | null;
  /** One port per decoder thread: their rows arrive there. */
  decoderPorts: MessagePort[];
}

export interface DecoderJob {
  role: typeof DECODER_ROLE;
  /** Where its rows go: the writer. */
  writer: MessagePort;
}

type Sequenced =
  | { type: 'file'; id: number; path: string; bytes: number; format: ExportFormat }
  | { type: 'source'; id: number; fileId: number; name: string; exportedAt: string | null; origin: string }
  | { type: 'rows'; buffer: ArrayBuffer; rows: number }
  /** A block the writer decodes itself, then writes. */
  | { type: 'block'; block: LineBlock }
  | { type: 'finishFile'; fileId: number; sha256: string; entries: number }
  | { type: 'meta'; key: string; value: string }
  | { type: 'end' };

type ToWriter = (Sequenced & { seq: number }) | { type: 'abort' };

type FromWriter =
  { type: 'ack'; seq: number; rows: number } | { type: 'finished' } | { type: 'failed'; error: SerializedError };

type ToDecoder = { type: 'block'; seq: number; block: LineBlock } | { type: 'abort' };
type FromDecoder = { type: 'failed'; error: SerializedError };

/**
 * Without decoder threads, the writer decodes one block of lines in three
 * and the reading thread the other two: the reading thread (splitting and
 * decoding) is the busier of the two, about 12 µs an entry against the
 * writer's 5, and this share evens them out. Measured on the benchmark's
 * million entries in 11 pairs of runs against the reading thread decoding
 * every block: less time in 9 (by 1 to 24 %), about 10 % on average, but
 * about 15 % more CPU time; one in two, or one in four, gained less.
 */
const WRITER_SHARE: readonly number[] = [-1, -1, 0];

/**
 * The writer's young generation: decoding, it allocates as the reading
 * thread does; V8's default let a million-entry import peak about 30 MB
 * higher (245 to 260 MB against 223 to 227 MB) in the same time.
 */
const WRITER_YOUNG_GENERATION_MB = 8;

/** Batches and blocks the reading thread may run ahead of the writer (bounds the memory in flight). */
const MAX_IN_FLIGHT = 6;

export function serializeError(error: unknown): SerializedError {
  return serializeThreadError(error, 'Staging');
}

/** The reading thread's side: a StageSink that posts to the writer and the decoder threads. */
export class WriterThread {
  private readonly worker: Worker;
  private readonly decoders: Worker[] = [];
  private readonly decodersExited: Array<Promise<void>> = [];
  private seq = 0;
  private inFlight = 0;
  private roomWaiter: { resolve: () => void; reject: (error: Error) => void } | null = null;
  private readonly blocks = new Map<number, { resolve: (rows: number) => void; reject: (error: Error) => void }>();
  private failure: Error | null = null;
  private finished: { resolve: () => void; reject: (error: Error) => void } | null = null;
  private readonly exited: Promise<void>;
  private files = 0;
  private sources = 0;

  constructor(workerUrl: URL, job: Omit<WriterJob, 'role' | 'decoderPorts'> & { decoders: number }) {
    const decoderPorts: MessagePort[] = [];
    for (let i = 0; i < job.decoders; i++) {
      const channel = new MessageChannel();
      decoderPorts.push(channel.port2);
      const data: DecoderJob = { role: DECODER_ROLE, writer: channel.port1 };
      const decoder = new Worker(workerUrl, { workerData: data, transferList: [channel.port1], execArgv: [] });
      decoder.on('message', (message: FromDecoder) => this.fail(deserializeThreadError(message.error)));
      this.decoders.push(decoder);
      this.decodersExited.push(watchWorker(decoder, 'staging decoder', (error) => this.fail(error)));
    }
    const data: WriterJob = { role: WRITER_ROLE, file: job.file, nativeBinding: job.nativeBinding, decoderPorts };
    this.worker = new Worker(workerUrl, {
      workerData: data,
      transferList: decoderPorts,
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: WRITER_YOUNG_GENERATION_MB },
    });
    this.worker.on('message', (message: FromWriter) => {
      if (message.type === 'ack') {
        this.inFlight -= 1;
        this.blocks.get(message.seq)?.resolve(message.rows);
        this.blocks.delete(message.seq);
        if (this.inFlight <= MAX_IN_FLIGHT && this.roomWaiter) {
          this.roomWaiter.resolve();
          this.roomWaiter = null;
        }
      } else if (message.type === 'finished') {
        this.finished?.resolve();
      } else {
        this.fail(deserializeThreadError(message.error));
      }
    });
    this.exited = watchWorker(this.worker, 'staging writer', (error) => this.fail(error));
    this.sink = this.makeSink(job.decoders);
  }

  private fail(error: Error): void {
    if (this.failure === null) this.failure = error;
    this.roomWaiter?.reject(this.failure);
    this.roomWaiter = null;
    for (const b of this.blocks.values()) b.reject(this.failure);
    this.blocks.clear();
    this.finished?.reject(this.failure);
    this.finished = null;
  }

  private post(message: Sequenced, transfer?: ArrayBuffer[]): number {
    if (this.failure) throw this.failure;
    const seq = this.seq++;
    this.worker.postMessage({ ...message, seq }, transfer);
    return seq;
  }

  readonly sink: StageSink;

  private makeSink(decoders: number): StageSink {
    return {
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
      },
      // Lane `decoders` (past the decoder threads) is the writer.
      lanes: decoders > 0 ? [...Array.from({ length: decoders }, (_, i) => i), -1] : WRITER_SHARE,
      block: (index, block) => {
        if (this.failure) return Promise.reject(this.failure);
        let seq: number;
        if (index === this.decoders.length) {
          seq = this.post({ type: 'block', block }, [block.bytes]);
        } else {
          seq = this.seq++;
          const message: ToDecoder = { type: 'block', seq, block };
          this.decoders[index]!.postMessage(message, [block.bytes]);
        }
        this.inFlight += 1;
        return new Promise<number>((resolve, reject) => this.blocks.set(seq, { resolve, reject }));
      },
      room: () => {
        if (this.failure) return Promise.reject(this.failure);
        if (this.inFlight <= MAX_IN_FLIGHT) return undefined;
        return new Promise<void>((resolve, reject) => {
          this.roomWaiter = { resolve, reject };
        });
      },
      finishFile: (fileId, sha256, entries) => void this.post({ type: 'finishFile', fileId, sha256, entries }),
      setMeta: (key, value) => void this.post({ type: 'meta', key, value }),
    };
  }

  /** Every batch written, the indexes built, the database 'staged' and closed. */
  async end(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.finished = { resolve, reject };
    });
    this.post({ type: 'end' });
    await done;
    await this.exited;
    await this.stopDecoders();
  }

  private async stopDecoders(): Promise<void> {
    await Promise.all(this.decoders.map((decoder, i) => abortWorker(decoder, this.decodersExited[i]!)));
  }

  /** Stops the writer (its open transaction is dropped) and waits until its database is closed. */
  async abort(): Promise<void> {
    await this.stopDecoders();
    await abortWorker(this.worker, this.exited);
  }
}

/** A decoder thread's life: blocks in, packed rows out to the writer. */
export function runDecoder(): void {
  const job = workerData as DecoderJob;
  const port = parentPort;
  if (!port) return;
  const packer = new BatchPacker();
  port.on('message', (message: ToDecoder) => {
    if (message.type === 'abort') {
      job.writer.close();
      port.close();
      return;
    }
    try {
      const rows = packBlock(message.block, packer);
      const { buffer } = packer.take();
      job.writer.postMessage({ type: 'rows', seq: message.seq, buffer, rows } satisfies ToWriter, [buffer]);
    } catch (error) {
      port.postMessage({ type: 'failed', error: serializeError(error) } satisfies FromDecoder);
    }
  });
}

/** The writer thread's life: open, write what arrives in sequence order, finish or drop. */
export function runWriter(): void {
  const job = workerData as WriterJob;
  const port = parentPort;
  if (!port) return;
  const post = (message: FromWriter) => port.postMessage(message);
  const close = () => {
    port.close();
    for (const p of job.decoderPorts) p.close();
  };
  let staging: StagingDb | null = null;
  try {
    staging = StagingDb.open(job.file, job.nativeBinding ? { nativeBinding: job.nativeBinding } : {});
    staging.beginBulk();
  } catch (error) {
    staging?.close();
    post({ type: 'failed', error: serializeError(error) });
    close();
    return;
  }
  const db = staging;
  const inserter = new PackedInserter(db);
  const packer = new BatchPacker();
  // Messages that came before their turn, by sequence number.
  const early = new Map<number, Sequenced & { seq: number }>();
  let next = 0;
  let done = false;
  const apply = (message: Sequenced & { seq: number }) => {
    switch (message.type) {
      case 'file': {
        const id = db.addFile({ path: message.path, bytes: message.bytes, format: message.format });
        if (id !== message.id) throw new Error(`file id ${id} where ${message.id} was expected`);
        break;
      }
      case 'source': {
        const { id: expected, seq: _seq, type: _type, ...source } = message;
        const id = db.addSource(source);
        if (id !== expected) throw new Error(`source id ${id} where ${expected} was expected`);
        break;
      }
      case 'rows':
        inserter.insert(message.buffer);
        post({ type: 'ack', seq: message.seq, rows: message.rows });
        break;
      case 'block': {
        const rows = packBlock(message.block, packer);
        inserter.insert(packer.take().buffer);
        post({ type: 'ack', seq: message.seq, rows });
        break;
      }
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
        done = true;
        post({ type: 'finished' });
        close();
        break;
    }
  };
  const receive = (message: ToWriter) => {
    if (done) return;
    try {
      if (message.type === 'abort') {
        done = true;
        db.close();
        close();
        return;
      }
      early.set(message.seq, message);
      for (let m = early.get(next); m !== undefined && !done; m = early.get(next)) {
        early.delete(next);
        next += 1;
        apply(m);
      }
    } catch (error) {
      done = true;
      db.close();
      post({ type: 'failed', error: serializeError(error) });
      close();
    }
  };
  port.on('message', receive);
  for (const p of job.decoderPorts) p.on('message', receive);
}
