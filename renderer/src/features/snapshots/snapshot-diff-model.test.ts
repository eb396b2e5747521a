import { describe, expect, it } from 'vitest';
import {
  changedCells,
  groupByKind,
  hasLongValue,
  isLongText,
  rowCountLines,
  rowDiffCounts,
  schemaChangeCount,
  sideLabel,
  splitRowDiffs,
} from './snapshot-diff-model';
import { rowDiff, snapshotDiff } from './snapshot-fixtures';

describe('snapshot diff model', () => {
  it('groups objects by kind, containers first, names sorted', () => {
    const groups = groupByKind([
      { kind: 'index', name: 'ai.b_idx' },
      { kind: 'column', name: 'ai.t.z' },
      { kind: 'index', name: 'ai.a_idx' },
      { kind: 'table', name: 'ai.t' },
    ]);
    expect(groups.map((g) => g.kind)).toEqual(['table', 'column', 'index']);
    expect(groups[2]?.items.map((i) => i.name)).toEqual(['ai.a_idx', 'ai.b_idx']);
  });

  it('shows several lines or long values as blocks', () => {
    expect(isLongText('integer')).toBe(false);
    expect(isLongText(null)).toBe(false);
    expect(isLongText('BEGIN\n  RETURN 1;\nEND')).toBe(true);
    expect(isLongText('x'.repeat(81))).toBe(true);
    expect(hasLongValue({ what: 'body', before: 'short', after: 'a\nb' })).toBe(true);
  });

  it('lists only the row counts that differ unless all are asked for', () => {
    const diff = snapshotDiff({
      rowCounts: [
        { table: 'a.same', left: 5, right: 5 },
        { table: 'a.grew', left: 5, right: 7 },
        { table: 'a.new', left: null, right: 3 },
      ],
    });
    expect(rowCountLines(diff, false).map((l) => [l.table, l.delta])).toEqual([
      ['a.grew', 2],
      ['a.new', null],
    ]);
    expect(rowCountLines(diff, true)).toHaveLength(3);
  });

  it('marks the cells that changed, NULL and empty text told apart', () => {
    expect(changedCells(['1', 'a', null, ''], ['1', 'b', '', ''])).toEqual([false, true, true, false]);
  });

  it('takes the full counts over the capped lists', () => {
    const capped = rowDiff('a.t', { added: [['1', 'x']], addedCount: 700, removedCount: 0, changedCount: 0 });
    expect(rowDiffCounts(capped)).toEqual({ added: 700, removed: 0, changed: 0, capped: true });
    expect(rowDiffCounts(rowDiff('a.t', { removed: [['2', 'y']] }))).toEqual({
      added: 0,
      removed: 1,
      changed: 0,
      capped: false,
    });
  });

  it('separates tables with differences, skipped tables and tables that are the same', () => {
    const split = splitRowDiffs([
      rowDiff('a.same'),
      rowDiff('a.nopk', { skipped: 'no primary key', keyColumns: [] }),
      rowDiff('a.diff', { changed: [{ key: ['1'], before: ['1', 'a'], after: ['1', 'b'] }] }),
    ]);
    expect(split.differing.map((r) => r.table)).toEqual(['a.diff']);
    expect(split.skipped.map((r) => r.table)).toEqual(['a.nopk']);
    expect(split.same).toBe(1);
  });

  it('counts schema changes and names the sides', () => {
    const diff = snapshotDiff({
      schema: {
        added: [{ kind: 'column', name: 'ai.t.c' }],
        removed: [{ kind: 'index', name: 'ai.t_idx' }],
        changed: [{ kind: 'function', name: 'ai.f()', changes: [{ what: 'body', before: 'a', after: 'b' }] }],
      },
    });
    expect(schemaChangeCount(diff)).toBe(3);
    expect(sideLabel(diff.left)).toMatch(/^snapshot before \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)$/);
    expect(sideLabel(diff.right)).toMatch(/^live app \(/);
  });
});
