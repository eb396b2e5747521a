/**
 * The Snapshots section's store: the list of snapshots in the data folder, a
 * capture of the active connection followed live by its capture id (and
 * cancelled by it), details, integrity checks, rename, delete, export and
 * import, and "Open": the snapshot becomes the data source of the Schema, Data
 * grid and SQL console views (held by the connections store).
 */
import { createStore } from 'zustand/vanilla';
import type { CaptureProgress, SnapshotIntegrity, SnapshotSummary } from '../../../../common/snapshots';
import type { ErrorInfo } from '../../api/error-info';
import { toErrorInfo } from '../../api/error-info';
import type { CaptureRun, OpState, SnapshotAction, SnapshotsDeps, SnapshotsState } from './snapshots-state';
import { captureInput, emptyCaptureForm, isCapturing, openSnapshotOf } from './snapshots-state';

export type {
  CaptureForm,
  CaptureOutcome,
  CaptureRun,
  ExportDraft,
  OpState,
  SnapshotAction,
  SnapshotsDeps,
  SnapshotsState,
} from './snapshots-state';
export { captureInput, emptyCaptureForm, isCapturing, openSnapshotOf } from './snapshots-state';

/** A capture id main accepts (letters, digits, - and _; at most 64). */
export function randomCaptureId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `cap-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function without<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const { [key]: _removed, ...rest } = record;
  return rest;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const startingProgress = (captureId: string): CaptureProgress => ({
  captureId,
  phase: 'catalog',
  table: null,
  tablesDone: 0,
  tablesTotal: 0,
  rowsDone: 0,
  rowsPerSecond: 0,
  etaSeconds: null,
  message: null,
});

/** main rejects a cancelled capture with a conflict saying so. */
const isCancelled = (error: ErrorInfo) => error.kind === 'conflict' && /cancel/i.test(error.message);

export function createSnapshotsStore(deps: SnapshotsDeps) {
  const now = deps.now ?? (() => Date.now());
  const newCaptureId = deps.newCaptureId ?? randomCaptureId;
  const lingerMs = deps.lingerMs ?? 2000;
  let latestLoad = 0;

  return createStore<SnapshotsState>()((set, get) => {
    const setBusy = (id: string, action: SnapshotAction | null) =>
      set((s) => ({ busy: action ? { ...s.busy, [id]: action } : without(s.busy, id) }));
    const setError = (id: string, action: SnapshotAction, error: ErrorInfo | null) =>
      set((s) => ({ errors: error ? { ...s.errors, [id]: { action, error } } : without(s.errors, id) }));

    /** Run one action on one snapshot: one at a time per snapshot, its failure kept beside it. */
    const act = async <T>(id: string, action: SnapshotAction, call: () => Promise<T>): Promise<T | undefined> => {
      if (get().busy[id]) return undefined;
      setBusy(id, action);
      setError(id, action, null);
      try {
        return await call();
      } catch (error) {
        setError(id, action, toErrorInfo(error));
        return undefined;
      } finally {
        setBusy(id, null);
      }
    };

    const replaceSummary = (summary: SnapshotSummary) =>
      set((s) => ({ snapshots: s.snapshots.map((item) => (item.id === summary.id ? summary : item)) }));

    const patchCapture = (captureId: string, change: Partial<CaptureRun>) => {
      const { capture } = get();
      if (capture?.captureId === captureId) set({ capture: { ...capture, ...change } });
    };

    return {
      tab: 'list',
      setTab: (tab) => set({ tab }),

      snapshots: [],
      loaded: false,
      loading: false,
      loadError: null,

      async load() {
        const request = ++latestLoad;
        set({ loading: true, loadError: null });
        try {
          const snapshots = await deps.list();
          if (request !== latestLoad) return;
          set({ snapshots, loaded: true, loading: false });
          // A snapshot deleted elsewhere (the CLI) is no longer shown selected.
          const { selectedId } = get();
          if (selectedId && !snapshots.some((s) => s.id === selectedId)) set({ selectedId: null });
        } catch (error) {
          if (request !== latestLoad) return;
          set({ loaded: true, loading: false, loadError: toErrorInfo(error) });
        }
      },

      captureForm: null,
      captureFormError: null,
      openCaptureForm() {
        if (!get().captureForm) set({ captureForm: emptyCaptureForm(), captureFormError: null });
      },
      updateCaptureForm(patch) {
        const { captureForm } = get();
        if (captureForm) set({ captureForm: { ...captureForm, ...patch }, captureFormError: null });
      },
      closeCaptureForm: () => set({ captureForm: null, captureFormError: null }),

      capture: null,

      async startCapture(connection, sourceLabel) {
        const { captureForm } = get();
        if (isCapturing(get())) return;
        const captureId = newCaptureId();
        const built = captureInput(captureForm ?? emptyCaptureForm(), connection, captureId);
        if (!built.ok) {
          set({ captureFormError: built.error });
          return;
        }
        const startedAt = now();
        set({
          captureFormError: null,
          capture: {
            captureId,
            sourceLabel,
            startedAt,
            progress: startingProgress(captureId),
            cancelling: false,
            cancelError: null,
            outcome: null,
          },
        });
        // Events of this capture only, until its answer (and a little after: on the HTTP transport an event
        // sent just before the answer can arrive just after it).
        let onFinal: () => void = () => undefined;
        const final = new Promise<void>((resolve) => (onFinal = resolve));
        const stop = deps.onProgress((progress) => {
          if (progress.captureId !== captureId) return;
          const { capture } = get();
          if (capture?.captureId === captureId && capture.outcome === null) patchCapture(captureId, { progress });
          if (progress.phase === 'done' || progress.phase === 'failed' || progress.phase === 'cancelled') onFinal();
        });
        try {
          const summary = await deps.create(built.input);
          const capture = get().capture;
          if (capture?.captureId === captureId) {
            const p = capture.progress;
            patchCapture(captureId, {
              progress: {
                ...p,
                phase: 'done',
                table: null,
                tablesDone: summary.tableCount,
                tablesTotal: Math.max(p.tablesTotal, summary.tableCount),
                rowsDone: summary.rowCount,
                etaSeconds: 0,
              },
              outcome: { kind: 'done', summary, elapsedMs: now() - startedAt },
            });
          }
          set({ captureForm: null });
          await get().load();
        } catch (error) {
          const info = toErrorInfo(error);
          const capture = get().capture;
          const cancelled =
            isCancelled(info) || capture?.cancelling === true || capture?.progress.phase === 'cancelled';
          patchCapture(captureId, {
            cancelling: false,
            outcome: cancelled ? { kind: 'cancelled' } : { kind: 'failed', error: info },
          });
        } finally {
          void Promise.race([final, wait(lingerMs)]).then(stop);
        }
      },

      async cancelCapture() {
        const { capture } = get();
        if (!capture || capture.outcome !== null || capture.cancelling) return;
        const { captureId } = capture;
        patchCapture(captureId, { cancelling: true, cancelError: null });
        try {
          await deps.cancel(captureId);
        } catch (error) {
          // The request did not reach main: the capture still runs; say why and let the user try again.
          patchCapture(captureId, { cancelling: false, cancelError: toErrorInfo(error) });
        }
      },

      dismissCapture() {
        if (!isCapturing(get())) set({ capture: null });
      },

      selectedId: null,
      details: {},
      checks: {},
      busy: {},
      errors: {},

      async toggleDetails(id) {
        if (get().selectedId === id) {
          set({ selectedId: null });
          return;
        }
        set((s) => ({ selectedId: id, details: { ...s.details, [id]: { state: 'running' } } }));
        try {
          const detail = await deps.show(id);
          set((s) => ({ details: { ...s.details, [id]: { state: 'done', value: detail } } }));
        } catch (error) {
          set((s) => ({ details: { ...s.details, [id]: { state: 'failed', error: toErrorInfo(error) } } }));
        }
      },
      hideDetails: () => set({ selectedId: null }),

      async check(id) {
        if (get().checks[id]?.state === 'running') return;
        const put = (value: OpState<SnapshotIntegrity>) => set((s) => ({ checks: { ...s.checks, [id]: value } }));
        put({ state: 'running' });
        try {
          put({ state: 'done', value: await deps.check(id) });
        } catch (error) {
          put({ state: 'failed', error: toErrorInfo(error) });
        }
      },

      async open(id) {
        const detail = await act(id, 'open', () => deps.show(id));
        if (!detail) return false;
        set((s) => ({ details: { ...s.details, [id]: { state: 'done', value: detail } } }));
        deps.source.open(openSnapshotOf(detail));
        return true;
      },

      renaming: null,
      startRename(id) {
        const snapshot = get().snapshots.find((s) => s.id === id);
        if (snapshot) set({ renaming: { id, name: snapshot.name } });
      },
      setRenameText(name) {
        const { renaming } = get();
        if (renaming) set({ renaming: { ...renaming, name } });
      },
      cancelRename: () => set({ renaming: null }),
      async confirmRename() {
        const { renaming } = get();
        if (!renaming) return;
        const name = renaming.name.trim();
        if (!name) {
          setError(renaming.id, 'rename', { kind: 'invalid_input', message: 'A snapshot needs a name' });
          return;
        }
        const { id } = renaming;
        const summary = await act(id, 'rename', () => deps.rename(id, name));
        if (!summary) return;
        set((s) => ({ renaming: null, details: without(s.details, id) }));
        replaceSummary(summary);
        deps.source.rename(id, summary.name);
        if (get().selectedId === id) {
          set({ selectedId: null });
          await get().toggleDetails(id);
        }
      },

      deleteTarget: null,
      askDelete: (id) => set({ deleteTarget: id }),
      cancelDelete: () => set({ deleteTarget: null }),
      async confirmDelete() {
        const id = get().deleteTarget;
        if (!id) return;
        set({ deleteTarget: null });
        const done = await act(id, 'delete', async () => {
          await deps.remove(id);
          return true;
        });
        if (!done) return;
        // The views must not keep reading a file that is gone.
        if (deps.source.openId() === id) deps.source.close();
        set((s) => ({
          snapshots: s.snapshots.filter((item) => item.id !== id),
          selectedId: s.selectedId === id ? null : s.selectedId,
          details: without(s.details, id),
          checks: without(s.checks, id),
          exported: without(s.exported, id),
        }));
        await get().load();
      },

      exportDraft: null,
      exported: {},
      startExport(id) {
        const snapshot = get().snapshots.find((s) => s.id === id);
        const draft = get().exportDraft;
        if (snapshot) set({ exportDraft: { id, file: draft?.id === id ? draft.file : '' } });
      },
      setExportFile(file) {
        const { exportDraft } = get();
        if (exportDraft) set({ exportDraft: { ...exportDraft, file } });
      },
      cancelExport: () => set({ exportDraft: null }),
      async confirmExport() {
        const { exportDraft } = get();
        if (!exportDraft) return;
        const { id } = exportDraft;
        const file = exportDraft.file.trim();
        if (!file) {
          setError(id, 'export', {
            kind: 'invalid_input',
            message: 'Give the path of the file to write',
            hint: 'A path on the machine running ops-console, e.g. /tmp/app-before.snapshot',
          });
          return;
        }
        const result = await act(id, 'export', () => deps.exportTo(id, file));
        if (!result) return;
        set((s) => ({
          exportDraft: null,
          exported: { ...s.exported, [id]: { file: result.file, bytes: result.bytes } },
        }));
      },

      importOpen: false,
      importFile: '',
      importing: false,
      importError: null,
      imported: null,
      openImport: () => set({ importOpen: true, importError: null }),
      closeImport: () => set({ importOpen: false, importError: null, importing: false }),
      setImportFile: (importFile) => set({ importFile, importError: null }),
      async importSnapshot() {
        const { importFile, importing } = get();
        if (importing) return;
        const file = importFile.trim();
        if (!file) {
          set({
            importError: {
              kind: 'invalid_input',
              message: 'Give the path of the snapshot file to import',
              hint: 'A path on the machine running ops-console.',
            },
          });
          return;
        }
        set({ importing: true, importError: null, imported: null });
        try {
          const summary = await deps.importFrom(file);
          set({ importing: false, imported: summary, importFile: '', importOpen: false });
          await get().load();
        } catch (error) {
          // A file that is not a snapshot, or a damaged or altered one: main says why.
          set({ importing: false, importError: toErrorInfo(error) });
        }
      },
    };
  });
}
