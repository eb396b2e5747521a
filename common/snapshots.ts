import { z } from 'zod';
import { connectionRef } from './profiles';

/**
 * Offline snapshots: one SQLite file per capture of a PostgreSQL database
 * (catalog model, row data, metadata), browsable with no connection, and
 * diffable against another snapshot or the live database.
 *
 * Value mapping (PostgreSQL → snapshot file → what the UI gets), exact for every type:
 * - smallint, integer, bigint, oid → SQLite INTEGER (64-bit, exact; bigint read back as text past 2^53)
 * - boolean → INTEGER 0/1 (read back as true/false)
 * - bytea → BLOB (the same bytes; shown as \x hex)
 * - everything else → TEXT holding PostgreSQL's own text output: numeric with all its digits,
 *   real/double precision (shortest exact form; NaN and ±Infinity as words), timestamptz with
 *   microseconds (captured with TimeZone UTC), date, time, interval (IntervalStyle postgres),
 *   uuid, json (as sent), jsonb (PostgreSQL's canonical form), arrays ({...} literal), enums
 *   (the label), ranges, network types, text in any script;
 * - NULL → NULL, and the empty string stays '' (never NULL).
 */

/** The on-disk format this build writes and reads. */
export const SNAPSHOT_FORMAT = 'ops-console-snapshot';
/** 2: the content hash is over the COPY text of each table (1 hashed a value encoding of its own). */
export const SNAPSHOT_FORMAT_VERSION = 2;

export type SnapshotStorage = 'integer' | 'boolean' | 'blob' | 'text';

export interface SnapshotColumn {
  name: string;
  /** PostgreSQL's type text, e.g. "numeric(10,2)", "jsonb", "text[]". */
  type: string;
  storage: SnapshotStorage;
}

export interface SnapshotTable {
  schema: string;
  name: string;
  /** Rows captured (the table may hold more when `truncated`). */
  rows: number;
  durationMs: number;
  /** A row limit cut the capture short. */
  truncated: boolean;
  columns: SnapshotColumn[];
  /** Primary key columns, empty when the table has none (no row diff then). */
  keyColumns: string[];
}

export interface SnapshotMigration {
  version: number;
  description: string;
  installedOn: string;
  success: boolean;
  checksum: string;
}

export interface SnapshotSummary {
  id: string;
  name: string;
  database: string;
  serverVersion: string;
  /** The connection profile's name (never its password), or null for a URL. */
  sourceProfile: string | null;
  /** Host, port, database and user, without password. */
  sourceTarget: string;
  startedAt: string;
  finishedAt: string;
  tableCount: number;
  rowCount: number;
  fileBytes: number;
  /** Row limit per table, null for all rows. */
  rowLimit: number | null;
  /** The table pattern given at capture, null for every table. */
  tablePattern: string | null;
  /** Imported from a file (opened read-only). */
  imported: boolean;
}

export interface SnapshotDetail extends SnapshotSummary {
  tables: SnapshotTable[];
  migrations: SnapshotMigration[];
}

export interface SnapshotIntegrity {
  id: string;
  ok: boolean;
  /** PRAGMA integrity_check's answer ("ok" or its first problems). */
  sqlite: string[];
  /** Tables whose stored row count differs from the recorded one. */
  rowCountMismatches: Array<{ table: string; recorded: number; found: number }>;
  /** The content hash recorded at capture matches the data. */
  contentHashOk: boolean;
}

export type CapturePhase = 'catalog' | 'tables' | 'finishing' | 'done' | 'failed' | 'cancelled';

export interface CaptureProgress {
  captureId: string;
  phase: CapturePhase;
  /** The table being read ("schema.name"). */
  table: string | null;
  tablesDone: number;
  tablesTotal: number;
  rowsDone: number;
  rowsPerSecond: number;
  /** Seconds left by the row estimates, null when unknown. */
  etaSeconds: number | null;
  message: string | null;
}

/** One side of a diff. */
export type DiffSide =
  { kind: 'snapshot'; id: string; name: string; capturedAt: string } | { kind: 'live'; database: string; at: string };

export type DiffObjectKind =
  | 'schema'
  | 'table'
  | 'view'
  | 'materialized view'
  | 'column'
  | 'index'
  | 'constraint'
  | 'foreign key'
  | 'function'
  | 'sequence'
  | 'enum'
  | 'trigger';

export interface DiffObject {
  kind: DiffObjectKind;
  /** Qualified name, e.g. "ai.cache_entries", "ai.cache_entries.model", "ai.cache_entries_pkey". */
  name: string;
}

export interface DiffChange extends DiffObject {
  /** What changed: "type", "default", "nullable", "definition", "body", ... with both values. */
  changes: Array<{ what: string; before: string | null; after: string | null }>;
}

export interface RowDiff {
  table: string;
  keyColumns: string[];
  columns: string[];
  added: Array<Array<string | null>>;
  removed: Array<Array<string | null>>;
  changed: Array<{ key: Array<string | null>; before: Array<string | null>; after: Array<string | null> }>;
  /** Why rows were not compared (no primary key, over the size limit, truncated capture), else null. */
  skipped: string | null;
  /**
   * How many rows were added, removed and changed in all, when rows were compared:
   * the arrays above hold at most a capped number each (the lowest keys).
   */
  addedCount?: number;
  removedCount?: number;
  changedCount?: number;
}

export interface SnapshotDiff {
  left: DiffSide;
  right: DiffSide;
  schema: { added: DiffObject[]; removed: DiffObject[]; changed: DiffChange[] };
  rowCounts: Array<{ table: string; left: number | null; right: number | null }>;
  rows: RowDiff[];
}

const snapshotId = z.string().min(1).max(200);
const captureId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Expected a capture id of letters, digits, - or _');

/** A snapshot by id or by name. */
export const snapshotRefInput = z.object({ id: snapshotId }).strict();

export const snapshotCreateInput = z
  .object({
    connection: connectionRef,
    name: z.string().trim().min(1).max(200).optional(),
    /** Comma-separated patterns like "ai.*,analytics.events" (* and ? wildcards); all tables when absent. */
    tables: z.string().trim().min(1).max(2000).optional(),
    rowsPerTable: z.number().int().min(0).max(1_000_000_000).optional(),
    captureId,
  })
  .strict();

export const snapshotCancelInput = z.object({ captureId }).strict();
export const snapshotRenameInput = z.object({ id: snapshotId, name: z.string().trim().min(1).max(200) }).strict();
export const snapshotFileInput = z
  .object({ id: snapshotId, file: z.string().trim().min(1).max(4096), overwrite: z.boolean().optional() })
  .strict();
export const snapshotImportInput = z.object({ file: z.string().trim().min(1).max(4096) }).strict();
export const snapshotDiffInput = z
  .object({
    left: snapshotId,
    /** Another snapshot, or the live database through a connection. */
    right: z.union([z.object({ snapshot: snapshotId }).strict(), z.object({ connection: connectionRef }).strict()]),
    /** Compare rows of tables with a primary key up to this many rows (default 10 000). */
    rowLimit: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict();
