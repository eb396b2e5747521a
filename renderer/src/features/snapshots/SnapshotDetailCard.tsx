import { useId } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { SaveAsButton } from '../files/BrowseButton';
import { IntegrityResult, SnapshotFacts, SnapshotMigrationsTable, SnapshotTablesTable } from './SnapshotInfo';
import { formatBytes } from './snapshot-format';
import { useSnapshots } from './snapshots-hooks';
import type { SnapshotAction } from './snapshots-state';

const actionTitles: Record<SnapshotAction, string> = {
  open: 'Could not open the snapshot',
  rename: 'Could not rename the snapshot',
  delete: 'Could not delete the snapshot',
  check: 'Could not check the snapshot',
  export: 'Could not export the snapshot',
};

/** The selected snapshot: its facts, tables and migrations, and rename, integrity check, export and delete. */
export function SnapshotDetailCard() {
  const id = useSnapshots((s) => s.selectedId);
  const summary = useSnapshots((s) => s.snapshots.find((item) => item.id === s.selectedId) ?? null);
  const detail = useSnapshots((s) => (s.selectedId ? s.details[s.selectedId] : undefined));
  const check = useSnapshots((s) => (s.selectedId ? s.checks[s.selectedId] : undefined));
  const busy = useSnapshots((s) => (s.selectedId ? s.busy[s.selectedId] : undefined));
  const failure = useSnapshots((s) => (s.selectedId ? s.errors[s.selectedId] : undefined));
  const exported = useSnapshots((s) => (s.selectedId ? s.exported[s.selectedId] : undefined));
  const renaming = useSnapshots((s) => (s.renaming?.id === s.selectedId ? s.renaming : null));
  const exportDraft = useSnapshots((s) => (s.exportDraft?.id === s.selectedId ? s.exportDraft : null));
  const runCheck = useSnapshots((s) => s.check);
  const startRename = useSnapshots((s) => s.startRename);
  const startExport = useSnapshots((s) => s.startExport);
  const askDelete = useSnapshots((s) => s.askDelete);
  const hide = useSnapshots((s) => s.hideDetails);
  if (!id || !summary) return null;

  return (
    <section className="card snapshot-detail" aria-label={`Snapshot ${summary.name}`} data-testid="snapshot-detail">
      <div className="snapshot-detail__head">
        <h2 className="card__title snapshot-detail__title" data-testid="snapshot-detail-name">
          {summary.name}
        </h2>
        <div className="snapshot-detail__actions">
          <button
            className="button button--small"
            type="button"
            onClick={() => startRename(id)}
            disabled={busy !== undefined || renaming !== null}
            data-testid="snapshot-rename"
          >
            Rename
          </button>
          <button
            className="button button--small"
            type="button"
            onClick={() => void runCheck(id)}
            disabled={check?.state === 'running'}
            title="PRAGMA integrity_check, the recorded row counts and the content hash"
            data-testid="snapshot-check"
          >
            {check?.state === 'running' ? 'Checking…' : 'Check integrity'}
          </button>
          <button
            className="button button--small"
            type="button"
            onClick={() => startExport(id)}
            disabled={busy !== undefined || exportDraft !== null}
            data-testid="snapshot-export"
          >
            Export…
          </button>
          <button
            className="button button--small button--quiet-danger"
            type="button"
            onClick={() => askDelete(id)}
            disabled={busy !== undefined}
            data-testid="snapshot-delete"
          >
            {busy === 'delete' ? 'Deleting…' : 'Delete…'}
          </button>
          <button className="button button--small" type="button" onClick={hide} aria-label="Hide details">
            ✕
          </button>
        </div>
      </div>

      {renaming ? <RenameForm /> : null}
      {exportDraft ? <ExportForm name={summary.name} /> : null}
      {exported && !exportDraft ? (
        <p className="snapshot-detail__note" role="status" data-testid="export-result">
          Exported {formatBytes(exported.bytes)} to <span className="mono">{exported.file}</span> on the machine running
          ops-console.
        </p>
      ) : null}
      {failure ? (
        <ErrorBox error={failure.error} title={actionTitles[failure.action]} testId="snapshot-action-error" />
      ) : null}
      {check?.state === 'done' ? <IntegrityResult result={check.value} /> : null}
      {check?.state === 'failed' ? (
        <ErrorBox error={check.error} title="The integrity check could not run" testId="integrity-error" />
      ) : null}

      {detail?.state === 'running' ? <p className="muted">Reading the snapshot…</p> : null}
      {detail?.state === 'failed' ? (
        <ErrorBox error={detail.error} title="Could not read the snapshot" testId="snapshot-detail-error" />
      ) : null}
      {detail?.state === 'done' ? (
        <>
          <SnapshotFacts detail={detail.value} />
          <h3 className="card__subtitle">
            Tables <span className="count">{detail.value.tables.length}</span>
          </h3>
          <SnapshotTablesTable detail={detail.value} />
          <h3 className="card__subtitle">
            Migration history <span className="count">{detail.value.migrations.length}</span>
          </h3>
          <SnapshotMigrationsTable detail={detail.value} />
        </>
      ) : null}
    </section>
  );
}

function RenameForm() {
  const inputId = useId();
  const renaming = useSnapshots((s) => s.renaming);
  const busy = useSnapshots((s) => (s.renaming ? s.busy[s.renaming.id] : undefined));
  const setText = useSnapshots((s) => s.setRenameText);
  const cancel = useSnapshots((s) => s.cancelRename);
  const confirm = useSnapshots((s) => s.confirmRename);
  if (!renaming) return null;
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        void confirm();
      }}
      data-testid="rename-form"
    >
      <label className="field-label" htmlFor={inputId}>
        New name
      </label>
      <input
        id={inputId}
        className="text-input inline-form__input"
        type="text"
        value={renaming.name}
        onChange={(event) => setText(event.target.value)}
        maxLength={200}
        autoFocus
        autoComplete="off"
        data-testid="rename-input"
      />
      <button className="button button--small button--primary" type="submit" disabled={busy !== undefined}>
        {busy === 'rename' ? 'Saving…' : 'Save'}
      </button>
      <button className="button button--small" type="button" onClick={cancel}>
        Cancel
      </button>
    </form>
  );
}

function ExportForm({ name }: { name: string }) {
  const inputId = useId();
  const noteId = useId();
  const draft = useSnapshots((s) => s.exportDraft);
  const busy = useSnapshots((s) => (s.exportDraft ? s.busy[s.exportDraft.id] : undefined));
  const setFile = useSnapshots((s) => s.setExportFile);
  const cancel = useSnapshots((s) => s.cancelExport);
  const confirm = useSnapshots((s) => s.confirmExport);
  if (!draft) return null;
  const suggestion = `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.snapshot`;
  return (
    <form
      className="inline-form inline-form--stacked"
      onSubmit={(event) => {
        event.preventDefault();
        void confirm();
      }}
      data-testid="export-form"
    >
      <div className="inline-form__row">
        <label className="field-label" htmlFor={inputId}>
          Export to
        </label>
        <input
          id={inputId}
          className="text-input mono inline-form__input"
          type="text"
          value={draft.file}
          onChange={(event) => setFile(event.target.value)}
          placeholder={`/path/on/that/machine/${suggestion}`}
          aria-describedby={noteId}
          spellCheck={false}
          autoFocus
          autoComplete="off"
          data-testid="export-path"
        />
        <SaveAsButton
          title="Export the snapshot to"
          defaultPath={draft.file.trim() || suggestion}
          filters={[{ name: 'Snapshots', extensions: ['snapshot'] }]}
          onPick={setFile}
          disabled={busy !== undefined}
          testId="export-choose"
        />
        <button
          className="button button--small button--primary"
          type="submit"
          disabled={busy !== undefined}
          data-testid="export-confirm"
        >
          {busy === 'export' ? 'Exporting…' : 'Export'}
        </button>
        <button className="button button--small" type="button" onClick={cancel}>
          Cancel
        </button>
      </div>
      <p className="field-note" id={noteId}>
        A path on the machine running ops-console (where its data folder is), not a download to this browser. An
        existing file is never overwritten.
      </p>
    </form>
  );
}
