import { memo } from 'react';
import type { LogLine } from '../../../../common/domain';
import { FollowList } from '../../components/FollowList';
import { formatLogTime } from './log-lines';

export interface LogListProps {
  lines: readonly LogLine[];
  /** Keep the newest line in view. */
  follow: boolean;
  /** The user scrolled up while following: following should stop. */
  onScrollAway(): void;
}

/** The app's log lines, virtualised (FollowList). */
export function LogList({ lines, follow, onScrollAway }: LogListProps) {
  return (
    <FollowList
      items={lines}
      follow={follow}
      onScrollAway={onScrollAway}
      rowHeight={22}
      overscan={12}
      block="log-list"
      label="Log lines"
      row={(line) => <LogRow line={line} />}
    />
  );
}

const LogRow = memo(function LogRow({ line }: { line: LogLine }) {
  return (
    <div className="log-line" data-level={line.level} data-testid="log-line">
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
});
