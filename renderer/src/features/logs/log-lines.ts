import type { LogLevel, LogLine } from '../../../../common/domain';

/** The most lines the Logs view keeps; older ones fall off the front. */
export const MAX_LOG_LINES = 5000;

export type LevelFilter = 'all' | LogLevel;

export const levelFilters: readonly LevelFilter[] = ['all', 'error', 'warn', 'info', 'debug'];

export function isLevelFilter(value: string): value is LevelFilter {
  return (levelFilters as readonly string[]).includes(value);
}

/**
 * Adds `incoming` to `existing` (both in seq order as main sends them), drops
 * lines whose seq is already present and keeps the newest `cap`. Returns
 * `existing` itself when nothing changed, so subscribers do not re-render.
 */
export function mergeLogLines(
  existing: readonly LogLine[],
  incoming: readonly LogLine[],
  cap: number = MAX_LOG_LINES,
): readonly LogLine[] {
  if (incoming.length === 0) return existing;
  let merged: LogLine[];
  const lastSeq = existing.at(-1)?.seq ?? Number.NEGATIVE_INFINITY;
  if (isStrictlyAfter(incoming, lastSeq)) {
    // The common case, a live line after the ones we have: no sort needed.
    merged = existing.concat(incoming);
  } else {
    const bySeq = new Map<number, LogLine>();
    for (const line of existing) bySeq.set(line.seq, line);
    let added = 0;
    for (const line of incoming) {
      if (!bySeq.has(line.seq)) {
        bySeq.set(line.seq, line);
        added += 1;
      }
    }
    if (added === 0) return existing;
    merged = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
  return merged.length > cap ? merged.slice(merged.length - cap) : merged;
}

function isStrictlyAfter(lines: readonly LogLine[], seq: number): boolean {
  let previous = seq;
  for (const line of lines) {
    if (line.seq <= previous) return false;
    previous = line.seq;
  }
  return true;
}

/** Lines at exactly `level` (or all) whose scope or message contains `text`, ignoring case. */
export function filterLogLines(lines: readonly LogLine[], level: LevelFilter, text: string): readonly LogLine[] {
  const needle = text.trim().toLowerCase();
  if (level === 'all' && needle === '') return lines;
  return lines.filter(
    (line) =>
      (level === 'all' || line.level === level) &&
      (needle === '' || line.message.toLowerCase().includes(needle) || line.scope.toLowerCase().includes(needle)),
  );
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Local wall-clock time with milliseconds; the full timestamp goes in a tooltip. */
export function formatLogTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}
