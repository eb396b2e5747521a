import type { DataSourceRef } from '../../../../common/profiles';

/**
 * A stable key for a data source: the profile id, the URL (kept in memory only,
 * never stored), or the snapshot id.
 */
export function connectionKey(source: DataSourceRef): string {
  if ('snapshotId' in source) return `snapshot:${source.snapshotId}`;
  return 'profileId' in source ? `profile:${source.profileId}` : `url:${source.url}`;
}

/** A stable key for one table of one data source. */
export function tableKey(source: DataSourceRef, schema: string, table: string): string {
  return JSON.stringify([connectionKey(source), schema, table]);
}
