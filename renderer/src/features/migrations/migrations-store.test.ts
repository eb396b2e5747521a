import { describe, expect, it, vi } from 'vitest';
import type { CallInput } from '../../../../common/contract';
import { RemoteError } from '../../../../common/errors';
import type {
  BaselineResult,
  MigrationPlan,
  MigrationProgress,
  MigrationRunResult,
  MigrationStatusReport,
  ResolveResult,
} from '../../../../common/migrations';
import type { ConnectionRef } from '../../../../common/profiles';
import { applied, entry, failure, freshStatus, planFor, runResult, statusReport } from './migration-fixtures';
import { failureStartLine, progressCounts, progressFraction } from './migration-progress';
import {
  applyDisabledReason,
  canBaseline,
  createMigrationsStore,
  effectiveTarget,
  isBusy,
  randomRunId,
} from './migrations-store';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const profile: ConnectionRef = { profileId: 'p1' };
const writable = { production: false, readOnly: false };
const production = { production: true, readOnly: false };

/** A fake client: calls are mocks, and progress events go to whoever subscribed, as main pushes them. */
function setup(options: { status?: () => MigrationStatusReport; lingerMs?: number } = {}) {
  const listeners = new Set<(event: MigrationProgress) => void>();
  const emit = (event: MigrationProgress) => {
    for (const listener of [...listeners]) listener(event);
  };
  let n = 0;
  const mocks = {
    status: vi.fn<(c: ConnectionRef) => Promise<MigrationStatusReport>>(async () => (options.status ?? freshStatus)()),
    plan: vi.fn<(input: CallInput<'migrations.plan'>) => Promise<MigrationPlan>>(async () =>
      planFor([1, 2, 3, 4, 5, 6]),
    ),
    apply: vi.fn<(input: CallInput<'migrations.apply'>) => Promise<MigrationRunResult>>(async () => runResult()),
    baseline: vi.fn<(input: CallInput<'migrations.baseline'>) => Promise<BaselineResult>>(),
    resolve: vi.fn<(input: CallInput<'migrations.resolve'>) => Promise<ResolveResult>>(),
    onProgress: vi.fn((listener: (event: MigrationProgress) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }),
  };
  const store = createMigrationsStore({
    ...mocks,
    newRunId: () => `run-${++n}`,
    now: () => 1000 * n,
    lingerMs: options.lingerMs ?? 0,
  });
  return { store, deps: mocks, emit, listeners };
}

/** Let the store's pending promise callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('migrations store: status', () => {
  it('reads the status once per connection, and again on Reload', async () => {
    const t = setup();
    await t.store.getState().load(profile);
    await t.store.getState().load({ profileId: 'p1' });
    expect(t.deps.status).toHaveBeenCalledTimes(1);
    expect(t.store.getState().status?.pending).toEqual([1, 2, 3, 4, 5, 6]);
    await t.store.getState().load(profile, { force: true });
    expect(t.deps.status).toHaveBeenCalledTimes(2);
  });

  it('shows a failed read and keeps what was read before', async () => {
    const t = setup();
    await t.store.getState().load(profile);
    t.deps.status.mockRejectedValueOnce(
      new RemoteError({ kind: 'database_error', message: 'permission denied for table _sqlx_migrations' }),
    );
    await t.store.getState().load(profile, { force: true });
    expect(t.store.getState()).toMatchObject({ loading: false, loadError: { kind: 'database_error' } });
    expect(t.store.getState().status?.database).toBe('app');
  });

  it('starts over for another connection and drops the late answer of the previous one', async () => {
    const first = deferred<MigrationStatusReport>();
    const t = setup();
    t.deps.status.mockReturnValueOnce(first.promise).mockResolvedValueOnce({ ...freshStatus(), database: 'other' });
    const slow = t.store.getState().load(profile);
    await t.store.getState().load({ url: 'postgres://u@h/other' });
    first.resolve(freshStatus());
    await slow;
    expect(t.store.getState().status?.database).toBe('other');
  });

  it('forgets everything when the active connection goes away', async () => {
    const t = setup();
    await t.store.getState().load(profile);
    t.store.getState().setAllowOutOfOrder(true);
    await t.store.getState().makePlan(false);
    t.store.getState().clear();
    expect(t.store.getState()).toMatchObject({ connection: null, status: null, plan: null, allowOutOfOrder: false });
  });
});

describe('migrations store: apply', () => {
  it('applies everything pending under a fresh run id and follows only that run’s progress', async () => {
    const gate = deferred<MigrationRunResult>();
    const t = setup();
    t.deps.apply.mockReturnValueOnce(gate.promise);
    await t.store.getState().load(profile);
    t.store.getState().requestApply('all', writable);

    expect(t.deps.apply).toHaveBeenCalledWith({ connection: profile, runId: 'run-1' });
    expect(isBusy(t.store.getState())).toBe(true);
    expect(applyDisabledReason(t.store.getState())).toBe('A run is in progress');

    t.emit({ runId: 'run-1', phase: 'lock_wait', holder: null, waitedMs: 250 });
    expect(t.store.getState().run?.progress.lock).toEqual({ state: 'waiting', holder: null, waitedMs: 250 });
    t.emit({ runId: 'run-1', phase: 'lock_acquired', waitedMs: 400 });
    t.emit({
      runId: 'run-1',
      phase: 'migration_start',
      version: 1,
      fileName: '001_initial_schema.sql',
      statementCount: 4,
    });
    t.emit({
      runId: 'run-1',
      phase: 'statement',
      version: 1,
      statementIndex: 2,
      statementCount: 4,
      line: 9,
      summary: 'CREATE TABLE a (',
    });
    // Another runner's events (the CLI, another window) are not this run's.
    t.emit({ runId: 'someone-else', phase: 'migration_done', version: 1, durationMs: 1 });
    let progress = t.store.getState().run!.progress;
    expect(progress.current).toMatchObject({ version: 1, statementIndex: 2, statementCount: 4, line: 9 });
    expect(progress.done).toEqual([]);
    // Half of the first of six migrations.
    expect(progressFraction(progress)).toBeCloseTo(0.5 / 6);

    t.emit({ runId: 'run-1', phase: 'migration_done', version: 1, durationMs: 31 });
    progress = t.store.getState().run!.progress;
    expect(progress.done).toEqual([{ version: 1, durationMs: 31 }]);
    expect(progress.current).toBeNull();

    const applied6 = [1, 2, 3, 4, 5, 6].map((v) => ({
      version: v,
      description: '',
      durationMs: 10 * v,
      executionTimeNs: '1',
    }));
    t.deps.status.mockResolvedValueOnce(statusReport([1, 2, 3, 4, 5, 6].map(applied)));
    gate.resolve(runResult({ applied: applied6 }));
    await settle();

    const run = t.store.getState().run!;
    expect(run.outcome).toMatchObject({ kind: 'result', result: { applied: applied6 } });
    // The answer is the truth; the durations seen live are kept.
    expect(run.progress.done.map((d) => d.durationMs)).toEqual([31, 20, 30, 40, 50, 60]);
    expect(progressFraction(run.progress)).toBe(1);
    // Status read again: nothing pending now, and apply is off.
    expect(t.deps.status).toHaveBeenCalledTimes(2);
    expect(applyDisabledReason(t.store.getState())).toMatch(/up to date/);
    expect(t.listeners.size).toBe(0);
  });

  it('applies up to the chosen version, and sends no `to` when that is the last one anyway', async () => {
    const t = setup();
    await t.store.getState().load(profile);
    expect(effectiveTarget(t.store.getState())).toBe(6);
    t.store.getState().setTarget(3);
    t.store.getState().requestApply('target', writable);
    await settle();
    expect(t.deps.apply).toHaveBeenLastCalledWith({ connection: profile, runId: 'run-1', to: 3 });

    t.store.getState().setTarget(6);
    t.store.getState().requestApply('target', writable);
    await settle();
    expect(t.deps.apply).toHaveBeenLastCalledWith({ connection: profile, runId: 'run-2' });
  });

  it('asks for the database name on a production or read-only connection', async () => {
    const t = setup();
    await t.store.getState().load(profile);
    t.store.getState().requestApply('all', production);
    expect(t.deps.apply).not.toHaveBeenCalled();
    expect(t.store.getState().confirm).toMatchObject({
      action: { kind: 'apply', to: null },
      database: 'app',
      requireTyped: true,
    });

    t.store.getState().setConfirmTyped('APP');
    await t.store.getState().confirmAction();
    expect(t.deps.apply).not.toHaveBeenCalled();

    t.store.getState().setConfirmTyped(' app ');
    await t.store.getState().confirmAction();
    expect(t.deps.apply).toHaveBeenCalledTimes(1);
    expect(t.store.getState().confirm).toBeNull();

    t.store.getState().requestApply('all', { production: false, readOnly: true });
    expect(t.store.getState().confirm?.requireTyped).toBe(true);
  });

  it('refuses to apply while blocked, with nothing pending, or with only out-of-order files not allowed', async () => {
    const blocked = statusReport(
      [applied(1), entry(2, { state: 'failed', installedOn: '2025-03-01T10:00:00Z' }), entry(3)],
      {
        blockers: [{ version: 2, kind: 'failed', message: '002 failed midway', recovery: ['Check', 'Retry'] }],
        pending: [],
      },
    );
    const t = setup({ status: () => blocked });
    await t.store.getState().load(profile);
    expect(applyDisabledReason(t.store.getState())).toBe('Resolve the blockers first');
    t.store.getState().requestApply('all', writable);
    expect(t.store.getState().run).toBeNull();

    const upToDate = setup({ status: () => statusReport([applied(1), applied(2)]) });
    await upToDate.store.getState().load(profile);
    expect(applyDisabledReason(upToDate.store.getState())).toMatch(/Nothing is pending/);

    const outOfOrder = setup({
      status: () => statusReport([applied(1), entry(2, { state: 'out_of_order' }), applied(3)]),
    });
    await outOfOrder.store.getState().load(profile);
    expect(applyDisabledReason(outOfOrder.store.getState())).toMatch(/allow them/);
    outOfOrder.store.getState().setAllowOutOfOrder(true);
    expect(applyDisabledReason(outOfOrder.store.getState())).toBeNull();
    outOfOrder.store.getState().requestApply('all', writable);
    await settle();
    expect(outOfOrder.deps.apply).toHaveBeenCalledWith({ connection: profile, runId: 'run-1', allowOutOfOrder: true });
  });

  it('keeps the failure, where its statement starts, and what was not run', async () => {
    const t = setup();
    const failed = failure(4, { exactPosition: true, line: 15, column: 7, statementLine: null });
    t.deps.apply.mockImplementationOnce(async ({ runId }) => {
      t.emit({ runId, phase: 'migration_start', version: 4, fileName: '004_analytics.sql', statementCount: 5 });
      t.emit({
        runId,
        phase: 'statement',
        version: 4,
        statementIndex: 2,
        statementCount: 5,
        line: 14,
        summary: 'CREATE INDEX',
      });
      t.emit({ runId, phase: 'migration_failed', version: 4, failure: failed });
      t.emit({ runId, phase: 'finished', applied: 3, failed: true });
      return runResult({
        runId,
        applied: [1, 2, 3].map((v) => ({ version: v, description: '', durationMs: 5, executionTimeNs: '5000000' })),
        failure: failed,
        notRun: [5, 6],
      });
    });
    await t.store.getState().load(profile);
    t.store.getState().requestApply('all', writable);
    await settle();
    const run = t.store.getState().run!;
    expect(run.outcome).toMatchObject({ kind: 'result', result: { notRun: [5, 6], failure: { version: 4 } } });
    expect(run.progress.failure).toEqual(failed);
    expect(run.progress.done.map((d) => d.version)).toEqual([1, 2, 3]);
    expect(failureStartLine(failed, run.progress, null)).toBe(14);
    expect(progressFraction(run.progress)).toBeLessThan(1);
  });

  it('shows a run that could not start (the lock not granted in time) and reads the status again', async () => {
    const t = setup();
    t.deps.apply.mockRejectedValueOnce(
      new RemoteError({
        kind: 'conflict',
        message: 'Another runner holds the migration lock',
        hint: 'Try again later',
      }),
    );
    await t.store.getState().load(profile);
    t.store.getState().requestApply('all', writable);
    await settle();
    expect(t.store.getState().run?.outcome).toEqual({
      kind: 'error',
      error: { kind: 'conflict', message: 'Another runner holds the migration lock', hint: 'Try again later' },
    });
    expect(t.deps.status).toHaveBeenCalledTimes(2);
    t.store.getState().dismissRun();
    expect(t.store.getState().run).toBeNull();
  });

  it('still takes an event that arrives just after the answer, then stops listening', async () => {
    const t = setup({ lingerMs: 50 });
    let runId = '';
    t.deps.apply.mockImplementationOnce(async (input) => {
      runId = input.runId;
      return runResult({ runId, failure: failure(1, { exactPosition: true, line: 3, column: 2 }) });
    });
    await t.store.getState().load(profile);
    t.store.getState().requestApply('all', writable);
    await settle();
    expect(t.listeners.size).toBe(1);
    t.emit({ runId, phase: 'statement', version: 1, statementIndex: 2, statementCount: 3, line: 2, summary: 'x' });
    t.emit({ runId, phase: 'finished', applied: 0, failed: true });
    await settle();
    expect(t.store.getState().run?.progress.statementLines).toEqual({ '1:2': 2 });
    expect(t.listeners.size).toBe(0);
  });
});

describe('migrations store: plan and verify', () => {
  it('plans without a run id, and verifies with one, following its progress', async () => {
    const t = setup();
    await t.store.getState().load(profile);
    await t.store.getState().makePlan(false);
    expect(t.deps.plan).toHaveBeenLastCalledWith({ connection: profile });
    expect(t.store.getState().plan).toMatchObject({ state: 'done', verify: false });

    const gate = deferred<MigrationPlan>();
    t.deps.plan.mockReturnValueOnce(gate.promise);
    t.store.getState().setTarget(4);
    const verifying = t.store.getState().makePlan(true);
    expect(t.deps.plan).toHaveBeenLastCalledWith({ connection: profile, to: 4, verify: true, runId: 'run-1' });
    expect(isBusy(t.store.getState())).toBe(true);
    // A verification reports statements only: the running file's place among the expected ones is the progress.
    t.emit({
      runId: 'run-1',
      phase: 'statement',
      version: 3,
      statementIndex: 0,
      statementCount: 2,
      line: 1,
      summary: 'x',
    });
    expect(progressCounts(t.store.getState().verifyProgress!)).toEqual({ finished: 2, total: 4 });
    expect(progressFraction(t.store.getState().verifyProgress!)).toBeCloseTo(0.5);

    const failed = failure(4, { exactPosition: true, line: 4, column: 20, statementLine: null });
    gate.resolve(
      planFor([1, 2, 3, 4], { verification: { ok: false, durationMs: 40, failure: failed, skippedNoTransaction: [] } }),
    );
    await verifying;
    const plan = t.store.getState().plan;
    expect(plan?.state === 'done' && plan.value.verification?.ok).toBe(false);
    expect(t.store.getState().verifyProgress).toBeNull();
    // The plan knows where statement 2 of 004 starts (for a main that does not say).
    expect(plan?.state === 'done' && failureStartLine(failed, null, plan.value)).toBe(4);
    // What main says comes first.
    expect(failureStartLine({ ...failed, statementLine: 3 }, null, null)).toBe(3);
  });

  it('passes allowOutOfOrder to the plan, and drops a finished plan when the setting changes', async () => {
    const t = setup({
      status: () => statusReport([applied(1), entry(2, { state: 'out_of_order' }), applied(3), entry(4)]),
    });
    await t.store.getState().load(profile);
    t.store.getState().setAllowOutOfOrder(true);
    await t.store.getState().makePlan(false);
    expect(t.deps.plan).toHaveBeenLastCalledWith({ connection: profile, allowOutOfOrder: true });
    t.store.getState().setAllowOutOfOrder(false);
    expect(t.store.getState().plan).toBeNull();
  });

  it('shows a plan that failed', async () => {
    const t = setup();
    t.deps.plan.mockRejectedValueOnce(new RemoteError({ kind: 'invalid_input', message: 'Duplicate version 3' }));
    await t.store.getState().load(profile);
    await t.store.getState().makePlan(false);
    expect(t.store.getState().plan).toMatchObject({ state: 'failed', error: { message: 'Duplicate version 3' } });
  });
});

describe('migrations store: resolve and baseline', () => {
  const blockedStatus = () =>
    statusReport(
      [applied(1), entry(2, { state: 'failed', installedOn: '2025-03-01T10:00:00Z', noTransaction: true })],
      {
        pending: [],
        blockers: [{ version: 2, kind: 'failed', message: '002 failed midway', recovery: ['Look', 'Retry'] }],
      },
    );

  it('resolves a blocker after confirmation and reads the status again', async () => {
    const t = setup({ status: () => blockedStatus() });
    t.deps.resolve.mockResolvedValueOnce({ version: 2, action: 'retry', message: 'Removed the failed row of 002' });
    await t.store.getState().load(profile);
    t.store.getState().requestResolve(2, 'retry', writable);
    expect(t.deps.resolve).not.toHaveBeenCalled();
    expect(t.store.getState().confirm).toMatchObject({
      action: { kind: 'resolve', version: 2, action: 'retry' },
      requireTyped: false,
    });
    await t.store.getState().confirmAction();
    expect(t.deps.resolve).toHaveBeenCalledWith({ connection: profile, version: 2, action: 'retry' });
    expect(t.store.getState().resolution).toMatchObject({
      state: 'done',
      value: { message: 'Removed the failed row of 002' },
    });
    expect(t.deps.status).toHaveBeenCalledTimes(2);
  });

  it('cancels a resolve without calling main, and shows one that failed', async () => {
    const t = setup({ status: () => blockedStatus() });
    t.deps.resolve.mockRejectedValueOnce(new RemoteError({ kind: 'conflict', message: 'Version 2 is not failed' }));
    await t.store.getState().load(profile);
    t.store.getState().requestResolve(2, 'mark_applied', production);
    t.store.getState().cancelConfirm();
    expect(t.store.getState().confirm).toBeNull();
    t.store.getState().requestResolve(2, 'mark_applied', production);
    t.store.getState().setConfirmTyped('app');
    await t.store.getState().confirmAction();
    expect(t.store.getState().resolution).toMatchObject({ state: 'failed', error: { kind: 'conflict' } });
  });

  it('offers a baseline only without history, and records up to the chosen version', async () => {
    expect(canBaseline(freshStatus())).toBe(true);
    expect(canBaseline(statusReport([applied(1), entry(2)]))).toBe(false);
    expect(canBaseline(statusReport([entry(1), entry(2)], { historyTable: true }))).toBe(true);

    const t = setup();
    const result: BaselineResult = {
      database: 'app',
      recorded: [1, 2, 3],
      refused: false,
      checks: [
        { version: 1, fileName: '001_initial_schema.sql', found: ['table public.users'], missing: [], unverifiable: 1 },
      ],
    };
    t.deps.baseline.mockResolvedValueOnce(result);
    await t.store.getState().load(profile);
    t.store.getState().requestBaseline(writable);
    t.store.getState().setBaselineTo(3);
    expect(t.store.getState().confirm?.action).toEqual({ kind: 'baseline', to: 3 });
    await t.store.getState().confirmAction();
    expect(t.deps.baseline).toHaveBeenCalledWith({ connection: profile, to: 3 });
    expect(t.store.getState().baseline).toEqual({ state: 'done', value: result });
    expect(t.deps.status).toHaveBeenCalledTimes(2);
  });

  it('does not offer a baseline once migrations are recorded', async () => {
    const t = setup({ status: () => statusReport([applied(1), entry(2)]) });
    await t.store.getState().load(profile);
    t.store.getState().requestBaseline(writable);
    expect(t.store.getState().confirm).toBeNull();
  });
});

describe('run ids', () => {
  it('are what main accepts', () => {
    const id = randomRunId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(randomRunId()).not.toBe(id);
  });
});
