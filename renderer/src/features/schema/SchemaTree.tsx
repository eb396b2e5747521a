import { useVirtualizer } from '@tanstack/react-virtual';
import type { KeyboardEvent } from 'react';
import { useEffect, useRef } from 'react';
import type { ObjectRef, TreeRow } from './catalog-tree';

export interface SchemaTreeProps {
  rows: readonly TreeRow[];
  selectedKey: string | null;
  onToggle(nodeKey: string): void;
  onSelect(ref: ObjectRef): void;
  /** Shown when there are no rows. */
  emptyText: string;
}

const ROW_HEIGHT = 26;

/**
 * The catalog tree as a virtualised list of fixed-height rows: a catalog of
 * 40 schemas x 50 tables stays a few dozen DOM nodes. Props only.
 */
export function SchemaTree({ rows, selectedKey, onToggle, onSelect, emptyText }: SchemaTreeProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // The build does not use React Compiler, and the virtualizer never leaves this component.
  // eslint-disable-next-line react-hooks/incompatible-library -- see the line above
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 16,
    getItemKey: (index) => rows[index]?.key ?? index,
  });

  const selectedIndex = selectedKey ? rows.findIndex((r) => r.key === selectedKey) : -1;
  useEffect(() => {
    // Keep the selection in view when it was made elsewhere (a foreign key link) or the tree re-filters.
    if (selectedIndex >= 0) virtualizer.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, virtualizer]);

  const activate = (row: TreeRow) => {
    if (row.type === 'object') onSelect(row.object.ref);
    else onToggle(row.key);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (rows.length === 0) return;
    const current = selectedIndex >= 0 ? selectedIndex : -1;
    const move = (to: number) => {
      const row = rows[Math.max(0, Math.min(rows.length - 1, to))];
      if (row?.type === 'object') onSelect(row.object.ref);
      else if (row) {
        // Headers are not selectable; step over them in the direction of travel.
        const step = to > current ? 1 : -1;
        let i = to;
        while (rows[i] && rows[i]?.type !== 'object') i += step;
        const next = rows[i];
        if (next?.type === 'object') onSelect(next.object.ref);
      }
    };
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      move(current + 1);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      move(current - 1);
    }
  };

  if (rows.length === 0) {
    return (
      <div className="tree tree--empty" data-testid="schema-tree">
        {emptyText}
      </div>
    );
  }

  const items = virtualizer.getVirtualItems();
  return (
    <div
      ref={scrollRef}
      className="tree"
      role="tree"
      aria-label="Schemas and objects"
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="schema-tree"
    >
      <div className="tree__sizer" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          const selected = row.key === selectedKey;
          const common = {
            className: `tree-node tree-node--${row.type}${selected ? ' tree-node--selected' : ''}`,
            style: { transform: `translateY(${item.start}px)`, height: ROW_HEIGHT },
            role: 'treeitem',
            'aria-level': row.depth + 1,
            'data-testid': 'tree-node',
            onClick: () => activate(row),
          };
          if (row.type === 'object') {
            const { ref } = row.object;
            return (
              <div
                key={item.key}
                {...common}
                aria-selected={selected}
                data-kind={ref.kind}
                data-name={ref.name}
                data-schema={ref.schema}
                title={`${ref.schema}.${ref.name}${row.object.detail ?? ''}`}
              >
                <span className={`tree-node__icon tree-node__icon--${ref.kind}`} aria-hidden="true" />
                <span className="tree-node__name">{ref.name}</span>
                {row.object.detail ? <span className="tree-node__detail">{row.object.detail}</span> : null}
              </div>
            );
          }
          const name = row.type === 'schema' ? row.name : row.label;
          return (
            <div
              key={item.key}
              {...common}
              aria-expanded={row.expanded}
              data-kind={row.type === 'schema' ? 'schema' : 'group'}
              data-name={name}
              data-group={row.type === 'group' ? row.group : undefined}
              data-schema={row.type === 'group' ? row.schema : undefined}
            >
              <span className="tree-node__caret" aria-hidden="true">
                {row.expanded ? '▾' : '▸'}
              </span>
              <span className="tree-node__name">{name}</span>
              <span className="tree-node__count">{row.count}</span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
