import { useEffect } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBox } from '../../components/ErrorBox';
import { PageHeader } from '../../components/PageHeader';
import { useConnections } from '../../stores';
import { useBackendLogs, useBackends } from './backend-hooks';
import { BackendFormCard } from './BackendFormCard';
import { BackendList } from './BackendList';
import { BackendLogsPanel } from './BackendLogsPanel';
import { BackendStatusPanel } from './BackendStatusPanel';
import type { BackendAction } from './backends-state';
import { canRestart, canStart, canStop, isAlive, selectedEntry } from './backends-state';
import { PreflightPanel } from './PreflightPanel';

export function BackendView() {
  const load = useBackends((s) => s.load);
  const loaded = useBackends((s) => s.loaded);
  const loadError = useBackends((s) => s.loadError);
  const hasEntries = useBackends((s) => s.entries.length > 0);
  const formOpen = useBackends((s) => s.form !== null);
  const newBackend = useBackends((s) => s.newBackend);

  // Every visit reads the list again: the CLI may have changed it in the same data folder.
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="page page--fill page--backend" data-testid="view-backend">
      <PageHeader
        title="Backend"
        description="Supervised backend processes: health checks, restarts with backoff, and their output."
        actions={
          <button
            className="button button--primary"
            type="button"
            onClick={newBackend}
            disabled={formOpen}
            data-testid="backend-new"
          >
            New backend
          </button>
        }
      />
      {loadError ? (
        <ErrorBox error={loadError} title="Could not list the backends" testId="backend-load-error" />
      ) : null}
      {hasEntries || formOpen ? (
        <div className={hasEntries ? 'backend-layout' : 'backend-layout backend-layout--single'}>
          {hasEntries ? <ListPane /> : null}
          <div className="backend-layout__detail">{formOpen ? <FormPane /> : <DetailPane />}</div>
        </div>
      ) : loaded ? (
        <EmptyState
          testId="backend-empty"
          action={
            <button className="button button--primary" type="button" onClick={newBackend}>
              New backend
            </button>
          }
        >
          <p className="empty-state__lead">No backend configured yet</p>
          <p>
            Point ops-console at the backend binary, choose the connection profile its DATABASE_URL comes from, and it
            starts, health-checks and restarts the process for you, with its output here.
          </p>
        </EmptyState>
      ) : (
        <p className="muted">Reading the backends…</p>
      )}
      <DeleteConfirmation />
    </div>
  );
}

function ListPane() {
  const entries = useBackends((s) => s.entries);
  const selectedId = useBackends((s) => s.selectedId);
  const select = useBackends((s) => s.select);
  return (
    <div className="backend-layout__list">
      <BackendList entries={entries} selectedId={selectedId} onSelect={select} />
    </div>
  );
}

function FormPane() {
  const form = useBackends((s) => s.form);
  const saving = useBackends((s) => s.formSaving);
  const error = useBackends((s) => s.formError);
  const profiles = useConnections((s) => s.profiles);
  const loadProfiles = useConnections((s) => s.loadProfiles);
  const updateForm = useBackends((s) => s.updateForm);
  const addEnvRow = useBackends((s) => s.addEnvRow);
  const updateEnvRow = useBackends((s) => s.updateEnvRow);
  const replaceSecret = useBackends((s) => s.replaceSecret);
  const removeEnvRow = useBackends((s) => s.removeEnvRow);
  const saveForm = useBackends((s) => s.saveForm);
  const cancelForm = useBackends((s) => s.cancelForm);

  // The profile select lists what exists now.
  useEffect(() => {
    void loadProfiles();
  }, [loadProfiles]);

  if (!form) return null;
  return (
    <BackendFormCard
      form={form}
      saving={saving}
      error={error}
      profiles={profiles}
      onChange={updateForm}
      onEnvAdd={addEnvRow}
      onEnvChange={updateEnvRow}
      onEnvReplace={replaceSecret}
      onEnvRemove={removeEnvRow}
      onSave={() => void saveForm()}
      onCancel={cancelForm}
    />
  );
}

const actionLabels: Record<BackendAction, string> = {
  start: 'Could not start',
  stop: 'Could not stop',
  restart: 'Could not restart',
  preflight: 'Could not run the pre-flight checks for',
  delete: 'Could not delete',
};

function DetailPane() {
  const entry = useBackends(selectedEntry);
  const watch = useBackendLogs((s) => s.watch);
  const id = entry?.config.id ?? null;

  useEffect(() => {
    void watch(id);
  }, [id, watch]);

  if (!entry) return <p className="muted">Choose a backend on the left.</p>;
  return (
    <div className="backend-detail" data-testid="backend-detail" data-backend-id={entry.config.id}>
      <DetailHeader id={entry.config.id} />
      <BackendStatusPanel status={entry.status} config={entry.config} />
      <Problems id={entry.config.id} name={entry.config.name} />
      <BackendLogsPanel />
    </div>
  );
}

function DetailHeader({ id }: { id: string }) {
  const entry = useBackends(selectedEntry);
  const pending = useBackends((s) => s.pending[id] ?? null);
  const start = useBackends((s) => s.start);
  const stop = useBackends((s) => s.stop);
  const restart = useBackends((s) => s.restart);
  const check = useBackends((s) => s.check);
  const editBackend = useBackends((s) => s.editBackend);
  const askDelete = useBackends((s) => s.askDelete);
  if (!entry) return null;
  const { config, status } = entry;
  const busy = pending !== null;
  const label = (action: BackendAction, idle: string, running: string) => (pending === action ? running : idle);

  return (
    <header className="backend-detail__head">
      <h2 className="backend-detail__name" data-testid="backend-detail-name">
        {config.name}
      </h2>
      <div className="backend-detail__actions" role="group" aria-label="Process">
        <button
          className="button button--primary"
          type="button"
          onClick={() => void start(id)}
          disabled={busy || !canStart(status.state)}
          data-testid="backend-start"
        >
          {label('start', 'Start', 'Starting…')}
        </button>
        <button
          className="button"
          type="button"
          onClick={() => void stop(id)}
          disabled={busy || !canStop(status.state)}
          data-testid="backend-stop"
        >
          {label('stop', 'Stop', 'Stopping…')}
        </button>
        <button
          className="button"
          type="button"
          onClick={() => void restart(id)}
          disabled={busy || !canRestart(status.state)}
          data-testid="backend-restart"
        >
          {label('restart', 'Restart', 'Restarting…')}
        </button>
        <button
          className="button"
          type="button"
          onClick={() => void check(id)}
          disabled={busy}
          title="Check the binary, working directory, port and DATABASE_URL without starting"
          data-testid="backend-check"
        >
          {label('preflight', 'Check', 'Checking…')}
        </button>
        <span className="backend-detail__sep" aria-hidden="true" />
        <button
          className="button"
          type="button"
          onClick={() => editBackend(id)}
          disabled={busy}
          title={isAlive(status.state) ? 'Changes apply at the next start' : undefined}
          data-testid="backend-edit"
        >
          Edit
        </button>
        <button
          className="button button--quiet-danger"
          type="button"
          onClick={() => askDelete(id)}
          disabled={busy}
          data-testid="backend-delete"
        >
          Delete
        </button>
      </div>
      <p
        className="backend-detail__command mono"
        title="The command, as spawned (no shell)"
        data-testid="backend-command"
      >
        {[config.binaryPath, ...config.args].join(' ')}
        {config.cwd ? <span className="muted"> in {config.cwd}</span> : null}
      </p>
    </header>
  );
}

function Problems({ id, name }: { id: string; name: string }) {
  const actionError = useBackends((s) => s.errors[id] ?? null);
  const report = useBackends((s) => s.preflight[id] ?? null);
  const dismissError = useBackends((s) => s.dismissError);
  const dismissPreflight = useBackends((s) => s.dismissPreflight);
  return (
    <>
      {actionError ? (
        <div className="backend-detail__error">
          <ErrorBox
            error={actionError.error}
            title={`${actionLabels[actionError.action]} ${name}`}
            testId="backend-action-error"
          />
          <button className="button button--small" type="button" onClick={() => dismissError(id)}>
            Dismiss
          </button>
        </div>
      ) : null}
      {report ? <PreflightPanel report={report} onDismiss={() => dismissPreflight(id)} /> : null}
    </>
  );
}

function DeleteConfirmation() {
  const target = useBackends((s) => s.entries.find((e) => e.config.id === s.deleteTarget) ?? null);
  const busy = useBackends((s) => (s.deleteTarget ? s.pending[s.deleteTarget] === 'delete' : false));
  const confirmDelete = useBackends((s) => s.confirmDelete);
  const cancelDelete = useBackends((s) => s.cancelDelete);
  if (!target) return null;
  const alive = isAlive(target.status.state) || target.status.state === 'backoff';
  return (
    <ConfirmDialog
      title={`Delete the backend “${target.config.name}”?`}
      confirmLabel={busy ? 'Deleting…' : 'Delete backend'}
      danger
      busy={busy}
      onConfirm={() => void confirmDelete()}
      onCancel={cancelDelete}
      confirmTestId="confirm-backend-delete"
      testId="backend-delete-dialog"
    >
      <p>
        {alive ? 'It is stopped first (SIGTERM, then SIGKILL after its stop timeout). ' : ''}
        Its configuration and stored secrets are removed; the binary{' '}
        <span className="mono">{target.config.binaryPath}</span> and its log files are not touched.
      </p>
    </ConfirmDialog>
  );
}
