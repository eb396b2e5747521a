import { useCallback, useEffect, useMemo } from 'react';
import type { CatalogColumn } from '../../../../common/catalog';
import type { ResultColumn } from '../../../../common/data';
import type { DataSourceRef } from '../../../../common/profiles';
import { ErrorBox } from '../../components/ErrorBox';
import { ResultGrid } from '../../components/ResultGrid';
import type { SortSpec } from '../../components/result-grid-model';
import { useData } from './data-hooks';
import { DEFAULT_MAX_ROWS, filtersDirty } from './data-store';
import { FilterBar } from './FilterBar';
import { tableKey } from './table-key';

export interface TableDataViewProps {
  /** A live connection or an open snapshot. */
  connection: DataSourceRef;
  schema: string;
  table: string;
  columns: CatalogColumn[];
  primaryKey: string[];
}

const noColumns: ResultColumn[] = [];
/** The columns a keyset page continues after: the sort keys, then the primary key. */
const keysetColumns = (sort: readonly SortSpec[], primaryKey: readonly string[]) =>
  [...new Set([...sort.map((s) => s.column), ...primaryKey])].join(', ') || 'the primary key';
const formatMs = (ms: number) => `${ms < 10 ? ms.toFixed(1) : Math.round(ms).toLocaleString()} ms`;
const OFFSET_FALLBACK_NOTE =
  'Pages use OFFSET here: later pages get slower, and rows changed meanwhile can be skipped or shown twice.';
const SNAPSHOT_NOTE = 'Rows are read from the snapshot file page by page; a capture never changes.';

/**
 * The rows of one table: sort by header, filters as data, keyset paging with
 * infinite scroll. Sort and filters are kept per table for the whole session.
 */
export function TableDataView({ connection, schema, table, columns, primaryKey }: TableDataViewProps) {
  const key = tableKey(connection, schema, table);
  const open = useData((s) => s.open);
  const view = useData((s) => s.tables[key]);
  const loadMore = useData((s) => s.loadMore);
  const reload = useData((s) => s.reload);
  const setSort = useData((s) => s.setSort);
  const addFilter = useData((s) => s.addFilter);
  const updateFilter = useData((s) => s.updateFilter);
  const removeFilter = useData((s) => s.removeFilter);
  const applyFilters = useData((s) => s.applyFilters);
  const clearFilters = useData((s) => s.clearFilters);

  useEffect(() => {
    open({ connection, schema, table });
    // The key captures the connection, schema and table; the ref object may be rebuilt by the parent.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, open]);

  const catalogColumns = useMemo<ResultColumn[]>(
    () => columns.map((c) => ({ name: c.name, type: c.type, tableColumn: c.name })),
    [columns],
  );
  const gridColumns =
    view && view.columns.length > 0 ? view.columns : catalogColumns.length ? catalogColumns : noColumns;

  const onLoadMore = useCallback(() => void loadMore(key), [loadMore, key]);
  const onSortChange = useCallback((sort: SortSpec[]) => setSort(key, sort), [setSort, key]);
  const onFilterColumn = useCallback((column: string) => addFilter(key, column), [addFilter, key]);
  const filteredColumns = useMemo(() => view?.filters.map((f) => f.column) ?? [], [view?.filters]);

  if (!view) return <div className="table-data" data-testid="table-data" />;

  const loadingFirst = view.loading === 'first';
  const rowsText = `${view.rows.length.toLocaleString()} ${view.rows.length === 1 ? 'row' : 'rows'} loaded`;
  const moreText = view.loaded ? (view.hasMore ? ' · more available' : ' · all rows') : '';

  return (
    <div className="table-data" data-testid="table-data" data-table={`${schema}.${table}`}>
      <FilterBar
        drafts={view.drafts}
        columns={gridColumns}
        dirty={filtersDirty(view)}
        appliedCount={view.filters.length}
        problem={view.filterProblem}
        onAdd={() => {
          const first = gridColumns[0];
          if (first) addFilter(key, first.name);
        }}
        onChange={(id, change) => updateFilter(key, id, change)}
        onRemove={(id) => removeFilter(key, id)}
        onApply={() => applyFilters(key)}
        onClear={() => clearFilters(key)}
        trailing={
          <div className="table-data__status">
            <span data-testid="rows-loaded" role="status">
              {loadingFirst ? 'Loading…' : rowsText}
              {loadingFirst ? '' : moreText}
            </span>
            {view.lastPageMs !== null && !loadingFirst ? (
              <span data-testid="page-time" title="Server time of the last page">
                {formatMs(view.lastPageMs)} per page
              </span>
            ) : null}
            {view.mode === 'keyset' ? (
              <span className="muted" data-testid="paging-mode" title="Each page continues after the last key seen">
                keyset on {keysetColumns(view.sort, primaryKey)}
              </span>
            ) : null}
            {view.limitReached ? (
              <span className="table-data__limit" data-testid="rows-limit">
                Holding the first {DEFAULT_MAX_ROWS.toLocaleString()} rows — add a filter to see others
              </span>
            ) : null}
            <button
              className="button grid-button"
              type="button"
              onClick={() => void reload(key)}
              disabled={view.loading !== null}
              data-testid="data-reload"
            >
              Reload
            </button>
            <button
              className="button grid-button"
              type="button"
              onClick={onLoadMore}
              disabled={!view.hasMore || view.limitReached || view.loading !== null}
              data-testid="load-more"
            >
              {view.loading === 'more' ? 'Loading…' : view.hasMore ? 'Load more' : 'All loaded'}
            </button>
          </div>
        }
      />

      {view.mode === 'offset' ? (
        <p className="table-data__note" role="note" data-testid="offset-note">
          <strong>OFFSET paging.</strong>{' '}
          {view.note ?? ('snapshotId' in connection ? SNAPSHOT_NOTE : OFFSET_FALLBACK_NOTE)}
        </p>
      ) : null}

      {view.error ? (
        <ErrorBox
          error={view.error}
          title={view.rows.length > 0 ? 'Could not load more rows' : 'Could not load rows'}
          testId="data-error"
        />
      ) : null}

      <div className="table-data__grid">
        <ResultGrid
          columns={gridColumns}
          rows={view.rows}
          sort={view.sort}
          onSortChange={onSortChange}
          onFilterColumn={onFilterColumn}
          filteredColumns={filteredColumns}
          onLoadMore={onLoadMore}
          hasMore={view.hasMore && !view.limitReached && view.error === null}
          loading={view.loading !== null}
          emptyText={view.filters.length > 0 ? 'No rows match the filters' : 'This table has no rows'}
          label={`Rows of ${schema}.${table}`}
        />
      </div>
    </div>
  );
}
