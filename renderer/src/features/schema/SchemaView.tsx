import { EmptyState } from '../../components/EmptyState';
import { ErrorBox } from '../../components/ErrorBox';
import { PageHeader } from '../../components/PageHeader';
import { SchemaTable } from '../../components/SchemaTable';
import { useConnections, useNavigation } from '../../stores';
import { ActiveConnectionSummary } from '../connections/ActiveConnectionSummary';

export function SchemaView() {
  const active = useConnections((s) => s.active);
  const pending = useConnections((s) => s.pending);
  const refreshError = useConnections((s) => s.refreshError);
  const refresh = useConnections((s) => s.refresh);
  const navigate = useNavigation((s) => s.navigate);

  if (!active) {
    return (
      <div className="page page--narrow">
        <PageHeader title="Schema" />
        <EmptyState
          testId="schema-empty"
          action={
            <button className="button button--primary" type="button" onClick={() => navigate('connections')}>
              Go to Connections
            </button>
          }
        >
          <p className="empty-state__lead">{"No connection yet — list a database's schemas from Connections"}</p>
          <p>The schemas of the active connection show up here, with a Refresh button to list them again.</p>
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="page">
      <PageHeader
        title="Schema"
        description={`Schemas of ${active.listing.database || 'the database'} on the active connection.`}
        actions={
          <button
            className="button"
            type="button"
            onClick={() => void refresh()}
            disabled={pending !== null}
            data-testid="refresh-schemas-button"
          >
            {pending === 'refresh' ? 'Refreshing…' : 'Refresh'}
          </button>
        }
      />
      {refreshError ? (
        <ErrorBox
          error={refreshError}
          title="Refresh failed — showing the previous listing"
          testId="schema-refresh-error"
        />
      ) : null}
      <section className="card">
        <ActiveConnectionSummary active={active} />
      </section>
      <section className="card">
        <h2 className="card__title">
          Schemas <span className="count">{active.listing.schemas.length}</span>
        </h2>
        <SchemaTable schemas={active.listing.schemas} />
      </section>
    </div>
  );
}
