import type { DataSourceRef } from '../../../../common/profiles';
import { useConsole } from './console-hooks';
import type { ModelEntry } from './console-store';
import { TABLE_MAPPING_SQL } from './snapshot-completion';

export interface SnapshotSqlHelpProps {
  model: ModelEntry | undefined;
  tabId: string | null;
  connection: DataSourceRef;
}

/** How the snapshot's SQL names its tables, with the mapping at hand. */
export function SnapshotSqlHelp({ model, tabId, connection }: SnapshotSqlHelpProps) {
  const setSql = useConsole((s) => s.setSql);
  const run = useConsole((s) => s.run);
  const mapping = model?.status === 'ready' ? model.mapping : null;
  const shown = mapping?.slice(0, 4) ?? [];
  const showMapping = () => {
    if (!tabId) return;
    setSql(tabId, TABLE_MAPPING_SQL);
    void run(tabId, { connection, readOnly: true });
  };
  return (
    <div className="console__snapshot-help" role="note" data-testid="console-snapshot-help">
      <p>
        Not PostgreSQL: each captured table is a SQLite table <span className="mono">d_&lt;n&gt;</span> with columns{' '}
        <span className="mono">c_0, c_1, …</span> in the source&rsquo;s column order
        {shown.length > 0 ? (
          <>
            {' — '}
            {shown.map((t, i) => (
              <span key={t.dataTable} className="console__mapping-item" data-testid="console-mapping-item">
                {i > 0 ? ', ' : ''}
                <span className="mono">
                  {t.dataTable} = {t.schema}.{t.name}
                </span>
              </span>
            ))}
            {mapping && mapping.length > shown.length ? ', …' : ''}
          </>
        ) : null}{' '}
        (all in <span className="mono">snapshot_tables</span>). Completion also offers the source schema, table and
        column names, and writes the <span className="mono">d_&lt;n&gt;</span> and{' '}
        <span className="mono">c_&lt;i&gt;</span> they stand for.
      </p>
      <button
        className="button button--small"
        type="button"
        onClick={showMapping}
        disabled={!tabId}
        data-testid="console-show-mapping"
      >
        Show table mapping
      </button>
    </div>
  );
}
