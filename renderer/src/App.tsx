import type { ReactNode } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary';
import { AboutPanel } from './features/about/AboutPanel';
import { BackendView } from './features/backend/BackendView';
import { ConnectionsView } from './features/connections/ConnectionsView';
import { ConsoleView } from './features/console/ConsoleView';
import { LogsView } from './features/logs/LogsView';
import { MigrationsView } from './features/migrations/MigrationsView';
import type { SectionId } from './features/navigation/sections';
import { Sidebar } from './features/navigation/Sidebar';
import { SchemaView } from './features/schema/SchemaView';
import { SledView } from './features/sled/SledView';
import { SnapshotBanner } from './features/snapshots/SnapshotBanner';
import { SnapshotsView } from './features/snapshots/SnapshotsView';
import { ProductionBanner } from './features/status/ProductionBanner';
import { StatusBar } from './features/status/StatusBar';
import { isShowingProduction } from './features/connections/connections-store';
import { useConnections, useNavigation } from './stores';

function viewFor(section: SectionId): ReactNode {
  switch (section) {
    case 'connections':
      return <ConnectionsView />;
    case 'schema':
      return <SchemaView />;
    case 'console':
      return <ConsoleView />;
    case 'logs':
      return <LogsView />;
    case 'migrations':
      return <MigrationsView />;
    case 'backend':
      return <BackendView />;
    case 'snapshots':
      return <SnapshotsView />;
    case 'sled-import':
      return <SledView />;
  }
}

export function App({ onViewError }: { onViewError(error: unknown, componentStack: string): void }) {
  const section = useNavigation((s) => s.section);
  const production = useConnections(isShowingProduction);
  return (
    <div className={production ? 'app app--production' : 'app'}>
      <ProductionBanner />
      <Sidebar footer={<AboutPanel />} />
      <main className="content" data-section={section}>
        <SnapshotBanner />
        <div className="content__view">
          {/* Keyed by section: a view that crashed gets a fresh start when the user comes back. */}
          <ErrorBoundary key={section} onError={onViewError}>
            {viewFor(section)}
          </ErrorBoundary>
        </div>
      </main>
      <StatusBar />
    </div>
  );
}
