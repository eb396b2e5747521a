/**
 * The Backend section: configured backends with their live status, the
 * configuration form, and the start / stop / restart / pre-flight calls.
 * Statuses arrive as events (every transition and every stats sample); a
 * call's own answer is applied only when no event for that backend came in
 * meanwhile, since an event sent after the answer may arrive before it.
 */
import { createStore } from 'zustand/vanilla';
import type { BackendStatus } from '../../../../common/backend';
import { toErrorInfo } from '../../api/error-info';
import {
  backendFormToInput,
  emptyBackendForm,
  emptyEnvRow,
  formFromConfig,
  replaceSecret,
  updateEnvRow,
} from './backend-form';
import type { BackendAction, BackendEntry, BackendsDeps, BackendsState } from './backends-state';

export type { ActionError, BackendAction, BackendEntry, BackendsDeps, BackendsState } from './backends-state';
export { canRestart, canStart, canStop, isAlive, selectedEntry } from './backends-state';

const byName = (a: BackendEntry, b: BackendEntry) =>
  a.config.name.localeCompare(b.config.name, undefined, { sensitivity: 'base' });

function without<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  return Object.fromEntries(Object.entries(record).filter(([k]) => k !== key));
}

export function createBackendsStore(deps: BackendsDeps) {
  let unsubscribe: (() => void) | null = null;
  let latestLoad = 0;
  /** Status events seen per backend, so a call's late answer does not undo a newer event. */
  const eventCounts = new Map<string, number>();

  return createStore<BackendsState>()((set, get) => {
    const putStatus = (status: BackendStatus) => {
      const { entries } = get();
      const index = entries.findIndex((e) => e.config.id === status.id);
      const entry = entries[index];
      if (!entry) return false;
      const next = entries.slice();
      next[index] = { ...entry, status };
      set({ entries: next });
      return true;
    };

    const act = async (id: string, action: BackendAction, call: (id: string) => Promise<BackendStatus>) => {
      if (get().pending[id]) return;
      const seen = eventCounts.get(id) ?? 0;
      set({ pending: { ...get().pending, [id]: action }, errors: without(get().errors, id) });
      try {
        const status = await call(id);
        if ((eventCounts.get(id) ?? 0) === seen) putStatus(status);
      } catch (error) {
        set({ errors: { ...get().errors, [id]: { action, error: toErrorInfo(error) } } });
      } finally {
        set({ pending: without(get().pending, id) });
      }
    };

    const editForm = (change: (form: NonNullable<BackendsState['form']>) => NonNullable<BackendsState['form']>) => {
      const { form } = get();
      if (form) set({ form: change(form), formError: null });
    };

    return {
      entries: [],
      loaded: false,
      loading: false,
      loadError: null,
      selectedId: null,
      form: null,
      formSaving: false,
      formError: null,
      deleteTarget: null,
      pending: {},
      errors: {},
      preflight: {},

      async load() {
        const request = ++latestLoad;
        set({ loading: true, loadError: null });
        try {
          const entries = [...(await deps.list())].sort(byName);
          if (request !== latestLoad) return;
          const { selectedId } = get();
          const keep = entries.some((e) => e.config.id === selectedId);
          set({
            entries,
            loaded: true,
            loading: false,
            selectedId: keep ? selectedId : (entries[0]?.config.id ?? null),
          });
        } catch (error) {
          if (request !== latestLoad) return;
          set({ loading: false, loadError: toErrorInfo(error) });
        }
      },

      select(id) {
        if (get().form && get().selectedId !== id) set({ form: null, formError: null });
        set({ selectedId: id });
      },

      newBackend: () => set({ form: emptyBackendForm(), formError: null }),

      editBackend(id) {
        const entry = get().entries.find((e) => e.config.id === id);
        if (entry) set({ form: formFromConfig(entry.config), formError: null, selectedId: id });
      },

      updateForm: (patch) => editForm((form) => ({ ...form, ...patch })),
      addEnvRow: () => editForm((form) => ({ ...form, env: [...form.env, emptyEnvRow()] })),
      updateEnvRow: (rowId, patch) =>
        editForm((form) => ({ ...form, env: form.env.map((r) => (r.rowId === rowId ? updateEnvRow(r, patch) : r)) })),
      replaceSecret: (rowId) =>
        editForm((form) => ({ ...form, env: form.env.map((r) => (r.rowId === rowId ? replaceSecret(r) : r)) })),
      removeEnvRow: (rowId) => editForm((form) => ({ ...form, env: form.env.filter((r) => r.rowId !== rowId) })),

      cancelForm: () => set({ form: null, formError: null }),

      async saveForm() {
        const { form, formSaving } = get();
        if (!form || formSaving) return;
        const result = backendFormToInput(form);
        if (!result.ok) {
          set({ formError: result.error });
          return;
        }
        set({ formSaving: true, formError: null });
        try {
          const saved = await deps.save(result.input);
          set({ form: null, formSaving: false, selectedId: saved.id });
          const { entries } = get();
          const existing = entries.find((e) => e.config.id === saved.id);
          if (existing) {
            set({ entries: entries.map((e) => (e === existing ? { ...e, config: saved } : e)).sort(byName) });
          }
          // A new backend's status comes with the list (save answers the configuration only).
          await get().load();
        } catch (error) {
          set({ formSaving: false, formError: { error: toErrorInfo(error), field: null } });
        }
      },

      askDelete: (deleteTarget) => set({ deleteTarget }),
      cancelDelete: () => set({ deleteTarget: null }),

      async confirmDelete() {
        const id = get().deleteTarget;
        if (!id || get().pending[id]) return;
        set({ pending: { ...get().pending, [id]: 'delete' }, errors: without(get().errors, id) });
        try {
          await deps.remove(id);
          const entries = get().entries.filter((e) => e.config.id !== id);
          const selectedId = get().selectedId === id ? (entries[0]?.config.id ?? null) : get().selectedId;
          set({
            entries,
            selectedId,
            deleteTarget: null,
            form: get().form?.id === id ? null : get().form,
            preflight: without(get().preflight, id),
          });
          eventCounts.delete(id);
        } catch (error) {
          set({
            deleteTarget: null,
            errors: { ...get().errors, [id]: { action: 'delete', error: toErrorInfo(error) } },
          });
        } finally {
          set({ pending: without(get().pending, id) });
        }
      },

      start: (id) => act(id, 'start', deps.start),
      stop: (id) => act(id, 'stop', deps.stop),
      restart: (id) => act(id, 'restart', deps.restart),

      async check(id) {
        if (get().pending[id]) return;
        set({
          pending: { ...get().pending, [id]: 'preflight' },
          errors: without(get().errors, id),
          preflight: without(get().preflight, id),
        });
        try {
          const report = await deps.preflight(id);
          set({ preflight: { ...get().preflight, [id]: report } });
        } catch (error) {
          set({ errors: { ...get().errors, [id]: { action: 'preflight', error: toErrorInfo(error) } } });
        } finally {
          set({ pending: without(get().pending, id) });
        }
      },

      dismissError: (id) => set({ errors: without(get().errors, id) }),
      dismissPreflight: (id) => set({ preflight: without(get().preflight, id) }),

      applyStatus(status) {
        eventCounts.set(status.id, (eventCounts.get(status.id) ?? 0) + 1);
        // A backend this window does not know yet: created by another window or the CLI.
        if (!putStatus(status) && get().loaded && !get().loading) void get().load();
      },

      connect() {
        unsubscribe ??= deps.onStatus((status) => get().applyStatus(status));
        void get().load();
        return () => {
          unsubscribe?.();
          unsubscribe = null;
        };
      },
    };
  });
}
