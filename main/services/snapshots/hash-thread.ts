/**
 * The content hash (format.ts) computed beside the capture, on a thread of
 * its own: the capture thread hands it each table's raw COPY chunks (a copy,
 * transferred) and goes on writing SQLite while this thread hashes them
 * (copy-hash.ts): encoding every value for the hash costs nearly as much as
 * writing it, so it stays off the capture thread's path.
 */
import { parentPort, Worker } from 'node:worker_threads';
import type { SnapshotStorage } from '../../../common/snapshots';
import { OpsError } from '../../../common/errors';
import { CopyContentHasher } from './copy-hash';

type HashMessage =
  | { type: 'table'; schema: string; name: string; storages: SnapshotStorage[]; limit: number | null }
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'end' };

type HashReply = { type: 'ack'; bytes: number } | { type: 'digest'; hex: string } | { type: 'failed'; message: string };

/** workerData of the hash thread (it runs the capture worker's entry, see capture-worker.ts). */
export const HASH_THREAD_ROLE = 'content-hash';

/** Raw COPY bytes handed over but not yet hashed, before the capture thread waits. */
const MAX_IN_FLIGHT_BYTES = 8 * 1024 * 1024;

/** Chunks are gathered into batches of this size: a message per network read would cost more than the hashing. */
const BATCH_BYTES = 1024 * 1024;

/** The hash thread's side: parse what arrives, hash it, acknowledge it. */
export function runHashThread(): void {
  const port = parentPort;
  if (!port) return;
  const hasher = new CopyContentHasher();
  port.on('message', (message: HashMessage) => {
    let reply: HashReply;
    try {
      if (message.type === 'table') {
        hasher.table(message.schema, message.name, message.storages, message.limit);
        return;
      }
      if (message.type === 'chunk') {
        const { bytes } = message;
        hasher.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        reply = { type: 'ack', bytes: bytes.byteLength };
      } else {
        reply = { type: 'digest', hex: hasher.hex() };
      }
    } catch (error) {
      reply = { type: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
    if (reply.type !== 'ack') port.close();
  });
}

/** The capture thread's handle on a hash thread. */
export class HashThread {
  private readonly worker: Worker;
  private inFlight = 0;
  private batch = new Uint8Array(BATCH_BYTES);
  private batched = 0;
  private drained: (() => void) | null = null;
  private failure: Error | null = null;
  private readonly digest: Promise<string>;

  constructor(workerUrl: URL) {
    this.worker = new Worker(workerUrl, { workerData: { role: HASH_THREAD_ROLE }, execArgv: [] });
    this.digest = new Promise<string>((resolve, reject) => {
      const fail = (error: Error) => {
        this.failure ??= error;
        this.release();
        reject(this.failure);
      };
      this.worker.on('message', (reply: HashReply) => {
        if (reply.type === 'ack') {
          this.inFlight -= reply.bytes;
          if (this.inFlight <= MAX_IN_FLIGHT_BYTES / 2) this.release();
        } else if (reply.type === 'digest') {
          resolve(reply.hex);
        } else {
          fail(new OpsError('internal', `The content hash failed: ${reply.message}`));
        }
      });
      this.worker.on('error', (error) => fail(error));
      this.worker.on('exit', () => fail(new OpsError('internal', 'The content hash thread stopped early')));
    });
    // Nobody may await the digest (a cancelled capture); its rejection is reported through chunk/finish.
    this.digest.catch(() => undefined);
  }

  table(schema: string, name: string, storages: SnapshotStorage[], limit: number | null): void {
    this.send();
    this.post({ type: 'table', schema, name, storages, limit });
  }

  /** Hands a chunk over; the promise (only when the hash thread is behind) resolves once it catches up. */
  chunk(chunk: Buffer): Promise<void> | null {
    if (this.failure) throw this.failure;
    let offset = 0;
    while (offset < chunk.length) {
      const length = Math.min(chunk.length - offset, this.batch.length - this.batched);
      this.batch.set(chunk.subarray(offset, offset + length), this.batched);
      this.batched += length;
      offset += length;
      if (this.batched === this.batch.length) this.send();
    }
    if (this.inFlight <= MAX_IN_FLIGHT_BYTES) return null;
    return new Promise<void>((resolve) => {
      this.drained = resolve;
    }).then(() => {
      if (this.failure) throw this.failure;
    });
  }

  /** The hex digest of everything handed over. */
  async finish(): Promise<string> {
    this.send();
    this.post({ type: 'end' });
    return this.digest;
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  /** Transfers the gathered bytes (the buffer goes with them; a new one takes its place). */
  private send(): void {
    if (this.batched === 0) return;
    const bytes = this.batch.subarray(0, this.batched);
    this.inFlight += bytes.byteLength;
    this.post({ type: 'chunk', bytes }, [bytes.buffer]);
    this.batch = new Uint8Array(BATCH_BYTES);
    this.batched = 0;
  }

  private post(message: HashMessage, transfer: ArrayBuffer[] = []): void {
    if (this.failure) throw this.failure;
    this.worker.postMessage(message, transfer);
  }

  private release(): void {
    const drained = this.drained;
    this.drained = null;
    drained?.();
  }
}
