import type { FormEvent } from 'react';
import { useEffect, useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBox } from '../../components/ErrorBox';
import { PageHeader } from '../../components/PageHeader';
import { SchemaTable } from '../../components/SchemaTable';
import { useConnections, useStatus } from '../../stores';
import { ActiveConnectionCard } from './ActiveConnectionCard';
import { ActiveConnectionSummary } from './ActiveConnectionSummary';
import { activeProfileOf, isActiveProduction, isActiveReadOnly, isProfileRef } from './connections-store';
import { ProfileFormCard } from './ProfileFormCard';
import { ProfileRow } from './ProfileRow';

export function ConnectionsView() {
  const loadProfiles = useConnections((s) => s.loadProfiles);
  const newProfile = useConnections((s) => s.newProfile);
  const formOpen = useConnections((s) => s.form !== null);

  // Every visit re-reads the profiles: the CLI may have changed them in the same data folder.
  useEffect(() => {
    void loadProfiles();
  }, [loadProfiles]);

  return (
    <div className="page">
      <PageHeader
        title="Connections"
        description="Saved profiles, the active connection and its pool, and a quick way to list a database's schemas."
        actions={
          <button
            className="button button--primary"
            type="button"
            onClick={newProfile}
            disabled={formOpen}
            data-testid="profile-new"
          >
            New profile
          </button>
        }
      />
      <ActiveConnection />
      <ProfileEditor />
      <ProfileList />
      <QuickConnect />
      <DeleteConfirmation />
    </div>
  );
}

function ActiveConnection() {
  const activeConnection = useConnections((s) => s.activeConnection);
  const activeStatus = useConnections((s) => s.activeStatus);
  const activeError = useConnections((s) => s.activeError);
  const production = useConnections(isActiveProduction);
  const readOnly = useConnections(isActiveReadOnly);
  const profileName = useConnections((s) => activeProfileOf(s)?.name ?? null);
  const adHocTarget = useConnections((s) => s.adHoc?.listing.target ?? null);
  const disconnectActive = useConnections((s) => s.disconnectActive);
  if (!activeConnection) return null;
  return (
    <ActiveConnectionCard
      label={profileName ?? adHocTarget ?? 'database URL'}
      status={activeStatus}
      error={activeError}
      production={production}
      readOnly={readOnly}
      onDisconnect={() => void disconnectActive()}
    />
  );
}

function ProfileEditor() {
  const form = useConnections((s) => s.form);
  const saving = useConnections((s) => s.formSaving);
  const error = useConnections((s) => s.formError);
  const updateForm = useConnections((s) => s.updateForm);
  const saveForm = useConnections((s) => s.saveForm);
  const cancelForm = useConnections((s) => s.cancelForm);
  // Main decides; this only words the password note. The desktop app (IPC) has safeStorage.
  const canStorePasswords = useStatus((s) => s.transport === 'ipc');
  if (!form) return null;
  return (
    <ProfileFormCard
      form={form}
      saving={saving}
      error={error}
      canStorePasswords={canStorePasswords}
      onChange={updateForm}
      onSave={() => void saveForm()}
      onCancel={cancelForm}
    />
  );
}

function ProfileList() {
  const profiles = useConnections((s) => s.profiles);
  const profilesLoaded = useConnections((s) => s.profilesLoaded);
  const profilesError = useConnections((s) => s.profilesError);
  const statuses = useConnections((s) => s.statuses);
  const busy = useConnections((s) => s.busy);
  const profileErrors = useConnections((s) => s.profileErrors);
  const doctor = useConnections((s) => s.doctor);
  const activeConnection = useConnections((s) => s.activeConnection);
  const localPg = useConnections((s) => s.localPg);
  const localPgError = useConnections((s) => s.localPgError);
  const localPgBusy = useConnections((s) => s.localPgBusy);
  const actions = useConnections(
    useShallow((s) => ({
      startLocalPg: s.startLocalPg,
      stopLocalPg: s.stopLocalPg,
      connectProfile: s.connectProfile,
      disconnectProfile: s.disconnectProfile,
      checkProfile: s.checkProfile,
      editProfile: s.editProfile,
      askDelete: s.askDelete,
    })),
  );
  return (
    <section className="card" aria-labelledby="profiles-title">
      <h2 className="card__title" id="profiles-title">
        Profiles <span className="count">{profiles.length}</span>
      </h2>
      {profilesError ? (
        <ErrorBox error={profilesError} title="Could not load the profiles" testId="profiles-error" />
      ) : null}
      {!profilesLoaded ? <p className="muted">Loading profiles…</p> : null}
      {profilesLoaded && profiles.length === 0 && !profilesError ? (
        <p className="muted">No profiles yet. Create one with New profile.</p>
      ) : null}
      <ul className="profile-list" data-testid="profile-list">
        {profiles.map((profile) => (
          <ProfileRow
            key={profile.id}
            profile={profile}
            status={statuses[profile.id]}
            active={isProfileRef(activeConnection, profile.id)}
            busy={busy[profile.id]}
            error={profileErrors[profile.id]}
            doctor={doctor[profile.id]}
            local={
              profile.kind === 'local'
                ? {
                    status: localPg,
                    error: localPgError,
                    busy: localPgBusy,
                    onStart: () => void actions.startLocalPg(),
                    onStop: () => void actions.stopLocalPg(),
                  }
                : undefined
            }
            onConnect={() => void actions.connectProfile(profile.id)}
            onDisconnect={() => void actions.disconnectProfile(profile.id)}
            onCheck={() => void actions.checkProfile(profile.id)}
            onEdit={() => actions.editProfile(profile.id)}
            onDelete={() => actions.askDelete(profile.id)}
          />
        ))}
      </ul>
    </section>
  );
}

function DeleteConfirmation() {
  const target = useConnections((s) => (s.deleteTarget ? s.profiles.find((p) => p.id === s.deleteTarget) : undefined));
  const busy = useConnections((s) => (s.deleteTarget ? s.busy[s.deleteTarget] === 'delete' : false));
  const confirmDelete = useConnections((s) => s.confirmDelete);
  const cancelDelete = useConnections((s) => s.cancelDelete);
  if (!target) return null;
  return (
    <ConfirmDialog
      title={`Delete the profile “${target.name}”?`}
      confirmLabel={busy ? 'Deleting…' : 'Delete profile'}
      danger
      busy={busy}
      onConfirm={() => void confirmDelete()}
      onCancel={cancelDelete}
      confirmTestId="confirm-delete"
      testId="delete-dialog"
    >
      <p>
        The profile and its stored password are removed from this computer. The database{' '}
        <span className="mono">{target.database}</span> on <span className="mono">{target.host}</span> is not touched.
      </p>
    </ConfirmDialog>
  );
}

function QuickConnect() {
  const urlId = useId();
  const noteId = useId();
  const draftUrl = useConnections((s) => s.draftUrl);
  const includeSystem = useConnections((s) => s.includeSystem);
  const pending = useConnections((s) => s.pending);
  const listError = useConnections((s) => s.listError);
  const adHoc = useConnections((s) => s.adHoc);
  const setDraftUrl = useConnections((s) => s.setDraftUrl);
  const setIncludeSystem = useConnections((s) => s.setIncludeSystem);
  const listSchemas = useConnections((s) => s.listSchemas);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void listSchemas();
  };

  return (
    <>
      <form className="card connect-form" onSubmit={onSubmit} noValidate aria-labelledby={`${urlId}-title`}>
        <h2 className="card__title" id={`${urlId}-title`}>
          Quick connect
        </h2>
        <label className="field-label" htmlFor={urlId}>
          Database URL
        </label>
        <input
          id={urlId}
          className="text-input mono"
          type="text"
          value={draftUrl}
          onChange={(event) => setDraftUrl(event.target.value)}
          placeholder="postgres://user:password@localhost:5432/database"
          autoComplete="off"
          spellCheck={false}
          aria-describedby={noteId}
          data-testid="db-url-input"
        />
        <p className="field-note" id={noteId}>
          Lists the schemas and makes this URL the active connection, without saving it. The password in it goes only to
          the ops-console main process, which uses it to connect. It is never saved or logged, and results show the URL
          with the password removed.
        </p>
        <div className="form-row">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={includeSystem}
              onChange={(event) => setIncludeSystem(event.target.checked)}
              data-testid="include-system-checkbox"
            />
            Include system schemas
          </label>
          <button
            className="button button--primary"
            type="submit"
            disabled={pending !== null}
            data-testid="list-schemas-button"
          >
            {pending === 'list' ? 'Connecting…' : 'List schemas'}
          </button>
        </div>
      </form>

      {listError ? <ErrorBox error={listError} title="Could not list schemas" testId="connection-error" /> : null}

      {adHoc ? (
        <section className="card" aria-labelledby="listed-database-title">
          <h2 className="card__title" id="listed-database-title">
            Listed database
          </h2>
          <ActiveConnectionSummary listed={adHoc} />
          <h3 className="card__subtitle">
            Schemas <span className="count">{adHoc.listing.schemas.length}</span>
          </h3>
          <SchemaTable schemas={adHoc.listing.schemas} />
        </section>
      ) : null}
    </>
  );
}
