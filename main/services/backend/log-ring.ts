import type { BackendLogLine, BackendLogQuery, LogStream } from '../../../common/backend';
import { OpsError } from '../../../common/errors';

export interface LogRingOptions {
  /** At most this many lines (default 20 000). */
  maxLines?: number;
  /** At most this many bytes of text, counted as UTF-16 (string length × 2; default 16 MiB). */
  maxBytes?: number;
  /** A regex search gives up with a `timeout` error after this long (default 1 000 ms). */
  regexBudgetMs?: number;
  /** Monotonic time for the regex budget (tests inject one). */
  now?: () => number;
}

export type LogRingQuery = Omit<BackendLogQuery, 'id'>;

export interface LogRingPage {
  lines: BackendLogLine[];
  size: number;
  firstSeq: number | null;
  lastSeq: number | null;
  evicted: number;
}

export const DEFAULT_RING_LINES = 20_000;
export const DEFAULT_RING_BYTES = 16 * 1024 * 1024;
export const DEFAULT_QUERY_LIMIT = 1_000;
export const MAX_QUERY_LIMIT = 100_000;
/** A regex only sees the first this-many characters of a line: `.*a.*b` is quadratic in the line length. */
export const REGEX_LINE_CHARS = 8_192;

const streamNames: readonly LogStream[] = ['stdout', 'stderr', 'system'];
const streamCodes: Record<LogStream, number> = { stdout: 0, stderr: 1, system: 2 };

/**
 * Epoch ms -> ISO 8601, remembering the last answer: at 50 000 lines/s about
 * fifty lines share each millisecond, so nearly every call is a comparison.
 */
export function createIsoFormatter(): (ms: number) => string {
  let lastMs = Number.NaN;
  let lastIso = '';
  return (ms) => {
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    return lastIso;
  };
}

/**
 * Cuts `text` to at most `maxChars` characters, saying how much was cut. The
 * result is a fresh string: a slice would keep the whole original alive.
 */
export function truncateLine(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const marker = ` …[${text.length - maxChars} more characters]`;
  const keep = Math.max(0, maxChars - marker.length);
  const cut = keep > 0 ? `${text.slice(0, keep)}${marker}` : text.slice(0, maxChars);
  return Buffer.from(cut, 'utf16le').toString('utf16le');
}

/**
 * The last lines of one backend, bounded by line count and by text bytes.
 * A circular set of parallel arrays: pushing is a few stores, the oldest line
 * goes when either bound is reached, and `at` stays an epoch number until a
 * line is read. Seqs are contiguous inside the ring (it only ever loses its
 * oldest line), so a line's slot follows from its seq.
 */
export class LogRing {
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly regexBudgetMs: number;
  private readonly now: () => number;
  private readonly ats: Float64Array;
  private readonly streams: Uint8Array;
  private readonly texts: (string | undefined)[];
  private readonly iso = createIsoFormatter();
  /** Slot of the oldest line. */
  private head = 0;
  private count = 0;
  private textBytes = 0;
  private nextSeq = 1;
  private evictedCount = 0;

  constructor(options: LogRingOptions = {}) {
    this.maxLines = Math.max(1, Math.floor(options.maxLines ?? DEFAULT_RING_LINES));
    this.maxBytes = Math.max(2, Math.floor(options.maxBytes ?? DEFAULT_RING_BYTES));
    this.regexBudgetMs = options.regexBudgetMs ?? 1_000;
    this.now = options.now ?? (() => performance.now());
    this.ats = new Float64Array(this.maxLines);
    this.streams = new Uint8Array(this.maxLines);
    this.texts = new Array<string | undefined>(this.maxLines).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  /** Text bytes held now (string length × 2). */
  get bytes(): number {
    return this.textBytes;
  }

  get evicted(): number {
    return this.evictedCount;
  }

  get firstSeq(): number | null {
    return this.count === 0 ? null : this.nextSeq - this.count;
  }

  get lastSeq(): number | null {
    return this.count === 0 ? null : this.nextSeq - 1;
  }

  /** The hot path: stores the line and returns its seq. A line longer than the byte bound is cut to fit. */
  append(stream: LogStream, text: string, at: number): number {
    let line = text;
    if (line.length * 2 > this.maxBytes) line = truncateLine(line, Math.floor(this.maxBytes / 2));
    const lineBytes = line.length * 2;
    while (this.count > 0 && (this.count >= this.maxLines || this.textBytes + lineBytes > this.maxBytes)) {
      this.evictOldest();
    }
    const slot = (this.head + this.count) % this.maxLines;
    this.ats[slot] = at;
    this.streams[slot] = streamCodes[stream];
    this.texts[slot] = line;
    this.count += 1;
    this.textBytes += lineBytes;
    return this.nextSeq++;
  }

  push(stream: LogStream, text: string, at: number): BackendLogLine {
    const seq = this.append(stream, text, at);
    return this.lineAt(this.slotOf(seq), seq);
  }

  /** The last `n` lines, oldest first. */
  tail(n: number): BackendLogLine[] {
    const take = Math.min(this.count, Math.max(0, Math.floor(n)));
    const lines: BackendLogLine[] = [];
    const first = this.nextSeq - take;
    for (let seq = first; seq < this.nextSeq; seq++) lines.push(this.lineAt(this.slotOf(seq), seq));
    return lines;
  }

  /**
   * With `afterSeq`: the first `limit` matching lines after it. Without: the
   * last `limit` matching lines. Either way oldest first.
   */
  query(q: LogRingQuery): LogRingPage {
    const limit = Math.min(MAX_QUERY_LIMIT, Math.max(1, Math.floor(q.limit ?? DEFAULT_QUERY_LIMIT)));
    const matches = this.matcher(q);
    const first = this.nextSeq - this.count;
    const lines: BackendLogLine[] = [];
    if (q.afterSeq === undefined) {
      for (let seq = this.nextSeq - 1; seq >= first && lines.length < limit; seq--) {
        const slot = this.slotOf(seq);
        if (matches(slot)) lines.push(this.lineAt(slot, seq));
      }
      lines.reverse();
    } else {
      for (let seq = Math.max(first, q.afterSeq + 1); seq < this.nextSeq && lines.length < limit; seq++) {
        const slot = this.slotOf(seq);
        if (matches(slot)) lines.push(this.lineAt(slot, seq));
      }
    }
    return { lines, size: this.count, firstSeq: this.firstSeq, lastSeq: this.lastSeq, evicted: this.evictedCount };
  }

  private evictOldest(): void {
    const text = this.texts[this.head];
    this.textBytes -= (text?.length ?? 0) * 2;
    this.texts[this.head] = undefined;
    this.head = (this.head + 1) % this.maxLines;
    this.count -= 1;
    this.evictedCount += 1;
  }

  private slotOf(seq: number): number {
    return (this.head + (seq - (this.nextSeq - this.count))) % this.maxLines;
  }

  private lineAt(slot: number, seq: number): BackendLogLine {
    return {
      seq,
      at: this.iso(this.ats[slot] ?? 0),
      stream: streamNames[this.streams[slot] ?? 0] ?? 'stdout',
      text: this.texts[slot] ?? '',
    };
  }

  private matcher(q: LogRingQuery): (slot: number) => boolean {
    const allowed = q.streams === undefined ? null : new Set(q.streams.map((s) => streamCodes[s]));
    const byStream = (slot: number) => allowed === null || allowed.has(this.streams[slot] ?? 0);
    const search = q.search ?? '';
    if (search === '') return byStream;
    if (!q.regex) {
      const needle = new RegExp(escapeRegExp(search), 'i');
      return (slot) => byStream(slot) && needle.test(this.texts[slot] ?? '');
    }
    const pattern = compileSearchRegex(search);
    const deadline = this.now() + this.regexBudgetMs;
    return (slot) => {
      if (!byStream(slot)) return false;
      if (this.now() > deadline) {
        throw new OpsError('timeout', `The regular expression search took more than ${this.regexBudgetMs} ms`, {
          hint: 'Simplify the pattern (fewer wildcards in a row) or search for plain text.',
        });
      }
      const text = this.texts[slot] ?? '';
      return pattern.test(text.length > REGEX_LINE_CHARS ? text.slice(0, REGEX_LINE_CHARS) : text);
    };
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Case-insensitive like the plain search, so turning `regex` on never loses a match by case. */
export function compileSearchRegex(pattern: string): RegExp {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'i');
  } catch (error) {
    // V8 says "Invalid regular expression: /<pattern>/i: <reason>"; keep the reason.
    const message = error instanceof Error ? error.message : String(error);
    const reason = message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw new OpsError('invalid_input', `Invalid regular expression: ${reason}`, {
      hint: 'Check the pattern, or turn regular expressions off to search for the text as typed.',
    });
  }
  if (hasNestedQuantifier(pattern)) {
    throw new OpsError('invalid_input', 'Invalid regular expression: a repeated group contains a repetition', {
      hint: 'Patterns like (a+)+ or (\\w*\\s?)* can take exponential time; repeat the group or its contents, not both.',
    });
  }
  return regex;
}

/**
 * True when a group holding an unbounded quantifier is itself repeated without
 * bound, as in (a+)+ or (x\d*)*: the shape behind exponential backtracking.
 * Alternations that overlap, like (a|aa)+, are not caught; the time budget is
 * the backstop for those.
 */
export function hasNestedQuantifier(pattern: string): boolean {
  const groups: boolean[] = [];
  let inClass = false;
  let closedGroupRepeats = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const afterGroup = closedGroupRepeats;
    closedGroupRepeats = false;
    if (c === '\\') {
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(') {
      groups.push(false);
    } else if (c === ')') {
      closedGroupRepeats = groups.pop() ?? false;
    } else if (c === '*' || c === '+' || (c === '{' && /^\{\d*,\}/.test(pattern.slice(i, i + 12)))) {
      if (afterGroup) return true;
      groups.fill(true);
    }
  }
  return false;
}
