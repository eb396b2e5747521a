/**
 * What the schema browser, data grid and SQL console read from: the live
 * connection, or a snapshot opened for offline browsing (the same calls,
 * served by main from the snapshot's SQLite file, with no database at all).
 */
import type { ConnectionRef, DataSourceRef } from '../../../../common/profiles';

/** A snapshot open for offline browsing, with what the banner and the views say about it. */
export interface OpenSnapshot {
  id: string;
  name: string;
  database: string;
  /** When the capture started (ISO), as diffs report it too. */
  capturedAt: string;
  /** "schema.name" of the tables whose rows were captured; other relations keep only their definition. */
  capturedTables: readonly string[];
}

export function isSnapshotSource(source: DataSourceRef | null): source is { snapshotId: string } {
  return source !== null && 'snapshotId' in source;
}

/** The live connection, when the source is one (calls that never take a snapshot need it). */
export function liveConnectionOf(source: DataSourceRef | null): ConnectionRef | null {
  return source === null || 'snapshotId' in source ? null : source;
}

/**
 * The source the views work on: the open snapshot, else the live connection.
 * The previous object is kept when it still names the same snapshot, so views
 * that depend on it do not reload when only the connection underneath changed.
 */
export function sourceFor(
  connection: ConnectionRef | null,
  snapshot: OpenSnapshot | null,
  previous: DataSourceRef | null,
): DataSourceRef | null {
  if (!snapshot) return connection;
  if (isSnapshotSource(previous) && previous.snapshotId === snapshot.id) return previous;
  return { snapshotId: snapshot.id };
}

/** Why a call that needs a live database is not offered while a snapshot is open. */
export const OFFLINE_REASON = 'A snapshot is open: this needs the live database. Close the snapshot to use it.';

/** The same, short enough for a line under a disabled control. */
export const OFFLINE_SHORT = 'needs the live database — a snapshot is open';
