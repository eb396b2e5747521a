import type { ColumnDef, Header } from '@tanstack/react-table';
import { getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { MouseEvent } from 'react';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CellValue, ResultColumn } from '../../../common/data';
import { JsonPanel } from './JsonPanel';
import type { SortSpec } from './result-grid-model';
import { cycleSort, displayCell, initialColumnWidth, isJsonType, isNumericType } from './result-grid-model';

export interface ResultGridProps {
  columns: readonly ResultColumn[];
  rows: readonly CellValue[][];
  /** Server-side sort shown in the headers; with onSortChange, a header click changes it. */
  sort?: readonly SortSpec[];
  onSortChange?(sort: SortSpec[]): void;
  /** A filter button in each header; called with the column name. */
  onFilterColumn?(column: string): void;
  /** Columns with an applied filter, marked in their header. */
  filteredColumns?: readonly string[];
  /** Called when the user scrolls near the last loaded row and hasMore is true. */
  onLoadMore?(): void;
  hasMore?: boolean;
  loading?: boolean;
  /** Shown instead of rows when there are none. */
  emptyText?: string;
  label: string;
}

export const GRID_ROW_HEIGHT = 28;
const HEADER_HEIGHT = 34;
const ROW_NUMBER_WIDTH = 64;
/** Start loading the next page this many rows before the end. */
const LOAD_AHEAD = 40;
/** Rows looked at to size the columns. */
const SAMPLE_ROWS = 50;
const noRows: never[] = [];

interface OpenCell {
  row: number;
  column: number;
  value: CellValue;
}

/**
 * A virtualised result grid: @tanstack/react-table holds the column model
 * (order, sizes, resizing), @tanstack/react-virtual renders only the rows in
 * view, so 100 000 rows scroll like 100. Props only.
 */
export function ResultGrid(props: ResultGridProps) {
  // A new column set (another query, another table) starts with fresh widths and no open cell.
  const columnsKey = props.columns.map((c) => `${c.name}\u0000${c.type}`).join('\u0001');
  return <GridWithColumns key={columnsKey} {...props} />;
}

function GridWithColumns({
  columns,
  rows,
  sort = noRows,
  onSortChange,
  onFilterColumn,
  filteredColumns = noRows,
  onLoadMore,
  hasMore = false,
  loading = false,
  emptyText = 'No rows',
  label,
}: ResultGridProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [openCell, setOpenCell] = useState<OpenCell | null>(null);

  // Widths come from the header and the first rows seen; later pages do not move the columns.
  const [sample, setSample] = useState<readonly CellValue[][] | null>(null);
  if (sample === null && rows.length > 0) setSample(rows.slice(0, SAMPLE_ROWS));
  const columnDefs = useMemo<ColumnDef<CellValue[]>[]>(
    () =>
      columns.map((column, index) => ({
        id: `c${index}`,
        header: column.name,
        size: initialColumnWidth(column, sample ?? [], index),
      })),
    [columns, sample],
  );
  // Only the column model comes from react-table: rows are read straight from
  // props by index, so appending a page never rebuilds 100 000 row objects.
  // eslint-disable-next-line react-hooks/incompatible-library -- no React Compiler in this build; the table never leaves this component
  const table = useReactTable<CellValue[]>({
    data: noRows,
    columns: columnDefs,
    getCoreRowModel: getCoreRowModel(),
    columnResizeMode: 'onChange',
    enableColumnResizing: true,
    defaultColumn: { minSize: 48, maxSize: 2400 },
  });
  const headers = table.getHeaderGroups()[0]?.headers ?? [];
  const totalWidth = table.getTotalSize() + ROW_NUMBER_WIDTH;
  // Stable while no column is resized, so rows already on screen skip re-rendering as the grid scrolls.
  const sizesKey = headers.map((h) => h.getSize()).join(',');
  const widths = useMemo(() => sizesKey.split(',').map(Number), [sizesKey]);
  const onOpenCell = useCallback(
    (row: number, column: number, value: CellValue) => setOpenCell({ row, column, value }),
    [],
  );

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => GRID_ROW_HEIGHT,
    overscan: 12,
    scrollMargin: HEADER_HEIGHT,
  });
  const items = virtualizer.getVirtualItems();
  const lastVisible = items[items.length - 1]?.index ?? -1;

  useEffect(() => {
    if (!onLoadMore || !hasMore || loading) return;
    if (lastVisible >= rows.length - LOAD_AHEAD) onLoadMore();
  }, [lastVisible, rows.length, hasMore, loading, onLoadMore]);

  const sortIndex = new Map(sort.map((s, i) => [s.column, i]));
  const filtered = new Set(filteredColumns);

  const onHeaderClick = (event: MouseEvent, name: string) => {
    if (onSortChange) onSortChange(cycleSort(sort, name, event.shiftKey));
  };

  const open = openCell ? columns[openCell.column] : undefined;

  return (
    <div className="result-grid" data-testid="result-grid" data-row-count={rows.length}>
      <div
        ref={scrollRef}
        className="result-grid__scroll"
        role="grid"
        aria-label={label}
        aria-rowcount={rows.length + 1}
        aria-colcount={columns.length}
        tabIndex={0}
      >
        <div className="result-grid__inner" style={{ width: totalWidth }}>
          <div className="result-grid__header" role="row" style={{ height: HEADER_HEIGHT }}>
            <div className="result-grid__rownum result-grid__rownum--head" role="columnheader" aria-label="Row number">
              #
            </div>
            {headers.map((header, index) => {
              const column = columns[index];
              if (!column) return null;
              return (
                <HeaderCell
                  key={header.id}
                  header={header}
                  column={column}
                  sortPosition={sortIndex.get(column.name)}
                  sortCount={sort.length}
                  direction={sort.find((s) => s.column === column.name)?.direction}
                  filtered={filtered.has(column.name)}
                  sortable={onSortChange !== undefined}
                  onClick={onHeaderClick}
                  onFilterColumn={onFilterColumn}
                />
              );
            })}
          </div>
          <div className="result-grid__body" style={{ height: virtualizer.getTotalSize() }}>
            {rows.length === 0 && !loading ? <div className="result-grid__empty">{emptyText}</div> : null}
            {items.map((item) => {
              const row = rows[item.index];
              if (!row) return null;
              return (
                <GridRow
                  key={item.key}
                  row={row}
                  index={item.index}
                  top={item.start - HEADER_HEIGHT}
                  columns={columns}
                  widths={widths}
                  totalWidth={totalWidth}
                  onOpen={onOpenCell}
                />
              );
            })}
          </div>
        </div>
      </div>
      {loading ? (
        <div className="result-grid__loading" role="status">
          Loading…
        </div>
      ) : null}
      {openCell && open ? (
        <JsonPanel
          key={`${openCell.row}:${openCell.column}`}
          title={`${open.name} (${open.type}) · row ${(openCell.row + 1).toLocaleString()}`}
          value={openCell.value}
          json={isJsonType(open.type)}
          onClose={() => setOpenCell(null)}
        />
      ) : null}
    </div>
  );
}

interface HeaderCellProps {
  header: Header<CellValue[], unknown>;
  column: ResultColumn;
  sortPosition: number | undefined;
  sortCount: number;
  direction: 'asc' | 'desc' | undefined;
  filtered: boolean;
  sortable: boolean;
  onClick(event: MouseEvent, name: string): void;
  onFilterColumn: ((column: string) => void) | undefined;
}

function HeaderCell({
  header,
  column,
  sortPosition,
  sortCount,
  direction,
  filtered,
  sortable,
  onClick,
  onFilterColumn,
}: HeaderCellProps) {
  const resizing = header.column.getIsResizing();
  const ariaSort = direction === 'asc' ? 'ascending' : direction === 'desc' ? 'descending' : undefined;
  return (
    <div
      className={isNumericType(column.type) ? 'result-grid__th result-grid__th--num' : 'result-grid__th'}
      role="columnheader"
      aria-sort={ariaSort}
      style={{ width: header.getSize() }}
      data-testid="grid-header"
      data-column={column.name}
      data-sort={direction}
    >
      <button
        type="button"
        className="result-grid__th-label"
        onClick={(event) => onClick(event, column.name)}
        disabled={!sortable}
        title={
          sortable
            ? `${column.name} · ${column.type}\nClick to sort (asc → desc → none); Shift-click adds a sort key`
            : `${column.name} · ${column.type}`
        }
      >
        <span className="result-grid__th-name">{column.name}</span>
        <span className="result-grid__th-type">{column.type}</span>
        {direction ? (
          <span className="sort-indicator" data-testid="sort-indicator" data-direction={direction}>
            {direction === 'asc' ? '▲' : '▼'}
            {sortCount > 1 && sortPosition !== undefined ? <sub>{sortPosition + 1}</sub> : null}
          </span>
        ) : null}
      </button>
      {onFilterColumn ? (
        <button
          type="button"
          className={filtered ? 'result-grid__th-filter result-grid__th-filter--on' : 'result-grid__th-filter'}
          onClick={() => onFilterColumn(column.name)}
          aria-label={`Filter by ${column.name}`}
          title={filtered ? `Filtered — add another filter on ${column.name}` : `Filter by ${column.name}`}
          data-testid="header-filter"
        >
          <svg viewBox="0 0 16 16" width="11" height="11" aria-hidden="true" focusable="false">
            <path d="M1.5 2.5h13l-5 6v5l-3-1.5v-3.5z" fill="currentColor" />
          </svg>
        </button>
      ) : null}
      <div
        className={resizing ? 'result-grid__resizer result-grid__resizer--active' : 'result-grid__resizer'}
        onMouseDown={header.getResizeHandler()}
        onTouchStart={header.getResizeHandler()}
        onDoubleClick={() => header.column.resetSize()}
        role="separator"
        aria-orientation="vertical"
        aria-label={`Resize ${column.name}`}
      />
    </div>
  );
}

interface GridRowProps {
  row: readonly CellValue[];
  index: number;
  top: number;
  columns: readonly ResultColumn[];
  widths: readonly number[];
  totalWidth: number;
  onOpen(row: number, column: number, value: CellValue): void;
}

const GridRow = memo(function GridRow({ row, index, top, columns, widths, totalWidth, onOpen }: GridRowProps) {
  return (
    <div
      className={index % 2 ? 'result-grid__row result-grid__row--odd' : 'result-grid__row'}
      role="row"
      aria-rowindex={index + 2}
      data-testid="grid-row"
      data-index={index}
      style={{ transform: `translateY(${top}px)`, width: totalWidth }}
    >
      <div className="result-grid__rownum" role="rowheader">
        {index + 1}
      </div>
      {columns.map((column, c) => {
        const value = row[c] ?? null;
        return (
          <GridCell
            key={c}
            value={value}
            column={column}
            width={widths[c] ?? 120}
            onOpen={() => onOpen(index, c, value)}
          />
        );
      })}
    </div>
  );
});

interface GridCellProps {
  value: CellValue;
  column: ResultColumn;
  width: number;
  onOpen(): void;
}

function GridCell({ value, column, width, onOpen }: GridCellProps) {
  const display = displayCell(value, column);
  const numeric = isNumericType(column.type);
  const className = `result-grid__td${numeric ? ' result-grid__td--num' : ''} result-grid__td--${display.kind}`;
  const expandable = display.kind === 'json' || (display.kind === 'text' && display.truncated);
  return (
    <div
      className={className}
      role="gridcell"
      style={{ width }}
      data-testid="grid-cell"
      data-column={column.name}
      data-kind={display.kind}
      onDoubleClick={onOpen}
      title={display.kind === 'null' ? 'NULL' : display.kind === 'empty' ? 'Empty string' : undefined}
    >
      <span className="result-grid__value">
        {display.kind === 'null' ? 'NULL' : display.kind === 'empty' ? "''" : display.text}
      </span>
      {expandable ? (
        <button
          type="button"
          className="cell-expand"
          onClick={onOpen}
          aria-label={`Show the full value of ${column.name}`}
          title="Show the full value"
          data-testid="cell-expand"
        >
          {display.kind === 'json' ? '{…}' : '⤢'}
        </button>
      ) : null}
    </div>
  );
}
