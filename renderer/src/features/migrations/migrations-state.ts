/**
 * The shape of the migrations store, what it needs from main, and the
 * selectors the view reads it through (what may run now, and why not).
 */
import type { CallInput } from '../../../../common/contract';
import type {
  BaselineResult,
  MigrationPlan,
  MigrationProgress,
  MigrationRunResult,
  MigrationStatusReport,
  ResolveAction,
  ResolveResult,
} from '../../../../common/migrations';
import type { ConnectionRef } from '../../../../common/profiles';
import type { ErrorInfo } from '../../api/error-info';
import type { RunProgress } from './migration-progress';

/** A write to the database or its history, waiting for the user to confirm it. */
export type PendingAction =
  | { kind: 'apply'; to: number | null }
  | { kind: 'resolve'; version: number; action: ResolveAction }
  | { kind: 'baseline'; to: number | null };

export interface ConfirmState {
  action: PendingAction;
  database: string;
  /** Production or read-only connection: the user types the database name. */
  requireTyped: boolean;
  typed: string;
}

/** What the active connection is marked as; either asks for the database name before a write. */
export interface WriteGuard {
  production: boolean;
  readOnly: boolean;
}

export type PlanState =
  | { state: 'running'; verify: boolean; to: number | null }
  | { state: 'done'; verify: boolean; to: number | null; value: MigrationPlan }
  | { state: 'failed'; verify: boolean; to: number | null; error: ErrorInfo };

export type RunOutcome =
  { kind: 'result'; result: MigrationRunResult; elapsedMs: number } | { kind: 'error'; error: ErrorInfo };

export interface ApplyRun {
  progress: RunProgress;
  to: number | null;
  /** ms since the epoch, from the store's clock. */
  startedAt: number;
  /** Null while the run is going. */
  outcome: RunOutcome | null;
}

/** An on-demand call: running, done with a value, or failed. */
export type OpState<T> = { state: 'running' } | { state: 'done'; value: T } | { state: 'failed'; error: ErrorInfo };

export interface MigrationsState {
  /** The connection the status below belongs to. */
  connection: ConnectionRef | null;
  status: MigrationStatusReport | null;
  loading: boolean;
  loadError: ErrorInfo | null;
  allowOutOfOrder: boolean;
  /** The version chosen in "Up to"; null (or one no longer runnable) means the last runnable one. */
  target: number | null;
  plan: PlanState | null;
  /** Progress of the verified plan that is running. */
  verifyProgress: RunProgress | null;
  run: ApplyRun | null;
  confirm: ConfirmState | null;
  resolution: (OpState<ResolveResult> & { version: number; action: ResolveAction }) | null;
  baseline: OpState<BaselineResult> | null;

  load(connection: ConnectionRef, options?: { force?: boolean }): Promise<void>;
  clear(): void;
  setAllowOutOfOrder(allow: boolean): void;
  setTarget(version: number): void;
  /** What apply would run (up to the target), with the SQL; verify runs it all in one rolled-back transaction. */
  makePlan(verify: boolean): Promise<void>;
  closePlan(): void;
  requestApply(scope: 'all' | 'target', guard: WriteGuard): void;
  requestResolve(version: number, action: ResolveAction, guard: WriteGuard): void;
  requestBaseline(guard: WriteGuard): void;
  setConfirmTyped(text: string): void;
  setBaselineTo(version: number | null): void;
  cancelConfirm(): void;
  /** Run the action in the dialog; only when the typed text is the database name, if one is asked for. */
  confirmAction(): Promise<void>;
  dismissRun(): void;
  dismissResolution(): void;
  dismissBaseline(): void;
}

export interface MigrationsDeps {
  status(connection: ConnectionRef): Promise<MigrationStatusReport>;
  plan(input: CallInput<'migrations.plan'>): Promise<MigrationPlan>;
  apply(input: CallInput<'migrations.apply'>): Promise<MigrationRunResult>;
  baseline(input: CallInput<'migrations.baseline'>): Promise<BaselineResult>;
  resolve(input: CallInput<'migrations.resolve'>): Promise<ResolveResult>;
  onProgress(listener: (event: MigrationProgress) => void): () => void;
  newRunId?(): string;
  now?(): number;
  /** How long to keep listening for a run's last events after its answer arrived. */
  lingerMs?: number;
}

/** Versions apply would run now, in order: the pending ones, and the out-of-order ones when allowed. */
export function runnableVersions(
  status: Pick<MigrationStatusReport, 'pending' | 'outOfOrder'> | null,
  allowOutOfOrder: boolean,
): number[] {
  if (!status) return [];
  const versions = new Set(status.pending);
  if (allowOutOfOrder) for (const v of status.outOfOrder) versions.add(v);
  return [...versions].sort((a, b) => a - b);
}

/** The version "Up to" stands for: the chosen one while it can run, else the last runnable one. */
export function effectiveTarget(state: Pick<MigrationsState, 'status' | 'allowOutOfOrder' | 'target'>): number | null {
  const runnable = runnableVersions(state.status, state.allowOutOfOrder);
  if (state.target !== null && runnable.includes(state.target)) return state.target;
  return runnable[runnable.length - 1] ?? null;
}

/** A run, a verification, a resolve or a baseline is going: nothing else may start. */
export function isBusy(state: Pick<MigrationsState, 'run' | 'plan' | 'resolution' | 'baseline'>): boolean {
  return (
    (state.run !== null && state.run.outcome === null) ||
    (state.plan?.state === 'running' && state.plan.verify) ||
    state.resolution?.state === 'running' ||
    state.baseline?.state === 'running'
  );
}

/** Why Apply cannot run now, or null when it can. */
export function applyDisabledReason(
  state: Pick<
    MigrationsState,
    'status' | 'loading' | 'allowOutOfOrder' | 'run' | 'plan' | 'resolution' | 'baseline' | 'connection'
  >,
): string | null {
  if (!state.connection || !state.status) return state.loading ? 'Reading the migration status…' : 'No status yet';
  if (isBusy(state)) return 'A run is in progress';
  if (state.status.blockers.length > 0) return 'Resolve the blockers first';
  if (runnableVersions(state.status, state.allowOutOfOrder).length === 0) {
    return state.status.outOfOrder.length > 0 && !state.allowOutOfOrder
      ? 'Only out-of-order migrations are pending: allow them to apply'
      : 'Nothing is pending: the database is up to date';
  }
  return null;
}

/** Baseline fits a database built without history: no `_sqlx_migrations`, or nothing recorded in it. */
export function canBaseline(status: MigrationStatusReport | null): boolean {
  if (!status) return false;
  return !status.historyTable || status.entries.every((e) => e.installedOn === null && e.state !== 'failed');
}
