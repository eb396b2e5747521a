import { useConnections, useStatus } from '../../stores';

const linkLabel = { open: 'open', connecting: 'connecting', closed: 'closed' } as const;

export function StatusBar() {
  const target = useConnections((s) => s.active?.listing.target ?? null);
  const serverVersion = useConnections((s) => s.active?.listing.serverVersion ?? null);
  const transport = useStatus((s) => s.transport);
  const link = useStatus((s) => s.link);
  return (
    <footer className="statusbar" aria-label="Status">
      <span className="statusbar__item statusbar__connection" data-testid="status-connection">
        <span className={target ? 'dot dot--ok' : 'dot dot--off'} aria-hidden="true" />
        {target ? (
          <>
            <span className="mono">{target}</span> <span className="statusbar__muted">PostgreSQL {serverVersion}</span>
          </>
        ) : (
          'No connection'
        )}
      </span>
      <span className="statusbar__item" data-testid="status-backend">
        Backend: not configured
      </span>
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
