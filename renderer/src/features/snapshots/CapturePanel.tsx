import { useId } from 'react';
import type { ConnectionRef } from '../../../../common/profiles';
import { ErrorBox } from '../../components/ErrorBox';
import { RunCard } from '../../components/RunCard';
import { useNow } from '../backend/use-now';
import { CaptureProgressView } from './CaptureProgressView';
import { formatBytes, formatCount, plural } from './snapshot-format';
import { useSnapshots } from './snapshots-hooks';
import { isCapturing } from './snapshots-store';

export interface CaptureFormCardProps {
  connection: ConnectionRef;
  /** The active connection as the UI names it. */
  label: string;
}

/** "New snapshot" of the active connection: name, tables pattern, rows per table. */
export function CaptureFormCard({ connection, label }: CaptureFormCardProps) {
  const nameId = useId();
  const tablesId = useId();
  const rowsId = useId();
  const form = useSnapshots((s) => s.captureForm);
  const error = useSnapshots((s) => s.captureFormError);
  const capturing = useSnapshots(isCapturing);
  const update = useSnapshots((s) => s.updateCaptureForm);
  const close = useSnapshots((s) => s.closeCaptureForm);
  const start = useSnapshots((s) => s.startCapture);
  if (!form) return null;
  return (
    <form
      className="card capture-form"
      aria-label="New snapshot"
      data-testid="capture-form"
      onSubmit={(event) => {
        event.preventDefault();
        void start(connection, label);
      }}
    >
      <h2 className="card__title">
        New snapshot of <span className="mono">{label}</span>
      </h2>
      <div className="capture-form__fields">
        <div className="capture-form__field">
          <label className="field-label" htmlFor={nameId}>
            Name
          </label>
          <input
            id={nameId}
            className="text-input"
            type="text"
            value={form.name}
            onChange={(event) => update({ name: event.target.value })}
            placeholder="database and time"
            maxLength={200}
            autoComplete="off"
            data-testid="capture-name"
          />
          <span className="field-note">Optional; the database name and the time by default.</span>
        </div>
        <div className="capture-form__field capture-form__field--wide">
          <label className="field-label" htmlFor={tablesId}>
            Tables
          </label>
          <input
            id={tablesId}
            className="text-input mono"
            type="text"
            value={form.tables}
            onChange={(event) => update({ tables: event.target.value })}
            placeholder="every table"
            spellCheck={false}
            autoComplete="off"
            data-testid="capture-tables-input"
          />
          <span className="field-note">
            Comma-separated <span className="mono">schema.table</span> patterns with <span className="mono">*</span> and{' '}
            <span className="mono">?</span>, e.g. <span className="mono">ai.*,analytics.events</span>. Every table when
            empty; other relations keep their definition only.
          </span>
        </div>
        <div className="capture-form__field">
          <label className="field-label" htmlFor={rowsId}>
            Rows per table
          </label>
          <input
            id={rowsId}
            className="text-input"
            type="text"
            inputMode="numeric"
            value={form.rowsPerTable}
            onChange={(event) => update({ rowsPerTable: event.target.value })}
            placeholder="all rows"
            autoComplete="off"
            data-testid="capture-rows-input"
          />
          <span className="field-note">A table cut short is marked truncated and is left out of row diffs.</span>
        </div>
      </div>
      {error ? <ErrorBox error={error} title="Cannot start the capture" testId="capture-form-error" /> : null}
      <div className="capture-form__actions">
        <button className="button button--primary" type="submit" disabled={capturing} data-testid="capture-start">
          Start capture
        </button>
        <button className="button" type="button" onClick={close} data-testid="capture-form-cancel">
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The capture going on (or just finished): live progress, Cancel, and what came of it. */
export function CaptureProgressCard({ onOpen }: { onOpen(id: string): void }) {
  const capture = useSnapshots((s) => s.capture);
  const cancel = useSnapshots((s) => s.cancelCapture);
  const dismiss = useSnapshots((s) => s.dismissCapture);
  const running = capture !== null && capture.outcome === null;
  const now = useNow(250, running);
  if (!capture) return null;
  const { outcome } = capture;
  const elapsedMs = outcome?.kind === 'done' ? outcome.elapsedMs : Math.max(0, now - capture.startedAt);
  const state = outcome ? outcome.kind : 'running';
  const title =
    state === 'running'
      ? capture.cancelling
        ? 'Cancelling the capture…'
        : 'Capturing'
      : state === 'done'
        ? 'Captured'
        : state === 'cancelled'
          ? 'Capture cancelled'
          : 'Capture failed';
  return (
    <RunCard
      state={state}
      heading="h2"
      title={
        <>
          {title} <span className="mono">{capture.sourceLabel}</span>
        </>
      }
      ariaLabel="Snapshot capture"
      testId="capture-progress"
      cancelling={capture.cancelling}
      onCancel={() => void cancel()}
      onDismiss={dismiss}
      buttonTestId="capture"
    >
      <CaptureProgressView
        progress={capture.progress}
        elapsedMs={elapsedMs}
        running={running}
        done={outcome?.kind === 'done'}
      />
      {capture.cancelError ? (
        <ErrorBox
          error={capture.cancelError}
          title="Cancel failed — the capture still runs"
          testId="capture-cancel-error"
        />
      ) : null}
      {outcome?.kind === 'done' ? (
        <div className="capture-progress__outcome" data-testid="capture-outcome">
          <p>
            Saved snapshot <strong>{outcome.summary.name}</strong>: {plural(outcome.summary.tableCount, 'table')},{' '}
            {formatCount(outcome.summary.rowCount)} rows, {formatBytes(outcome.summary.fileBytes)}.
          </p>
          <button
            className="button button--small button--primary"
            type="button"
            onClick={() => onOpen(outcome.summary.id)}
            data-testid="capture-open"
          >
            Open
          </button>
        </div>
      ) : outcome?.kind === 'cancelled' ? (
        <p className="capture-progress__outcome" data-testid="capture-outcome">
          Cancelled: nothing was saved, and the unfinished file was removed.
        </p>
      ) : outcome?.kind === 'failed' ? (
        <ErrorBox error={outcome.error} title="The capture failed — nothing was saved" testId="capture-error" />
      ) : null}
    </RunCard>
  );
}
