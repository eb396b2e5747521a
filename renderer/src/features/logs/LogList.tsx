import { useVirtualizer } from '@tanstack/react-virtual';
import type { KeyboardEvent } from 'react';
import { useEffect, useRef } from 'react';
import type { LogLine } from '../../../../common/domain';
import { formatLogTime } from './log-lines';

export interface LogListProps {
  lines: readonly LogLine[];
  /** Keep the newest line in view. */
  follow: boolean;
  /** The user scrolled up while following: following should stop. */
  onScrollAway(): void;
}

const keysThatScrollUp = new Set(['ArrowUp', 'PageUp', 'Home']);

/** A virtualised list: only the rows in view are in the DOM, so 5000 lines scroll smoothly. */
export function LogList({ lines, follow, onScrollAway }: LogListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // Rows are measured after render: a message with line breaks (a stack trace) takes several lines.
  // The build does not use React Compiler, and the virtualizer never leaves this component.
  // eslint-disable-next-line react-hooks/incompatible-library -- see the line above
  const virtualizer = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 22,
    overscan: 12,
    getItemKey: (index) => lines[index]?.seq ?? index,
  });

  useEffect(() => {
    if (follow && lines.length > 0) virtualizer.scrollToIndex(lines.length - 1, { align: 'end' });
  }, [follow, lines, virtualizer]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (follow && keysThatScrollUp.has(event.key)) onScrollAway();
  };

  const items = virtualizer.getVirtualItems();
  return (
    <div
      ref={scrollRef}
      className="log-list"
      tabIndex={0}
      aria-label="Log lines"
      onWheel={(event) => {
        if (follow && event.deltaY < 0) onScrollAway();
      }}
      onKeyDown={onKeyDown}
      data-testid="log-list"
    >
      <div className="log-list__sizer" style={{ height: virtualizer.getTotalSize() }}>
        <div className="log-list__rows" style={{ transform: `translateY(${items[0]?.start ?? 0}px)` }}>
          {items.map((item) => {
            const line = lines[item.index];
            if (!line) return null;
            return (
              <div
                key={item.key}
                ref={virtualizer.measureElement}
                data-index={item.index}
                className="log-line"
                data-level={line.level}
                data-testid="log-line"
              >
                <span className="log-line__time" title={line.time}>
                  {formatLogTime(line.time)}
                </span>{' '}
                <span className={`log-line__level level--${line.level}`}>{line.level}</span>{' '}
                <span className="log-line__scope" title={line.scope}>
                  {line.scope}
                </span>{' '}
                <span className="log-line__message">{line.message}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
