/**
 * The data grid of a table: pages of rows over data.page, with sort and
 * filters kept per table for the life of the window, so switching tables and
 * coming back finds them as the user left them.
 */
import { createStore } from 'zustand/vanilla';
import type { CellValue, DataPage, DataPageInput, FilterOperator, ResultColumn } from '../../../../common/data';
import type { DataSourceRef } from '../../../../common/profiles';
import type { ErrorInfo } from '../../api/error-info';
import { toErrorInfo } from '../../api/error-info';
import type { SortSpec } from '../../components/result-grid-model';
import { tableKey } from './table-key';

export type DataFilter = NonNullable<DataPageInput['filters']>[number];

/** A filter as the user edits it; sent (as data, never SQL) only when applied. */
export interface FilterDraft {
  id: number;
  column: string;
  operator: FilterOperator;
  value: string;
}

export const operatorLabels: Readonly<Record<FilterOperator, string>> = {
  eq: '=',
  ne: '≠',
  lt: '<',
  le: '≤',
  gt: '>',
  ge: '≥',
  contains: 'contains',
  starts_with: 'starts with',
  is_null: 'is NULL',
  is_not_null: 'is not NULL',
};

export function operatorTakesValue(operator: FilterOperator): boolean {
  return operator !== 'is_null' && operator !== 'is_not_null';
}

/** Drafts → the filters data.page receives, or why they cannot be applied. */
export function buildFilters(
  drafts: readonly FilterDraft[],
  columns: readonly string[],
): { ok: true; filters: DataFilter[] } | { ok: false; problem: string } {
  const known = new Set(columns);
  const filters: DataFilter[] = [];
  for (const draft of drafts) {
    if (!known.has(draft.column)) return { ok: false, problem: `There is no column "${draft.column}" to filter on` };
    if (!operatorTakesValue(draft.operator)) {
      filters.push({ column: draft.column, operator: draft.operator });
    } else if (draft.value === '') {
      return {
        ok: false,
        problem: `The filter on ${draft.column} needs a value (use "is NULL" to find missing values)`,
      };
    } else {
      filters.push({ column: draft.column, operator: draft.operator, value: draft.value });
    }
  }
  return { ok: true, filters };
}

export interface TableTarget {
  /** A live connection or an open snapshot: data.page serves both. */
  connection: DataSourceRef;
  schema: string;
  table: string;
}

export interface TableView {
  target: TableTarget;
  sort: SortSpec[];
  drafts: FilterDraft[];
  /** The filters the rows on screen were loaded with. */
  filters: DataFilter[];
  /** Why Apply did nothing (an incomplete draft). */
  filterProblem: string | null;
  columns: ResultColumn[];
  rows: CellValue[][];
  mode: DataPage['mode'] | null;
  note: string | null;
  nextCursor: string | null;
  page: number;
  hasMore: boolean;
  loading: 'first' | 'more' | null;
  error: ErrorInfo | null;
  /** Server time of the last page. */
  lastPageMs: number | null;
  /** Rows are loaded for the current sort and filters (false after eviction or before the first load). */
  loaded: boolean;
  /** The window holds as many rows as it will: more exist but are not loaded. */
  limitReached: boolean;
  /** Bumped on every reload from the first page (the grid scrolls back to the top). */
  generation: number;
}

export interface DataState {
  tables: Readonly<Record<string, TableView>>;
  /** Show a table: creates its view the first time and loads the first page when needed. */
  open(target: TableTarget): string;
  loadMore(key: string): Promise<void>;
  reload(key: string): Promise<void>;
  setSort(key: string, sort: SortSpec[]): void;
  addFilter(key: string, column: string): void;
  updateFilter(key: string, id: number, patch: Partial<Omit<FilterDraft, 'id'>>): void;
  removeFilter(key: string, id: number): void;
  applyFilters(key: string): void;
  clearFilters(key: string): void;
}

export interface DataDeps {
  loadPage(input: DataPageInput): Promise<DataPage>;
  pageSize?: number;
  /** Rows held per table at most. */
  maxRows?: number;
  /** Tables whose rows stay in memory; older ones keep sort and filters and reload on return. */
  keepRowsOf?: number;
}

export const DEFAULT_PAGE_SIZE = 1000;
export const DEFAULT_MAX_ROWS = 100_000;

function newView(target: TableTarget): TableView {
  return {
    target,
    sort: [],
    drafts: [],
    filters: [],
    filterProblem: null,
    columns: [],
    rows: [],
    mode: null,
    note: null,
    nextCursor: null,
    page: 0,
    hasMore: false,
    loading: null,
    error: null,
    lastPageMs: null,
    loaded: false,
    limitReached: false,
    generation: 0,
  };
}

export function createDataStore(deps: DataDeps) {
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;
  const maxRows = deps.maxRows ?? DEFAULT_MAX_ROWS;
  const keepRowsOf = deps.keepRowsOf ?? 5;
  // Per table, only the newest request may write; a page for an old sort or filter set is dropped.
  const latest = new Map<string, number>();
  let requests = 0;
  let nextDraftId = 1;
  /** Most recently opened first. */
  let recent: string[] = [];

  return createStore<DataState>()((set, get) => {
    const patch = (key: string, change: Partial<TableView>) => {
      const view = get().tables[key];
      if (view) set({ tables: { ...get().tables, [key]: { ...view, ...change } } });
    };

    const request = (view: TableView, more: boolean): DataPageInput => {
      const { connection, schema, table } = view.target;
      const input: DataPageInput = { connection, schema, table, pageSize };
      if (view.sort.length > 0) input.sort = view.sort.map((s) => ({ column: s.column, direction: s.direction }));
      if (view.filters.length > 0) input.filters = view.filters.map((f) => ({ ...f }));
      if (more) {
        if (view.mode === 'keyset' && view.nextCursor) input.cursor = view.nextCursor;
        else input.page = view.page + 1;
      }
      return input;
    };

    const load = async (key: string, more: boolean) => {
      const view = get().tables[key];
      if (!view) return;
      const id = ++requests;
      latest.set(key, id);
      patch(
        key,
        more
          ? { loading: 'more', error: null }
          : {
              loading: 'first',
              error: null,
              rows: [],
              hasMore: false,
              nextCursor: null,
              page: 0,
              limitReached: false,
              generation: view.generation + 1,
            },
      );
      try {
        const page = await deps.loadPage(request(view, more));
        if (latest.get(key) !== id) return;
        const current = get().tables[key];
        if (!current) return;
        const rows = more ? current.rows.concat(page.rows) : page.rows;
        patch(key, {
          columns: page.columns,
          rows,
          mode: page.mode,
          note: page.note,
          nextCursor: page.nextCursor,
          page: page.page,
          hasMore: page.hasMore,
          loading: null,
          lastPageMs: page.durationMs,
          loaded: true,
          limitReached: page.hasMore && rows.length >= maxRows,
        });
      } catch (error) {
        if (latest.get(key) !== id) return;
        // Rows already loaded stay: a failed "load more" loses nothing.
        patch(key, { loading: null, error: toErrorInfo(error), loaded: more });
      }
    };

    const forget = (keys: readonly string[]) => {
      if (keys.length === 0) return;
      const tables = { ...get().tables };
      for (const key of keys) {
        const view = tables[key];
        if (!view) continue;
        latest.delete(key);
        tables[key] = { ...view, rows: [], loaded: false, loading: null, hasMore: false, nextCursor: null };
      }
      set({ tables });
    };

    const reloadWith = (key: string, change: Partial<TableView>) => {
      patch(key, change);
      void load(key, false);
    };

    return {
      tables: {},

      open(target) {
        const key = tableKey(target.connection, target.schema, target.table);
        if (!get().tables[key]) set({ tables: { ...get().tables, [key]: newView(target) } });
        recent = [key, ...recent.filter((k) => k !== key)];
        forget(recent.slice(keepRowsOf));
        const view = get().tables[key];
        if (view && !view.loaded && view.loading === null) void load(key, false);
        return key;
      },

      async loadMore(key) {
        const view = get().tables[key];
        if (!view || view.loading !== null || !view.hasMore || view.limitReached) return;
        await load(key, true);
      },

      async reload(key) {
        if (!get().tables[key]) return;
        await load(key, false);
      },

      setSort(key, sort) {
        if (!get().tables[key]) return;
        reloadWith(key, { sort: sort.slice(0, 8) });
      },

      addFilter(key, column) {
        const view = get().tables[key];
        if (!view) return;
        patch(key, {
          drafts: [...view.drafts, { id: nextDraftId++, column, operator: 'eq', value: '' }],
          filterProblem: null,
        });
      },

      updateFilter(key, id, change) {
        const view = get().tables[key];
        if (!view) return;
        patch(key, {
          drafts: view.drafts.map((d) => (d.id === id ? { ...d, ...change } : d)),
          filterProblem: null,
        });
      },

      removeFilter(key, id) {
        const view = get().tables[key];
        if (!view) return;
        patch(key, { drafts: view.drafts.filter((d) => d.id !== id), filterProblem: null });
      },

      applyFilters(key) {
        const view = get().tables[key];
        if (!view) return;
        const names = view.columns.length > 0 ? view.columns.map((c) => c.name) : view.drafts.map((d) => d.column);
        const built = buildFilters(view.drafts, names);
        if (!built.ok) {
          patch(key, { filterProblem: built.problem });
          return;
        }
        reloadWith(key, { filters: built.filters, filterProblem: null });
      },

      clearFilters(key) {
        const view = get().tables[key];
        if (!view) return;
        if (view.filters.length === 0) {
          patch(key, { drafts: [], filterProblem: null });
          return;
        }
        reloadWith(key, { drafts: [], filters: [], filterProblem: null });
      },
    };
  });
}

/** Whether the drafts on screen differ from the filters the rows were loaded with. */
export function filtersDirty(view: Pick<TableView, 'drafts' | 'filters'>): boolean {
  if (view.drafts.length !== view.filters.length) return true;
  return view.drafts.some((d, i) => {
    const f = view.filters[i];
    if (!f) return true;
    const value = operatorTakesValue(d.operator) ? d.value : undefined;
    return f.column !== d.column || f.operator !== d.operator || f.value !== value;
  });
}
