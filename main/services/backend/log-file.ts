import fs from 'node:fs';
import path from 'node:path';
import type { LogStream } from '../../../common/backend';
import type { Logger } from '../logging/log-service';
import { createIsoFormatter } from './log-ring';

export interface RotatingLogFileOptions {
  dir: string;
  /** File name without `.log`; no path separators. */
  name: string;
  /** Rotate before a write would take the file past this size (default 10 MiB). */
  maxBytes?: number;
  /** Old files kept: name.log.1 (newest) … name.log.<keep> (default 3). */
  keep?: number;
  /** Write as soon as this many characters are buffered (default 1 MiB). */
  bufferChars?: number;
  /** Otherwise write this long after the first buffered line (default 100 ms). */
  flushIntervalMs?: number;
  logger?: Logger;
  /** Epoch ms, for the line that notes a gap (default Date.now). */
  clock?: () => number;
}

export const DEFAULT_FILE_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_FILE_KEEP = 3;
export const DEFAULT_FILE_BUFFER_CHARS = 1024 * 1024;
export const DEFAULT_FILE_FLUSH_MS = 100;

/**
 * One backend's log on disk: `<ISO time> <stream> <text>` lines in
 * `<dir>/<name>.log`, rotated by size. Lines are buffered (bounded) and written
 * with one synchronous write per flush, which keeps up with 50 000 lines/s
 * without a write queue that could grow. A failing disk never throws into the
 * caller: the lines are counted as dropped, logged, and noted in the file once
 * writing works again.
 */
export class RotatingLogFile {
  readonly path: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly bufferChars: number;
  private readonly flushIntervalMs: number;
  private readonly logger: Logger | undefined;
  private readonly clock: () => number;
  private readonly iso = createIsoFormatter();
  private buffer: string[] = [];
  private bufferedChars = 0;
  private timer: NodeJS.Timeout | null = null;
  private fd: number | null = null;
  private size = 0;
  private closed = false;
  private droppedTotal = 0;
  /** Lines of the current flush already on disk, so a failure counts only the rest. */
  private linesWritten = 0;
  /** Lines lost since the last successful write, and why. */
  private failingSince: { dropped: number; reason: string } | null = null;

  constructor(options: RotatingLogFileOptions) {
    if (options.name === '' || /[/\\]/.test(options.name) || options.name === '.' || options.name === '..') {
      throw new Error(`Log file name must be a plain file name: ${JSON.stringify(options.name)}`);
    }
    this.path = path.join(options.dir, `${options.name}.log`);
    this.maxBytes = Math.max(1, options.maxBytes ?? DEFAULT_FILE_MAX_BYTES);
    this.keep = Math.max(0, Math.floor(options.keep ?? DEFAULT_FILE_KEEP));
    this.bufferChars = Math.max(1, options.bufferChars ?? DEFAULT_FILE_BUFFER_CHARS);
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FILE_FLUSH_MS;
    this.logger = options.logger;
    this.clock = options.clock ?? Date.now;
  }

  /** Lines that could not be written, since start. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Characters waiting for the next write. */
  get buffered(): number {
    return this.bufferedChars;
  }

  append(stream: LogStream, text: string, at: number): void {
    if (this.closed) return;
    const line = `${this.iso(at)} ${stream} ${text}\n`;
    this.buffer.push(line);
    this.bufferedChars += line.length;
    if (this.bufferedChars >= this.bufferChars) {
      this.flush();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes what is buffered now. Never throws. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.buffer.length === 0) return;
    const lines = this.buffer;
    this.buffer = [];
    this.bufferedChars = 0;
    this.linesWritten = 0;
    try {
      this.ensureOpen();
      if (this.failingSince !== null) this.noteRecovery();
      const all = Buffer.from(lines.join(''), 'utf8');
      if (this.size + all.length <= this.maxBytes) {
        this.write(all, lines.length);
      } else {
        this.writeRotating(lines);
      }
    } catch (error) {
      this.noteFailure(lines.length - this.linesWritten, error);
    }
  }

  /** Flushes and closes the file; later lines are ignored. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.closeFd();
  }

  /** Writes line by line, rotating whenever the next line would take the file past maxBytes. */
  private writeRotating(lines: string[]): void {
    let group: string[] = [];
    let groupBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line, 'utf8');
      if (this.size + groupBytes + bytes > this.maxBytes && this.size + groupBytes > 0) {
        this.write(Buffer.from(group.join(''), 'utf8'), group.length);
        group = [];
        groupBytes = 0;
        this.rotate();
      }
      group.push(line);
      groupBytes += bytes;
    }
    this.write(Buffer.from(group.join(''), 'utf8'), group.length);
  }

  private write(data: Buffer, lines: number): void {
    if (this.fd === null) throw new Error('log file is not open');
    let offset = 0;
    while (offset < data.length) offset += fs.writeSync(this.fd, data, offset);
    this.size += data.length;
    this.linesWritten += lines;
  }

  private ensureOpen(): void {
    if (this.fd !== null) return;
    fs.mkdirSync(path.dirname(this.path), { recursive: true });
    this.fd = fs.openSync(this.path, 'a');
    this.size = fs.fstatSync(this.fd).size;
  }

  private rotate(): void {
    this.closeFd();
    if (this.keep === 0) {
      removeIfPresent(this.path);
    } else {
      for (let i = this.keep - 1; i >= 1; i--) renameIfPresent(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      renameIfPresent(this.path, `${this.path}.1`);
    }
    this.ensureOpen();
  }

  private closeFd(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fs.closeSync(fd);
    } catch {
      // Already unusable; the next flush opens the file again.
    }
  }

  private noteFailure(dropped: number, error: unknown): void {
    this.droppedTotal += dropped;
    const reason = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
    if (this.failingSince === null) {
      this.failingSince = { dropped: 0, reason };
      this.logger?.warn(`Cannot write backend log ${this.path} (${reason}); its lines are dropped until it works`);
    }
    this.failingSince.dropped += dropped;
    // Reopen on the next flush: the file may have been removed or the disk replaced.
    this.closeFd();
  }

  /** Called once the file is open again: says in the file itself how many lines it is missing. */
  private noteRecovery(): void {
    const failed = this.failingSince;
    if (failed === null) return;
    const note = `${this.iso(this.clock())} system [ops-console] ${failed.dropped} lines could not be written here (${failed.reason})\n`;
    this.write(Buffer.from(note, 'utf8'), 0);
    this.failingSince = null;
    this.logger?.info(`Backend log ${this.path} writable again after dropping ${failed.dropped} lines`);
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function removeIfPresent(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
