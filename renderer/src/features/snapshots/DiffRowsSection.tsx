import type { RowDiff, SnapshotDiff } from '../../../../common/snapshots';
import { changedCells, rowDiffCounts, sideShortLabel, splitRowDiffs } from './snapshot-diff-model';
import { formatCount, plural } from './snapshot-format';

type Cell = string | null;

function Cells({
  values,
  highlight,
  side,
}: {
  values: readonly Cell[] | null;
  highlight?: readonly boolean[];
  side: string;
}) {
  if (values === null) return null;
  return (
    <>
      {values.map((v, i) => {
        const changed = highlight?.[i] ?? false;
        const classes = [
          'row-diff__cell',
          `row-diff__cell--${side}`,
          i === 0 ? 'row-diff__cell--first' : '',
          v === null ? 'row-diff__cell--null' : '',
          changed ? 'row-diff__cell--changed' : '',
        ]
          .filter(Boolean)
          .join(' ');
        return (
          <td key={i} className={classes} data-changed={changed || undefined}>
            {v === null ? 'NULL' : v}
          </td>
        );
      })}
    </>
  );
}

function Absent({ columns, side }: { columns: number; side: string }) {
  return (
    <td className={`row-diff__cell row-diff__cell--${side} row-diff__cell--first row-diff__absent`} colSpan={columns}>
      not on this side
    </td>
  );
}

/** One table's rows side by side: removed (left only), added (right only), changed with the changed cells marked. */
function RowDiffTable({ rows, left, right }: { rows: RowDiff; left: string; right: string }) {
  const n = rows.columns.length;
  const counts = rowDiffCounts(rows);
  return (
    <section className="row-diff" data-testid="row-diff" data-table={rows.table}>
      <h4 className="row-diff__title">
        <span className="mono">{rows.table}</span>
        <span className="row-diff__counts" data-testid="row-diff-counts">
          <span className="row-diff__count row-diff__count--removed">{formatCount(counts.removed)} removed</span>
          <span className="row-diff__count row-diff__count--added">{formatCount(counts.added)} added</span>
          <span className="row-diff__count row-diff__count--changed">{formatCount(counts.changed)} changed</span>
        </span>
        <span className="row-diff__key">
          key <span className="mono">{rows.keyColumns.join(', ')}</span>
        </span>
      </h4>
      {counts.capped ? (
        <p className="field-note">
          Showing the first {formatCount(rows.removed.length)} removed, {formatCount(rows.added.length)} added and{' '}
          {formatCount(rows.changed.length)} changed rows by key.
        </p>
      ) : null}
      <div className="table-wrap row-diff__wrap">
        <table className="data-table row-diff__table">
          <thead>
            <tr>
              <th rowSpan={2} className="row-diff__kind-head">
                <span className="visually-hidden">Change</span>
              </th>
              <th colSpan={n} className="row-diff__side-head row-diff__side-head--left">
                {left}
              </th>
              <th colSpan={n} className="row-diff__side-head row-diff__side-head--right">
                {right}
              </th>
            </tr>
            <tr>
              {rows.columns.map((c, i) => (
                <th key={`l${c}`} className={i === 0 ? 'row-diff__col row-diff__cell--first' : 'row-diff__col'}>
                  {c}
                </th>
              ))}
              {rows.columns.map((c, i) => (
                <th key={`r${c}`} className={i === 0 ? 'row-diff__col row-diff__cell--first' : 'row-diff__col'}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.removed.map((row, i) => (
              <tr key={`removed-${i}`} className="row-diff__row row-diff__row--removed" data-testid="row-removed">
                <td className="row-diff__kind" title="Only on the left: removed">
                  −
                </td>
                <Cells values={row} side="left" />
                <Absent columns={n} side="right" />
              </tr>
            ))}
            {rows.added.map((row, i) => (
              <tr key={`added-${i}`} className="row-diff__row row-diff__row--added" data-testid="row-added">
                <td className="row-diff__kind" title="Only on the right: added">
                  +
                </td>
                <Absent columns={n} side="left" />
                <Cells values={row} side="right" />
              </tr>
            ))}
            {rows.changed.map((change, i) => {
              const marks = changedCells(change.before, change.after);
              return (
                <tr
                  key={`changed-${i}`}
                  className="row-diff__row row-diff__row--changed"
                  data-testid="row-changed"
                  data-key={change.key.join(',')}
                >
                  <td className="row-diff__kind" title="On both sides, changed">
                    ~
                  </td>
                  <Cells values={change.before} highlight={marks} side="left" />
                  <Cells values={change.after} highlight={marks} side="right" />
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Row differences per table, and the tables that were not compared row by row with the reason. Props only. */
export function DiffRowsSection({ diff }: { diff: SnapshotDiff }) {
  const { differing, skipped, same } = splitRowDiffs(diff.rows);
  const left = sideShortLabel(diff.left);
  const right = sideShortLabel(diff.right);
  return (
    <section className="card diff-rows" aria-label="Row differences" data-testid="diff-rows">
      <h3 className="card__title">
        Rows{' '}
        <span className="count">{differing.length === 0 ? 'no differences' : plural(differing.length, 'table')}</span>
      </h3>
      {differing.length === 0 ? (
        <p className="muted">
          {same > 0
            ? `The ${plural(same, 'table')} compared row by row hold the same rows.`
            : 'No table was compared row by row.'}
        </p>
      ) : (
        differing.map((rows) => <RowDiffTable key={rows.table} rows={rows} left={left} right={right} />)
      )}
      {same > 0 && differing.length > 0 ? (
        <p className="field-note">{plural(same, 'other table')} compared row by row with no difference.</p>
      ) : null}
      {skipped.length > 0 ? (
        <div className="diff-skipped">
          <h4 className="diff-group__kind">
            Not compared row by row <span className="count">{skipped.length}</span>
          </h4>
          <ul className="diff-skipped__list">
            {skipped.map((r) => (
              <li key={r.table} data-testid="row-diff-skipped" data-table={r.table}>
                <span className="mono">{r.table}</span> — {r.skipped}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
