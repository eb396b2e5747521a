/**
 * The Migrations section: the status of the active connection's history
 * against the migrations shipped with the app, plans (verified or not),
 * apply runs followed live by run id, blockers resolved one by one, and a
 * baseline for a database built without history. Writes go through one
 * confirmation slot, which asks for the database name on production or
 * read-only connections.
 */
import { createStore } from 'zustand/vanilla';
import type { MigrationProgress } from '../../../../common/migrations';
import type { ConnectionRef } from '../../../../common/profiles';
import { toErrorInfo } from '../../api/error-info';
import { connectionKey } from '../data/table-key';
import { confirmationMatches } from '../schema/schema-store';
import type { RunProgress } from './migration-progress';
import { applyProgress, settleWithResult, startProgress } from './migration-progress';
import type { MigrationsDeps, MigrationsState, PendingAction, WriteGuard } from './migrations-state';
import { applyDisabledReason, canBaseline, effectiveTarget, isBusy, runnableVersions } from './migrations-state';

export type {
  ApplyRun,
  ConfirmState,
  MigrationsDeps,
  MigrationsState,
  OpState,
  PendingAction,
  PlanState,
  RunOutcome,
  WriteGuard,
} from './migrations-state';
export { applyDisabledReason, canBaseline, effectiveTarget, isBusy, runnableVersions } from './migrations-state';

/** A run id main accepts (letters, digits, - and _; at most 64). */
export function randomRunId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `mig-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

const needsTyping = (guard: WriteGuard) => guard.production || guard.readOnly;
const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createMigrationsStore(deps: MigrationsDeps) {
  const now = deps.now ?? (() => Date.now());
  const newRunId = deps.newRunId ?? randomRunId;
  const lingerMs = deps.lingerMs ?? 2000;
  let latestLoad = 0;
  // Bumped when the connection changes, so answers about the previous database are dropped.
  let generation = 0;

  return createStore<MigrationsState>()((set, get) => {
    /** The connection to act on, and a check that it is still the one shown when the answer comes. */
    const session = () => {
      const { connection } = get();
      const started = generation;
      return { connection, current: () => started === generation };
    };

    /** Only `to` when it narrows the run: without it, main runs everything pending. */
    const scope = (to: number | null) => {
      const runnable = runnableVersions(get().status, get().allowOutOfOrder);
      const narrows = to !== null && to !== runnable[runnable.length - 1];
      return {
        ...(narrows ? { to } : {}),
        ...(get().allowOutOfOrder ? { allowOutOfOrder: true } : {}),
      };
    };

    const expectedVersions = (to: number | null) =>
      runnableVersions(get().status, get().allowOutOfOrder).filter((v) => to === null || v <= to);

    /**
     * Follow the progress events of `runId` into `update` while `call` runs,
     * and a little after its answer: an event sent just before the answer may
     * arrive just after it on the HTTP transport.
     */
    const follow = async <T>(
      runId: string,
      update: (event: MigrationProgress) => void,
      call: () => Promise<T>,
    ): Promise<T> => {
      let onFinished: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (onFinished = resolve));
      const stop = deps.onProgress((event) => {
        if (event.runId !== runId) return;
        update(event);
        if (event.phase === 'finished') onFinished();
      });
      try {
        return await call();
      } finally {
        void Promise.race([finished, wait(lingerMs)]).then(stop);
      }
    };

    const runApply = async (connection: ConnectionRef, to: number | null) => {
      const { current } = session();
      const runId = newRunId();
      const startedAt = now();
      set({ run: { progress: startProgress(runId, 'apply', expectedVersions(to)), to, startedAt, outcome: null } });
      const updateProgress = (change: (p: RunProgress) => RunProgress) => {
        const { run } = get();
        if (current() && run?.progress.runId === runId) set({ run: { ...run, progress: change(run.progress) } });
      };
      try {
        const result = await follow(
          runId,
          (event) => updateProgress((p) => applyProgress(p, event)),
          () => deps.apply({ connection, runId, ...scope(to) }),
        );
        updateProgress((p) => settleWithResult(p, result));
        const { run } = get();
        if (current() && run?.progress.runId === runId) {
          set({ run: { ...run, outcome: { kind: 'result', result, elapsedMs: now() - startedAt } } });
        }
      } catch (error) {
        const { run } = get();
        if (current() && run?.progress.runId === runId) {
          set({ run: { ...run, outcome: { kind: 'error', error: toErrorInfo(error) } } });
        }
      }
      if (!current()) return;
      // What was planned before no longer describes what apply would do.
      if (get().plan?.state !== 'running') set({ plan: null });
      await get().load(connection, { force: true });
    };

    const runResolve = async (connection: ConnectionRef, action: Extract<PendingAction, { kind: 'resolve' }>) => {
      const { current } = session();
      const { version } = action;
      set({ resolution: { state: 'running', version, action: action.action } });
      try {
        const value = await deps.resolve({ connection, version, action: action.action });
        if (current()) set({ resolution: { state: 'done', value, version, action: action.action } });
      } catch (error) {
        if (current())
          set({ resolution: { state: 'failed', error: toErrorInfo(error), version, action: action.action } });
      }
      if (current()) await get().load(connection, { force: true });
    };

    const runBaseline = async (connection: ConnectionRef, to: number | null) => {
      const { current } = session();
      set({ baseline: { state: 'running' } });
      try {
        const value = await deps.baseline({ connection, ...(to !== null ? { to } : {}) });
        if (current()) set({ baseline: { state: 'done', value } });
      } catch (error) {
        if (current()) set({ baseline: { state: 'failed', error: toErrorInfo(error) } });
      }
      if (current()) await get().load(connection, { force: true });
    };

    const ask = (action: PendingAction, guard: WriteGuard) => {
      const { status } = get();
      if (!status) return;
      set({ confirm: { action, database: status.database, requireTyped: needsTyping(guard), typed: '' } });
    };

    const emptyWork = {
      plan: null,
      verifyProgress: null,
      run: null,
      confirm: null,
      resolution: null,
      baseline: null,
    } as const;

    return {
      connection: null,
      status: null,
      loading: false,
      loadError: null,
      allowOutOfOrder: false,
      target: null,
      ...emptyWork,

      async load(connection, options = {}) {
        const state = get();
        const changed = !state.connection || connectionKey(state.connection) !== connectionKey(connection);
        if (!changed && !options.force && (state.status || state.loading)) return;
        const request = ++latestLoad;
        if (changed) {
          generation++;
          set({ status: null, target: null, allowOutOfOrder: false, ...emptyWork });
        }
        set({ connection, loading: true, loadError: null });
        try {
          const status = await deps.status(connection);
          if (request !== latestLoad) return;
          set({ status, loading: false });
        } catch (error) {
          if (request !== latestLoad) return;
          set({ loading: false, loadError: toErrorInfo(error) });
        }
      },

      clear() {
        latestLoad++;
        generation++;
        set({
          connection: null,
          status: null,
          loading: false,
          loadError: null,
          allowOutOfOrder: false,
          target: null,
          ...emptyWork,
        });
      },

      setAllowOutOfOrder(allowOutOfOrder) {
        const { plan } = get();
        // A finished plan was made with the other setting: it no longer says what apply would run.
        set({ allowOutOfOrder, ...(plan && plan.state !== 'running' ? { plan: null } : {}) });
      },
      setTarget: (target) => set({ target }),

      async makePlan(verify) {
        const { connection, current } = session();
        if (!connection || !get().status || isBusy(get()) || get().plan?.state === 'running') return;
        const to = effectiveTarget(get());
        const input = { connection, ...scope(to) };
        set({ plan: { state: 'running', verify, to } });
        try {
          let value;
          if (verify) {
            const runId = newRunId();
            set({ verifyProgress: startProgress(runId, 'verify', expectedVersions(to)) });
            value = await follow(
              runId,
              (event) => {
                const progress = get().verifyProgress;
                if (current() && progress?.runId === runId) set({ verifyProgress: applyProgress(progress, event) });
              },
              () => deps.plan({ ...input, verify: true, runId }),
            );
          } else {
            value = await deps.plan(input);
          }
          if (current()) set({ plan: { state: 'done', verify, to, value }, verifyProgress: null });
        } catch (error) {
          if (current())
            set({ plan: { state: 'failed', verify, to, error: toErrorInfo(error) }, verifyProgress: null });
        }
      },
      closePlan() {
        if (get().plan?.state !== 'running') set({ plan: null });
      },

      requestApply(which, guard) {
        const { connection, status } = get();
        if (!connection || !status || applyDisabledReason(get()) !== null) return;
        const to = which === 'all' ? null : effectiveTarget(get());
        if (needsTyping(guard)) ask({ kind: 'apply', to }, guard);
        else void runApply(connection, to);
      },

      requestResolve(version, action, guard) {
        if (isBusy(get())) return;
        ask({ kind: 'resolve', version, action }, guard);
      },

      requestBaseline(guard) {
        if (isBusy(get()) || !canBaseline(get().status)) return;
        ask({ kind: 'baseline', to: null }, guard);
      },

      setConfirmTyped(typed) {
        const { confirm } = get();
        if (confirm) set({ confirm: { ...confirm, typed } });
      },
      setBaselineTo(to) {
        const { confirm } = get();
        if (confirm?.action.kind === 'baseline') set({ confirm: { ...confirm, action: { kind: 'baseline', to } } });
      },
      cancelConfirm: () => set({ confirm: null }),

      async confirmAction() {
        const { confirm, connection } = get();
        if (!confirm || !connection || isBusy(get())) return;
        if (confirm.requireTyped && !confirmationMatches(confirm.typed, confirm.database)) return;
        set({ confirm: null });
        const { action } = confirm;
        switch (action.kind) {
          case 'apply':
            if (applyDisabledReason(get()) === null) await runApply(connection, action.to);
            return;
          case 'resolve':
            await runResolve(connection, action);
            return;
          case 'baseline':
            await runBaseline(connection, action.to);
            return;
        }
      },

      dismissRun() {
        if (get().run?.outcome) set({ run: null });
      },
      dismissResolution() {
        if (get().resolution?.state !== 'running') set({ resolution: null });
      },
      dismissBaseline() {
        if (get().baseline?.state !== 'running') set({ baseline: null });
      },
    };
  });
}
