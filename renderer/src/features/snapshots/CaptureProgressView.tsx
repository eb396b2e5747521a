import type { CaptureProgress } from '../../../../common/snapshots';
import { formatMs } from '../migrations/migration-format';
import { captureFraction, formatCount, formatEta, formatRate, phaseLabels } from './snapshot-format';

export interface CaptureProgressViewProps {
  progress: CaptureProgress;
  /** Time since the capture started. */
  elapsedMs: number;
  running: boolean;
}

/** Phase, current table, tables done of total, rows, rows/s and ETA, with a bar. Props only. */
export function CaptureProgressView({ progress: p, elapsedMs, running }: CaptureProgressViewProps) {
  const fraction = captureFraction(p);
  return (
    <div className="capture-progress__body">
      <div className="capture-progress__bar-row">
        <progress
          className="capture-progress__bar"
          value={Math.round(fraction * 1000)}
          max={1000}
          aria-label="Capture progress"
          data-testid="capture-progress-bar"
        />
        <span className="capture-progress__percent">{Math.round(fraction * 100)}%</span>
      </div>
      <dl className="capture-stats">
        <div className="capture-stats__item">
          <dt>Phase</dt>
          <dd data-testid="capture-phase">
            {running ? <span className="capture-progress__spinner" aria-hidden="true" /> : null}
            {phaseLabels[p.phase]}
          </dd>
        </div>
        {running ? (
          <div className="capture-stats__item capture-stats__item--wide">
            <dt>Current table</dt>
            <dd className="mono" data-testid="capture-table">
              {p.table ?? '—'}
            </dd>
          </div>
        ) : null}
        <div className="capture-stats__item">
          <dt>Tables</dt>
          <dd data-testid="capture-tables">
            {p.tablesTotal > 0 ? `${formatCount(p.tablesDone)} of ${formatCount(p.tablesTotal)}` : '—'}
          </dd>
        </div>
        <div className="capture-stats__item">
          <dt>Rows</dt>
          <dd data-testid="capture-rows">{formatCount(p.rowsDone)}</dd>
        </div>
        {running ? (
          <>
            <div className="capture-stats__item">
              <dt>Rate</dt>
              <dd data-testid="capture-rate">{formatRate(p.rowsPerSecond)}</dd>
            </div>
            <div className="capture-stats__item">
              <dt>Time left</dt>
              <dd data-testid="capture-eta">{formatEta(p.etaSeconds)}</dd>
            </div>
          </>
        ) : null}
        <div className="capture-stats__item">
          <dt>Elapsed</dt>
          <dd data-testid="capture-elapsed">{formatMs(elapsedMs)}</dd>
        </div>
      </dl>
      {p.message && p.phase !== 'done' ? <p className="capture-progress__message">{p.message}</p> : null}
    </div>
  );
}
