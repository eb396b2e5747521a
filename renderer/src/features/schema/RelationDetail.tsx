import type { ReactNode } from 'react';
import type {
  CatalogForeignKey,
  CatalogIndex,
  CatalogRelation,
  ExactSizes,
  RelationKind,
} from '../../../../common/catalog';
import type { DataSourceRef } from '../../../../common/profiles';
import { Badge } from '../../components/Badge';
import { CodeBlock } from '../../components/CodeBlock';
import { ErrorBox } from '../../components/ErrorBox';
import type { TabItem } from '../../components/Tabs';
import { Tabs } from '../../components/Tabs';
import { OFFLINE_SHORT } from '../connections/data-source';
import { TableDataView } from '../data/TableDataView';
import { kindLabels } from './catalog-tree';
import { formatBytes, formatDuration, formatExactCount, formatRowEstimate } from './catalog-lookup';
import { ColumnsTable, ConstraintsTable, ForeignKeysTables, IndexesTable, TriggersTable } from './RelationTables';
import type { DetailTab, OpState, RefreshResult } from './schema-store';

export interface RelationDetailProps {
  relation: CatalogRelation;
  incoming: readonly CatalogForeignKey[];
  connection: DataSourceRef;
  /** A snapshot is the source: operations that need the live database are not offered. */
  offline: boolean;
  /** Why the Data tab has no rows to show (a relation a snapshot kept only the definition of), else null. */
  noRows: string | null;
  tab: DetailTab;
  count: OpState<string> | undefined;
  /** The model's sizes come from relpages (estimates), not from the files. */
  sizesEstimated: boolean;
  /** Exact sizes read on demand, if asked. */
  sizes: OpState<ExactSizes> | undefined;
  refresh: OpState<RefreshResult> | undefined;
  onTab(tab: DetailTab): void;
  onCount(): void;
  onSizes(): void;
  onRefresh(): void;
  onOpen(schema: string, table: string): void;
}

/** Which tabs make sense for each kind of relation (a view has no indexes of its own). */
const tabsByKind: Record<RelationKind, readonly DetailTab[]> = {
  table: ['columns', 'indexes', 'constraints', 'fks', 'triggers', 'ddl', 'data'],
  partitioned_table: ['columns', 'indexes', 'constraints', 'fks', 'triggers', 'ddl', 'data'],
  foreign_table: ['columns', 'constraints', 'triggers', 'ddl', 'data'],
  view: ['columns', 'fks', 'triggers', 'ddl', 'data'],
  materialized_view: ['columns', 'indexes', 'fks', 'ddl', 'data'],
};

const tabLabels: Record<DetailTab, string> = {
  columns: 'Columns',
  indexes: 'Indexes',
  constraints: 'Constraints',
  fks: 'Foreign keys',
  triggers: 'Triggers',
  ddl: 'DDL',
  data: 'Data',
};

/** Kinds whose rows live in the relation itself, so the planner's estimate and sizes mean something. */
const stored = (kind: RelationKind) => kind === 'table' || kind === 'partitioned_table' || kind === 'materialized_view';

/** The button of an on-demand read (exact count, exact sizes) and its error, labelled by the read's state. */
function OnDemand<T>({
  op,
  onRun,
  labels,
  title,
  testId,
}: {
  op: OpState<T> | undefined;
  onRun(): void;
  labels: { idle: string; running: string; again: string };
  title: string;
  testId: string;
}) {
  return (
    <>
      <button
        className="button button--small"
        type="button"
        onClick={onRun}
        disabled={op?.state === 'running'}
        title={title}
        data-testid={`${testId}-button`}
      >
        {op?.state === 'running' ? labels.running : op?.state === 'done' ? labels.again : labels.idle}
      </button>
      {op?.state === 'failed' ? (
        <span className="object-stat__error" role="alert" data-testid={`${testId}-error`}>
          {op.error.message}
        </span>
      ) : null}
    </>
  );
}

function RowCount({ relation, count, onCount }: Pick<RelationDetailProps, 'relation' | 'count' | 'onCount'>) {
  return (
    <div className="object-stat">
      <span className="object-stat__label">Rows</span>
      <span className="object-stat__value" data-testid="row-estimate">
        {stored(relation.kind) ? formatRowEstimate(relation.rowEstimate) : 'not stored (computed on read)'}
      </span>
      {count?.state === 'done' ? (
        <span className="object-stat__exact" data-testid="exact-count" data-count={count.value}>
          exactly {formatExactCount(count.value)}
        </span>
      ) : null}
      <OnDemand
        op={count}
        onRun={onCount}
        labels={{ idle: 'Exact count', running: 'Counting…', again: 'Count again' }}
        title="Runs SELECT count(*) on the table now. It reads the whole table: slow on big tables."
        testId="exact-count"
      />
    </div>
  );
}

function Sizes({
  relation,
  sizesEstimated,
  sizes,
  offline,
  onSizes,
}: Pick<RelationDetailProps, 'relation' | 'sizesEstimated' | 'sizes' | 'offline' | 'onSizes'>) {
  const exact = sizes?.state === 'done' ? sizes.value : null;
  const shown = exact ?? relation.sizes;
  const approximate = !exact && sizesEstimated;
  const items: Array<[string, number]> = [
    ['Table', shown.tableBytes],
    ['Indexes', shown.indexBytes],
    ['TOAST', shown.toastBytes],
    ['Total', shown.totalBytes],
  ];
  const values = items.map(([label, bytes]) => (
    <span
      key={label}
      className="object-stat__size"
      title={`${approximate ? 'About ' : ''}${bytes.toLocaleString()} bytes`}
    >
      {label}{' '}
      <strong>
        {approximate ? '≈' : ''}
        {formatBytes(bytes)}
      </strong>
    </span>
  ));
  return (
    <div className="object-stat" data-testid="relation-sizes">
      <span className="object-stat__label">Size</span>
      {exact ? (
        <span className="object-stat__group" data-testid="relation-sizes-exact" data-total-bytes={exact.totalBytes}>
          {values}
          <span className="object-stat__exact">exact</span>
        </span>
      ) : (
        values
      )}
      {approximate ? (
        <span className="object-stat__note" data-testid="sizes-estimated">
          estimated from relpages (last VACUUM/ANALYZE)
        </span>
      ) : null}
      {offline ? null : (
        <OnDemand
          op={sizes}
          onRun={onSizes}
          labels={{ idle: 'Exact sizes', running: 'Reading…', again: 'Read again' }}
          title="Reads the sizes of the table's files now: the table, its indexes and its TOAST table (pg_table_size, pg_total_relation_size). It reads no rows."
          testId="exact-sizes"
        />
      )}
    </div>
  );
}

/** The indexes with their exact sizes once they have been read (an index created since keeps its estimate). */
function withExactSizes(indexes: readonly CatalogIndex[], sizes: OpState<ExactSizes> | undefined) {
  if (sizes?.state !== 'done') return indexes;
  const exact = new Map(sizes.value.indexes.map((i) => [i.name, i.sizeBytes]));
  return indexes.map((i) => ({ ...i, sizeBytes: exact.get(i.name) ?? i.sizeBytes }));
}

function RefreshMatview({
  refresh,
  onRefresh,
  offline,
}: Pick<RelationDetailProps, 'refresh' | 'onRefresh' | 'offline'>) {
  if (offline) {
    return (
      <p className="object-op object-op--offline" data-testid="refresh-matview-offline">
        Refresh is not offered on a snapshot: {OFFLINE_SHORT}.
      </p>
    );
  }
  let result: ReactNode = null;
  if (refresh?.state === 'done') {
    const r = refresh.value;
    result = (
      <span className="op-result op-result--ok" data-testid="op-result" data-concurrently={r.concurrently}>
        Refreshed {r.concurrently ? 'CONCURRENTLY' : '(not concurrently)'} in {formatDuration(r.durationMs)}
        {r.note ? <span className="op-result__note"> — {r.note}</span> : null}
      </span>
    );
  } else if (refresh?.state === 'failed') {
    result = <ErrorBox error={refresh.error} title="Refresh failed" testId="op-result" />;
  }
  return (
    <div className="object-op">
      <button
        className="button"
        type="button"
        onClick={onRefresh}
        disabled={refresh?.state === 'running'}
        title="REFRESH MATERIALIZED VIEW — CONCURRENTLY when it has a unique index, so readers are not blocked"
        data-testid="refresh-matview"
      >
        {refresh?.state === 'running' ? 'Refreshing…' : 'Refresh'}
      </button>
      {result}
    </div>
  );
}

function TabPanel(props: RelationDetailProps & { tab: DetailTab }) {
  const { relation: r } = props;
  switch (props.tab) {
    case 'columns':
      return <ColumnsTable columns={r.columns} primaryKey={r.primaryKey} />;
    case 'indexes':
      return <IndexesTable indexes={withExactSizes(r.indexes, props.sizes)} />;
    case 'constraints':
      return <ConstraintsTable constraints={r.constraints} />;
    case 'fks':
      return <ForeignKeysTables outgoing={r.foreignKeys} incoming={props.incoming} onOpen={props.onOpen} />;
    case 'triggers':
      return <TriggersTable triggers={r.triggers} />;
    case 'ddl':
      return <CodeBlock code={r.ddl} label={`DDL of ${r.schema}.${r.name}`} testId="ddl-text" copyTestId="ddl-copy" />;
    case 'data':
      if (props.noRows) {
        return (
          <p className="object-panel__note" data-testid="data-not-captured">
            {props.noRows}
          </p>
        );
      }
      return (
        <TableDataView
          connection={props.connection}
          schema={r.schema}
          table={r.name}
          columns={r.columns}
          primaryKey={r.primaryKey}
        />
      );
  }
}

/** Header, operations and tabs of a table, view, materialized view, partitioned or foreign table. Props only. */
export function RelationDetail(props: RelationDetailProps) {
  const { relation: r, incoming } = props;
  const available = tabsByKind[r.kind];
  const tab = available.includes(props.tab) ? props.tab : 'columns';
  const counts: Partial<Record<DetailTab, number>> = {
    columns: r.columns.length,
    indexes: r.indexes.length,
    constraints: r.constraints.length,
    fks: r.foreignKeys.length + incoming.length,
    triggers: r.triggers.length,
  };
  const tabs: TabItem<DetailTab>[] = available.map((id) => ({
    id,
    label: tabLabels[id],
    count: counts[id],
    testId: `tab-${id}`,
  }));

  return (
    <article className="object-detail" data-testid="object-detail" data-kind={r.kind}>
      <header className="object-header">
        <div className="object-header__title-row">
          <Badge tone="info">{kindLabels[r.kind]}</Badge>
          <h2 className="object-title" data-testid="object-title" data-schema={r.schema} data-name={r.name}>
            <span className="object-title__schema">{r.schema}.</span>
            {r.name}
          </h2>
        </div>
        <p className="object-header__meta">
          Owner <span className="mono">{r.owner}</span>
          {r.partitionOf ? (
            <>
              {' '}
              · partition of <span className="mono">{r.partitionOf}</span>
            </>
          ) : null}
          {r.partitionKey ? (
            <>
              {' '}
              · partitioned by <span className="mono">{r.partitionKey}</span>
            </>
          ) : null}
        </p>
        {r.comment ? (
          <p className="object-header__comment" data-testid="object-comment">
            {r.comment}
          </p>
        ) : null}
        {r.kind === 'view' ? null : <RowCount relation={r} count={props.count} onCount={props.onCount} />}
        {stored(r.kind) ? (
          <Sizes
            relation={r}
            sizesEstimated={props.sizesEstimated}
            sizes={props.sizes}
            offline={props.offline}
            onSizes={props.onSizes}
          />
        ) : null}
        {r.kind === 'materialized_view' ? (
          <RefreshMatview refresh={props.refresh} onRefresh={props.onRefresh} offline={props.offline} />
        ) : null}
      </header>
      <Tabs tabs={tabs} selected={tab} onSelect={props.onTab} idPrefix="relation" label="Relation details" />
      <div
        className={tab === 'data' ? 'object-panel object-panel--fill' : 'object-panel'}
        id="relation-panel"
        role="tabpanel"
        aria-labelledby={`relation-tab-${tab}`}
      >
        <TabPanel {...props} tab={tab} />
      </div>
    </article>
  );
}
