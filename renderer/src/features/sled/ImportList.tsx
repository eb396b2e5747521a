import { Badge } from '../../components/Badge';
import { ErrorBox } from '../../components/ErrorBox';
import { formatCount, formatTime, importStateLabels, importStateTones, baseName, plural } from './sled-format';
import { isRunning } from './sled-state';
import { useSled } from './sled-hooks';

/** The imports kept in the data folder, newest first: reopen one, or delete it (after a confirmation). */
export function ImportList() {
  const imports = useSled((s) => s.imports);
  const listLoaded = useSled((s) => s.listLoaded);
  const listLoading = useSled((s) => s.listLoading);
  const listError = useSled((s) => s.listError);
  const currentId = useSled((s) => s.currentId);
  const deleting = useSled((s) => s.deleting);
  const deleteError = useSled((s) => s.deleteError);
  const running = useSled(isRunning);
  const open = useSled((s) => s.open);
  const askDelete = useSled((s) => s.askDelete);
  const newImport = useSled((s) => s.newImport);
  const loadList = useSled((s) => s.loadList);

  return (
    <section className="sled-imports" aria-labelledby="sled-imports-title" data-testid="sled-imports">
      <div className="sled-imports__head">
        <h2 className="sled-imports__title" id="sled-imports-title">
          Imports <span className="count">{imports.length}</span>
        </h2>
        <button
          className="button button--small"
          type="button"
          onClick={() => void loadList()}
          disabled={listLoading}
          data-testid="sled-imports-reload"
        >
          {listLoading ? 'Reading…' : 'Reload'}
        </button>
      </div>
      <button
        className={currentId === null ? 'sled-imports__new sled-imports__new--current' : 'sled-imports__new'}
        type="button"
        onClick={newImport}
        disabled={running}
        title={running ? 'An import or load is running: one at a time' : undefined}
        aria-current={currentId === null ? 'true' : undefined}
        data-testid="sled-new-import"
      >
        + New import
      </button>
      {listError ? <ErrorBox error={listError} title="Could not list the imports" testId="sled-list-error" /> : null}
      {deleteError ? (
        <ErrorBox error={deleteError} title="Could not delete the import" testId="sled-delete-error" />
      ) : null}
      {listLoaded && imports.length === 0 && !listError ? (
        <p className="sled-imports__empty" data-testid="sled-imports-empty">
          No imports yet. Each import keeps its staging database in the data folder, so it can be reopened here.
        </p>
      ) : null}
      <ul className="sled-imports__list" aria-label="Staged imports">
        {imports.map((item) => {
          const current = item.id === currentId;
          const name = item.files.length > 0 ? item.files.map((f) => baseName(f.path)).join(', ') : item.id;
          return (
            <li
              key={item.id}
              className={current ? 'sled-import sled-import--current' : 'sled-import'}
              data-testid="sled-import-row"
              data-import-id={item.id}
              data-state={item.state}
            >
              <div className="sled-import__head">
                <span className="sled-import__name" title={item.files.map((f) => f.path).join('\n')}>
                  {name}
                </span>
                <Badge tone={importStateTones[item.state]}>{importStateLabels[item.state]}</Badge>
              </div>
              <div className="sled-import__meta">
                <span title={item.createdAt}>{formatTime(item.createdAt)}</span>
                <span>{plural(item.entries, 'entry', 'entries')}</span>
              </div>
              {item.lastLoadAt ? (
                <div className="sled-import__meta" data-testid="sled-import-loaded">
                  <Badge tone="ok">loaded</Badge>
                  <span>
                    {formatCount(item.loaded)} loaded · {formatCount(item.skipped)} skipped
                    {item.failed > 0 ? ` · ${formatCount(item.failed)} failed` : ''}
                  </span>
                </div>
              ) : null}
              <div className="sled-import__actions">
                {current ? (
                  <span className="sled-import__open-note">In the wizard</span>
                ) : (
                  <button
                    className="button button--small button--primary"
                    type="button"
                    onClick={() => void open(item.id)}
                    disabled={running}
                    aria-label={`Reopen import ${name} of ${formatTime(item.createdAt)}`}
                    title={running ? 'An import or load is running: one at a time' : undefined}
                    data-testid="sled-import-open"
                  >
                    Reopen
                  </button>
                )}
                <button
                  className="button button--small button--quiet-danger"
                  type="button"
                  onClick={() => askDelete(item.id)}
                  disabled={running || deleting === item.id}
                  aria-label={`Delete import ${name} of ${formatTime(item.createdAt)}`}
                  data-testid="sled-import-delete"
                >
                  {deleting === item.id ? 'Deleting…' : 'Delete…'}
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
