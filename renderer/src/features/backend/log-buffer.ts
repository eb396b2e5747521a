/**
 * The renderer's copy of one backend's output: lines in seq order, at most a
 * fixed number, merged from live batches and from pages fetched to fill the
 * gaps a batch reports. Pure functions over arrays, so the bounds and the
 * gap arithmetic are tested without a store.
 */
import type { BackendLogLine, LogStream } from '../../../../common/backend';

/** The most lines the renderer keeps for the backend on screen (the size of main's ring). */
export const MAX_BACKEND_LOG_LINES = 20_000;

export const logStreams: readonly LogStream[] = ['stdout', 'stderr', 'system'];

/**
 * Merges two seq-ordered lists, keeping the first copy of a seq, no line
 * older than `fromSeq`, and at most the newest `cap` lines. Linear: a
 * 20 000-line refill costs one pass, not a sort. Returns `existing` itself
 * when nothing changed.
 *
 * `fromSeq` makes the kept lines a window of seqs (the newest `cap` seqs, as
 * main's ring holds them), not merely a count: a stretch the push dropped and
 * the ring no longer has then slides out of the view instead of staying as a
 * hole between older and newer lines.
 */
export function mergeLines(
  existing: readonly BackendLogLine[],
  incoming: readonly BackendLogLine[],
  cap: number = MAX_BACKEND_LOG_LINES,
  fromSeq: number = Number.NEGATIVE_INFINITY,
): readonly BackendLogLine[] {
  if (incoming.length === 0) return existing;
  const last = existing.at(-1);
  const firstIncoming = incoming[0];
  let merged: BackendLogLine[];
  if (!last || (firstIncoming && firstIncoming.seq > last.seq && isAscending(incoming))) {
    // The common case, a live batch after what we have.
    merged = existing.length === 0 ? incoming.slice() : existing.concat(incoming);
  } else {
    const sorted = isAscending(incoming) ? incoming : [...incoming].sort((a, b) => a.seq - b.seq);
    merged = [];
    let i = 0;
    let j = 0;
    let added = 0;
    while (i < existing.length || j < sorted.length) {
      const a = existing[i];
      const b = sorted[j];
      if (b === undefined || (a !== undefined && a.seq <= b.seq)) {
        if (a !== undefined) merged.push(a);
        if (a !== undefined && b !== undefined && a.seq === b.seq) j++;
        i++;
      } else {
        if (merged.at(-1)?.seq !== b.seq) {
          merged.push(b);
          added++;
        }
        j++;
      }
    }
    if (added === 0) return existing;
  }
  let start = Math.max(0, merged.length - cap);
  while (start < merged.length && merged[start]!.seq < fromSeq) start++;
  return start > 0 ? merged.slice(start) : merged;
}

function isAscending(lines: readonly BackendLogLine[]): boolean {
  for (let i = 1; i < lines.length; i++) if (lines[i]!.seq <= lines[i - 1]!.seq) return false;
  return true;
}

/** Lines missing between the oldest and the newest kept (seqs are contiguous in main). */
export function missingLines(lines: readonly BackendLogLine[]): number {
  const first = lines[0];
  const last = lines.at(-1);
  if (!first || !last) return 0;
  return last.seq - first.seq + 1 - lines.length;
}

/** An inclusive range of seqs the push left out. */
export interface SeqGap {
  from: number;
  to: number;
}

/**
 * The gaps still worth fetching: those, or their parts, the cap would keep
 * next to the newest line received, and never more than `cap` lines of one
 * gap (its newest). Gaps entirely older are dropped.
 */
export function trimGaps(gaps: readonly SeqGap[], newestSeq: number, cap: number): SeqGap[] {
  const oldestKept = newestSeq - cap + 1;
  const kept: SeqGap[] = [];
  for (const gap of gaps) {
    if (gap.to < oldestKept) continue;
    kept.push({ from: Math.max(gap.from, oldestKept, gap.to - cap + 1), to: gap.to });
  }
  return kept;
}

/**
 * What one pushed batch left out. Seqs are contiguous in main and every line
 * is either pushed or counted in `dropped`, in order, so the push covers the
 * seqs after `cursor` (where the previous batch ended, dropped lines
 * included) without a break: every seq missing among the lines is a dropped
 * one, and what `dropped` counts beyond those lies after the last line.
 *
 * Returns one range spanning every hole (fetching a few lines already here is
 * cheaper than a request per hole when the push thins a flood line by line)
 * and the new cursor. With the cursor unknown (null), holes before the first
 * line are not guessed. The cursor may overshoot when `dropped` counts lines
 * from before it; that only widens a fetch, since the view's window follows
 * the lines actually received, never this cursor.
 */
export function batchGap(
  lines: readonly Pick<BackendLogLine, 'seq'>[],
  dropped: number,
  cursor: number | null,
): { gap: SeqGap | null; cursor: number | null } {
  let at = cursor;
  let holes = 0;
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const { seq } of lines) {
    if (at !== null && seq > at + 1) {
      holes += seq - at - 1;
      from = Math.min(from, at + 1);
      to = Math.max(to, seq - 1);
    }
    at = at === null ? seq : Math.max(at, seq);
  }
  const trailing = Math.max(0, dropped - holes);
  if (at !== null && trailing > 0) {
    from = Math.min(from, at + 1);
    to = at + trailing;
    at = to;
  }
  return { gap: from <= to ? { from, to } : null, cursor: at };
}

export type StreamFilter = Readonly<Record<LogStream, boolean>>;

export const allStreams: StreamFilter = { stdout: true, stderr: true, system: true };

export function allStreamsOn(filter: StreamFilter): boolean {
  return logStreams.every((s) => filter[s]);
}

export function filterByStreams(lines: readonly BackendLogLine[], filter: StreamFilter): readonly BackendLogLine[] {
  if (allStreamsOn(filter)) return lines;
  return lines.filter((line) => filter[line.stream]);
}

/**
 * The client-side twin of main's search, for live lines that arrive after a
 * search page: case-insensitive text or regex. Null when the pattern does not
 * compile here (main reports why).
 */
export function searchMatcher(text: string, regex: boolean): ((line: string) => boolean) | null {
  if (text === '') return () => true;
  if (!regex) {
    const needle = text.toLowerCase();
    return (line) => line.toLowerCase().includes(needle);
  }
  try {
    const pattern = new RegExp(text, 'i');
    return (line) => pattern.test(line);
  } catch {
    return null;
  }
}

/** Lines as text for the clipboard: ISO time, stream, text. */
export function linesAsText(lines: readonly BackendLogLine[]): string {
  return lines.map((l) => `${l.at} ${l.stream.padEnd(6)} ${l.text}`).join('\n');
}
