import type { SledProgress } from '../../../../common/sled';
import { formatMs } from '../migrations/migration-format';
import { formatBytes, formatCount, formatEntryRate, formatEta, phaseLabels, progressFraction } from './sled-format';

export interface RunProgressViewProps {
  progress: SledProgress;
  elapsedMs: number;
  running: boolean;
}

/** How much is done of what (bytes read, or rows loaded of the total), as a number pair. */
function amount(p: SledProgress): string {
  const format = p.unit === 'bytes' ? formatBytes : formatCount;
  return p.total === null ? format(p.done) : `${format(p.done)} of ${format(p.total)}`;
}

/** A run's phase, current file or table, amount done, entries/s and time left, with a bar. Props only. */
export function RunProgressView({ progress: p, elapsedMs, running }: RunProgressViewProps) {
  const fraction = progressFraction(p);
  const label = p.kind === 'import' ? 'Import progress' : 'Load progress';
  return (
    <div className="sled-run__body">
      <div className="sled-run__bar-row">
        {fraction === null ? (
          <progress className="sled-run__bar" aria-label={label} data-testid="sled-progress-bar" />
        ) : (
          <progress
            className="sled-run__bar"
            value={Math.round(fraction * 1000)}
            max={1000}
            aria-label={label}
            data-testid="sled-progress-bar"
          />
        )}
        <span className="sled-run__percent">{fraction === null ? '' : `${Math.round(fraction * 100)}%`}</span>
      </div>
      <dl className="sled-stats">
        <div className="sled-stats__item">
          <dt>Phase</dt>
          <dd data-testid="sled-run-phase">
            {running ? <span className="sled-run__spinner" aria-hidden="true" /> : null}
            {phaseLabels[p.phase]}
          </dd>
        </div>
        <div className="sled-stats__item sled-stats__item--wide">
          <dt>{p.kind === 'import' ? 'File' : 'Target table'}</dt>
          <dd className="mono" title={p.current ?? undefined} data-testid="sled-run-current">
            {p.current ?? '—'}
          </dd>
        </div>
        <div className="sled-stats__item">
          <dt>{p.unit === 'bytes' ? 'Read' : p.kind === 'load' ? 'Rows' : 'Entries'}</dt>
          <dd data-testid="sled-run-done">{amount(p)}</dd>
        </div>
        {p.entries !== undefined ? (
          <div className="sled-stats__item">
            <dt>Entries</dt>
            <dd data-testid="sled-run-entries">{formatCount(p.entries)}</dd>
          </div>
        ) : null}
        <div className="sled-stats__item">
          <dt>Rate</dt>
          <dd data-testid="sled-run-rate">{formatEntryRate(p.entriesPerSecond)}</dd>
        </div>
        <div className="sled-stats__item">
          <dt>Time left</dt>
          <dd data-testid="sled-run-eta">{running ? formatEta(p.etaSeconds) : '—'}</dd>
        </div>
        <div className="sled-stats__item">
          <dt>Elapsed</dt>
          <dd data-testid="sled-run-elapsed">{formatMs(elapsedMs)}</dd>
        </div>
      </dl>
      {p.message && p.phase !== 'done' ? <p className="sled-run__message">{p.message}</p> : null}
    </div>
  );
}
