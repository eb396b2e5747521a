/** What a snapshot holds and how its integrity check went. Props only. */
import type { SnapshotDetail, SnapshotIntegrity } from '../../../../common/snapshots';
import { Badge } from '../../components/Badge';
import { KeyValue } from '../../components/KeyValue';
import { formatInstalledOn, formatMs, shortChecksum } from '../migrations/migration-format';
import { describeSelection, formatBytes, formatCapturedAt, formatCount } from './snapshot-format';

export function SnapshotFacts({ detail: d }: { detail: SnapshotDetail }) {
  const took = new Date(d.finishedAt).getTime() - new Date(d.startedAt).getTime();
  return (
    <KeyValue
      items={[
        { label: 'Database', value: d.database, mono: true, testId: 'detail-database' },
        { label: 'Server', value: `PostgreSQL ${d.serverVersion}`, testId: 'detail-server-version' },
        {
          label: 'Source',
          value: (
            <>
              {d.sourceProfile ? (
                <>
                  profile <strong>{d.sourceProfile}</strong> ·{' '}
                </>
              ) : null}
              <span className="mono">{d.sourceTarget}</span>
            </>
          ),
          testId: 'detail-source',
        },
        {
          label: 'Captured',
          value: `${formatCapturedAt(d.startedAt)}${Number.isFinite(took) && took >= 0 ? ` in ${formatMs(took)}` : ''}`,
        },
        { label: 'Selection', value: describeSelection(d) },
        {
          label: 'File',
          value: (
            <>
              {formatBytes(d.fileBytes)} · <span className="mono">{d.id}</span>
              {d.imported ? ' · imported, read-only' : ''}
            </>
          ),
        },
      ]}
    />
  );
}

export function SnapshotTablesTable({ detail }: { detail: SnapshotDetail }) {
  if (detail.tables.length === 0) return <p className="muted">No table rows were captured.</p>;
  return (
    <div className="table-wrap">
      <table className="data-table" data-testid="detail-tables">
        <thead>
          <tr>
            <th>Table</th>
            <th className="num">Rows</th>
            <th className="num">Took</th>
            <th>Key columns</th>
            <th className="num">Columns</th>
          </tr>
        </thead>
        <tbody>
          {detail.tables.map((t) => (
            <tr key={`${t.schema}.${t.name}`} data-testid="detail-table-row" data-table={`${t.schema}.${t.name}`}>
              <td className="mono">
                {t.schema}.{t.name}
                {t.truncated ? (
                  <Badge tone="warn" title="The row limit cut the capture of this table short">
                    truncated
                  </Badge>
                ) : null}
              </td>
              <td className="num" data-testid="detail-table-rows">
                {formatCount(t.rows)}
              </td>
              <td className="num">{formatMs(t.durationMs)}</td>
              <td className="mono">
                {t.keyColumns.length > 0 ? t.keyColumns.join(', ') : <span className="muted">no primary key</span>}
              </td>
              <td className="num">{t.columns.length}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function SnapshotMigrationsTable({ detail }: { detail: SnapshotDetail }) {
  if (detail.migrations.length === 0) {
    return (
      <p className="muted" data-testid="detail-migrations-none">
        No migration history: the database had no <span className="mono">_sqlx_migrations</span> rows.
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className="data-table" data-testid="detail-migrations">
        <thead>
          <tr>
            <th className="num">Version</th>
            <th>Description</th>
            <th>Installed on</th>
            <th>Result</th>
            <th>Checksum</th>
          </tr>
        </thead>
        <tbody>
          {detail.migrations.map((m) => (
            <tr key={m.version}>
              <td className="num mono">{m.version}</td>
              <td>{m.description}</td>
              <td>{formatInstalledOn(m.installedOn)}</td>
              <td>{m.success ? <Badge tone="ok">applied</Badge> : <Badge tone="danger">failed</Badge>}</td>
              <td className="mono" title={m.checksum}>
                {shortChecksum(m.checksum)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function IntegrityResult({ result }: { result: SnapshotIntegrity }) {
  const sqliteOk = result.sqlite.length === 1 && result.sqlite[0] === 'ok';
  return (
    <div
      className={result.ok ? 'integrity integrity--ok' : 'integrity integrity--bad'}
      role="status"
      data-testid="integrity-result"
      data-ok={result.ok}
    >
      <p className="integrity__verdict">
        <Badge tone={result.ok ? 'ok' : 'danger'}>{result.ok ? 'intact' : 'damaged'}</Badge>
        {result.ok
          ? 'The file is intact: SQLite finds no problem, every table holds its recorded row count, and the content hash matches.'
          : 'The file does not match what was captured.'}
      </p>
      <ul className="integrity__checks">
        <li data-ok={sqliteOk}>
          <span className="mono">PRAGMA integrity_check</span>: {sqliteOk ? 'ok' : result.sqlite.join('; ')}
        </li>
        <li data-ok={result.rowCountMismatches.length === 0}>
          Recorded row counts:{' '}
          {result.rowCountMismatches.length === 0
            ? 'all match'
            : result.rowCountMismatches
                .map((m) => `${m.table} recorded ${formatCount(m.recorded)}, found ${formatCount(m.found)}`)
                .join('; ')}
        </li>
        <li data-ok={result.contentHashOk}>
          Content hash: {result.contentHashOk ? 'matches' : 'differs — rows were changed after the capture'}
        </li>
      </ul>
    </div>
  );
}
