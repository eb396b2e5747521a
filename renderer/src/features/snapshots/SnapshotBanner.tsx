import { useConnections } from '../../stores';
import { formatCapturedAt } from './snapshot-format';

/** Across the top of the main area on every page while a snapshot is open: which one, and the way back to live. */
export function SnapshotBanner() {
  const snapshot = useConnections((s) => s.openSnapshot);
  const hasLive = useConnections((s) => s.activeConnection !== null);
  const close = useConnections((s) => s.closeSnapshot);
  if (!snapshot) return null;
  return (
    <div className="snapshot-banner" role="status" data-testid="snapshot-banner" data-snapshot-id={snapshot.id}>
      <span className="snapshot-banner__badge">SNAPSHOT</span>
      <span className="snapshot-banner__text" data-testid="snapshot-banner-text">
        Snapshot <strong>{snapshot.name}</strong> of <span className="mono">{snapshot.database}</span>, captured{' '}
        {formatCapturedAt(snapshot.capturedAt)} — offline, read-only
      </span>
      <button
        className="button button--small snapshot-banner__close"
        type="button"
        onClick={close}
        title={hasLive ? 'Back to the live connection' : 'Close the snapshot (there is no live connection)'}
        data-testid="snapshot-banner-close"
      >
        Close snapshot
      </button>
    </div>
  );
}
