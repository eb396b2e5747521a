import type { BackendLogBatch, BackendLogLine, BackendLogPage, LogStream } from '../../../common/backend';
import type { Logger } from '../logging/log-service';
import { LogBatcher } from './log-batcher';
import { RotatingLogFile } from './log-file';
import { LogRing, truncateLine, type LogRingQuery } from './log-ring';

export interface BackendLogsOptions {
  id: string;
  /** The backend's display name; with the id it names the log file. */
  name: string;
  /** Folder for the rotating log files. */
  dir: string;
  /** Epoch ms stamped on each line (default Date.now). */
  clock?: () => number;
  onBatch: (batch: BackendLogBatch) => void;
  ringLines?: number;
  ringBytes?: number;
  batchIntervalMs?: number;
  maxLinesPerBatch?: number;
  fileMaxBytes?: number;
  fileKeep?: number;
  /**
   * Lines longer than this are cut (with a marker) in the ring and the push;
   * the file keeps them whole. Default 65 536 characters.
   */
  maxLineChars?: number;
  logger?: Logger;
}

export interface BackendLogsStats {
  pushed: number;
  delivered: number;
  droppedFromPush: number;
  pendingPush: number;
  ringLines: number;
  ringBytes: number;
  evicted: number;
  fileDropped: number;
  fileBuffered: number;
}

export const DEFAULT_MAX_LINE_CHARS = 65_536;

/**
 * Everything one backend prints: each line gets a seq and a timestamp, goes
 * into the bounded ring (for queries and the crash view), the rotating file
 * (the complete record) and the batcher (the live push to the renderer, which
 * may drop, counted, above its rate). Every store is bounded, so memory stays
 * flat whatever the backend's output rate.
 */
export class BackendLogs {
  readonly id: string;
  private readonly clock: () => number;
  private readonly maxLineChars: number;
  private readonly ring: LogRing;
  private readonly file: RotatingLogFile;
  private readonly batcher: LogBatcher;
  private closed = false;

  constructor(options: BackendLogsOptions) {
    this.id = options.id;
    this.clock = options.clock ?? Date.now;
    this.maxLineChars = Math.max(1, options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS);
    this.ring = new LogRing({ maxLines: options.ringLines, maxBytes: options.ringBytes });
    this.file = new RotatingLogFile({
      dir: options.dir,
      name: logFileName(options.name, options.id),
      maxBytes: options.fileMaxBytes,
      keep: options.fileKeep,
      logger: options.logger,
      clock: this.clock,
    });
    this.batcher = new LogBatcher({
      id: options.id,
      flush: options.onBatch,
      intervalMs: options.batchIntervalMs,
      maxLinesPerBatch: options.maxLinesPerBatch,
      logger: options.logger,
    });
  }

  get logFile(): string {
    return this.file.path;
  }

  /** The hot path, called for every line the backend prints. Ignored after close. */
  line(stream: LogStream, text: string): void {
    if (this.closed) return;
    const at = this.clock();
    this.file.append(stream, text, at);
    const kept = text.length > this.maxLineChars ? truncateLine(text, this.maxLineChars) : text;
    const seq = this.ring.append(stream, kept, at);
    this.batcher.add(seq, stream, kept, at);
  }

  query(q: LogRingQuery): BackendLogPage {
    const page = this.ring.query(q);
    return { id: this.id, ...page, droppedFromPush: this.batcher.stats().dropped, logFile: this.file.path };
  }

  /** The last `n` lines, for the crash view. */
  tail(n: number): BackendLogLine[] {
    return this.ring.tail(n);
  }

  stats(): BackendLogsStats {
    const push = this.batcher.stats();
    return {
      pushed: push.pushed,
      delivered: push.delivered,
      droppedFromPush: push.dropped,
      pendingPush: push.pending,
      ringLines: this.ring.size,
      ringBytes: this.ring.bytes,
      evicted: this.ring.evicted,
      fileDropped: this.file.dropped,
      fileBuffered: this.file.buffered,
    };
  }

  /** Sends the last batch and flushes the file. The ring stays readable. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.batcher.close();
    this.file.close();
  }
}

/** `<name>-<id>`, reduced to characters that are safe in a file name on every platform. */
export function logFileName(name: string, id: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  const base = safe(name).slice(0, 60);
  const suffix = safe(id).slice(0, 64) || 'backend';
  return base === '' ? suffix : `${base}-${suffix}`;
}
