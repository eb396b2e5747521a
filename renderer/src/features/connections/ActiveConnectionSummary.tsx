import { KeyValue } from '../../components/KeyValue';
import type { ActiveConnection } from './connections-store';

/** Server version, database and redacted target of a listing. Props only. */
export function ActiveConnectionSummary({ active }: { active: ActiveConnection }) {
  const { listing } = active;
  return (
    <KeyValue
      items={[
        { label: 'Server version', value: `PostgreSQL ${listing.serverVersion}`, testId: 'server-version' },
        { label: 'Database', value: listing.database || '—', testId: 'connection-database' },
        { label: 'Target', value: listing.target, testId: 'connection-target', mono: true },
        { label: 'Listed at', value: new Date(active.listedAt).toLocaleTimeString() },
      ]}
    />
  );
}
