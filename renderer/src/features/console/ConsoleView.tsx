import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { DataSourceRef } from '../../../../common/profiles';
import { NoConnectionPage } from '../../components/NoConnectionPage';
import { ErrorBox } from '../../components/ErrorBox';
import { ExplainTree } from '../../components/ExplainTree';
import { PageHeader } from '../../components/PageHeader';
import { ResultGrid } from '../../components/ResultGrid';
import { useConnections, useNavigation } from '../../stores';
import { connectionKey } from '../data/table-key';
import { useConsole } from './console-hooks';
import type { ConsoleOutcome, ConsoleTab, ModelEntry } from './console-store';
import { DEFAULT_MAX_RESULT_ROWS } from './console-store';
import { ConsoleTabs } from './ConsoleTabs';
import type { SqlEditorHandle } from './SqlEditor';
import { SqlEditor } from './SqlEditor';
import { SqlErrorBox } from './SqlErrorBox';
import { LiveControls } from './LiveControls';
import { SnapshotSqlHelp } from './SnapshotSqlHelp';

export function ConsoleView() {
  // The live connection, or the snapshot opened for offline browsing (SQLite SQL over its file).
  const connection = useConnections((s) => s.activeSource);
  const navigate = useNavigation((s) => s.navigate);

  if (!connection) {
    return (
      <NoConnectionPage
        title="SQL console"
        testId="console-empty"
        lead="No active connection"
        onGoToConnections={() => navigate('connections')}
      >
        <p>Connect to a database from Connections; the console runs SQL on the active connection.</p>
      </NoConnectionPage>
    );
  }
  return <ConsoleWorkspace connection={connection} />;
}

function ConsoleWorkspace({ connection }: { connection: DataSourceRef }) {
  const liveStatus = useConnections((s) => s.activeStatus);
  const snapshot = useConnections((s) => s.openSnapshot);
  // While a snapshot is open the live connection's state says nothing about what the console runs on.
  const status = snapshot ? null : liveStatus;
  const tabs = useConsole((s) => s.tabs);
  const activeTabId = useConsole((s) => s.activeTabId);
  const key = connectionKey(connection);
  const model = useConsole((s) => s.models[key]);
  const ensureModel = useConsole((s) => s.ensureModel);
  const newTab = useConsole((s) => s.newTab);
  const closeTab = useConsole((s) => s.closeTab);
  const selectTab = useConsole((s) => s.selectTab);

  // Once per connection; again when it (re)connects, which retries a load that failed.
  const connected = status?.state === 'connected';
  useEffect(() => {
    void ensureModel(connection);
    // The key names the connection; the ref object itself may be rebuilt.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, connected, ensureModel]);

  const tab = tabs.find((t) => t.id === activeTabId) ?? tabs[0];
  const readOnly = snapshot !== null || (status?.readOnly ?? false);

  return (
    <div className="page page--fill console" data-testid="view-console" data-source={snapshot ? 'snapshot' : 'live'}>
      <PageHeader
        title="SQL console"
        description={
          snapshot ? (
            <span data-testid="console-source">
              <strong>SQLite SQL over the snapshot (read-only)</strong> · snapshot{' '}
              <span className="mono">{snapshot.name}</span> of <span className="mono">{snapshot.database}</span>
            </span>
          ) : (
            <span data-testid="console-source">
              On{' '}
              <span className="mono">
                {status?.label ?? ('url' in connection ? 'the quick-connect URL' : 'a profile')}
              </span>
              {readOnly ? ' · read-only connection' : ''}
              {status?.production ? ' · PRODUCTION' : ''}
            </span>
          )
        }
      />
      {snapshot ? <SnapshotSqlHelp model={model} tabId={tab?.id ?? null} connection={connection} /> : null}
      <ConsoleTabs tabs={tabs} activeId={tab?.id ?? ''} onSelect={selectTab} onClose={closeTab} onNew={newTab} />
      {tab ? (
        <TabPanel
          // A new editor per source: the dialect and the names to complete are the source's.
          key={`${tab.id}:${key}`}
          tab={tab}
          connection={connection}
          offline={snapshot !== null}
          readOnly={readOnly}
          production={status?.production ?? false}
          model={model}
          onRefreshModel={() => void ensureModel(connection, true)}
        />
      ) : null}
    </div>
  );
}

interface TabPanelProps {
  tab: ConsoleTab;
  connection: DataSourceRef;
  /** A snapshot is the source: SQLite SQL, read-only, no EXPLAIN. */
  offline: boolean;
  readOnly: boolean;
  production: boolean;
  model: ModelEntry | undefined;
  onRefreshModel(): void;
}

function TabPanel({ tab, connection, offline, readOnly, production, model, onRefreshModel }: TabPanelProps) {
  const setSql = useConsole((s) => s.setSql);
  const run = useConsole((s) => s.run);
  const explain = useConsole((s) => s.explain);
  const cancel = useConsole((s) => s.cancel);
  const editor = useRef<SqlEditorHandle>(null);
  const [markRequest, setMarkRequest] = useState(0);

  const id = tab.id;
  const context = useMemo(() => ({ connection, readOnly }), [connection, readOnly]);
  const onRun = useCallback(() => {
    editor.current?.closeCompletion();
    void run(id, context, editor.current?.selection());
  }, [run, id, context]);
  const onExplain = useCallback(() => {
    editor.current?.closeCompletion();
    void explain(id, context, editor.current?.selection());
  }, [explain, id, context]);
  const onChange = useCallback((sql: string) => setSql(id, sql), [setSql, id]);

  const outcome = tab.outcome;
  const location = outcome?.kind === 'error' ? outcome.error.location : null;
  // A new object per error (and per "show" click) so the editor selects it again.
  const mark = useMemo(
    () => (location ? { from: location.from, to: location.to, request: markRequest } : null),
    [location, markRequest],
  );

  const running = tab.running;

  return (
    <div className="console__panel" id="console-panel" role="tabpanel" aria-label={tab.title}>
      <SqlEditor
        value={tab.sql}
        onChange={onChange}
        completion={model?.status === 'ready' ? model.completion : null}
        dialect={offline ? 'sqlite' : 'postgresql'}
        onRun={onRun}
        onExplain={onExplain}
        mark={mark}
        handleRef={editor}
        label={`SQL of ${tab.title}`}
      />

      <div className="console__toolbar">
        {running ? (
          <button
            className="button console-cancel"
            type="button"
            onClick={() => void cancel(id)}
            disabled={running.cancelling}
            data-testid="console-cancel"
          >
            {running.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : (
          <button
            className="button button--primary"
            type="button"
            onClick={onRun}
            title="Run the statement (or the selection) — Ctrl/Cmd+Enter"
            data-testid="console-run"
          >
            Run
          </button>
        )}
        {offline ? (
          <>
            <span className="console__spacer" />
            <span className="console__hint console__offline" data-testid="console-offline-note">
              Read-only snapshot: EXPLAIN and writes need the live database
            </span>
          </>
        ) : (
          <LiveControls
            tab={tab}
            readOnly={readOnly}
            production={production}
            running={running !== null}
            onExplain={onExplain}
          />
        )}
        <CompletionState model={model} onRefresh={onRefreshModel} />
      </div>

      <ConsoleStatus tab={tab} offline={offline} />
      {running?.cancelError ? (
        <ErrorBox
          error={running.cancelError}
          title="Cancel failed — the query is still running"
          testId="console-cancel-error"
        />
      ) : null}

      <div className="console__output">
        <Output outcome={outcome} onShowPosition={() => setMarkRequest((n) => n + 1)} />
      </div>
    </div>
  );
}

function CompletionState({ model, onRefresh }: { model: ModelEntry | undefined; onRefresh(): void }) {
  if (!model || model.status === 'loading') return <span className="console__hint">Loading names…</span>;
  if (model.status === 'error') {
    return (
      <span className="console__hint" title={model.error.message}>
        Name completion unavailable{' '}
        <button type="button" className="console-link" onClick={onRefresh}>
          retry
        </button>
      </span>
    );
  }
  return (
    <span className="console__hint" title="Schema, table and column names complete as you type">
      {model.completion.relationCount.toLocaleString()} relations for completion{' '}
      <button type="button" className="console-link" onClick={onRefresh} title="Reload the catalog">
        reload
      </button>
    </span>
  );
}

function useElapsed(startedAt: number | null): number {
  const [elapsed, setElapsed] = useState(0);
  useEffect(() => {
    if (startedAt === null) return;
    const tick = () => setElapsed(Math.max(0, Date.now() - startedAt));
    tick();
    const timer = setInterval(tick, 100);
    return () => clearInterval(timer);
  }, [startedAt]);
  return elapsed;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const duration = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : seconds(ms));

function ConsoleStatus({ tab, offline }: { tab: ConsoleTab; offline: boolean }) {
  const elapsed = useElapsed(tab.running?.startedAt ?? null);
  const { running, outcome } = tab;
  let text: string;
  let tone = 'idle';
  if (running) {
    tone = 'running';
    const verb = running.kind === 'explain' ? (tab.analyze ? 'Explaining (ANALYZE)' : 'Explaining') : 'Running';
    text = `${running.cancelling ? 'Cancelling' : verb}… ${seconds(elapsed)}`;
  } else if (!outcome) {
    text = offline
      ? 'Ctrl/Cmd+Enter runs the statement (or the selected text): SQLite SQL over the snapshot file, read-only.'
      : 'Ctrl/Cmd+Enter runs the statement (or the selected text). Statements run read-only unless writes are allowed.';
  } else if (outcome.kind === 'result') {
    const { result } = outcome;
    tone = 'ok';
    const n = result.rowCount;
    const count =
      n === null
        ? ''
        : ` · ${n.toLocaleString()} ${n === 1 ? 'row' : 'rows'}${result.columns.length > 0 ? '' : ' affected'}`;
    text = `${result.command}${count} · ${duration(result.durationMs)} · ${
      offline ? 'read-only snapshot' : result.readOnly ? 'read-only transaction' : 'writes allowed'
    }`;
  } else if (outcome.kind === 'explain') {
    tone = 'ok';
    text = outcome.explain.analyzed ? 'EXPLAIN ANALYZE' : 'EXPLAIN';
  } else {
    tone = outcome.cancelled ? 'cancelled' : 'error';
    text = outcome.cancelled
      ? `Cancelled after ${duration(outcome.elapsedMs)}`
      : `Failed after ${duration(outcome.elapsedMs)}`;
  }
  return (
    <div className={`console__status console__status--${tone}`} role="status" data-testid="console-status">
      {text}
    </div>
  );
}

function Output({ outcome, onShowPosition }: { outcome: ConsoleOutcome | null; onShowPosition(): void }) {
  if (!outcome) return null;
  if (outcome.kind === 'error') {
    return <SqlErrorBox error={outcome.error} cancelled={outcome.cancelled} onShowPosition={onShowPosition} />;
  }
  if (outcome.kind === 'explain') {
    return (
      <div className="console__explain">
        <ExplainTree result={outcome.explain} />
      </div>
    );
  }
  const { result } = outcome;
  return (
    <>
      {result.truncated ? (
        <p className="console__warning" data-testid="console-truncated">
          Showing the first {result.rows.length.toLocaleString()} rows; the query returned more (the console keeps at
          most {DEFAULT_MAX_RESULT_ROWS.toLocaleString()}). Add a LIMIT or a WHERE to see the others.
        </p>
      ) : null}
      {result.notices.length > 0 ? (
        <ul className="console__notices" data-testid="console-notices">
          {result.notices.map((notice, index) => (
            <li key={index}>{notice}</li>
          ))}
        </ul>
      ) : null}
      {result.columns.length > 0 ? (
        <div className="console__grid">
          <ResultGrid
            columns={result.columns}
            rows={result.rows}
            label="Query result"
            emptyText="The query returned no rows"
          />
        </div>
      ) : (
        <p className="console__command" data-testid="console-command">
          {result.command}
          {result.rowCount !== null
            ? ` — ${result.rowCount.toLocaleString()} ${result.rowCount === 1 ? 'row' : 'rows'} affected`
            : ''}
        </p>
      )}
    </>
  );
}
