/** How the Snapshots section writes times, sizes, rates and capture progress. Pure functions. */
import type { CapturePhase, CaptureProgress, SnapshotSummary } from '../../../../common/snapshots';
import { formatInstalledOn } from '../migrations/migration-format';

export { formatBytes } from '../schema/catalog-lookup';

/** When a snapshot was captured, as local "YYYY-MM-DD HH:MM:SS". */
export function formatCapturedAt(iso: string): string {
  return formatInstalledOn(iso);
}

/** 1234 → "1,234"; the recorded counts are plain numbers. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Rows per second, rounded to what a person reads: "850 rows/s", "12.4k rows/s", "1.2M rows/s". */
export function formatRate(rowsPerSecond: number): string {
  if (!Number.isFinite(rowsPerSecond) || rowsPerSecond <= 0) return '0 rows/s';
  if (rowsPerSecond < 1000) return `${Math.round(rowsPerSecond)} rows/s`;
  if (rowsPerSecond < 1_000_000) return `${(rowsPerSecond / 1000).toFixed(rowsPerSecond < 10_000 ? 1 : 0)}k rows/s`;
  return `${(rowsPerSecond / 1_000_000).toFixed(1)}M rows/s`;
}

/** Seconds left as "about 5 s", "about 2 min 10 s", "about 1 h 05 min"; "unknown" when main cannot tell. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return 'unknown';
  const s = Math.round(seconds);
  if (s < 1) return 'under a second';
  if (s < 60) return `about ${s} s`;
  if (s < 3600) return `about ${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `about ${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export const phaseLabels: Record<CapturePhase, string> = {
  catalog: 'Reading the catalog',
  tables: 'Copying tables',
  finishing: 'Finishing (hashing and indexing the file)',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/**
 * How far a capture is, 0..1: the catalog is the first sliver, the tables the bulk, finishing the last. Within
 * the tables, by rows when main can estimate the time left (rows done against rows done plus the rows the rate
 * and the time left stand for), else by tables done: one big table among small ones would make that jump.
 */
export function captureFraction(
  progress: Pick<CaptureProgress, 'phase' | 'tablesDone' | 'tablesTotal' | 'rowsDone' | 'rowsPerSecond' | 'etaSeconds'>,
): number {
  switch (progress.phase) {
    case 'catalog':
      return 0.02;
    case 'tables': {
      const { rowsDone, rowsPerSecond, etaSeconds } = progress;
      if (etaSeconds !== null && rowsPerSecond > 0 && rowsDone > 0) {
        return 0.02 + 0.95 * Math.min(1, rowsDone / (rowsDone + etaSeconds * rowsPerSecond));
      }
      return progress.tablesTotal > 0 ? 0.02 + 0.95 * Math.min(1, progress.tablesDone / progress.tablesTotal) : 0.02;
    }
    case 'finishing':
      return 0.98;
    case 'done':
      return 1;
    case 'failed':
    case 'cancelled':
      return progress.tablesTotal > 0 ? Math.min(1, progress.tablesDone / progress.tablesTotal) : 0;
  }
}

/** "ai.*,analytics.events" or "every table", with the row limit. */
export function describeSelection(summary: Pick<SnapshotSummary, 'tablePattern' | 'rowLimit'>): string {
  const tables = summary.tablePattern ? `tables ${summary.tablePattern}` : 'every table';
  const rows = summary.rowLimit === null ? 'all rows' : `at most ${plural(summary.rowLimit, 'row')} per table`;
  return `${tables}, ${rows}`;
}
