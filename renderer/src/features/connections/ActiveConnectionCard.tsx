import type { ConnectionStatus } from '../../../../common/profiles';
import type { ErrorInfo } from '../../api/error-info';
import { Badge } from '../../components/Badge';
import { ErrorBox } from '../../components/ErrorBox';
import { KeyValue } from '../../components/KeyValue';
import { PoolStatsText } from './PoolStatsText';

export interface ActiveConnectionCardProps {
  /** Profile name or redacted URL, known before main answers. */
  label: string;
  status: ConnectionStatus | null;
  error: ErrorInfo | null;
  production: boolean;
  readOnly: boolean;
  onDisconnect(): void;
}

/** What every other view works on: name, state, server version and pool. Props only. */
export function ActiveConnectionCard({
  label,
  status,
  error,
  production,
  readOnly,
  onDisconnect,
}: ActiveConnectionCardProps) {
  return (
    <section
      className={production ? 'card active-card active-card--production' : 'card active-card'}
      aria-label="Active connection"
      data-testid="active-connection"
    >
      <div className="active-card__head">
        <h2 className="card__title active-card__title">
          Active connection: <span data-testid="active-connection-label">{status?.label ?? label}</span>
        </h2>
        {production ? <Badge tone="danger">production</Badge> : null}
        {readOnly ? <Badge tone="warn">read-only</Badge> : null}
        <span className="active-card__spacer" />
        <button className="button button--small" type="button" onClick={onDisconnect} data-testid="active-disconnect">
          Disconnect
        </button>
      </div>
      {error ? <ErrorBox error={error} title="Could not open the connection" testId="active-connection-error" /> : null}
      {status ? (
        <KeyValue
          items={[
            {
              label: 'State',
              value: (
                <span className="active-card__state" data-state={status.state}>
                  <span className={`dot dot--state-${status.state}`} aria-hidden="true" />
                  {status.state}
                  {status.lastError && status.state !== 'connected' ? ` — ${status.lastError}` : ''}
                </span>
              ),
              testId: 'active-state',
            },
            {
              label: 'Server version',
              value: status.serverVersion ? `PostgreSQL ${status.serverVersion}` : '—',
              testId: 'active-server-version',
            },
            { label: 'Database', value: status.database ?? '—' },
            { label: 'Target', value: status.target, mono: true },
            { label: 'Pool', value: <PoolStatsText pool={status.pool} />, testId: 'active-pool' },
          ]}
        />
      ) : error ? null : (
        <p className="muted">Connecting…</p>
      )}
    </section>
  );
}
