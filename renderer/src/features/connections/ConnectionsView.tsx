import type { FormEvent } from 'react';
import { useId } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { PageHeader } from '../../components/PageHeader';
import { SchemaTable } from '../../components/SchemaTable';
import { useConnections } from '../../stores';
import { ActiveConnectionSummary } from './ActiveConnectionSummary';

export function ConnectionsView() {
  const urlId = useId();
  const noteId = useId();
  const draftUrl = useConnections((s) => s.draftUrl);
  const includeSystem = useConnections((s) => s.includeSystem);
  const pending = useConnections((s) => s.pending);
  const listError = useConnections((s) => s.listError);
  const active = useConnections((s) => s.active);
  const setDraftUrl = useConnections((s) => s.setDraftUrl);
  const setIncludeSystem = useConnections((s) => s.setIncludeSystem);
  const listSchemas = useConnections((s) => s.listSchemas);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void listSchemas();
  };

  return (
    <div className="page">
      <PageHeader title="Connections" description="Point ops-console at a PostgreSQL database and list its schemas." />

      <form className="card connect-form" onSubmit={onSubmit} noValidate>
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
          The password in this URL goes only to the ops-console main process, which uses it to connect. It is never
          saved or logged, and results show the URL with the password removed.
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

      {active ? (
        <section className="card" aria-labelledby="active-connection-title">
          <h2 className="card__title" id="active-connection-title">
            Active connection
          </h2>
          <ActiveConnectionSummary active={active} />
          <h3 className="card__subtitle">
            Schemas <span className="count">{active.listing.schemas.length}</span>
          </h3>
          <SchemaTable schemas={active.listing.schemas} />
        </section>
      ) : null}
    </div>
  );
}
