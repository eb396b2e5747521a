import type { BackendLogBatch, BackendLogLine, LogStream } from '../../../common/backend';
import type { Logger } from '../logging/log-service';
import { createIsoFormatter } from './log-ring';

export interface LogBatcherOptions {
  /** The backend id carried by every batch. */
  id: string;
  flush: (batch: BackendLogBatch) => void;
  /** At most one batch per this many ms (default 100). */
  intervalMs?: number;
  /**
   * At most this many lines wait for the push, and so at most this many in one
   * batch (default 50 000): the burst a stalled event loop can catch up on.
   */
  maxLinesPerBatch?: number;
  /** Sustained push rate: lines beyond it are counted as dropped (default 100 000 lines/s, twice the target). */
  maxLinesPerSecond?: number;
  /** Epoch ms (default Date.now). */
  now?: () => number;
  logger?: Logger;
}

export interface LogBatcherStats {
  /** Lines given to `add`. */
  pushed: number;
  /** Lines handed to `flush`. */
  delivered: number;
  /** Lines left out; pushed = delivered + dropped + pending. */
  dropped: number;
  /** Lines waiting for the next batch. */
  pending: number;
}

export const DEFAULT_BATCH_INTERVAL_MS = 100;
export const DEFAULT_MAX_LINES_PER_BATCH = 50_000;
export const DEFAULT_MAX_LINES_PER_SECOND = 100_000;

/**
 * Groups lines for the renderer: one batch per interval. A token bucket
 * decides what is pushed: it refills at `maxLinesPerSecond` and holds at most
 * `maxLinesPerBatch` lines, so a sustained rate up to twice the target and a
 * burst after a stalled event loop both arrive whole, while memory stays
 * bounded whatever the rate. Lines without a token are only counted; the next
 * batch reports that count in `dropped`. They show as gaps in the seqs (also
 * inside a batch, since tokens come back while a batch fills), and the ring
 * still has them.
 */
export class LogBatcher {
  private readonly id: string;
  private readonly onFlush: (batch: BackendLogBatch) => void;
  private readonly intervalMs: number;
  private readonly maxLines: number;
  private readonly ratePerMs: number;
  private tokens: number;
  private tokensAt: number;
  private readonly now: () => number;
  private readonly logger: Logger | undefined;
  private readonly iso = createIsoFormatter();
  private pending: BackendLogLine[] = [];
  /** Dropped since the last batch; reported by the next one. */
  private droppedSinceFlush = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private pushedTotal = 0;
  private deliveredTotal = 0;
  private droppedTotal = 0;

  constructor(options: LogBatcherOptions) {
    this.id = options.id;
    this.onFlush = options.flush;
    this.intervalMs = Math.max(0, options.intervalMs ?? DEFAULT_BATCH_INTERVAL_MS);
    this.maxLines = Math.max(1, Math.floor(options.maxLinesPerBatch ?? DEFAULT_MAX_LINES_PER_BATCH));
    this.ratePerMs = Math.max(1, options.maxLinesPerSecond ?? DEFAULT_MAX_LINES_PER_SECOND) / 1000;
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
    this.tokens = this.maxLines;
    this.tokensAt = this.now();
  }

  stats(): LogBatcherStats {
    return {
      pushed: this.pushedTotal,
      delivered: this.deliveredTotal,
      dropped: this.droppedTotal,
      pending: this.pending.length,
    };
  }

  /** Queues one line (`at` in epoch ms); false when it was dropped. Ignored after close. */
  add(seq: number, stream: LogStream, text: string, at: number): boolean {
    if (this.closed) return false;
    this.pushedTotal += 1;
    const now = this.now();
    this.tokens = Math.min(this.maxLines, this.tokens + (now - this.tokensAt) * this.ratePerMs);
    this.tokensAt = now;
    if (this.tokens < 1 || this.pending.length >= this.maxLines) {
      this.droppedSinceFlush += 1;
      this.droppedTotal += 1;
      return false;
    }
    this.tokens -= 1;
    this.pending.push({ seq, at: this.iso(at), stream, text });
    if (this.timer === null) {
      const wait = Math.max(0, this.lastFlushAt + this.intervalMs - now);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, wait);
      this.timer.unref();
    }
    return true;
  }

  /** Sends the pending lines now. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0 && this.droppedSinceFlush === 0) return;
    const batch: BackendLogBatch = { id: this.id, lines: this.pending, dropped: this.droppedSinceFlush };
    this.pending = [];
    this.droppedSinceFlush = 0;
    this.lastFlushAt = this.now();
    try {
      this.onFlush(batch);
      this.deliveredTotal += batch.lines.length;
    } catch (error) {
      // The lines did not arrive: count them, so the next batch says so.
      this.droppedSinceFlush += batch.lines.length + batch.dropped;
      this.droppedTotal += batch.lines.length;
      this.logger?.warn(`Backend ${this.id}: pushing ${batch.lines.length} log lines failed`, error);
    }
  }

  /** Flushes the remainder; later lines are ignored. */
  close(): void {
    if (this.closed) return;
    this.flush();
    if (this.droppedSinceFlush > 0) this.flush();
    this.closed = true;
  }
}
