import { useConnections } from '../../stores';
import { activeProfileOf, isActiveProduction } from '../connections/connections-store';

/** A red strip across the top of the window while the active connection is marked production. */
export function ProductionBanner() {
  const production = useConnections(isActiveProduction);
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
