import type { BackendLogBatch, BackendLogLine, LogStream } from '../../../common/backend';
import type { Logger } from '../logging/log-service';
import { createIsoFormatter } from './log-ring';

export interface LogBatcherOptions {
  /** The backend id carried by every batch. */
  id: string;
  flush: (batch: BackendLogBatch) => void;
  /** At most one batch per this many ms (default 100). */
  intervalMs?: number;
  /** At most this many lines per batch (default 5 000: 50 000 lines/s at 10 batches/s). */
  maxLinesPerBatch?: number;
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
export const DEFAULT_MAX_LINES_PER_BATCH = 5_000;

/**
 * Groups lines for the renderer: one batch per interval, each batch at most
 * `maxLinesPerBatch` lines; a full batch may leave after half an interval, so
 * the push carries up to twice the nominal rate (timers run late under load).
 * Beyond that, lines until the next flush are only counted, so memory stays
 * bounded whatever the rate;
 * the next batch reports that count in `dropped`. Those lines are the ones
 * right after the batch's last seq, and the ring still has them.
 */
export class LogBatcher {
  private readonly id: string;
  private readonly onFlush: (batch: BackendLogBatch) => void;
  private readonly intervalMs: number;
  private readonly maxLines: number;
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
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
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
    if (this.pending.length >= this.maxLines) {
      // A full batch goes out early when half an interval has passed: timers run late under
      // load, and a stretched interval must not drop lines at the nominal rate. This doubles
      // the most the push can carry (100 000 lines/s by default), and no more.
      if (this.now() - this.lastFlushAt >= this.intervalMs / 2) {
        this.flush();
      } else {
        this.droppedSinceFlush += 1;
        this.droppedTotal += 1;
        return false;
      }
    }
    this.pending.push({ seq, at: this.iso(at), stream, text });
    if (this.timer === null) {
      const wait = Math.max(0, this.lastFlushAt + this.intervalMs - this.now());
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
