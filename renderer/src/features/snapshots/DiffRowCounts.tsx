import type { SnapshotDiff } from '../../../../common/snapshots';
import { rowCountLines, sideShortLabel } from './snapshot-diff-model';
import { formatCount } from './snapshot-format';

export interface DiffRowCountsProps {
  diff: SnapshotDiff;
  showAll: boolean;
  onShowAll(all: boolean): void;
}

const count = (n: number | null) => (n === null ? '—' : formatCount(n));
const signed = (n: number) => (n > 0 ? `+${formatCount(n)}` : formatCount(n));

/** Row counts per table on both sides: those that differ, or all. Props only. */
export function DiffRowCounts({ diff, showAll, onShowAll }: DiffRowCountsProps) {
  const lines = rowCountLines(diff, showAll);
  const differing = diff.rowCounts.filter((c) => c.left !== c.right).length;
  return (
    <section className="card diff-counts" aria-label="Row counts" data-testid="diff-counts">
      <div className="diff-section__head">
        <h3 className="card__title">
          Row counts{' '}
          <span className="count">
            {differing} of {diff.rowCounts.length} differ
          </span>
        </h3>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={showAll}
            onChange={(event) => onShowAll(event.target.checked)}
            data-testid="diff-counts-all"
          />
          All tables
        </label>
      </div>
      {lines.length === 0 ? (
        <p className="muted">Every table has the same number of rows on both sides.</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <thead>
              <tr>
                <th>Table</th>
                <th className="num">{sideShortLabel(diff.left)}</th>
                <th className="num">{sideShortLabel(diff.right)}</th>
                <th className="num">Change</th>
              </tr>
            </thead>
            <tbody>
              {lines.map((line) => (
                <tr
                  key={line.table}
                  className={line.differs ? 'diff-count diff-count--differs' : 'diff-count'}
                  data-testid="diff-count-row"
                  data-table={line.table}
                  data-differs={line.differs}
                >
                  <td className="mono">{line.table}</td>
                  <td className="num">{count(line.left)}</td>
                  <td className="num">{count(line.right)}</td>
                  <td className="num">
                    {line.delta !== null
                      ? line.delta === 0
                        ? '='
                        : signed(line.delta)
                      : line.left === null
                        ? 'new'
                        : 'gone'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
