import { memo } from 'react';
import type { BackendLogLine } from '../../../../common/backend';
import { FollowList } from '../../components/FollowList';
import { formatLineTime } from './backend-format';

export interface BackendLogListProps {
  lines: readonly BackendLogLine[];
  /** Keep the newest line in view. */
  follow: boolean;
  /** The user scrolled up while following: following should stop. */
  onScrollAway(): void;
}

/** A backend's output, virtualised (FollowList): 20 000 lines and ten updates a second stay smooth. */
export function BackendLogList({ lines, follow, onScrollAway }: BackendLogListProps) {
  return (
    <FollowList
      items={lines}
      follow={follow}
      onScrollAway={onScrollAway}
      rowHeight={20}
      overscan={10}
      block="backend-log-list"
      label="Backend output"
      role="log"
      row={(line) => <LogRow line={line} />}
    />
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
