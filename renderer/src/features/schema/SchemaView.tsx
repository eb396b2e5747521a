import type { KeyboardEvent } from 'react';
import { useEffect, useId, useMemo } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { NO_CONNECTION_YET, NoConnectionPage } from '../../components/NoConnectionPage';
import { ErrorBox } from '../../components/ErrorBox';
import { PageHeader } from '../../components/PageHeader';
import { SchemaTable } from '../../components/SchemaTable';
import { useConnections, useNavigation, useSchema } from '../../stores';
import { formatCapturedAt } from '../snapshots/snapshot-format';
import { countObjects, filterCatalogTree, flattenCatalogTree, objectKey } from './catalog-tree';
import { findObject, formatDuration, incomingForeignKeys, schemaSummaries } from './catalog-lookup';
import { EnumDetail, FunctionDetail, SequenceDetail } from './OtherDetails';
import { RelationDetail } from './RelationDetail';
import { SchemaTree } from './SchemaTree';

export function SchemaView() {
  // The live connection, or the snapshot opened for offline browsing: the same view over either.
  const source = useConnections((s) => s.activeSource);
  const load = useSchema((s) => s.load);
  const clear = useSchema((s) => s.clear);
  const navigate = useNavigation((s) => s.navigate);

  useEffect(() => {
    // Loads once per source; a later visit reuses the model until the user reloads it.
    if (source) void load(source);
    else clear();
  }, [source, load, clear]);

  if (!source) {
    return (
      <NoConnectionPage
        title="Schema"
        testId="schema-empty"
        lead={NO_CONNECTION_YET}
        onGoToConnections={() => navigate('connections')}
      >
        <p>
          The schema browser shows the active connection’s schemas, tables, views, functions, sequences and enums, with
          columns, indexes, constraints, foreign keys, triggers and DDL for each.
        </p>
      </NoConnectionPage>
    );
  }

  return (
    <div className="page page--fill page--browser">
      <BrowserHeader />
      <div className="browser">
        <TreePane />
        <div className="browser__detail">
          <DetailPane />
        </div>
      </div>
      <RunFunctionDialog />
    </div>
  );
}

function BrowserHeader() {
  const model = useSchema((s) => s.model);
  const loading = useSchema((s) => s.loading);
  const connection = useSchema((s) => s.connection);
  const showSystem = useSchema((s) => s.showSystem);
  const setShowSystem = useSchema((s) => s.setShowSystem);
  const load = useSchema((s) => s.load);
  const snapshot = useConnections((s) => s.openSnapshot);
  const description =
    model && snapshot
      ? `Snapshot ${snapshot.name} · ${model.database} · PostgreSQL ${model.serverVersion} · captured ${formatCapturedAt(snapshot.capturedAt)}`
      : model
        ? `${model.database} · PostgreSQL ${model.serverVersion} · read at ${new Date(model.capturedAt).toLocaleTimeString()} in ${formatDuration(model.durationMs)}`
        : loading
          ? 'Reading the catalog…'
          : snapshot
            ? 'The catalog of the snapshot.'
            : 'The catalog of the active connection.';
  return (
    <PageHeader
      title="Schema"
      description={<span data-testid="schema-description">{description}</span>}
      actions={
        <>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={showSystem}
              onChange={(event) => setShowSystem(event.target.checked)}
              data-testid="show-system-schemas"
            />
            System schemas
          </label>
          <button
            className="button"
            type="button"
            onClick={() => connection && void load(connection, { force: true })}
            disabled={loading || !connection}
            data-testid="reload-model"
          >
            {loading ? 'Loading…' : 'Reload'}
          </button>
        </>
      }
    />
  );
}

function TreePane() {
  const searchId = useId();
  const tree = useSchema((s) => s.tree);
  const search = useSchema((s) => s.search);
  const collapsed = useSchema((s) => s.collapsed);
  const selected = useSchema((s) => s.selected);
  const loading = useSchema((s) => s.loading);
  const hasModel = useSchema((s) => s.model !== null);
  const setSearch = useSchema((s) => s.setSearch);
  const toggle = useSchema((s) => s.toggle);
  const select = useSchema((s) => s.select);

  const searching = search.trim() !== '';
  const filtered = useMemo(() => filterCatalogTree(tree, search), [tree, search]);
  const rows = useMemo(() => flattenCatalogTree(filtered, collapsed, searching), [filtered, collapsed, searching]);
  const total = useMemo(() => countObjects(tree), [tree]);
  const matched = searching ? countObjects(filtered) : total;

  const onSearchKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      const first = rows.find((r) => r.type === 'object');
      if (first?.type === 'object') select(first.object.ref);
    } else if (event.key === 'Escape') {
      setSearch('');
    }
  };

  return (
    <div className="browser__tree">
      <label className="visually-hidden" htmlFor={searchId}>
        Search objects
      </label>
      <input
        id={searchId}
        className="text-input tree-search"
        type="search"
        value={search}
        onChange={(event) => setSearch(event.target.value)}
        onKeyDown={onSearchKey}
        placeholder="Search tables, views, functions…"
        spellCheck={false}
        autoComplete="off"
        data-testid="tree-search"
      />
      <p className="tree-count" data-testid="tree-count">
        {!hasModel
          ? loading
            ? 'Loading…'
            : ' '
          : searching
            ? `${matched.toLocaleString()} of ${total.toLocaleString()} objects match`
            : `${total.toLocaleString()} objects in ${tree.length.toLocaleString()} schemas`}
      </p>
      <SchemaTree
        rows={rows}
        selectedKey={selected ? objectKey(selected) : null}
        onToggle={toggle}
        onSelect={select}
        emptyText={
          !hasModel
            ? loading
              ? 'Loading the catalog…'
              : 'No catalog loaded.'
            : searching
              ? `Nothing matches “${search.trim()}”.`
              : 'No schemas.'
        }
      />
    </div>
  );
}

function DetailPane() {
  const model = useSchema((s) => s.model);
  const loading = useSchema((s) => s.loading);
  const loadError = useSchema((s) => s.loadError);
  const selected = useSchema((s) => s.selected);
  const showSystem = useSchema((s) => s.showSystem);
  const connection = useSchema((s) => s.connection);
  const load = useSchema((s) => s.load);
  // What the quick-connect listing found, shown while the catalog is not (yet) available for that same URL.
  const adHoc = useConnections((s) => s.adHoc);
  const listed = adHoc && connection && 'url' in connection && connection.url === adHoc.url ? adHoc.listing : null;

  const summaries = useMemo(() => (model ? schemaSummaries(model, showSystem) : null), [model, showSystem]);

  const error = loadError ? (
    <ErrorBox
      error={loadError}
      title={model ? 'Reload failed — showing the catalog read before' : 'Could not read the catalog'}
      testId="schema-load-error"
    />
  ) : null;

  if (model && selected) {
    return (
      <>
        {error}
        <SelectedObject />
      </>
    );
  }

  const schemas = summaries ?? listed?.schemas ?? null;
  return (
    <div className="browser__overview">
      {error}
      {loadError && !model ? (
        <div>
          <button
            className="button"
            type="button"
            onClick={() => connection && void load(connection, { force: true })}
            data-testid="retry-model"
          >
            Try again
          </button>
        </div>
      ) : null}
      {loading && !model ? (
        <p className="muted" data-testid="schema-loading">
          Reading the catalog…
        </p>
      ) : null}
      {schemas ? (
        <section className="card">
          <h2 className="card__title">
            Schemas <span className="count">{schemas.length}</span>
          </h2>
          <SchemaTable schemas={schemas} />
          {model ? <p className="field-note browser__hint">Pick an object on the left to see its details.</p> : null}
        </section>
      ) : null}
    </div>
  );
}

function SelectedObject() {
  const model = useSchema((s) => s.model);
  const selected = useSchema((s) => s.selected);
  const connection = useSchema((s) => s.connection);
  const tab = useSchema((s) => s.tab);
  const counts = useSchema((s) => s.counts);
  const sizes = useSchema((s) => s.sizes);
  const refreshes = useSchema((s) => s.refreshes);
  const runs = useSchema((s) => s.runs);
  const setTab = useSchema((s) => s.setTab);
  const select = useSchema((s) => s.select);
  const countRows = useSchema((s) => s.countRows);
  const readSizes = useSchema((s) => s.readSizes);
  const refreshMatview = useSchema((s) => s.refreshMatview);
  const openRunDialog = useSchema((s) => s.openRunDialog);
  const snapshot = useConnections((s) => s.openSnapshot);
  const offline = snapshot !== null;

  const object = useMemo(() => (model && selected ? findObject(model, selected) : null), [model, selected]);
  const relation = object?.type === 'relation' ? object.relation : null;
  const incoming = useMemo(
    () => (model && relation ? incomingForeignKeys(model, relation.schema, relation.name) : []),
    [model, relation],
  );

  if (!model || !selected || !object || !connection) {
    return <p className="muted">This object is no longer in the catalog. Reload to read it again.</p>;
  }
  const key = objectKey(selected);

  switch (object.type) {
    case 'relation': {
      const onOpen = (schema: string, table: string) => {
        const target = model.relations.find((r) => r.schema === schema && r.name === table);
        if (target) select({ kind: target.kind, schema, name: table });
      };
      const r = object.relation;
      const noRows =
        snapshot && !snapshot.capturedTables.includes(`${r.schema}.${r.name}`)
          ? `Snapshot ${snapshot.name} holds only the definition of ${r.schema}.${r.name}: views, and tables outside the capture's table pattern, keep no rows.`
          : null;
      return (
        <RelationDetail
          relation={object.relation}
          incoming={incoming}
          connection={connection}
          offline={offline}
          noRows={noRows}
          tab={tab}
          count={counts[key]}
          sizesEstimated={model.sizesEstimated === true}
          sizes={sizes[key]}
          refresh={refreshes[key]}
          onTab={setTab}
          onCount={() => void countRows(selected)}
          onSizes={() => void readSizes(selected)}
          onRefresh={() => void refreshMatview(selected)}
          onOpen={onOpen}
        />
      );
    }
    case 'function':
      return (
        <FunctionDetail
          fn={object.fn}
          database={model.database}
          offline={offline}
          run={runs[key]}
          onRun={() => openRunDialog(selected)}
        />
      );
    case 'sequence':
      return <SequenceDetail sequence={object.sequence} />;
    case 'enum':
      return <EnumDetail enumType={object.enumType} />;
  }
}

function RunFunctionDialog() {
  const dialog = useSchema((s) => s.runDialog);
  const database = useSchema((s) => s.model?.database ?? '');
  const setRunTyped = useSchema((s) => s.setRunTyped);
  const closeRunDialog = useSchema((s) => s.closeRunDialog);
  const confirmRun = useSchema((s) => s.confirmRun);
  const production = useConnections((s) => s.activeStatus?.production ?? false);
  const offline = useConnections((s) => s.openSnapshot !== null);
  if (!dialog || offline) return null;
  const { ref } = dialog;
  return (
    <ConfirmDialog
      title={`Run ${ref.schema}.${ref.name}() on ${database}?`}
      confirmLabel="Run"
      danger
      requireText={{
        expected: database,
        value: dialog.typed,
        label: (
          <>
            Type the database name <span className="mono">{database}</span> to confirm
          </>
        ),
        onChange: setRunTyped,
        testId: 'confirm-database-input',
      }}
      onConfirm={() => void confirmRun()}
      onCancel={closeRunDialog}
      confirmTestId="confirm-run"
      testId="run-dialog"
    >
      <p>
        This runs <span className="mono">SELECT {`${ref.schema}.${ref.name}()`}</span> on the database{' '}
        <strong className="mono">{database}</strong>
        {production ? ' — a PRODUCTION database' : ''}. Whatever the function changes is committed.
      </p>
    </ConfirmDialog>
  );
}
