import type { LockHolder } from '../../../../common/migrations';
import type { RunProgress } from './migration-progress';
import { progressCounts, progressFraction } from './migration-progress';
import { formatMs, plural, versionLabel } from './migration-format';

/** A wait for the lock shorter than this is just taking it, not worth a line. */
export const NOTABLE_LOCK_WAIT_MS = 100;

export interface RunProgressViewProps {
  progress: RunProgress;
  /** File names by version, for the list of finished migrations. */
  fileNames: ReadonlyMap<number, string>;
}

function holderText(holder: LockHolder | null): string {
  if (!holder) return 'another session';
  const parts = [`pid ${holder.pid}`];
  if (holder.applicationName) parts.push(`“${holder.applicationName}”`);
  if (holder.user) parts.push(`user ${holder.user}`);
  if (holder.clientAddress) parts.push(`from ${holder.clientAddress}`);
  if (holder.state) parts.push(holder.state);
  return parts.join(' · ');
}

/** The lock, the migration and statement running, and what finished, for one run. Props only. */
export function RunProgressView({ progress, fileNames }: RunProgressViewProps) {
  const { lock, current, done } = progress;
  const fraction = progressFraction(progress);
  const { finished, total } = progressCounts(progress);
  const label = (version: number) => versionLabel(version, fileNames.get(version) ?? null);
  return (
    <div className="run-progress" data-testid="run-progress" data-finished={progress.finished}>
      <div className="run-progress__bar-row">
        <progress
          className="run-progress__bar"
          value={Math.round(fraction * 1000)}
          max={1000}
          aria-label={progress.kind === 'verify' ? 'Verification progress' : 'Migration progress'}
          data-testid="run-progress-bar"
        />
        <span className="run-progress__count" data-testid="run-progress-count">
          {finished} of {total} {progress.kind === 'verify' ? 'run' : 'applied'}
        </span>
      </div>
      {lock?.state === 'waiting' ? (
        <p className="run-progress__lock run-progress__lock--waiting" data-testid="run-lock" data-state="waiting">
          Waiting for the migration lock{lock.waitedMs >= 1000 ? ` (${formatMs(lock.waitedMs)} so far)` : ''} — held by{' '}
          {holderText(lock.holder)}
        </p>
      ) : lock?.state === 'acquired' && lock.waitedMs >= NOTABLE_LOCK_WAIT_MS && !progress.finished ? (
        <p className="run-progress__lock" data-testid="run-lock" data-state="acquired">
          Got the migration lock after {formatMs(lock.waitedMs)}
        </p>
      ) : null}
      {current ? (
        <div className="run-progress__current" data-testid="run-current" data-version={current.version}>
          <p>
            <span className="run-progress__spinner" aria-hidden="true" />
            Running <span className="mono">{current.fileName || label(current.version)}</span>
            {current.statementIndex !== null ? (
              <>
                {' — '}
                <span data-testid="run-statement">
                  statement {current.statementIndex + 1} of {current.statementCount}
                </span>
                {current.line !== null ? <span className="muted"> (line {current.line})</span> : null}
              </>
            ) : (
              <span className="muted"> — {plural(current.statementCount, 'statement')}</span>
            )}
          </p>
          {current.summary ? <pre className="run-progress__summary">{current.summary}</pre> : null}
        </div>
      ) : null}
      {done.length > 0 ? (
        <ul className="run-progress__done" data-testid="run-done">
          {done.map((d) => (
            <li key={d.version} data-testid="run-done-item" data-version={d.version}>
              <span className="run-progress__check" aria-hidden="true">
                ✓
              </span>
              <span className="mono">{fileNames.get(d.version) ?? label(d.version)}</span>
              <span className="muted">{formatMs(d.durationMs)}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
