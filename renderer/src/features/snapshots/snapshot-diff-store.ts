/**
 * The diff view's store: which snapshot is compared with which (another
 * snapshot, or the live database of the active connection), the row limit,
 * and the last comparison.
 */
import { createStore } from 'zustand/vanilla';
import type { CallInput } from '../../../../common/contract';
import type { ConnectionRef } from '../../../../common/profiles';
import type { SnapshotDiff, SnapshotSummary } from '../../../../common/snapshots';
import type { ErrorInfo } from '../../api/error-info';
import { toErrorInfo } from '../../api/error-info';

/** The right side's value for "the live database of the active connection". */
export const LIVE = 'live';

export const DEFAULT_DIFF_ROW_LIMIT = '10000';
export const MAX_DIFF_ROW_LIMIT = 1_000_000;

export interface DiffRun {
  diff: SnapshotDiff;
  elapsedMs: number;
  /** The row limit the rows were compared under. */
  rowLimit: number;
}

export interface SnapshotDiffState {
  /** A snapshot id. */
  left: string | null;
  /** Another snapshot id, or LIVE. */
  right: string | null;
  rowLimit: string;
  running: boolean;
  result: DiffRun | null;
  error: ErrorInfo | null;
  /** Row counts of every table, not only those that differ. */
  showAllCounts: boolean;
  setLeft(id: string): void;
  setRight(id: string): void;
  setRowLimit(text: string): void;
  setShowAllCounts(all: boolean): void;
  /** Keep the choices valid for the snapshots listed now (by default: the two newest, or the newest against live). */
  syncChoices(snapshots: readonly SnapshotSummary[], liveAvailable: boolean): void;
  /** Compare; `live` is the active connection, needed when the right side is LIVE. */
  compare(live: ConnectionRef | null): Promise<void>;
}

export interface SnapshotDiffDeps {
  diff(input: CallInput<'snapshot.diff'>): Promise<SnapshotDiff>;
  now?(): number;
}

const invalid = (message: string, hint?: string): ErrorInfo => ({
  kind: 'invalid_input',
  message,
  ...(hint ? { hint } : {}),
});

/** The choices as snapshot.diff's input, or what is wrong with them. */
export function diffInput(
  state: Pick<SnapshotDiffState, 'left' | 'right' | 'rowLimit'>,
  live: ConnectionRef | null,
): { ok: true; input: CallInput<'snapshot.diff'>; rowLimit: number } | { ok: false; error: ErrorInfo } {
  const { left, right } = state;
  if (!left) return { ok: false, error: invalid('Pick the snapshot to compare') };
  if (!right) return { ok: false, error: invalid('Pick what to compare it with') };
  if (right === left) {
    return { ok: false, error: invalid('Pick two different sides', 'Compare a snapshot with another, or with live.') };
  }
  const text = state.rowLimit.trim().replace(/[,_\s]/g, '');
  if (!/^\d+$/.test(text) || Number(text) > MAX_DIFF_ROW_LIMIT) {
    return {
      ok: false,
      error: invalid(
        'The row limit must be a whole number from 0 to 1,000,000',
        'Rows are compared for tables with a primary key up to this many rows; 0 compares schema and counts only.',
      ),
    };
  }
  const rowLimit = Number(text);
  if (right === LIVE) {
    if (!live) {
      return {
        ok: false,
        error: invalid('There is no live connection to compare with', 'Connect to a database from Connections.'),
      };
    }
    return { ok: true, input: { left, right: { connection: live }, rowLimit }, rowLimit };
  }
  return { ok: true, input: { left, right: { snapshot: right }, rowLimit }, rowLimit };
}

export function createSnapshotDiffStore(deps: SnapshotDiffDeps) {
  const now = deps.now ?? (() => Date.now());
  let latest = 0;

  return createStore<SnapshotDiffState>()((set, get) => ({
    left: null,
    right: null,
    rowLimit: DEFAULT_DIFF_ROW_LIMIT,
    running: false,
    result: null,
    error: null,
    showAllCounts: false,
    setLeft: (left) => set({ left, error: null }),
    setRight: (right) => set({ right, error: null }),
    setRowLimit: (rowLimit) => set({ rowLimit, error: null }),
    setShowAllCounts: (showAllCounts) => set({ showAllCounts }),

    syncChoices(snapshots, liveAvailable) {
      const ids = new Set(snapshots.map((s) => s.id));
      let { left, right } = get();
      if (left !== null && !ids.has(left)) left = null;
      if (right !== null && right !== LIVE && !ids.has(right)) right = null;
      if (right === LIVE && !liveAvailable) right = null;
      // The list is newest first: the older of the two newest on the left, so the diff reads "then → now".
      const [newest, second] = snapshots;
      if (left === null) left = (second ?? newest)?.id ?? null;
      if (right === null) right = second && newest && newest.id !== left ? newest.id : liveAvailable ? LIVE : null;
      if (left !== get().left || right !== get().right) set({ left, right });
    },

    async compare(live) {
      if (get().running) return;
      const built = diffInput(get(), live);
      if (!built.ok) {
        set({ error: built.error });
        return;
      }
      const request = ++latest;
      const started = now();
      set({ running: true, error: null });
      try {
        const diff = await deps.diff(built.input);
        if (request !== latest) return;
        set({ running: false, result: { diff, elapsedMs: now() - started, rowLimit: built.rowLimit } });
      } catch (error) {
        if (request !== latest) return;
        set({ running: false, error: toErrorInfo(error) });
      }
    },
  }));
}
