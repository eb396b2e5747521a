/** How a SnapshotDiff is shown: grouping, what counts as changed, and labels. Pure functions. */
import type {
  DiffChange,
  DiffObject,
  DiffObjectKind,
  DiffSide,
  RowDiff,
  SnapshotDiff,
} from '../../../../common/snapshots';
import { formatCapturedAt } from './snapshot-format';

/** The order kinds are listed in: containers first, then what hangs off them. */
export const diffKindOrder: readonly DiffObjectKind[] = [
  'schema',
  'table',
  'view',
  'materialized view',
  'column',
  'index',
  'constraint',
  'foreign key',
  'trigger',
  'function',
  'sequence',
  'enum',
];

export interface KindGroup<T extends DiffObject> {
  kind: DiffObjectKind;
  items: T[];
}

/** Objects grouped by kind in diffKindOrder, each group sorted by name. */
export function groupByKind<T extends DiffObject>(objects: readonly T[]): KindGroup<T>[] {
  const groups = new Map<DiffObjectKind, T[]>();
  for (const object of objects) {
    const list = groups.get(object.kind) ?? [];
    list.push(object);
    groups.set(object.kind, list);
  }
  return diffKindOrder
    .filter((kind) => groups.has(kind))
    .map((kind) => ({ kind, items: [...(groups.get(kind) ?? [])].sort((a, b) => a.name.localeCompare(b.name)) }));
}

/** A value that reads better as a block than inline: several lines, or long (function bodies, view definitions). */
export function isLongText(value: string | null): boolean {
  return value !== null && (value.includes('\n') || value.length > 80);
}

/** Whether any attribute of a change needs the side-by-side block. */
export function hasLongValue(change: DiffChange['changes'][number]): boolean {
  return isLongText(change.before) || isLongText(change.after);
}

export function schemaChangeCount(diff: Pick<SnapshotDiff, 'schema'>): number {
  return diff.schema.added.length + diff.schema.removed.length + diff.schema.changed.length;
}

export interface RowCountLine {
  table: string;
  left: number | null;
  right: number | null;
  /** right − left, null when the table is on one side only. */
  delta: number | null;
  differs: boolean;
}

/** Row counts per table; only the tables whose count differs unless `all`. */
export function rowCountLines(diff: Pick<SnapshotDiff, 'rowCounts'>, all: boolean): RowCountLine[] {
  return diff.rowCounts
    .map((c) => ({
      table: c.table,
      left: c.left,
      right: c.right,
      delta: c.left !== null && c.right !== null ? c.right - c.left : null,
      differs: c.left !== c.right,
    }))
    .filter((line) => all || line.differs);
}

/** Which cells of a changed row differ (same length as the row). */
export function changedCells(before: readonly (string | null)[], after: readonly (string | null)[]): boolean[] {
  const length = Math.max(before.length, after.length);
  return Array.from({ length }, (_, i) => before[i] !== after[i]);
}

export interface RowDiffCounts {
  added: number;
  removed: number;
  changed: number;
  /** Some rows were left out of the report (it holds the lowest keys only). */
  capped: boolean;
}

/** The full counts of a row diff (main caps the rows it sends; the counts are for all). */
export function rowDiffCounts(rows: RowDiff): RowDiffCounts {
  const added = rows.addedCount ?? rows.added.length;
  const removed = rows.removedCount ?? rows.removed.length;
  const changed = rows.changedCount ?? rows.changed.length;
  return {
    added,
    removed,
    changed,
    capped: added > rows.added.length || removed > rows.removed.length || changed > rows.changed.length,
  };
}

/** Tables with rows to show, and tables skipped (with the reason), apart; tables with no difference are left out. */
export function splitRowDiffs(rows: readonly RowDiff[]): { differing: RowDiff[]; skipped: RowDiff[]; same: number } {
  const differing: RowDiff[] = [];
  const skipped: RowDiff[] = [];
  let same = 0;
  for (const r of rows) {
    if (r.skipped !== null) skipped.push(r);
    else {
      const c = rowDiffCounts(r);
      if (c.added + c.removed + c.changed > 0) differing.push(r);
      else same++;
    }
  }
  return { differing, skipped, same };
}

/** "snapshot before-deploy (2026-03-01 12:00:00)" or "live app (2026-03-01 12:05:00)". */
export function sideLabel(side: DiffSide): string {
  return side.kind === 'snapshot'
    ? `snapshot ${side.name} (${formatCapturedAt(side.capturedAt)})`
    : `live ${side.database} (${formatCapturedAt(side.at)})`;
}

/** The short name of a side for column headers. */
export function sideShortLabel(side: DiffSide): string {
  return side.kind === 'snapshot' ? side.name : `live ${side.database}`;
}
