import { Badge } from '../../components/Badge';
import { useConnections, useStatus } from '../../stores';
import { activeProfileOf, isActiveReadOnly, isShowingProduction } from '../connections/connections-store';
import { formatCapturedAt } from '../snapshots/snapshot-format';
import { BackendStatusItem } from './BackendStatusItem';

const linkLabel = { open: 'open', connecting: 'connecting', closed: 'closed' } as const;

function ActiveConnectionItems() {
  const hasActive = useConnections((s) => s.activeConnection !== null);
  const status = useConnections((s) => s.activeStatus);
  const profileName = useConnections((s) => activeProfileOf(s)?.name ?? null);
  const listedTarget = useConnections((s) => s.adHoc?.listing.target ?? null);
  const listedVersion = useConnections((s) => s.adHoc?.listing.serverVersion ?? null);
  const production = useConnections(isShowingProduction);
  const readOnly = useConnections(isActiveReadOnly);

  if (!hasActive) {
    return (
      <span className="statusbar__item statusbar__connection" data-testid="status-connection" data-state="none">
        <span className="dot dot--off" aria-hidden="true" />
        No connection
      </span>
    );
  }
  const label = status?.label ?? profileName ?? listedTarget ?? 'database URL';
  const target = status?.target ?? listedTarget;
  const version = status?.serverVersion ?? listedVersion;
  const state = status?.state ?? 'connecting';
  return (
    <>
      {production ? (
        <span className="statusbar__item" data-testid="status-production">
          <Badge tone="danger">PRODUCTION</Badge>
        </span>
      ) : null}
      <span
        className="statusbar__item statusbar__connection"
        data-testid="status-connection"
        data-state={state}
        title={`${label} — ${state}`}
      >
        <span className={`dot dot--state-${state}`} aria-hidden="true" />
        {label !== target ? <strong className="statusbar__label">{label}</strong> : null}
        {target ? <span className="mono">{target}</span> : null}
        {version ? <span className="statusbar__muted">PostgreSQL {version}</span> : null}
      </span>
      {status ? (
        <span
          className="statusbar__item"
          data-testid="status-pool"
          title="Connections open / pool size, idle connections, callers waiting"
        >
          Pool {status.pool.total}/{status.pool.max} · {status.pool.idle} idle · {status.pool.waiting} waiting
        </span>
      ) : null}
      {readOnly ? (
        <span className="statusbar__item" data-testid="status-readonly">
          <Badge tone="warn">read-only</Badge>
        </span>
      ) : null}
    </>
  );
}

/** While a snapshot is open the views read it, not the connection: the bar says so (and shows no pool). */
function OpenSnapshotItems() {
  const snapshot = useConnections((s) => s.openSnapshot);
  if (!snapshot) return null;
  return (
    <>
      <span
        className="statusbar__item statusbar__connection"
        data-testid="status-connection"
        data-state="snapshot"
        title={`Snapshot ${snapshot.name} of ${snapshot.database} (${snapshot.id}) — offline, read-only`}
      >
        <span className="dot dot--snapshot" aria-hidden="true" />
        <strong className="statusbar__label">Snapshot {snapshot.name}</strong>
        <span className="mono">{snapshot.database}</span>
        <span className="statusbar__muted">captured {formatCapturedAt(snapshot.capturedAt)}</span>
      </span>
      <span className="statusbar__item" data-testid="status-offline">
        <Badge tone="info">offline</Badge>
        <Badge tone="warn">read-only</Badge>
      </span>
    </>
  );
}

export function StatusBar() {
  const transport = useStatus((s) => s.transport);
  const link = useStatus((s) => s.link);
  const production = useConnections(isShowingProduction);
  const snapshotOpen = useConnections((s) => s.openSnapshot !== null);
  return (
    <footer className={production ? 'statusbar statusbar--production' : 'statusbar'} aria-label="Status">
      {snapshotOpen ? <OpenSnapshotItems /> : <ActiveConnectionItems />}
      <BackendStatusItem />
      <span className="statusbar__spacer" />
      <span className="statusbar__item" data-testid="status-transport">
        Transport: {transport}
      </span>
      <span className="statusbar__item" data-testid="status-link" data-state={link}>
        <span className={`dot dot--link-${link}`} aria-hidden="true" />
        Events: {linkLabel[link]}
      </span>
    </footer>
  );
}
