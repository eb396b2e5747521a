import type { CaptureProgress } from '../../../../common/snapshots';
import { ProgressBar } from '../../components/ProgressBar';
import { Spinner, Stat, StatGrid } from '../../components/StatGrid';
import { formatMs } from '../migrations/migration-format';
import { captureFraction, formatCount, formatEta, formatRate, phaseLabels } from './snapshot-format';

export interface CaptureProgressViewProps {
  progress: CaptureProgress;
  /** Time since the capture started. */
  elapsedMs: number;
  running: boolean;
  /** Ended well: the bar in the done colour. */
  done: boolean;
}

/** Phase, current table, tables done of total, rows, rows/s and ETA, with a bar. Props only. */
export function CaptureProgressView({ progress: p, elapsedMs, running, done }: CaptureProgressViewProps) {
  const fraction = captureFraction(p);
  return (
    <div className="run-card__body">
      <ProgressBar fraction={fraction} label="Capture progress" done={done} testId="capture-progress-bar" />
      <StatGrid>
        <Stat label="Phase" testId="capture-phase">
          {running ? <Spinner /> : null}
          {phaseLabels[p.phase]}
        </Stat>
        {running ? (
          <Stat label="Current table" wide mono testId="capture-table">
            {p.table ?? '—'}
          </Stat>
        ) : null}
        <Stat label="Tables" testId="capture-tables">
          {p.tablesTotal > 0 ? `${formatCount(p.tablesDone)} of ${formatCount(p.tablesTotal)}` : '—'}
        </Stat>
        <Stat label="Rows" testId="capture-rows">
          {formatCount(p.rowsDone)}
        </Stat>
        {running ? (
          <>
            <Stat label="Rate" testId="capture-rate">
              {formatRate(p.rowsPerSecond)}
            </Stat>
            <Stat label="Time left" testId="capture-eta">
              {formatEta(p.etaSeconds)}
            </Stat>
          </>
        ) : null}
        <Stat label="Elapsed" testId="capture-elapsed">
          {formatMs(elapsedMs)}
        </Stat>
      </StatGrid>
      {p.message && p.phase !== 'done' ? <p className="run-card__message">{p.message}</p> : null}
    </div>
  );
}
