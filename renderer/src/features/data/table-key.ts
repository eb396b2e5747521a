import type { ConnectionRef } from '../../../../common/profiles';

/** A stable key for a connection: the profile id, or the URL (kept in memory only, never stored). */
export function connectionKey(connection: ConnectionRef): string {
  return 'profileId' in connection ? `profile:${connection.profileId}` : `url:${connection.url}`;
}

/** A stable key for one table of one connection. */
export function tableKey(connection: ConnectionRef, schema: string, table: string): string {
  return JSON.stringify([connectionKey(connection), schema, table]);
}
