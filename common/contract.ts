/**
 * The one API contract. Every call the renderer (or the CLI, or the HTTP
 * transport) can make is declared here once: its `area.verb` name, a zod schema
 * for its input and its output type. Every event main pushes is declared here
 * too. Transports and the router derive everything from this file.
 */
import { z } from 'zod';
import type { BackendConfigView, BackendLogBatch, BackendLogPage, BackendStatus, PreflightReport } from './backend';
import { backendConfigInput, backendIdInput, backendLogsInput } from './backend';
import type { CatalogModel, ExactSizes } from './catalog';
import type { CaptureProgress, SnapshotDetail, SnapshotDiff, SnapshotIntegrity, SnapshotSummary } from './snapshots';
import {
  snapshotCancelInput,
  snapshotCreateInput,
  snapshotDiffInput,
  snapshotFileInput,
  snapshotImportInput,
  snapshotRefInput,
  snapshotRenameInput,
} from './snapshots';
import type { SledImportSummary, SledPlan, SledProgress, SledReport } from './sled';
import { sledCancelInput, sledImportInput, sledLoadInput, sledPlanInput, sledRefInput, sledReportInput } from './sled';
import type { DataPage, ExplainResult, SqlResult } from './data';
import { dataPageInput } from './data';
import type { AppInfo, LogLine, SchemaListing } from './domain';
import type { ConnectionProfile, ConnectionStatus, DoctorReport, LocalPgStatus } from './profiles';
import { connectionRef, dataSourceRef, profileInput } from './profiles';
import { logLevels } from './domain';
import type {
  BaselineResult,
  MigrationPlan,
  MigrationProgress,
  MigrationRunResult,
  MigrationStatusReport,
  ResolveResult,
} from './migrations';
import {
  migrationsApplyInput,
  migrationsBaselineInput,
  migrationsPlanInput,
  migrationsResolveInput,
  migrationsSourceInput,
} from './migrations';
import type { SerializedError } from './errors';
import type { CallNameList, EventNameList } from './names';
import { EVENT_NAMES } from './names';

interface CallSpec<I extends z.ZodType, O> {
  input: I;
  /** Phantom field: carries the output type, never read at run time. */
  output?: O;
  description: string;
}

function call<O>() {
  return <I extends z.ZodType>(input: I, description: string): CallSpec<I, O> => ({ input, description });
}

const noInput = z.object({}).strict();
const identifier = z.string().min(1).max(255);
const profileId = z.object({ id: z.string().min(1).max(64) }).strict();
const onConnection = z.object({ connection: connectionRef }).strict();
const relationRef = z.object({ connection: connectionRef, schema: identifier, name: identifier }).strict();
/** Chosen by the renderer so a running query can be cancelled by id. */
const runId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Expected a run id of letters, digits, - or _');

/** A postgres:// or postgresql:// URL. The password in it never leaves main. */
export const databaseUrl = z
  .string()
  .trim()
  .min(1, 'A database URL is required')
  .max(4096)
  .regex(/^postgres(ql)?:\/\/\S*$/i, 'Expected a postgres:// or postgresql:// URL without spaces');

const dialogTitle = z.string().trim().min(1).max(200);
const dialogPath = z.string().min(1).max(4096);
const fileFilters = z
  .array(
    z
      .object({
        name: z.string().min(1).max(100),
        extensions: z
          .array(
            z.string().regex(/^(\*|[A-Za-z0-9_-][A-Za-z0-9_.-]{0,19})$/, 'Expected an extension without a dot, or *'),
          )
          .min(1)
          .max(20),
      })
      .strict(),
  )
  .max(10);

export const contract = {
  'app.info': call<AppInfo>()(noInput, 'Version, data folder, platform and transport of the running app'),
  'db.listSchemas': call<SchemaListing>()(
    z.object({ url: databaseUrl, includeSystem: z.boolean().optional() }).strict(),
    'List the schemas of the database at a URL',
  ),
  'profiles.list': call<ConnectionProfile[]>()(noInput, 'Saved connection profiles (never passwords)'),
  'profiles.save': call<ConnectionProfile>()(profileInput, 'Create or update a connection profile'),
  'profiles.delete': call<null>()(profileId, 'Delete a connection profile and its stored password'),
  'connections.connect': call<ConnectionStatus>()(onConnection, 'Open (or reuse) the pool for a connection'),
  'connections.disconnect': call<null>()(onConnection, 'Close the pool of a connection'),
  'connections.status': call<ConnectionStatus[]>()(noInput, 'Pools that are open, with stats and server version'),
  'db.check': call<DoctorReport>()(onConnection, 'Check DNS, TCP, TLS, authentication and server version step by step'),
  'localPg.status': call<LocalPgStatus>()(noInput, 'State of the embedded local PostgreSQL'),
  'localPg.start': call<LocalPgStatus>()(noInput, 'Start the embedded local PostgreSQL (initialising it on first use)'),
  'localPg.stop': call<LocalPgStatus>()(noInput, 'Stop the embedded local PostgreSQL'),
  'schema.model': call<CatalogModel>()(
    z
      .object({
        connection: dataSourceRef,
        /** Exact sizes whatever the catalog's size (otherwise estimated for big catalogs). */
        exactSizes: z.boolean().optional(),
      })
      .strict(),
    'The full catalog model of a database (or of a snapshot)',
  ),
  'schema.sizes': call<ExactSizes>()(
    z.object({ connection: dataSourceRef, schema: identifier, table: identifier }).strict(),
    'Exact table, index and TOAST sizes of one table (on demand)',
  ),
  'schema.count': call<{ count: string }>()(
    z.object({ connection: dataSourceRef, schema: identifier, table: identifier }).strict(),
    'Exact row count of one table (on demand only)',
  ),
  'data.page': call<DataPage>()(dataPageInput, 'One page of rows of a table or view'),
  'sql.run': call<SqlResult>()(
    z
      .object({
        /** On a snapshot the SQL is SQLite's, read-only. */
        connection: dataSourceRef,
        sql: z.string().min(1, 'Nothing to run').max(1_000_000),
        runId,
        allowWrite: z.boolean().optional(),
        maxRows: z.number().int().min(1).max(100_000).optional(),
      })
      .strict(),
    'Run SQL in a read-only transaction unless writing is allowed',
  ),
  'sql.cancel': call<{ cancelled: boolean }>()(z.object({ runId }).strict(), 'Cancel a running query'),
  'sql.explain': call<ExplainResult>()(
    z
      .object({
        connection: connectionRef,
        sql: z.string().min(1).max(1_000_000),
        analyze: z.boolean().optional(),
        runId: runId.optional(),
      })
      .strict(),
    'EXPLAIN (FORMAT JSON) a statement; ANALYZE only when asked',
  ),
  'ops.refreshMatview': call<{ concurrently: boolean; durationMs: number; note: string | null }>()(
    relationRef,
    'REFRESH MATERIALIZED VIEW (CONCURRENTLY when it has a unique index)',
  ),
  'ops.runFunction': call<{ result: string | null; durationMs: number }>()(
    z
      .object({
        connection: connectionRef,
        schema: identifier,
        name: identifier,
        /** The database name, typed by the user to confirm. */
        confirmDatabase: z.string().min(1).max(255),
      })
      .strict(),
    'Run a function that takes no arguments, after confirmation naming the database',
  ),
  'migrations.status': call<MigrationStatusReport>()(
    migrationsSourceInput,
    'Every migration with its state: applied, pending, out of order, changed, missing or failed',
  ),
  'migrations.plan': call<MigrationPlan>()(
    migrationsPlanInput,
    'What apply would run, with the SQL; optionally run it all in one transaction and roll it back',
  ),
  'migrations.apply': call<MigrationRunResult>()(
    migrationsApplyInput,
    'Apply pending migrations in order, each in its own transaction, under the migration lock',
  ),
  'migrations.baseline': call<BaselineResult>()(
    migrationsBaselineInput,
    'Record migrations as applied on a database built without history, after checking their objects exist',
  ),
  'migrations.resolve': call<ResolveResult>()(
    migrationsResolveInput,
    'Resolve a blocker: retry or mark applied a failed migration, accept a changed checksum, forget a missing file',
  ),
  'backend.list': call<Array<{ config: BackendConfigView; status: BackendStatus }>>()(
    noInput,
    'Configured backends with their current status',
  ),
  'backend.save': call<BackendConfigView>()(
    backendConfigInput,
    'Create or update a backend configuration (secret values are stored encrypted, never returned)',
  ),
  'backend.delete': call<null>()(backendIdInput, 'Stop a backend and delete its configuration'),
  'backend.start': call<BackendStatus>()(backendIdInput, 'Pre-flight checks, then start a backend'),
  'backend.stop': call<BackendStatus>()(
    backendIdInput,
    'Stop a backend: SIGTERM to its process group, SIGKILL after the stop timeout',
  ),
  'backend.restart': call<BackendStatus>()(backendIdInput, 'Stop and start a backend (not counted as a crash)'),
  'backend.preflight': call<PreflightReport>()(
    backendIdInput,
    'Check the binary, its architecture, the port and DATABASE_URL without starting',
  ),
  'backend.logs': call<BackendLogPage>()(
    backendLogsInput,
    "A backend's recent output from its ring buffer, filtered by stream and text or regex",
  ),
  'snapshot.list': call<SnapshotSummary[]>()(noInput, 'Snapshots in the data folder, newest first'),
  'snapshot.show': call<SnapshotDetail>()(snapshotRefInput, 'A snapshot with its tables and migration history'),
  'snapshot.create': call<SnapshotSummary>()(
    snapshotCreateInput,
    'Capture a database into a snapshot (catalog, rows, metadata), with progress events',
  ),
  'snapshot.cancel': call<{ cancelled: boolean }>()(snapshotCancelInput, 'Cancel a running capture'),
  'snapshot.rename': call<SnapshotSummary>()(snapshotRenameInput, 'Rename a snapshot'),
  'snapshot.delete': call<null>()(snapshotRefInput, 'Delete a snapshot file'),
  'snapshot.check': call<SnapshotIntegrity>()(
    snapshotRefInput,
    'Integrity check: PRAGMA integrity_check, recorded row counts and the content hash',
  ),
  'snapshot.export': call<{ id: string; file: string; bytes: number }>()(
    snapshotFileInput,
    'Copy a snapshot to a file',
  ),
  'snapshot.import': call<SnapshotSummary>()(
    snapshotImportInput,
    'Validate a snapshot file and add it (read-only); a damaged or altered file is refused',
  ),
  'snapshot.diff': call<SnapshotDiff>()(
    snapshotDiffInput,
    'Compare a snapshot with another or with the live database: schema, row counts and rows',
  ),
  'sled.list': call<SledImportSummary[]>()(
    noInput,
    'Sled imports (staging databases) in the data folder, newest first',
  ),
  'sled.show': call<SledImportSummary>()(sledRefInput, 'An import: its files, entries by family and problems'),
  'sled.import': call<SledImportSummary>()(
    sledImportInput,
    'Stream Sled export files into a new staging database, with progress events',
  ),
  'sled.plan': call<SledPlan>()(
    sledPlanInput,
    'Save the plan choices and count, per target table, the rows to insert, skip and the problems, with progress events',
  ),
  'sled.load': call<SledReport>()(
    sledLoadInput,
    'Load an import into PostgreSQL exactly once, in batches with provenance, then reconcile',
  ),
  'sled.cancel': call<{ cancelled: boolean }>()(sledCancelInput, 'Cancel a running import, plan or load'),
  'sled.report': call<SledReport>()(
    sledReportInput,
    'Account for every staged entry and check the totals (against the database when a connection is given)',
  ),
  'sled.delete': call<null>()(sledRefInput, 'Delete an import and its staging database (loaded rows stay)'),
  'logs.recent': call<LogLine[]>()(
    z.object({ limit: z.number().int().min(1).max(5000).optional() }).strict(),
    'The most recent application log lines (already redacted)',
  ),
  'logs.write': call<null>()(
    z.object({ level: z.enum(logLevels), message: z.string().min(1).max(8000) }).strict(),
    'Write a renderer log line into the application log',
  ),
  'files.chooseOpen': call<{ paths: string[] }>()(
    z
      .object({
        title: dialogTitle,
        choose: z.enum(['file', 'files', 'folder']),
        filters: fileFilters.optional(),
        defaultPath: dialogPath.optional(),
      })
      .strict(),
    'The system dialog that opens files or a folder (desktop app only); no paths when cancelled',
  ),
  'files.chooseSave': call<{ path: string | null }>()(
    z.object({ title: dialogTitle, defaultPath: dialogPath.optional(), filters: fileFilters.optional() }).strict(),
    'The system dialog that chooses where to save a file (desktop app only); null when cancelled',
  ),
} as const;

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type CallInput<N extends CallName> = z.input<Contract[N]['input']>;
export type ParsedInput<N extends CallName> = z.output<Contract[N]['input']>;
export type CallOutput<N extends CallName> = Exclude<Contract[N]['output'], undefined>;

export const callNames = Object.freeze(Object.keys(contract) as CallName[]);

export function isCallName(value: unknown): value is CallName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(contract, value);
}

// names.ts (zod-free, for the preload) must list exactly the contract's calls and events.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const callNamesAgree: Same<CallName, CallNameList> = true;
const eventNamesAgree: Same<EventName, EventNameList> = true;
void callNamesAgree;
void eventNamesAgree;

/** Events main pushes to every connected renderer. */
export interface EventMap {
  /** A new (redacted) application log line. */
  'logs.line': LogLine;
  /** A service changed state (starting, ready, stopping, stopped, failed). */
  'app.serviceStatus': { service: string; status: ServiceStatus; message?: string };
  /** A connection's state or pool stats changed. */
  'connections.status': ConnectionStatus;
  /** The embedded local PostgreSQL changed state. */
  'localPg.status': LocalPgStatus;
  /** A migration run made progress (lock, migration, statement, result). */
  'migrations.progress': MigrationProgress;
  /** A backend changed state (or its stats were sampled). */
  'backend.status': BackendStatus;
  /** A batch of a backend's output lines; `dropped` counts lines the push left out (they stay in the ring). */
  'backend.logs': BackendLogBatch;
  /** A snapshot capture made progress (or finished, failed, was cancelled). */
  'snapshot.progress': CaptureProgress;
  /** A Sled import or load made progress (or finished, failed, was cancelled). */
  'sled.progress': SledProgress;
}

export type ServiceStatus = 'starting' | 'ready' | 'stopping' | 'stopped' | 'failed';
export type EventName = keyof EventMap;
export const eventNames: readonly EventName[] = Object.freeze([...EVENT_NAMES]);

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (eventNames as readonly string[]).includes(value);
}

export interface EventEnvelope<E extends EventName = EventName> {
  event: E;
  payload: EventMap[E];
}

/** Result envelope used by the IPC and HTTP transports alike. */
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

/** The client surface both transports give the renderer. */
export interface OpsConsoleClient {
  invoke<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
}

/** What the preload exposes on window.opsConsole (raw envelopes, no classes cross contextBridge). */
export interface PreloadBridge {
  invoke(name: string, input: unknown): Promise<CallResult<unknown>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
  /**
   * Where a file dropped on the page is (Electron's webUtils.getPathForFile),
   * '' for anything else. A browser tells a page no path at all.
   */
  pathForFile(file: DroppedFile): string;
}

/** A DOM File, as this module (which has no DOM types) names it. */
export type DroppedFile = object;
