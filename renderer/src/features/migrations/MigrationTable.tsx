import { useEffect, useState } from 'react';
import type { MigrationEntry } from '../../../../common/migrations';
import { Badge } from '../../components/Badge';
import {
  formatExecutionTime,
  formatInstalledOn,
  shortChecksum,
  stateDescriptions,
  stateLabels,
  stateTones,
  versionLabel,
} from './migration-format';

export interface MigrationTableProps {
  entries: readonly MigrationEntry[];
}

/** Every migration, file or history row, with its state, checksum and timings. Props only. */
export function MigrationTable({ entries }: MigrationTableProps) {
  if (entries.length === 0) {
    return (
      <p className="muted" data-testid="migration-table">
        No migration files and no history.
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className="data-table migration-table" data-testid="migration-table">
        <caption className="visually-hidden">Migrations and their state</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Description</th>
            <th scope="col">State</th>
            <th scope="col">Checksum</th>
            <th scope="col">Installed on</th>
            <th scope="col" className="num">
              Time
            </th>
            <th scope="col" className="num">
              Statements
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr
              key={entry.version}
              className={`migration-row migration-row--${entry.state}`}
              data-testid="migration-row"
              data-version={entry.version}
              data-state={entry.state}
            >
              <th scope="row" className="mono migration-row__version">
                {versionLabel(entry.version, entry.fileName)}
              </th>
              <td>
                <span className="migration-row__description">{entry.description}</span>
                {entry.noTransaction ? (
                  <span
                    className="tag tag--key"
                    title="The file asks to run outside a transaction: a failure midway is not rolled back"
                    data-testid="no-transaction"
                  >
                    no transaction
                  </span>
                ) : null}
                {entry.fileName === null ? <span className="tag">file missing</span> : null}
              </td>
              <td>
                <Badge tone={stateTones[entry.state]} title={stateDescriptions[entry.state]} testId="migration-state">
                  {stateLabels[entry.state]}
                </Badge>
              </td>
              <td>
                <ChecksumCell entry={entry} />
              </td>
              <td className="nowrap" data-testid="migration-installed-on">
                {formatInstalledOn(entry.installedOn)}
              </td>
              <td className="num" data-testid="migration-time">
                {formatExecutionTime(entry.executionTimeNs)}
              </td>
              <td className="num" data-testid="migration-statements">
                {entry.fileName === null ? '—' : entry.statementCount.toLocaleString()}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type CopyState = 'idle' | 'copied' | 'failed';

/** The short checksum; the full value (and the recorded one, when it differs) in the title; a click copies it. */
function ChecksumCell({ entry }: { entry: MigrationEntry }) {
  const [copy, setCopy] = useState<CopyState>('idle');
  useEffect(() => {
    if (copy === 'idle') return;
    const timer = setTimeout(() => setCopy('idle'), 1500);
    return () => clearTimeout(timer);
  }, [copy]);

  const checksum = entry.fileChecksum ?? entry.appliedChecksum;
  if (!checksum) return <span className="muted">—</span>;
  const differs =
    entry.fileChecksum !== null && entry.appliedChecksum !== null && entry.fileChecksum !== entry.appliedChecksum;
  const title = [
    entry.fileChecksum ? `File: ${entry.fileChecksum}` : null,
    entry.appliedChecksum ? `Recorded: ${entry.appliedChecksum}` : null,
    'SHA-384 · click to copy',
  ]
    .filter(Boolean)
    .join('\n');

  const onCopy = async () => {
    try {
      await navigator.clipboard.writeText(checksum);
      setCopy('copied');
    } catch {
      setCopy('failed');
    }
  };

  return (
    <span className="checksum">
      <button
        type="button"
        className="checksum__value mono"
        title={title}
        aria-label={`Copy checksum ${checksum}`}
        onClick={() => void onCopy()}
        data-testid="migration-checksum"
        data-checksum={checksum}
      >
        {shortChecksum(checksum)}
      </button>
      {differs ? (
        <span className="checksum__recorded mono" title={`Recorded when applied: ${entry.appliedChecksum}`}>
          ≠ {shortChecksum(entry.appliedChecksum ?? '')}
        </span>
      ) : null}
      {copy !== 'idle' ? (
        <span className="checksum__note" role="status">
          {copy === 'copied' ? 'copied' : 'copy failed'}
        </span>
      ) : null}
    </span>
  );
}
