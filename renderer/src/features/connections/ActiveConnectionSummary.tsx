import { KeyValue } from '../../components/KeyValue';
import type { AdHocListing } from './connections-store';

/** Server version, database and redacted target of a quick-connect listing. Props only. */
export function ActiveConnectionSummary({ listed }: { listed: AdHocListing }) {
  const { listing } = listed;
  return (
    <KeyValue
      items={[
        { label: 'Server version', value: `PostgreSQL ${listing.serverVersion}`, testId: 'server-version' },
        { label: 'Database', value: listing.database || '—', testId: 'connection-database' },
        { label: 'Target', value: listing.target, testId: 'connection-target', mono: true },
        { label: 'Listed at', value: new Date(listed.listedAt).toLocaleTimeString() },
      ]}
    />
  );
}
