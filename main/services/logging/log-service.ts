import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import nodeLog from 'electron-log/node';
import type { LogLevel, LogLine } from '../../../common/domain';
import { formatLogValue, Redactor } from './redact';

export interface Logger {
  error(...parts: unknown[]): void;
  warn(...parts: unknown[]): void;
  info(...parts: unknown[]): void;
  debug(...parts: unknown[]): void;
}

export interface LogServiceOptions {
  /** Folder for the rotating log file. */
  dir: string;
  fileName?: string;
  /** Rotate when the file passes this many bytes (electron-log keeps one `.old` file). */
  maxBytes?: number;
  /** Also write to stderr (never stdout: stdout belongs to --json output). */
  console?: boolean;
  level?: LogLevel;
  redactor?: Redactor;
  /** How many recent lines to keep for the Logs view. */
  bufferSize?: number;
  clock?: () => Date;
}

type LineListener = (line: LogLine) => void;

/** Null when `file` can be appended to (its folder made if need be), else why not. */
function writeProblem(file: string): string | null {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, '');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The file transports share one registry, which reports a file it cannot
 * write through the console transport of electron-log's default instance
 * (used for nothing else), past any level, as a stack trace on stderr.
 * LogService.fileProblem reports that case in words instead.
 */
nodeLog.transports.console.writeFn = () => undefined;

/** The name electron-log is given (see the constructor). */
const APP_NAME = 'ops-console';

const levelRank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/**
 * The application log: electron-log's file transport (rotating), redaction of
 * every line before it is written, and a ring buffer with subscribers so the
 * Logs view can show recent lines and follow new ones.
 */
export class LogService {
  readonly file: string;
  readonly redactor: Redactor;
  private readonly backend: ReturnType<typeof nodeLog.create>;
  private readonly buffer: LogLine[] = [];
  private readonly bufferSize: number;
  private readonly listeners = new Set<LineListener>();
  private readonly level: LogLevel;
  private readonly clock: () => Date;
  private seq = 0;
  /**
   * Why the log file cannot be written, found at start-up (electron-log itself
   * drops a line it cannot write without a word), or null.
   */
  readonly fileProblem: string | null;

  constructor(options: LogServiceOptions) {
    this.redactor = options.redactor ?? new Redactor();
    this.bufferSize = options.bufferSize ?? 2000;
    this.level = options.level ?? 'info';
    this.clock = options.clock ?? (() => new Date());
    this.file = path.join(options.dir, options.fileName ?? 'ops-console.log');
    this.backend = nodeLog.create({ logId: `ops-console-${randomUUID()}` });
    const file = this.file;
    // electron-log works out a default path from the app's name even when the
    // path is set: outside Electron it looks for the nearest package.json from
    // the working folder and, finding none (a CLI run from anywhere else),
    // drops every line without a word.
    this.backend.transports.file.setAppName(APP_NAME);
    this.backend.transports.file.resolvePathFn = () => file;
    this.fileProblem = writeProblem(file);
    this.backend.transports.file.maxSize = options.maxBytes ?? 5 * 1024 * 1024;
    this.backend.transports.file.level = this.level;
    this.backend.transports.file.format = '[{y}-{m}-{d} {h}:{i}:{s}.{ms}] [{level}] {scope} {text}';
    if (options.console) {
      this.backend.transports.console.level = this.level;
      // electron-log's console transport writes to stdout for info; keep stdout clean.
      this.backend.transports.console.writeFn = ({ message }) => {
        process.stderr.write(`${message.data.map(formatLogValue).join(' ')}\n`);
      };
    } else {
      this.backend.transports.console.level = false;
    }
    // Belt and braces: anything electron-log writes by itself is redacted too.
    this.backend.hooks.push((message) => {
      message.data = message.data.map((part: unknown) => this.redactor.redact(formatLogValue(part)));
      return message;
    });
  }

  scope(name: string): Logger {
    const write =
      (level: LogLevel) =>
      (...parts: unknown[]) =>
        this.write(level, name, parts);
    return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
  }

  write(level: LogLevel, scope: string, parts: unknown[]): void {
    if (levelRank[level] > levelRank[this.level]) return;
    const message = this.redactor.redact(parts.map(formatLogValue).join(' '));
    const line: LogLine = { seq: ++this.seq, time: this.clock().toISOString(), level, scope, message };
    this.buffer.push(line);
    if (this.buffer.length > this.bufferSize) this.buffer.splice(0, this.buffer.length - this.bufferSize);
    this.backend.scope(scope)[level](message);
    for (const listener of this.listeners) listener(line);
  }

  recent(limit = 500): LogLine[] {
    return this.buffer.slice(-limit);
  }

  onLine(listener: LineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
