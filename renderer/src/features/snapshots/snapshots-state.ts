/**
 * The shape of the snapshots store (the list, a capture with its live
 * progress, per-snapshot details, integrity checks, rename, delete, export,
 * import, and opening one for offline browsing), what it needs from main, and
 * the pure rules the view and the store share.
 */
import type { CallInput } from '../../../../common/contract';
import type { ConnectionRef } from '../../../../common/profiles';
import type { CaptureProgress, SnapshotDetail, SnapshotIntegrity, SnapshotSummary } from '../../../../common/snapshots';
import type { ErrorInfo } from '../../api/error-info';
import type { OpenSnapshot } from '../connections/data-source';

/** An on-demand call for one snapshot: running, done with a value, or failed. */
export type OpState<T> = { state: 'running' } | { state: 'done'; value: T } | { state: 'failed'; error: ErrorInfo };

/** The "New snapshot" form as the user types it. */
export interface CaptureForm {
  name: string;
  /** Comma-separated schema.table patterns with * and ?; empty for every table. */
  tables: string;
  /** Decimal digits; empty for all rows. */
  rowsPerTable: string;
}

export type CaptureOutcome =
  | { kind: 'done'; summary: SnapshotSummary; elapsedMs: number }
  | { kind: 'cancelled' }
  | { kind: 'failed'; error: ErrorInfo };

export interface CaptureRun {
  captureId: string;
  /** The connection captured, as the UI names it. */
  sourceLabel: string;
  /** ms since the epoch, from the store's clock. */
  startedAt: number;
  /** The last progress event of this capture (a starting state until the first arrives). */
  progress: CaptureProgress;
  cancelling: boolean;
  /** Why the last cancel request failed (the capture still runs). */
  cancelError: ErrorInfo | null;
  /** Null while the capture runs. */
  outcome: CaptureOutcome | null;
}

export type SnapshotAction = 'open' | 'rename' | 'delete' | 'check' | 'export';

export interface ExportDraft {
  id: string;
  /** A path on the machine running ops-console (main's filesystem), not the browser's. */
  file: string;
}

export interface SnapshotsState {
  tab: 'list' | 'diff';
  setTab(tab: 'list' | 'diff'): void;

  // ---- The list ---------------------------------------------------------
  snapshots: readonly SnapshotSummary[];
  loaded: boolean;
  loading: boolean;
  loadError: ErrorInfo | null;
  load(): Promise<void>;

  // ---- Capture ----------------------------------------------------------
  captureForm: CaptureForm | null;
  /** Why Start did nothing (a form mistake caught before a call). */
  captureFormError: ErrorInfo | null;
  openCaptureForm(): void;
  updateCaptureForm(patch: Partial<CaptureForm>): void;
  closeCaptureForm(): void;
  capture: CaptureRun | null;
  /** Capture `connection` with the form's settings, following its progress events. */
  startCapture(connection: ConnectionRef, sourceLabel: string): Promise<void>;
  cancelCapture(): Promise<void>;
  dismissCapture(): void;

  // ---- One snapshot -----------------------------------------------------
  /** The snapshot whose details are shown. */
  selectedId: string | null;
  details: Readonly<Record<string, OpState<SnapshotDetail>>>;
  checks: Readonly<Record<string, OpState<SnapshotIntegrity>>>;
  busy: Readonly<Record<string, SnapshotAction>>;
  /** Why the last action on a snapshot failed. */
  errors: Readonly<Record<string, { action: SnapshotAction; error: ErrorInfo }>>;
  /** Show (and read) a snapshot's details; showing the selected one again hides them. */
  toggleDetails(id: string): Promise<void>;
  hideDetails(): void;
  check(id: string): Promise<void>;
  /** Make the snapshot the data source of the Schema, Data and SQL console views; true when it opened. */
  open(id: string): Promise<boolean>;

  renaming: { id: string; name: string } | null;
  startRename(id: string): void;
  setRenameText(name: string): void;
  cancelRename(): void;
  confirmRename(): Promise<void>;

  deleteTarget: string | null;
  askDelete(id: string): void;
  cancelDelete(): void;
  confirmDelete(): Promise<void>;

  exportDraft: ExportDraft | null;
  exported: Readonly<Record<string, { file: string; bytes: number }>>;
  startExport(id: string): void;
  setExportFile(file: string): void;
  cancelExport(): void;
  confirmExport(): Promise<void>;

  // ---- Import -----------------------------------------------------------
  importOpen: boolean;
  importFile: string;
  importing: boolean;
  importError: ErrorInfo | null;
  /** The snapshot the last import added. */
  imported: SnapshotSummary | null;
  openImport(): void;
  closeImport(): void;
  setImportFile(file: string): void;
  importSnapshot(): Promise<void>;
}

export interface SnapshotsDeps {
  list(): Promise<SnapshotSummary[]>;
  show(id: string): Promise<SnapshotDetail>;
  create(input: CallInput<'snapshot.create'>): Promise<SnapshotSummary>;
  cancel(captureId: string): Promise<{ cancelled: boolean }>;
  rename(id: string, name: string): Promise<SnapshotSummary>;
  remove(id: string): Promise<unknown>;
  check(id: string): Promise<SnapshotIntegrity>;
  exportTo(id: string, file: string): Promise<{ id: string; file: string; bytes: number }>;
  importFrom(file: string): Promise<SnapshotSummary>;
  onProgress(listener: (progress: CaptureProgress) => void): () => void;
  /** The data source the views read (the connections store). */
  source: {
    open(snapshot: OpenSnapshot): void;
    close(): void;
    rename(id: string, name: string): void;
    openId(): string | null;
  };
  newCaptureId?(): string;
  now?(): number;
  /** How long to keep listening for a capture's last events after its answer arrived. */
  lingerMs?: number;
}

export const emptyCaptureForm = (): CaptureForm => ({ name: '', tables: '', rowsPerTable: '' });

export const MAX_ROWS_PER_TABLE = 1_000_000_000;

/** The form as snapshot.create's input, or what is wrong with it. */
export function captureInput(
  form: CaptureForm,
  connection: ConnectionRef,
  captureId: string,
): { ok: true; input: CallInput<'snapshot.create'> } | { ok: false; error: ErrorInfo } {
  const input: CallInput<'snapshot.create'> = { connection, captureId };
  const name = form.name.trim();
  if (name.length > 200) {
    return { ok: false, error: { kind: 'invalid_input', message: 'A snapshot name is at most 200 characters' } };
  }
  if (name) input.name = name;
  const tables = form.tables.trim();
  if (tables) {
    if (tables.split(',').some((part) => part.trim() === '')) {
      return {
        ok: false,
        error: {
          kind: 'invalid_input',
          message: 'The table pattern has an empty entry',
          hint: 'Separate schema.table patterns with commas, e.g. ai.*,analytics.events',
        },
      };
    }
    input.tables = tables;
  }
  const rows = form.rowsPerTable.trim().replace(/[,_\s]/g, '');
  if (rows) {
    if (!/^\d+$/.test(rows) || Number(rows) > MAX_ROWS_PER_TABLE) {
      return {
        ok: false,
        error: {
          kind: 'invalid_input',
          message: 'Rows per table must be a whole number from 0 to 1,000,000,000',
          hint: 'Leave it empty to capture every row.',
        },
      };
    }
    input.rowsPerTable = Number(rows);
  }
  return { ok: true, input };
}

/** What the banner and the views need to know about a snapshot opened for browsing. */
export function openSnapshotOf(detail: SnapshotDetail): OpenSnapshot {
  return {
    id: detail.id,
    name: detail.name,
    database: detail.database,
    capturedAt: detail.startedAt,
    capturedTables: detail.tables.map((t) => `${t.schema}.${t.name}`),
  };
}

export function isCapturing(state: Pick<SnapshotsState, 'capture'>): boolean {
  return state.capture !== null && state.capture.outcome === null;
}
