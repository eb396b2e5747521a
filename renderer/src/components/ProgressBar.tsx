export interface ProgressBarProps {
  /** Done so far, 0 to 1; null when the total is not known (a bar without a value, and no percent). */
  fraction: number | null;
  label: string;
  /** Finished: the bar in the done colour. */
  done?: boolean;
  testId?: string;
}

/** A progress bar with its percent beside it. */
export function ProgressBar({ fraction, label, done = false, testId }: ProgressBarProps) {
  return (
    <div className={`progress-row${done ? ' progress-row--done' : ''}`}>
      {fraction === null ? (
        <progress className="progress-row__bar" aria-label={label} data-testid={testId} />
      ) : (
        <progress
          className="progress-row__bar"
          value={Math.round(fraction * 1000)}
          max={1000}
          aria-label={label}
          data-testid={testId}
        />
      )}
      <span className="progress-row__percent">{fraction === null ? '' : `${Math.round(fraction * 100)}%`}</span>
    </div>
  );
}
