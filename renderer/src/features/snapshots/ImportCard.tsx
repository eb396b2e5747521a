import { useId } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { BrowseButton } from '../files/BrowseButton';
import { anyFile } from '../files/file-dialogs';
import { useSnapshots } from './snapshots-hooks';

/** Import a snapshot file by its path on the machine running ops-console; refusals are shown with main's reason. */
export function ImportCard() {
  const inputId = useId();
  const noteId = useId();
  const open = useSnapshots((s) => s.importOpen);
  const file = useSnapshots((s) => s.importFile);
  const importing = useSnapshots((s) => s.importing);
  const error = useSnapshots((s) => s.importError);
  const setFile = useSnapshots((s) => s.setImportFile);
  const close = useSnapshots((s) => s.closeImport);
  const run = useSnapshots((s) => s.importSnapshot);
  if (!open) return null;
  return (
    <form
      className="card import-card"
      aria-label="Import a snapshot"
      onSubmit={(event) => {
        event.preventDefault();
        void run();
      }}
      data-testid="import-form"
    >
      <h2 className="card__title">Import a snapshot file</h2>
      <div className="inline-form__row">
        <label className="field-label" htmlFor={inputId}>
          File
        </label>
        <input
          id={inputId}
          className="text-input mono inline-form__input"
          type="text"
          value={file}
          onChange={(event) => setFile(event.target.value)}
          placeholder="/path/on/that/machine/app-before.snapshot"
          aria-describedby={noteId}
          spellCheck={false}
          autoFocus
          autoComplete="off"
          data-testid="import-path"
        />
        <BrowseButton
          title="Choose a snapshot file"
          choose="file"
          filters={[{ name: 'Snapshots', extensions: ['snapshot'] }, anyFile]}
          current={file}
          onPick={(paths) => setFile(paths[0]!)}
          disabled={importing}
          testId="import-browse"
        />
        <button className="button button--primary" type="submit" disabled={importing} data-testid="import-confirm">
          {importing ? 'Checking…' : 'Import'}
        </button>
        <button className="button" type="button" onClick={close}>
          Cancel
        </button>
      </div>
      <p className="field-note" id={noteId}>
        A path on the machine running ops-console. The file is checked before it is listed — format, SQLite integrity,
        recorded row counts and content hash — and a damaged or altered one is refused. Imported snapshots are opened
        read-only.
      </p>
      {error ? <ErrorBox error={error} title="The file was refused" testId="import-error" /> : null}
    </form>
  );
}
