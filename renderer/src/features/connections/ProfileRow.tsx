import type { ConnectionProfile, ConnectionStatus, DoctorReport, LocalPgStatus } from '../../../../common/profiles';
import type { ErrorInfo } from '../../api/error-info';
import { Badge } from '../../components/Badge';
import { ErrorBox } from '../../components/ErrorBox';
import type { LocalPgAction, ProfileAction } from './connections-store';
import { DoctorReportView } from './DoctorReportView';
import { PoolStatsText } from './PoolStatsText';

export interface ProfileRowProps {
  profile: ConnectionProfile;
  /** The pool main reports for this profile, if it has one. */
  status: ConnectionStatus | undefined;
  active: boolean;
  busy: ProfileAction | undefined;
  error: ErrorInfo | undefined;
  doctor: DoctorReport | undefined;
  /** Only for the built-in Local profile. */
  local?: {
    status: LocalPgStatus | null;
    error: ErrorInfo | null;
    busy: LocalPgAction | null;
    onStart(): void;
    onStop(): void;
  };
  onConnect(): void;
  onDisconnect(): void;
  onCheck(): void;
  onEdit(): void;
  onDelete(): void;
}

function describeTarget(p: ConnectionProfile): string {
  if (p.kind === 'local') return 'Embedded PostgreSQL in the data folder';
  return `${p.user}@${p.host}:${p.port}/${p.database}`;
}

const busyLabels: Record<ProfileAction, string> = {
  connect: 'Connecting…',
  disconnect: 'Disconnecting…',
  check: 'Checking…',
  delete: 'Deleting…',
};

/** One saved profile with its pool state and actions. Props only. */
export function ProfileRow(props: ProfileRowProps) {
  const { profile: p, status, active, busy, error, doctor, local } = props;
  const open = status && status.state !== 'disconnected';
  const local_ = p.kind === 'local';
  return (
    <li
      className={active ? 'profile-row profile-row--active' : 'profile-row'}
      data-testid="profile-row"
      data-profile-name={p.name}
      data-profile-id={p.id}
      data-active={active}
    >
      <div className="profile-row__main">
        <div className="profile-row__title">
          <span className="profile-row__name">{p.name}</span>
          {local_ ? <Badge tone="info">local</Badge> : null}
          {p.production ? <Badge tone="danger">production</Badge> : null}
          {p.readOnly ? <Badge tone="warn">read-only</Badge> : null}
          {p.hasStoredPassword ? (
            <Badge tone="neutral" title="An encrypted password is stored for this profile">
              password stored
            </Badge>
          ) : null}
          {active ? <Badge tone="ok">active</Badge> : null}
        </div>
        <div className="profile-row__target mono">{describeTarget(p)}</div>
        <div className="profile-row__meta">
          {local_ ? null : (
            <span>
              SSL {p.sslMode}
              {p.sslRootCert ? ` (CA ${p.sslRootCert})` : ''}
            </span>
          )}
          <span>pool {p.poolSize}</span>
          <span>{p.statementTimeoutMs > 0 ? `timeout ${p.statementTimeoutMs} ms` : 'no statement timeout'}</span>
          {open ? (
            <span className="profile-row__state" data-testid="profile-state" data-state={status.state}>
              <span className={`dot dot--state-${status.state}`} aria-hidden="true" />
              {status.state}
              {status.serverVersion ? ` · PostgreSQL ${status.serverVersion}` : ''} ·{' '}
              <PoolStatsText pool={status.pool} />
            </span>
          ) : null}
        </div>
        {local ? <LocalServerLine {...local} /> : null}
      </div>

      <div className="profile-row__actions">
        {active && open ? null : (
          <button
            className="button button--primary"
            type="button"
            onClick={props.onConnect}
            disabled={busy !== undefined}
            data-testid="profile-connect"
          >
            {busy === 'connect' ? busyLabels.connect : active ? 'Reconnect' : 'Connect'}
          </button>
        )}
        {open ? (
          <button
            className="button"
            type="button"
            onClick={props.onDisconnect}
            disabled={busy !== undefined}
            data-testid="profile-disconnect"
          >
            {busy === 'disconnect' ? busyLabels.disconnect : 'Disconnect'}
          </button>
        ) : null}
        <button
          className="button"
          type="button"
          onClick={props.onCheck}
          disabled={busy !== undefined}
          data-testid="profile-check"
        >
          {busy === 'check' ? busyLabels.check : 'Check'}
        </button>
        {local_ ? null : (
          <>
            <button className="button" type="button" onClick={props.onEdit} disabled={busy !== undefined}>
              Edit
            </button>
            <button
              className="button button--quiet-danger"
              type="button"
              onClick={props.onDelete}
              disabled={busy !== undefined}
              data-testid="profile-delete"
            >
              {busy === 'delete' ? busyLabels.delete : 'Delete'}
            </button>
          </>
        )}
      </div>

      {error ? (
        <div className="profile-row__wide">
          <ErrorBox error={error} title={`${p.name}: the last action failed`} testId="profile-error" />
        </div>
      ) : null}
      {status?.state === 'error' && status.lastError && !error ? (
        <p className="profile-row__wide profile-row__last-error">Last error: {status.lastError}</p>
      ) : null}
      {doctor ? (
        <div className="profile-row__wide">
          <DoctorReportView report={doctor} />
        </div>
      ) : null}
    </li>
  );
}

function LocalServerLine({ status, error, busy, onStart, onStop }: NonNullable<ProfileRowProps['local']>) {
  const state = status?.state ?? 'unknown';
  const running = state === 'running';
  return (
    <div className="local-server" data-testid="local-server" data-state={state}>
      <span className={`dot dot--local-${state}`} aria-hidden="true" />
      <span>
        Server: <strong>{state}</strong>
        {status?.port ? ` on port ${status.port}` : ''}
        {status?.version ? ` · PostgreSQL ${status.version}` : ''}
        {status?.message ? ` · ${status.message}` : ''}
        {error ? ` · ${error.message}` : ''}
      </span>
      {running || state === 'stopping' ? (
        <button
          className="button button--small"
          type="button"
          onClick={onStop}
          disabled={busy !== null || state === 'stopping'}
          data-testid="local-stop"
        >
          {busy === 'stop' || state === 'stopping' ? 'Stopping…' : 'Stop'}
        </button>
      ) : (
        <button
          className="button button--small"
          type="button"
          onClick={onStart}
          disabled={busy !== null || state === 'starting'}
          data-testid="local-start"
        >
          {busy === 'start' || state === 'starting' ? 'Starting…' : 'Start'}
        </button>
      )}
    </div>
  );
}
