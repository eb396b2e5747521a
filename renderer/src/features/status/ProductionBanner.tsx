import { useConnections } from '../../stores';
import { activeProfileOf, isShowingProduction } from '../connections/connections-store';

/**
 * A red strip across the top of the window while the active connection is marked production (not while a
 * snapshot is open: then nothing the views do reaches the live database, and the snapshot banner says so).
 */
export function ProductionBanner() {
  const production = useConnections(isShowingProduction);
  const label = useConnections((s) => s.activeStatus?.label ?? activeProfileOf(s)?.name ?? '');
  if (!production) return null;
  return (
    <div className="production-banner" role="status" data-testid="production-banner">
      <strong className="production-banner__badge">PRODUCTION</strong>
      <span>
        Connected to <strong>{label}</strong> — reads and writes here reach live data.
      </span>
    </div>
  );
}
