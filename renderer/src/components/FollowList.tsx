import { useVirtualizer } from '@tanstack/react-virtual';
import type { KeyboardEvent, ReactNode } from 'react';
import { useEffect, useRef } from 'react';

export interface FollowListProps<T extends { seq: number }> {
  /** Oldest first; each with a sequence number that stays its key as lines come and go. */
  items: readonly T[];
  /** Keep the newest item in view. */
  follow: boolean;
  /** The user scrolled up while following: following should stop. */
  onScrollAway(): void;
  /** A row's height before it is measured, in pixels. */
  rowHeight: number;
  /** Rows rendered beyond each edge of the view. */
  overscan: number;
  /** The list's CSS block: `block`, `block__sizer` and `block__rows`; also its test id. */
  block: string;
  label: string;
  role?: 'log';
  /** One row's contents. */
  row(item: T): ReactNode;
}

const keysThatScrollUp = new Set(['ArrowUp', 'PageUp', 'Home']);

/**
 * A list of lines that grows at its end (an app's log, a process's output),
 * virtualised: only the rows in view are in the DOM, so tens of thousands of
 * lines, and several updates a second, scroll and render smoothly. While
 * following, the newest line stays in view; scrolling up (wheel or keys)
 * asks to stop following.
 */
export function FollowList<T extends { seq: number }>({
  items,
  follow,
  onScrollAway,
  rowHeight,
  overscan,
  block,
  label,
  role,
  row,
}: FollowListProps<T>) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // Rows are measured after render: a long line wraps, a stack trace takes several lines.
  // The build does not use React Compiler, and the virtualizer never leaves this component.
  // eslint-disable-next-line react-hooks/incompatible-library -- see the line above
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan,
    getItemKey: (index) => items[index]?.seq ?? index,
  });

  useEffect(() => {
    if (follow && items.length > 0) virtualizer.scrollToIndex(items.length - 1, { align: 'end' });
  }, [follow, items, virtualizer]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (follow && keysThatScrollUp.has(event.key)) onScrollAway();
  };

  const visible = virtualizer.getVirtualItems();
  return (
    <div
      ref={scrollRef}
      className={block}
      tabIndex={0}
      role={role}
      aria-label={label}
      onWheel={(event) => {
        if (follow && event.deltaY < 0) onScrollAway();
      }}
      onKeyDown={onKeyDown}
      data-testid={block}
    >
      <div className={`${block}__sizer`} style={{ height: virtualizer.getTotalSize() }}>
        <div className={`${block}__rows`} style={{ transform: `translateY(${visible[0]?.start ?? 0}px)` }}>
          {visible.map((v) => {
            const item = items[v.index];
            if (!item) return null;
            return (
              <div key={v.key} ref={virtualizer.measureElement} data-index={v.index}>
                {row(item)}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
