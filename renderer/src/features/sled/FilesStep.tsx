import { useId, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { BrowseButton } from '../files/BrowseButton';
import { carriesFiles, droppedFiles, unplacedNote } from '../files/dropped-files';
import { anyFile } from '../files/file-dialogs';
import { RunCard } from './RunCard';
import { formatBytes, formatCount, formatTime, importStateLabels } from './sled-format';
import { addFiles, isRunning, parseFiles } from './sled-state';
import { useSled } from './sled-hooks';

/** Step 1: the export files to stage (paths on the machine running ops-console), or the files of the import reopened. */
export function FilesStep() {
  const currentId = useSled((s) => s.currentId);
  return (
    <div className="sled-step" data-testid="sled-files-step">
      {currentId === null ? <FilesForm /> : <CurrentFiles id={currentId} />}
      <RunCard kind="import" />
    </div>
  );
}

function FilesForm() {
  const textId = useId();
  const noteId = useId();
  const text = useSled((s) => s.filesText);
  const error = useSled((s) => s.filesError);
  const running = useSled(isRunning);
  const setText = useSled((s) => s.setFilesText);
  const start = useSled((s) => s.startImport);
  // Files dragged over the form (a drop adds their paths), and what a drop could not place.
  const [dragging, setDragging] = useState(false);
  const [dropNote, setDropNote] = useState<string | null>(null);
  return (
    <form
      className={`card sled-files${dragging ? ' sled-files--dragging' : ''}`}
      aria-label="Import files"
      onSubmit={(event) => {
        event.preventDefault();
        void start();
      }}
      onDragOver={(event) => {
        if (running || !carriesFiles(event.dataTransfer)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={(event) => {
        setDragging(false);
        if (running || !carriesFiles(event.dataTransfer)) return;
        event.preventDefault();
        const dropped = droppedFiles(event.dataTransfer);
        if (dropped.paths.length > 0) setText(addFiles(text, dropped.paths));
        setDropNote(unplacedNote(dropped.unplaced));
      }}
      data-testid="sled-files-form"
    >
      <h2 className="card__title">Choose the export files</h2>
      <label className="field-label" htmlFor={textId}>
        Export files
      </label>
      <textarea
        id={textId}
        className="text-input mono sled-files__input"
        value={text}
        onChange={(event) => setText(event.target.value)}
        rows={4}
        placeholder={'/srv/exports/fodi_ledger.jsonl\n/srv/exports/wallets.json'}
        spellCheck={false}
        autoComplete="off"
        aria-describedby={noteId}
        disabled={running}
        data-testid="sled-files-input"
      />
      <p className="field-note" id={noteId}>
        One path a line (in the desktop app, dropping the files here adds theirs): paths on the machine running
        ops-console, which reads the files itself. JSON Lines exports (a <span className="mono">sled-export</span>{' '}
        header, then one entry a line) and the JSON of <span className="mono">sled::Db::export()</span> are both read,
        streamed; several files make one import. Every entry is kept in a staging database in the data folder, with the
        reason when it cannot be loaded.
      </p>
      {dropNote ? (
        <div className="sled-warning" role="note" data-testid="sled-files-drop-note">
          {dropNote}
        </div>
      ) : null}
      {error ? <ErrorBox error={error} title="Cannot start the import" testId="sled-files-error" /> : null}
      <div className="sled-actions">
        <BrowseButton
          title="Choose Sled export files"
          choose="files"
          filters={[{ name: 'Sled exports', extensions: ['jsonl', 'ndjson', 'json'] }, anyFile]}
          current={parseFiles(text).at(-1) ?? ''}
          onPick={(paths) => setText(addFiles(text, paths))}
          disabled={running}
          testId="sled-files-browse"
        />
        <button className="button button--primary" type="submit" disabled={running} data-testid="sled-import-start">
          Import
        </button>
      </div>
    </form>
  );
}

function CurrentFiles({ id }: { id: string }) {
  const summary = useSled((s) => s.imports.find((i) => i.id === id) ?? null);
  const showError = useSled((s) => s.showError);
  const goTo = useSled((s) => s.goTo);
  const newImport = useSled((s) => s.newImport);
  const running = useSled(isRunning);
  return (
    <section className="card sled-files" aria-label="Files of this import">
      <h2 className="card__title">
        Files of import <span className="mono">{id}</span>
      </h2>
      {showError ? <ErrorBox error={showError} title="Could not read the import" testId="sled-show-error" /> : null}
      {summary ? (
        <>
          <ul className="sled-files__list">
            {summary.files.map((file) => (
              <li key={file.path}>
                <span className="mono">{file.path}</span>{' '}
                <span className="muted">
                  · {formatBytes(file.bytes)} · {formatCount(file.entries)} entries
                </span>
              </li>
            ))}
          </ul>
          <p className="field-note">
            Staged {formatTime(summary.createdAt)} — {importStateLabels[summary.state]}.
          </p>
          {summary.message ? (
            <div className="sled-warning" role="note" data-testid="sled-import-message">
              <strong>{summary.state === 'cancelled' ? 'The import was cancelled' : 'Staging failed'}:</strong>{' '}
              {summary.message}
            </div>
          ) : null}
        </>
      ) : null}
      <div className="sled-actions">
        {summary?.state === 'staged' ? (
          <button className="button button--primary" type="button" onClick={() => goTo('summary')}>
            Next: staging summary
          </button>
        ) : null}
        <button className="button" type="button" onClick={newImport} disabled={running}>
          Import other files
        </button>
      </div>
    </section>
  );
}
