import type pg from 'pg';
import type { ConnectionRef } from '../../../common/profiles';
import type { ConnectionContext } from '../connections/connection-manager';

/** What the data services need from ConnectionManager: a pooled client with its connection's context. */
export interface ClientSource {
  withClient<T>(ref: ConnectionRef, fn: (client: pg.PoolClient, context: ConnectionContext) => Promise<T>): Promise<T>;
}

/**
 * Close a pooled client instead of returning its session to the pool, when
 * that session's state can no longer be trusted. The pool drops an ended
 * client on release and opens a fresh one on the next checkout.
 */
export async function discardSession(client: pg.ClientBase): Promise<void> {
  // A pooled client is a pg.Client underneath; @types/pg leaves end() off ClientBase.
  await (client as pg.Client).end().catch(() => undefined);
}

/** ROLLBACK that never throws; a session that cannot even roll back is discarded. */
export async function rollbackQuietly(client: pg.ClientBase): Promise<void> {
  try {
    await client.query('ROLLBACK');
  } catch {
    await discardSession(client);
  }
}
