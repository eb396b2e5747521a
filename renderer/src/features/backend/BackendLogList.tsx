import { useVirtualizer } from '@tanstack/react-virtual';
import type { KeyboardEvent } from 'react';
import { memo, useEffect, useRef } from 'react';
import type { BackendLogLine } from '../../../../common/backend';
import { formatLineTime } from './backend-format';

export interface BackendLogListProps {
  lines: readonly BackendLogLine[];
  /** Keep the newest line in view. */
  follow: boolean;
  /** The user scrolled up while following: following should stop. */
  onScrollAway(): void;
}

const keysThatScrollUp = new Set(['ArrowUp', 'PageUp', 'Home']);

/**
 * A backend's output, virtualised: only the rows in view are in the DOM, so
 * 20 000 lines (and ten updates a second) scroll and render smoothly.
 */
export function BackendLogList({ lines, follow, onScrollAway }: BackendLogListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // Rows are measured after render: a long line wraps over several. No React Compiler in this build.
  // eslint-disable-next-line react-hooks/incompatible-library -- see the line above
  const virtualizer = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 20,
    overscan: 10,
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
      className="backend-log-list"
      tabIndex={0}
      role="log"
      aria-label="Backend output"
      onWheel={(event) => {
        if (follow && event.deltaY < 0) onScrollAway();
      }}
      onKeyDown={onKeyDown}
      data-testid="backend-log-list"
    >
      <div className="backend-log-list__sizer" style={{ height: virtualizer.getTotalSize() }}>
        <div className="backend-log-list__rows" style={{ transform: `translateY(${items[0]?.start ?? 0}px)` }}>
          {items.map((item) => {
            const line = lines[item.index];
            if (!line) return null;
            return (
              <div key={item.key} ref={virtualizer.measureElement} data-index={item.index}>
                <LogRow line={line} />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

const LogRow = memo(function LogRow({ line }: { line: BackendLogLine }) {
  return (
    <div className="backend-line" data-stream={line.stream} data-seq={line.seq} data-testid="backend-log-line">
      <span className="backend-line__time" title={line.at}>
        {formatLineTime(line.at)}
      </span>
      <span className={`backend-line__stream stream--${line.stream}`}>{line.stream}</span>
      <span className="backend-line__text">{line.text}</span>
    </div>
  );
});
