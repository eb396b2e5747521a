import type { SnapshotSummary } from '../../../../common/snapshots';
import { Badge } from '../../components/Badge';
import type { SnapshotAction } from './snapshots-state';
import { formatBytes, formatCapturedAt, formatCount } from './snapshot-format';

export interface SnapshotTableProps {
  snapshots: readonly SnapshotSummary[];
  selectedId: string | null;
  /** The snapshot open for browsing. */
  openId: string | null;
  busy: Readonly<Record<string, SnapshotAction>>;
  onOpen(id: string): void;
  onClose(): void;
  onDetails(id: string): void;
}

/** The snapshots in the data folder, newest first, with Open and Details. Props only. */
export function SnapshotTable({ snapshots, selectedId, openId, busy, onOpen, onClose, onDetails }: SnapshotTableProps) {
  return (
    <div className="table-wrap">
      <table className="data-table snapshot-table" data-testid="snapshot-list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Database</th>
            <th>Captured</th>
            <th className="num">Tables</th>
            <th className="num">Rows</th>
            <th className="num">Size</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {snapshots.map((s) => {
            const open = s.id === openId;
            const selected = s.id === selectedId;
            return (
              <tr
                key={s.id}
                className={selected ? 'snapshot-table__row snapshot-table__row--selected' : 'snapshot-table__row'}
                data-testid="snapshot-row"
                data-snapshot-id={s.id}
                data-name={s.name}
                data-imported={s.imported}
                data-open={open}
              >
                <td>
                  <span className="snapshot-table__name" data-testid="snapshot-name">
                    {s.name}
                  </span>
                  {s.imported ? (
                    <Badge tone="info" title="Imported from a file; opened read-only" testId="snapshot-imported">
                      imported
                    </Badge>
                  ) : null}
                  {open ? (
                    <Badge tone="ok" title="Open for browsing in Schema and SQL console" testId="snapshot-open-badge">
                      open
                    </Badge>
                  ) : null}
                  {s.tablePattern || s.rowLimit !== null ? (
                    <span className="snapshot-table__selection">
                      {s.tablePattern ? <span className="mono">{s.tablePattern}</span> : 'every table'}
                      {s.rowLimit !== null ? ` · ≤ ${formatCount(s.rowLimit)} rows each` : ''}
                    </span>
                  ) : null}
                </td>
                <td className="mono snapshot-table__database">{s.database}</td>
                <td className="snapshot-table__time" title={s.startedAt}>
                  {formatCapturedAt(s.startedAt)}
                </td>
                <td className="num" data-testid="snapshot-tables">
                  {formatCount(s.tableCount)}
                </td>
                <td className="num" data-testid="snapshot-rows">
                  {formatCount(s.rowCount)}
                </td>
                <td className="num" title={`${s.fileBytes.toLocaleString()} bytes`}>
                  {formatBytes(s.fileBytes)}
                </td>
                <td className="snapshot-table__actions">
                  {open ? (
                    <button
                      className="button button--small"
                      type="button"
                      onClick={onClose}
                      data-testid="snapshot-close"
                    >
                      Close
                    </button>
                  ) : (
                    <button
                      className="button button--small button--primary"
                      type="button"
                      onClick={() => onOpen(s.id)}
                      disabled={busy[s.id] !== undefined}
                      title="Browse it offline in Schema and SQL console, instead of the live connection"
                      data-testid="snapshot-open"
                    >
                      {busy[s.id] === 'open' ? 'Opening…' : 'Open'}
                    </button>
                  )}
                  <button
                    className="button button--small"
                    type="button"
                    onClick={() => onDetails(s.id)}
                    aria-expanded={selected}
                    data-testid="snapshot-details"
                  >
                    {selected ? 'Hide details' : 'Details'}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
