import { useEffect, useId } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useConnections } from '../../stores';
import { activeProfileOf } from '../connections/connections-store';
import { formatMs } from '../migrations/migration-format';
import { DiffRowCounts } from './DiffRowCounts';
import { DiffRowsSection } from './DiffRowsSection';
import { DiffSchemaSection } from './DiffSchemaSection';
import { schemaChangeCount, sideLabel, splitRowDiffs } from './snapshot-diff-model';
import { LIVE } from './snapshot-diff-store';
import { formatCapturedAt, formatCount, plural } from './snapshot-format';
import { useSnapshotDiff, useSnapshots } from './snapshots-hooks';

/** Pick two sides (a snapshot, and another one or the live database) and show what differs between them. */
export function DiffView() {
  const result = useSnapshotDiff((s) => s.result);
  return (
    <div className="diff" data-testid="snapshot-diff">
      <DiffForm />
      {result ? <DiffResult /> : null}
    </div>
  );
}

function DiffForm() {
  const leftId = useId();
  const rightId = useId();
  const limitId = useId();
  const snapshots = useSnapshots((s) => s.snapshots);
  const live = useConnections((s) => s.activeConnection);
  const liveLabel = useConnections(
    (s) => s.activeStatus?.label ?? activeProfileOf(s)?.name ?? s.adHoc?.listing.target ?? 'active connection',
  );
  const left = useSnapshotDiff((s) => s.left);
  const right = useSnapshotDiff((s) => s.right);
  const rowLimit = useSnapshotDiff((s) => s.rowLimit);
  const running = useSnapshotDiff((s) => s.running);
  const error = useSnapshotDiff((s) => s.error);
  const setLeft = useSnapshotDiff((s) => s.setLeft);
  const setRight = useSnapshotDiff((s) => s.setRight);
  const setRowLimit = useSnapshotDiff((s) => s.setRowLimit);
  const sync = useSnapshotDiff((s) => s.syncChoices);
  const compare = useSnapshotDiff((s) => s.compare);

  const liveAvailable = live !== null;
  useEffect(() => sync(snapshots, liveAvailable), [snapshots, liveAvailable, sync]);

  if (snapshots.length === 0) {
    return (
      <p className="muted" data-testid="diff-empty">
        There is no snapshot to compare yet: capture one (or import one) first.
      </p>
    );
  }
  const option = (id: string) => {
    const s = snapshots.find((x) => x.id === id);
    // The name and time first: a long database name is what the select cuts.
    return s ? `${s.name} — ${formatCapturedAt(s.startedAt)} — ${s.database}` : id;
  };
  return (
    <form
      className="card diff-form"
      aria-label="Compare"
      onSubmit={(event) => {
        event.preventDefault();
        void compare(live);
      }}
      data-testid="diff-form"
    >
      <div className="diff-form__fields">
        <div className="diff-form__field">
          <label className="field-label" htmlFor={leftId}>
            Left (before)
          </label>
          <select
            id={leftId}
            className="select"
            value={left ?? ''}
            onChange={(event) => setLeft(event.target.value)}
            data-testid="diff-left"
          >
            {left === null ? <option value="">Pick a snapshot</option> : null}
            {snapshots.map((s) => (
              <option key={s.id} value={s.id}>
                {option(s.id)}
              </option>
            ))}
          </select>
        </div>
        <span className="diff-form__arrow" aria-hidden="true">
          →
        </span>
        <div className="diff-form__field">
          <label className="field-label" htmlFor={rightId}>
            Right (after)
          </label>
          <select
            id={rightId}
            className="select"
            value={right ?? ''}
            onChange={(event) => setRight(event.target.value)}
            data-testid="diff-right"
          >
            {right === null ? <option value="">Pick a side</option> : null}
            {liveAvailable ? <option value={LIVE}>live: {liveLabel}</option> : null}
            {snapshots.map((s) => (
              <option key={s.id} value={s.id} disabled={s.id === left}>
                {option(s.id)}
              </option>
            ))}
          </select>
        </div>
        <div className="diff-form__field diff-form__field--narrow">
          <label className="field-label" htmlFor={limitId}>
            Row limit
          </label>
          <input
            id={limitId}
            className="text-input"
            type="text"
            inputMode="numeric"
            value={rowLimit}
            onChange={(event) => setRowLimit(event.target.value)}
            data-testid="diff-row-limit"
          />
        </div>
        <button
          className="button button--primary diff-form__go"
          type="submit"
          disabled={running}
          data-testid="diff-run"
        >
          {running ? 'Comparing…' : 'Compare'}
        </button>
      </div>
      <p className="field-note">
        Schema objects and row counts are always compared. Rows are compared for tables with a primary key and at most
        the row limit of rows on both sides{liveAvailable ? '' : '; connect to a database to compare with live'}.
      </p>
      {error ? <ErrorBox error={error} title="Cannot compare" testId="diff-error" /> : null}
    </form>
  );
}

function DiffResult() {
  const result = useSnapshotDiff((s) => s.result);
  const showAll = useSnapshotDiff((s) => s.showAllCounts);
  const setShowAll = useSnapshotDiff((s) => s.setShowAllCounts);
  if (!result) return null;
  const { diff } = result;
  const changes = schemaChangeCount(diff);
  const countsDiffer = diff.rowCounts.filter((c) => c.left !== c.right).length;
  const rows = splitRowDiffs(diff.rows);
  return (
    <div className="diff-result" data-testid="diff-result">
      <section className="card diff-summary" aria-label="Summary">
        <p className="diff-summary__sides">
          <span className="diff-side diff-side--left" data-testid="diff-left-label">
            {sideLabel(diff.left)}
          </span>
          <span className="diff-summary__arrow" aria-hidden="true">
            →
          </span>
          <span className="diff-side diff-side--right" data-testid="diff-right-label">
            {sideLabel(diff.right)}
          </span>
        </p>
        <p className="diff-summary__counts" data-testid="diff-summary">
          {changes === 0 ? 'No schema change' : plural(changes, 'schema change')} ·{' '}
          {countsDiffer === 0 ? 'row counts equal' : `${plural(countsDiffer, 'table')} with a different row count`} ·{' '}
          {rows.differing.length === 0
            ? 'no row differences'
            : `row differences in ${plural(rows.differing.length, 'table')}`}
          {rows.skipped.length > 0 ? ` · ${plural(rows.skipped.length, 'table')} not compared row by row` : ''} ·{' '}
          compared in {formatMs(result.elapsedMs)} (row limit {formatCount(result.rowLimit)})
        </p>
      </section>
      <DiffSchemaSection diff={diff} />
      <DiffRowCounts diff={diff} showAll={showAll} onShowAll={setShowAll} />
      <DiffRowsSection diff={diff} />
    </div>
  );
}
