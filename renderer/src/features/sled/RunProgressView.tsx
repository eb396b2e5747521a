import type { SledProgress } from '../../../../common/sled';
import { ProgressBar } from '../../components/ProgressBar';
import { Spinner, Stat, StatGrid } from '../../components/StatGrid';
import { formatMs } from '../migrations/migration-format';
import { formatBytes, formatCount, formatEntryRate, formatEta, phaseLabels, progressFraction } from './sled-format';

export interface RunProgressViewProps {
  progress: SledProgress;
  elapsedMs: number;
  running: boolean;
  /** Ended well: the bar in the done colour. */
  done: boolean;
}

/** How much is done of what (bytes read, or rows loaded of the total), as a number pair. */
function amount(p: SledProgress): string {
  const format = p.unit === 'bytes' ? formatBytes : formatCount;
  return p.total === null ? format(p.done) : `${format(p.done)} of ${format(p.total)}`;
}

/** A run's phase, current file or table, amount done, entries/s and time left, with a bar. Props only. */
export function RunProgressView({ progress: p, elapsedMs, running, done }: RunProgressViewProps) {
  const fraction = progressFraction(p);
  const label = p.kind === 'import' ? 'Import progress' : 'Load progress';
  return (
    <div className="run-card__body">
      <ProgressBar fraction={fraction} label={label} done={done} testId="sled-progress-bar" />
      <StatGrid>
        <Stat label="Phase" testId="sled-run-phase">
          {running ? <Spinner /> : null}
          {phaseLabels[p.phase]}
        </Stat>
        <Stat
          label={p.kind === 'import' ? 'File' : 'Target table'}
          wide
          mono
          title={p.current ?? undefined}
          testId="sled-run-current"
        >
          {p.current ?? '—'}
        </Stat>
        <Stat label={p.unit === 'bytes' ? 'Read' : p.kind === 'load' ? 'Rows' : 'Entries'} testId="sled-run-done">
          {amount(p)}
        </Stat>
        {p.entries !== undefined ? (
          <Stat label="Entries" testId="sled-run-entries">
            {formatCount(p.entries)}
          </Stat>
        ) : null}
        <Stat label="Rate" testId="sled-run-rate">
          {formatEntryRate(p.entriesPerSecond)}
        </Stat>
        <Stat label="Time left" testId="sled-run-eta">
          {running ? formatEta(p.etaSeconds) : '—'}
        </Stat>
        <Stat label="Elapsed" testId="sled-run-elapsed">
          {formatMs(elapsedMs)}
        </Stat>
      </StatGrid>
      {p.message && p.phase !== 'done' ? <p className="run-card__message">{p.message}</p> : null}
    </div>
  );
}
