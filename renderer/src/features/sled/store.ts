/**
 * The Sled import section's store: the imports kept in the data folder (each
 * a staging database that can be reopened) and the wizard over one of them —
 * import files with live progress and cancel, the staging summary, the plan
 * with its settings and load target, the load with live progress and cancel,
 * and the report. Runs are followed by a run id the store chooses.
 *
 * A wallet passphrase is never kept here: confirmLoad takes it as an argument
 * and hands it to the call, so it lives no longer than the call does.
 */
import { createStore } from 'zustand/vanilla';
import type { SledImportSummary, SledProgress } from '../../../../common/sled';
import { DEFAULT_SLED_NAMESPACE } from '../../../../common/sled';
import type { ErrorInfo } from '../../api/error-info';
import { toErrorInfo } from '../../api/error-info';
import type { SledDeps, SledRun, SledState, SledStep } from './sled-state';
import { connectionOf, isRunning, parseFiles, settingsFormOf, settingsOfForm, stepReachable } from './sled-state';

export type { LoadConfirm, SettingsForm, SledDeps, SledRun, SledState, SledStep } from './sled-state';

/** A run id main accepts (letters, digits, - and _; at most 64). */
export function randomRunId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `sled-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const startingProgress = (runId: string, kind: SledRun['kind'], importId: string | null): SledProgress => ({
  runId,
  importId,
  kind,
  phase: kind === 'import' ? 'reading' : 'loading',
  current: null,
  done: 0,
  total: null,
  unit: kind === 'import' ? 'bytes' : 'entries',
  entriesPerSecond: 0,
  etaSeconds: null,
  message: null,
});

/** main rejects a cancelled run with a conflict saying so. */
const isCancelled = (error: ErrorInfo) => error.kind === 'conflict' && /cancel/i.test(error.message);

const finalPhases: ReadonlySet<SledProgress['phase']> = new Set(['done', 'failed', 'cancelled']);

/** What the wizard forgets when it moves to another import. */
const freshWizard = {
  plan: null,
  plannedFor: null,
  planning: false,
  planRunId: null,
  planningFor: null,
  planProgress: null,
  planError: null,
  settingsForm: null,
  loadConfirm: null,
  report: null,
  reporting: false,
  reportError: null,
  showError: null,
} as const;

export function createSledStore(deps: SledDeps) {
  const now = deps.now ?? (() => Date.now());
  const newRunId = deps.newRunId ?? randomRunId;
  const lingerMs = deps.lingerMs ?? 2000;
  let latestList = 0;
  /** Bumped whenever the wizard moves to another import, so late answers for the old one are dropped. */
  let wizardEpoch = 0;

  return createStore<SledState>()((set, get) => {
    const currentOf = (): SledImportSummary | null => {
      const { currentId, imports } = get();
      return currentId ? (imports.find((i) => i.id === currentId) ?? null) : null;
    };
    const gate = () => ({ ...get(), current: currentOf() });

    const putSummary = (summary: SledImportSummary) =>
      set((s) => ({
        imports: s.imports.some((i) => i.id === summary.id)
          ? s.imports.map((i) => (i.id === summary.id ? summary : i))
          : [summary, ...s.imports],
      }));

    const patchRun = (runId: string, change: Partial<SledRun>) => {
      const { run } = get();
      if (run?.runId === runId) set({ run: { ...run, ...change } });
    };

    /**
     * Follow one run's progress events by its id until its answer arrives (and a little after: on the
     * HTTP transport an event sent just before the answer can arrive just after it).
     */
    const follow = async <T>(runId: string, call: () => Promise<T>): Promise<T> => {
      let onFinal: () => void = () => undefined;
      const final = new Promise<void>((resolve) => (onFinal = resolve));
      const stop = deps.onProgress((progress) => {
        if (progress.runId !== runId) return;
        const { run } = get();
        if (run?.runId === runId && run.outcome === null) patchRun(runId, { progress, started: true });
        if (finalPhases.has(progress.phase)) onFinal();
      });
      try {
        return await call();
      } finally {
        void Promise.race([final, wait(lingerMs)]).then(stop);
      }
    };

    const endRun = (runId: string, error: unknown) => {
      const info = toErrorInfo(error);
      const run = get().run;
      const cancelled = isCancelled(info) || run?.cancelling === true || run?.progress.phase === 'cancelled';
      patchRun(runId, {
        cancelling: false,
        ...(run ? { progress: { ...run.progress, phase: cancelled ? 'cancelled' : 'failed', etaSeconds: null } } : {}),
        outcome: cancelled ? { kind: 'cancelled' } : { kind: 'failed', error: info },
        elapsedMs: run ? now() - run.startedAt : null,
      });
      return cancelled;
    };

    const startRun = (kind: SledRun['kind'], importId: string | null, label: string): string => {
      const runId = newRunId();
      set({
        run: {
          runId,
          kind,
          importId,
          label,
          startedAt: now(),
          progress: startingProgress(runId, kind, importId),
          started: false,
          cancelling: false,
          cancelError: null,
          outcome: null,
          elapsedMs: null,
        },
      });
      return runId;
    };

    return {
      imports: [],
      listLoaded: false,
      listLoading: false,
      listError: null,

      async loadList() {
        const request = ++latestList;
        set({ listLoading: true, listError: null });
        try {
          const imports = await deps.list();
          if (request !== latestList) return;
          set({ imports, listLoaded: true, listLoading: false });
          // An import deleted elsewhere (the CLI) is no longer worked on.
          const { currentId } = get();
          if (currentId && !imports.some((i) => i.id === currentId) && !isRunning(get())) get().newImport();
        } catch (error) {
          if (request !== latestList) return;
          set({ listLoaded: true, listLoading: false, listError: toErrorInfo(error) });
        }
      },

      currentId: null,
      step: 'files',
      goTo(step: SledStep) {
        if (stepReachable(gate(), step, get().targetId)) set({ step });
      },
      newImport() {
        wizardEpoch++;
        // A finished run belongs to the import it made or loaded: it goes with it.
        const run = isRunning(get()) ? get().run : null;
        set({ ...freshWizard, run, currentId: null, step: 'files', filesError: null });
      },
      async open(id) {
        if (isRunning(get())) return;
        wizardEpoch++;
        const epoch = wizardEpoch;
        const run = get().run?.importId === id ? get().run : null;
        set({ ...freshWizard, run, currentId: id, filesError: null });
        const known = currentOf();
        const first: SledStep = known?.state === 'staged' ? 'summary' : 'files';
        set({ step: first });
        try {
          const summary = await deps.show(id);
          if (epoch !== wizardEpoch) return;
          putSummary(summary);
          // A step the user went to while the summary loaded stays, if it still can be reached.
          const { step } = get();
          if (step === first || !stepReachable(gate(), step, get().targetId)) {
            set({ step: summary.state === 'staged' ? 'summary' : 'files' });
          }
        } catch (error) {
          if (epoch !== wizardEpoch) return;
          set({ showError: toErrorInfo(error) });
        }
      },
      showError: null,

      filesText: '',
      filesError: null,
      setFilesText: (filesText) => set({ filesText, filesError: null }),

      async startImport() {
        if (isRunning(get())) return;
        const files = parseFiles(get().filesText);
        if (files.length === 0) {
          set({
            filesError: {
              kind: 'invalid_input',
              message: 'Give the path of at least one export file',
              hint: 'One path a line, on the machine running ops-console.',
            },
          });
          return;
        }
        get().newImport();
        const label = files.length === 1 ? (files[0] ?? '') : `${files.length} files`;
        const runId = startRun('import', null, label);
        try {
          const summary = await follow(runId, () => deps.importFiles({ files, runId }));
          const run = get().run;
          patchRun(runId, {
            importId: summary.id,
            progress: { ...(run?.progress ?? startingProgress(runId, 'import', summary.id)), phase: 'done' },
            outcome: { kind: 'done' },
            elapsedMs: run ? now() - run.startedAt : null,
          });
          putSummary(summary);
          set({ filesText: '' });
          await get().open(summary.id);
          void get().loadList();
        } catch (error) {
          endRun(runId, error);
          // A cancelled or failed import may still be listed, with its state and reason.
          void get().loadList();
        }
      },

      run: null,
      async cancelRun() {
        const { run } = get();
        if (!run || run.outcome !== null || run.cancelling) return;
        const { runId } = run;
        patchRun(runId, { cancelling: true, cancelError: null });
        try {
          await deps.cancel(runId);
        } catch (error) {
          // The request did not reach main: the run goes on; say why and let the user try again.
          patchRun(runId, { cancelling: false, cancelError: toErrorInfo(error) });
        }
      },
      dismissRun() {
        if (!isRunning(get())) set({ run: null });
      },

      targetId: null,
      setTarget: (targetId) => set({ targetId, loadConfirm: null, planError: null }),
      plan: null,
      plannedFor: null,
      planning: false,
      planRunId: null,
      planningFor: null,
      planProgress: null,
      async cancelPlan() {
        const runId = get().planRunId;
        if (!runId) return;
        try {
          await deps.cancel(runId);
        } catch (error) {
          // The request did not reach main: the plan goes on; say why.
          if (get().planRunId === runId) set({ planError: toErrorInfo(error) });
        }
      },
      planError: null,
      settingsForm: null,
      updateSettings(patch) {
        const { settingsForm } = get();
        if (settingsForm) set({ settingsForm: { ...settingsForm, ...patch } });
      },
      resetNamespace() {
        get().updateSettings({ uuidNamespace: DEFAULT_SLED_NAMESPACE });
      },

      async makePlan(target, saveSettings) {
        const id = get().currentId;
        if (!id || get().planning) return;
        const input: Parameters<SledDeps['plan']>[0] = { id };
        if (target) input.connection = connectionOf(target.profileId);
        const form = get().settingsForm;
        if (saveSettings && form) {
          const built = settingsOfForm(form);
          if (!built.ok) {
            set({ planError: built.error });
            return;
          }
          input.settings = built.settings;
        }
        const epoch = wizardEpoch;
        const runId = newRunId();
        input.runId = runId;
        set({
          planning: true,
          planRunId: runId,
          planningFor: target?.profileId ?? null,
          planProgress: null,
          planError: null,
        });
        const stop = deps.onProgress((progress) => {
          if (progress.runId === runId && get().planRunId === runId) set({ planProgress: progress });
        });
        try {
          const plan = await deps.plan(input);
          if (epoch !== wizardEpoch) return;
          set({
            plan,
            plannedFor: target?.profileId ?? null,
            planning: false,
            planRunId: null,
            planningFor: null,
            planProgress: null,
            planError: null,
            settingsForm: settingsFormOf(plan.settings),
          });
        } catch (error) {
          if (epoch !== wizardEpoch) return;
          // A cancelled plan is shown as such (main says so): Re-plan counts again.
          set({
            planning: false,
            planRunId: null,
            planningFor: null,
            planProgress: null,
            planError: toErrorInfo(error),
          });
        } finally {
          stop();
        }
      },

      loadConfirm: null,
      askLoad(target) {
        if (isRunning(get()) || target.readOnly) return;
        set({
          loadConfirm: { profileId: target.id, database: target.database, production: target.production, typed: '' },
        });
      },
      setConfirmTyped(typed) {
        const { loadConfirm } = get();
        if (loadConfirm) set({ loadConfirm: { ...loadConfirm, typed } });
      },
      cancelLoad: () => set({ loadConfirm: null }),

      async confirmLoad(passphrase) {
        const { loadConfirm, currentId } = get();
        if (!loadConfirm || !currentId || isRunning(get())) return;
        if (loadConfirm.production && loadConfirm.typed.trim() !== loadConfirm.database) return;
        set({ loadConfirm: null });
        const epoch = wizardEpoch;
        const runId = startRun('load', currentId, loadConfirm.database);
        try {
          const report = await follow(runId, () =>
            deps.load({
              id: currentId,
              connection: connectionOf(loadConfirm.profileId),
              runId,
              ...(passphrase !== undefined ? { passphrase } : {}),
            }),
          );
          const run = get().run;
          patchRun(runId, {
            progress: { ...(run?.progress ?? startingProgress(runId, 'load', currentId)), phase: 'done' },
            outcome: { kind: 'done' },
            elapsedMs: run ? now() - run.startedAt : null,
          });
          if (epoch === wizardEpoch) set({ report, reportError: null, step: 'report' });
        } catch (error) {
          // The run card shows why (or that it was cancelled).
          endRun(runId, error);
        } finally {
          // The import's loaded/skipped counts and last load time changed.
          try {
            const summary = await deps.show(currentId);
            putSummary(summary);
          } catch {
            // The list shows what it had; the next visit reads it again.
          }
        }
      },

      report: null,
      reporting: false,
      reportError: null,
      async fetchReport(target) {
        const id = get().currentId;
        if (!id || get().reporting) return;
        const epoch = wizardEpoch;
        set({ reporting: true, reportError: null });
        try {
          const report = await deps.report(target ? { id, connection: connectionOf(target.profileId) } : { id });
          if (epoch !== wizardEpoch) return;
          set({ report, reporting: false });
        } catch (error) {
          if (epoch !== wizardEpoch) return;
          set({ reporting: false, reportError: toErrorInfo(error) });
        }
      },

      deleteTarget: null,
      deleting: null,
      deleteError: null,
      askDelete: (id) => set({ deleteTarget: id, deleteError: null }),
      cancelDelete: () => set({ deleteTarget: null }),
      async confirmDelete() {
        const id = get().deleteTarget;
        if (!id || get().deleting) return;
        const { run } = get();
        if (run && run.outcome === null && run.importId === id) return;
        set({ deleteTarget: null, deleting: id, deleteError: null });
        try {
          await deps.remove(id);
          if (get().currentId === id) get().newImport();
          set((s) => ({ deleting: null, imports: s.imports.filter((i) => i.id !== id) }));
          await get().loadList();
        } catch (error) {
          set({ deleting: null, deleteError: toErrorInfo(error) });
        }
      },
    };
  });
}
