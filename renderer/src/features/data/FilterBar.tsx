import type { KeyboardEvent, ReactNode } from 'react';
import { useEffect, useRef } from 'react';
import type { FilterOperator } from '../../../../common/data';
import { filterOperators } from '../../../../common/data';
import type { FilterDraft } from './data-store';
import { operatorLabels, operatorTakesValue } from './data-store';

export interface FilterBarProps {
  drafts: readonly FilterDraft[];
  columns: readonly { name: string; type: string }[];
  /** The drafts differ from the filters the rows were loaded with. */
  dirty: boolean;
  /** How many filters the rows on screen were loaded with. */
  appliedCount: number;
  problem: string | null;
  onAdd(): void;
  onChange(id: number, patch: Partial<Omit<FilterDraft, 'id'>>): void;
  onRemove(id: number): void;
  onApply(): void;
  onClear(): void;
  /** More controls at the end of the action row (row counts, paging). */
  trailing?: ReactNode;
}

function isFilterOperator(value: string): value is FilterOperator {
  return (filterOperators as readonly string[]).includes(value);
}

/** Column / operator / value rows. Values go to the server as parameters, never as SQL. Props only. */
export function FilterBar({
  drafts,
  columns,
  dirty,
  appliedCount,
  problem,
  onAdd,
  onChange,
  onRemove,
  onApply,
  onClear,
  trailing,
}: FilterBarProps) {
  const listRef = useRef<HTMLDivElement>(null);
  const previousCount = useRef(drafts.length);

  // A filter just added (here or from a column header) gets the focus on its value.
  useEffect(() => {
    if (drafts.length > previousCount.current) {
      const inputs = listRef.current?.querySelectorAll<HTMLInputElement>('[data-testid="filter-value"]');
      inputs?.[inputs.length - 1]?.focus();
    }
    previousCount.current = drafts.length;
  }, [drafts.length]);

  const onValueKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      onApply();
    }
  };

  return (
    <div className="filter-bar" role="group" aria-label="Filters">
      <div className="filter-bar__list" ref={listRef}>
        {drafts.map((draft, index) => (
          <div className="filter-row" key={draft.id} data-testid="filter-row">
            <span className="filter-row__join">{index === 0 ? 'Where' : 'and'}</span>
            <select
              className="select grid-select"
              value={draft.column}
              onChange={(event) => onChange(draft.id, { column: event.target.value })}
              aria-label="Filter column"
              data-testid="filter-column"
            >
              {columns.map((column) => (
                <option key={column.name} value={column.name}>
                  {column.name}
                </option>
              ))}
            </select>
            <select
              className="select grid-select"
              value={draft.operator}
              onChange={(event) => {
                if (isFilterOperator(event.target.value)) onChange(draft.id, { operator: event.target.value });
              }}
              aria-label="Filter operator"
              data-testid="filter-operator"
            >
              {filterOperators.map((operator) => (
                <option key={operator} value={operator}>
                  {operatorLabels[operator]}
                </option>
              ))}
            </select>
            {operatorTakesValue(draft.operator) ? (
              <input
                className="text-input grid-input mono"
                type="text"
                value={draft.value}
                onChange={(event) => onChange(draft.id, { value: event.target.value })}
                onKeyDown={onValueKey}
                placeholder="value"
                spellCheck={false}
                aria-label={`Value for ${draft.column}`}
                data-testid="filter-value"
              />
            ) : (
              <span className="filter-row__novalue">no value needed</span>
            )}
            <button
              className="button grid-button grid-button--ghost"
              type="button"
              onClick={() => onRemove(draft.id)}
              aria-label={`Remove the filter on ${draft.column}`}
              data-testid="filter-remove"
            >
              ✕
            </button>
          </div>
        ))}
      </div>
      <div className="filter-bar__actions">
        <button
          className="button grid-button"
          type="button"
          onClick={onAdd}
          disabled={columns.length === 0}
          data-testid="filter-add"
        >
          + Filter
        </button>
        {drafts.length > 0 || appliedCount > 0 ? (
          <>
            <button
              className={dirty ? 'button grid-button button--primary' : 'button grid-button'}
              type="button"
              onClick={onApply}
              disabled={!dirty}
              data-testid="filter-apply"
            >
              Apply
            </button>
            <button className="button grid-button" type="button" onClick={onClear} data-testid="filter-clear">
              Clear
            </button>
          </>
        ) : null}
        {appliedCount > 0 ? (
          <span className="filter-bar__applied" data-testid="filters-applied">
            {appliedCount} {appliedCount === 1 ? 'filter' : 'filters'} applied
            {dirty ? ' · edited, not applied yet' : ''}
          </span>
        ) : dirty && drafts.length > 0 ? (
          <span className="filter-bar__applied">Not applied yet</span>
        ) : null}
        {trailing}
      </div>
      {problem ? (
        <p className="filter-bar__problem" role="alert" data-testid="filter-problem">
          {problem}
        </p>
      ) : null}
    </div>
  );
}
