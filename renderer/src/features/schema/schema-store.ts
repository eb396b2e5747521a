import { createStore } from 'zustand/vanilla';
import type { CatalogModel, ExactSizes } from '../../../../common/catalog';
import type { ConnectionRef, DataSourceRef } from '../../../../common/profiles';
import { RemoteError } from '../../../../common/errors';
import type { ErrorInfo } from '../../api/error-info';
import { toErrorInfo } from '../../api/error-info';
import type { ObjectRef, TreeSchema } from './catalog-tree';
import { buildCatalogTree, initialCollapsed, objectKey, schemaNodeKey } from './catalog-tree';
import { findObject } from './catalog-lookup';
import { connectionKey } from '../data/table-key';
import { OFFLINE_REASON } from '../connections/data-source';

export const detailTabs = ['columns', 'indexes', 'constraints', 'fks', 'triggers', 'ddl', 'data'] as const;
export type DetailTab = (typeof detailTabs)[number];

/** An on-demand operation on one object: running, done with a value, or failed. */
export type OpState<T> = { state: 'running' } | { state: 'done'; value: T } | { state: 'failed'; error: ErrorInfo };

export interface RefreshResult {
  concurrently: boolean;
  durationMs: number;
  note: string | null;
}

export interface RunResult {
  result: string | null;
  durationMs: number;
}

export interface SchemaBrowserState {
  /** The data source the model below belongs to: a live connection or an open snapshot. */
  connection: DataSourceRef | null;
  model: CatalogModel | null;
  tree: readonly TreeSchema[];
  loading: boolean;
  loadError: ErrorInfo | null;
  search: string;
  showSystem: boolean;
  /** Tree nodes the user closed (schemas open by default unless the catalog is big). */
  collapsed: ReadonlySet<string>;
  selected: ObjectRef | null;
  tab: DetailTab;
  /** By objectKey. Exact counts are never taken automatically: only on the button. */
  counts: Readonly<Record<string, OpState<string>>>;
  /** By objectKey. Exact sizes read from the table's files now, only on the button. */
  sizes: Readonly<Record<string, OpState<ExactSizes>>>;
  refreshes: Readonly<Record<string, OpState<RefreshResult>>>;
  runs: Readonly<Record<string, OpState<RunResult>>>;
  /** The function waiting for the user to type the database name. */
  runDialog: { ref: ObjectRef; typed: string } | null;

  /** Load the model of `connection` (again only when asked, or when the source changed). */
  load(connection: DataSourceRef, options?: { force?: boolean }): Promise<void>;
  /** Forget everything: there is no active connection any more. */
  clear(): void;
  setSearch(search: string): void;
  setShowSystem(show: boolean): void;
  toggle(nodeKey: string): void;
  select(ref: ObjectRef | null): void;
  setTab(tab: DetailTab): void;
  countRows(ref: ObjectRef): Promise<void>;
  readSizes(ref: ObjectRef): Promise<void>;
  refreshMatview(ref: ObjectRef): Promise<void>;
  openRunDialog(ref: ObjectRef): void;
  setRunTyped(text: string): void;
  closeRunDialog(): void;
  /** Run the function in the dialog; only when the typed text is the database's name. */
  confirmRun(): Promise<void>;
}

export interface SchemaDeps {
  loadModel(connection: DataSourceRef): Promise<CatalogModel>;
  count(connection: DataSourceRef, schema: string, table: string): Promise<{ count: string }>;
  /** Live databases only: a snapshot has no files to measure, so it is never called while one is the source. */
  sizes(connection: ConnectionRef, schema: string, table: string): Promise<ExactSizes>;
  /** Live databases only: never called while a snapshot is the source. */
  refreshMatview(connection: ConnectionRef, schema: string, name: string): Promise<RefreshResult>;
  /** Live databases only: never called while a snapshot is the source. */
  runFunction(connection: ConnectionRef, schema: string, name: string, confirmDatabase: string): Promise<RunResult>;
}

/** Whether the text typed into the confirmation is exactly the database name. */
export function confirmationMatches(typed: string, database: string): boolean {
  return database !== '' && typed.trim() === database;
}

/** Refused without a call: a snapshot has no server to refresh or run anything on. */
const offline = () => Promise.reject<never>(new RemoteError({ kind: 'conflict', message: OFFLINE_REASON }));

const emptyObjectState = {
  counts: {},
  sizes: {},
  refreshes: {},
  runs: {},
  runDialog: null,
} as const;

export function createSchemaStore(deps: SchemaDeps) {
  let latestLoad = 0;
  // Bumped when the connection changes, so answers for the previous database are dropped.
  let generation = 0;

  return createStore<SchemaBrowserState>()((set, get) => {
    /** Run `call` for one object and record its state under `field`, unless the connection changed meanwhile. */
    const track = async <T>(
      field: 'counts' | 'sizes' | 'refreshes' | 'runs',
      key: string,
      call: (connection: DataSourceRef) => Promise<T>,
    ) => {
      const { connection } = get();
      const current = get()[field][key];
      if (!connection || current?.state === 'running') return;
      const started = generation;
      const put = (value: OpState<T>) => {
        if (started === generation) set((s) => ({ [field]: { ...s[field], [key]: value } }));
      };
      put({ state: 'running' });
      try {
        put({ state: 'done', value: await call(connection) });
      } catch (error) {
        put({ state: 'failed', error: toErrorInfo(error) });
      }
    };

    return {
      connection: null,
      model: null,
      tree: [],
      loading: false,
      loadError: null,
      search: '',
      showSystem: false,
      collapsed: new Set(),
      selected: null,
      tab: 'columns',
      ...emptyObjectState,

      async load(connection, options = {}) {
        const state = get();
        const changed = !state.connection || connectionKey(state.connection) !== connectionKey(connection);
        if (!changed && !options.force && (state.model || state.loading)) return;
        const request = ++latestLoad;
        if (changed) {
          generation++;
          set({ model: null, tree: [], selected: null, search: '', collapsed: new Set(), ...emptyObjectState });
        }
        set({ connection, loading: true, loadError: null });
        try {
          const model = await deps.loadModel(connection);
          if (request !== latestLoad) return;
          const tree = buildCatalogTree(model, { includeSystem: get().showSystem });
          const { selected } = get();
          set({
            model,
            tree,
            loading: false,
            // A reload keeps what the user opened and selected, as long as it still exists.
            ...(changed || !state.model ? { collapsed: initialCollapsed(tree) } : {}),
            selected: selected && findObject(model, selected) ? selected : null,
          });
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
          model: null,
          tree: [],
          loading: false,
          loadError: null,
          search: '',
          selected: null,
          collapsed: new Set(),
          ...emptyObjectState,
        });
      },

      setSearch: (search) => set({ search }),
      setShowSystem(showSystem) {
        const { model } = get();
        set({ showSystem, tree: model ? buildCatalogTree(model, { includeSystem: showSystem }) : [] });
      },
      toggle(nodeKey) {
        const collapsed = new Set(get().collapsed);
        if (collapsed.has(nodeKey)) collapsed.delete(nodeKey);
        else collapsed.add(nodeKey);
        set({ collapsed });
      },
      select(ref) {
        if (!ref) {
          set({ selected: null });
          return;
        }
        // Selecting from a search opens the object's schema, so clearing the search keeps it in view.
        const collapsed = new Set(get().collapsed);
        collapsed.delete(schemaNodeKey(ref.schema));
        set({ selected: ref, collapsed });
      },
      setTab: (tab) => set({ tab }),

      countRows: (ref) =>
        track('counts', objectKey(ref), async (connection) => {
          const { count } = await deps.count(connection, ref.schema, ref.name);
          return count;
        }),

      readSizes: (ref) =>
        track('sizes', objectKey(ref), (connection) =>
          'snapshotId' in connection ? offline() : deps.sizes(connection, ref.schema, ref.name),
        ),

      refreshMatview: (ref) =>
        track('refreshes', objectKey(ref), (connection) =>
          'snapshotId' in connection ? offline() : deps.refreshMatview(connection, ref.schema, ref.name),
        ),

      openRunDialog: (ref) => set({ runDialog: { ref, typed: '' } }),
      setRunTyped(typed) {
        const { runDialog } = get();
        if (runDialog) set({ runDialog: { ...runDialog, typed } });
      },
      closeRunDialog: () => set({ runDialog: null }),

      async confirmRun() {
        const { runDialog, model } = get();
        if (!runDialog || !model || !confirmationMatches(runDialog.typed, model.database)) return;
        const { ref } = runDialog;
        set({ runDialog: null });
        await track('runs', objectKey(ref), (connection) =>
          'snapshotId' in connection
            ? offline()
            : deps.runFunction(connection, ref.schema, ref.name, runDialog.typed.trim()),
        );
      },
    };
  });
}
