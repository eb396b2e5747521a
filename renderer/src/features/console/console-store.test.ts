import { describe, expect, it, vi } from 'vitest';
import type { CatalogModel } from '../../../../common/catalog';
import type { CallInput } from '../../../../common/contract';
import type { ExplainResult, SqlResult } from '../../../../common/data';
import { RemoteError } from '../../../../common/errors';
import type { ConsoleDeps } from './console-store';
import { createConsoleStore, writeSwitch } from './console-store';

const connection = { url: 'postgres://ops:secret@localhost:5432/app' };
const writable = { connection, readOnly: false };
const readOnly = { connection, readOnly: true };

const okResult: SqlResult = {
  command: 'SELECT',
  columns: [{ name: 'n', type: 'integer', tableColumn: null }],
  rows: [['1']],
  rowCount: 1,
  truncated: false,
  durationMs: 2,
  notices: [],
  readOnly: true,
};

const plan: ExplainResult = {
  plan: {
    nodeType: 'Result',
    relation: null,
    startupCost: 0,
    totalCost: 0.01,
    planRows: 1,
    actualRows: null,
    actualTimeMs: null,
    details: {},
    children: [],
  },
  planningTimeMs: null,
  executionTimeMs: null,
  analyzed: false,
  raw: [],
};

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setup(overrides: Partial<ConsoleDeps> = {}) {
  let n = 0;
  const mocks = {
    run: vi.fn<(input: CallInput<'sql.run'>) => Promise<SqlResult>>(async () => okResult),
    explain: vi.fn<(input: CallInput<'sql.explain'>) => Promise<ExplainResult>>(async () => plan),
    cancel: vi.fn<(runId: string) => Promise<{ cancelled: boolean }>>(async () => ({ cancelled: true })),
    loadModel: vi.fn<(c: typeof connection) => Promise<CatalogModel>>(),
  };
  const store = createConsoleStore({ ...mocks, newRunId: () => `run-${++n}`, now: () => 1000 * n, ...overrides });
  const tabId = () => store.getState().activeTabId;
  return { deps: mocks, store, tabId };
}

describe('console tabs', () => {
  it('starts with one tab and adds, selects and closes tabs', () => {
    const { store } = setup();
    expect(store.getState().tabs.map((t) => t.title)).toEqual(['Query 1']);
    store.getState().newTab();
    store.getState().newTab();
    const [a, b, c] = store.getState().tabs;
    expect(store.getState().activeTabId).toBe(c!.id);
    store.getState().setSql(a!.id, 'select 1');
    store.getState().selectTab(a!.id);
    expect(store.getState().tabs[0]?.sql).toBe('select 1');
    expect(store.getState().tabs[1]?.sql).toBe('');

    store.getState().closeTab(a!.id);
    expect(store.getState().activeTabId).toBe(b!.id);
    store.getState().closeTab(c!.id);
    expect(store.getState().tabs.map((t) => t.id)).toEqual([b!.id]);
    store.getState().closeTab(b!.id);
    // Never zero tabs: closing the last one leaves a fresh empty tab.
    expect(store.getState().tabs).toHaveLength(1);
    expect(store.getState().tabs[0]?.title).toBe('Query 4');
    expect(store.getState().tabs[0]?.sql).toBe('');
  });

  it('cancels the query of a tab that is closed while running and ignores its result', async () => {
    const slow = deferred<SqlResult>();
    const { store, deps, tabId } = setup({ run: vi.fn(() => slow.promise) });
    const id = tabId();
    store.getState().setSql(id, 'select pg_sleep(30)');
    store.getState().newTab();
    const running = store.getState().run(id, writable);
    store.getState().closeTab(id);
    expect(deps.cancel).toHaveBeenCalledWith('run-1');
    slow.resolve(okResult);
    await running;
    expect(store.getState().tabs.every((t) => t.outcome === null)).toBe(true);
  });
});

describe('running SQL', () => {
  it('runs the tab text with a fresh run id, read-only by default', async () => {
    const { store, deps, tabId } = setup();
    store.getState().setSql(tabId(), 'SELECT 1');
    await store.getState().run(tabId(), writable);
    expect(deps.run).toHaveBeenCalledWith({
      connection,
      sql: 'SELECT 1',
      runId: 'run-1',
      allowWrite: false,
      maxRows: 10_000,
    });
    const tab = store.getState().tabs[0]!;
    expect(tab.running).toBeNull();
    expect(tab.outcome).toEqual({ kind: 'result', result: okResult, wroteAllowed: false });
  });

  it('runs the selection when there is one', async () => {
    const { store, deps, tabId } = setup();
    store.getState().setSql(tabId(), 'SELECT 1;\nSELECT 2;');
    await store.getState().run(tabId(), writable, { from: 10, to: 19 });
    expect(deps.run.mock.lastCall?.[0].sql).toBe('SELECT 2;');
  });

  it('allows writes only when the tab allows them and the connection is not read-only', async () => {
    const { store, deps, tabId } = setup();
    store.getState().setSql(tabId(), 'INSERT INTO t VALUES (1)');
    store.getState().setAllowWrite(tabId(), true);
    await store.getState().run(tabId(), writable);
    expect(deps.run.mock.lastCall?.[0].allowWrite).toBe(true);
    await store.getState().run(tabId(), readOnly);
    expect(deps.run.mock.lastCall?.[0].allowWrite).toBe(false);
    // Each tab has its own switch.
    store.getState().newTab();
    store.getState().setSql(tabId(), 'INSERT INTO t VALUES (2)');
    await store.getState().run(tabId(), writable);
    expect(deps.run.mock.lastCall?.[0].allowWrite).toBe(false);
  });

  it('disables the write switch on a read-only connection and says why', () => {
    expect(writeSwitch(true)).toEqual({ enabled: false, reason: expect.stringMatching(/read-only/) });
    expect(writeSwitch(false)).toEqual({ enabled: true, reason: null });
    expect(writeSwitch(null).enabled).toBe(true);
  });

  it('does not call main for empty text', async () => {
    const { store, deps, tabId } = setup();
    store.getState().setSql(tabId(), '  \n ');
    await store.getState().run(tabId(), writable);
    expect(deps.run).not.toHaveBeenCalled();
    const outcome = store.getState().tabs[0]?.outcome;
    expect(outcome?.kind === 'error' && outcome.error.message).toBe('Nothing to run');
  });

  it('keeps message, detail, hint and turns the position into line and column', async () => {
    const sql = 'SELECT 1;\nSELECT *\n  FROM nope';
    const position = sql.indexOf('nope') + 1;
    const run = vi.fn(async () => {
      throw new RemoteError({
        kind: 'database_error',
        message: 'relation "nope" does not exist',
        detail: 'SQLSTATE 42P01',
        hint: 'Check the schema',
        position,
      });
    });
    const { store, tabId } = setup({ run });
    store.getState().setSql(tabId(), sql);
    await store.getState().run(tabId(), writable);
    const outcome = store.getState().tabs[0]?.outcome;
    expect(outcome?.kind).toBe('error');
    if (outcome?.kind !== 'error') return;
    expect(outcome.cancelled).toBe(false);
    expect(outcome.error).toMatchObject({
      kind: 'database_error',
      message: 'relation "nope" does not exist',
      detail: 'SQLSTATE 42P01',
      hint: 'Check the schema',
      position,
      location: { line: 3, column: 8, from: sql.indexOf('nope'), to: sql.length },
    });
  });

  it('places the position of an error in a selection relative to the whole text', async () => {
    const sql = 'SELECT 1;\nSELEC 2;';
    const run = vi.fn(async () => {
      throw new RemoteError({ kind: 'database_error', message: 'syntax error at or near "SELEC"', position: 1 });
    });
    const { store, tabId } = setup({ run });
    store.getState().setSql(tabId(), sql);
    await store.getState().run(tabId(), writable, { from: 10, to: sql.length });
    const outcome = store.getState().tabs[0]?.outcome;
    expect(outcome?.kind === 'error' && outcome.error.location).toEqual({ line: 2, column: 1, from: 10, to: 15 });
  });

  it('shows elapsed time while running and marks a cancelled run as cancelled', async () => {
    const slow = deferred<SqlResult>();
    let clock = 5_000;
    const { store, deps, tabId } = setup({ run: vi.fn(() => slow.promise), now: () => clock });
    store.getState().setSql(tabId(), 'SELECT pg_sleep(30)');
    const running = store.getState().run(tabId(), writable);
    expect(store.getState().tabs[0]?.running).toEqual({
      runId: 'run-1',
      kind: 'run',
      startedAt: 5_000,
      cancelling: false,
      cancelError: null,
    });
    clock = 6_250;
    await store.getState().cancel(tabId());
    expect(deps.cancel).toHaveBeenCalledWith('run-1');
    expect(store.getState().tabs[0]?.running?.cancelling).toBe(true);
    slow.reject(new RemoteError({ kind: 'database_error', message: 'Query cancelled' }));
    await running;
    const outcome = store.getState().tabs[0]?.outcome;
    expect(outcome).toMatchObject({ kind: 'error', cancelled: true, elapsedMs: 1_250 });
    expect(store.getState().tabs[0]?.running).toBeNull();
  });

  it('says why a cancel failed and lets the user try again', async () => {
    const slow = deferred<SqlResult>();
    const cancel = vi
      .fn<(runId: string) => Promise<{ cancelled: boolean }>>()
      .mockRejectedValueOnce(
        new RemoteError({ kind: 'connection_failed', message: 'Could not send the cancel request' }),
      )
      .mockResolvedValueOnce({ cancelled: true });
    const { store, tabId } = setup({ run: vi.fn(() => slow.promise), cancel });
    store.getState().setSql(tabId(), 'SELECT pg_sleep(30)');
    const running = store.getState().run(tabId(), writable);
    await store.getState().cancel(tabId());
    expect(store.getState().tabs[0]?.running).toMatchObject({
      cancelling: false,
      cancelError: { kind: 'connection_failed', message: 'Could not send the cancel request' },
    });
    await store.getState().cancel(tabId());
    expect(cancel).toHaveBeenCalledTimes(2);
    expect(store.getState().tabs[0]?.running).toMatchObject({ cancelling: true, cancelError: null });
    slow.reject(new RemoteError({ kind: 'database_error', message: 'Query cancelled' }));
    await running;
  });

  it('ignores a second run while one is running', async () => {
    const slow = deferred<SqlResult>();
    const run = vi.fn(() => slow.promise);
    const { store, deps, tabId } = setup({ run });
    store.getState().setSql(tabId(), 'SELECT 1');
    const first = store.getState().run(tabId(), writable);
    await store.getState().run(tabId(), writable);
    await store.getState().explain(tabId(), writable);
    expect(run).toHaveBeenCalledTimes(1);
    expect(deps.explain).not.toHaveBeenCalled();
    slow.resolve(okResult);
    await first;
  });

  it('explains with ANALYZE off by default and on when asked', async () => {
    const { store, deps, tabId } = setup();
    store.getState().setSql(tabId(), 'SELECT 1');
    await store.getState().explain(tabId(), writable);
    expect(deps.explain).toHaveBeenLastCalledWith({ connection, sql: 'SELECT 1', analyze: false, runId: 'run-1' });
    expect(store.getState().tabs[0]?.outcome).toEqual({ kind: 'explain', explain: plan });
    store.getState().setAnalyze(tabId(), true);
    await store.getState().explain(tabId(), writable);
    expect(deps.explain.mock.lastCall?.[0].analyze).toBe(true);
  });
});

describe('catalog model for completion', () => {
  const model: CatalogModel = {
    database: 'app',
    serverVersion: '18.1',
    capturedAt: '2026-01-01T00:00:00Z',
    durationMs: 5,
    schemas: [
      { name: 'public', owner: 'o', comment: null, isSystem: false },
      { name: 'pg_catalog', owner: 'o', comment: null, isSystem: true },
    ],
    relations: [],
    functions: [],
    sequences: [],
    enums: [],
  };

  it('loads the model once per connection and again only after a failure or when forced', async () => {
    const loadModel = vi
      .fn<(c: typeof connection) => Promise<CatalogModel>>()
      .mockRejectedValueOnce(new RemoteError({ kind: 'unavailable', message: 'Not implemented yet' }))
      .mockResolvedValue(model);
    const { store } = setup({ loadModel });
    await store.getState().ensureModel(connection);
    const key = Object.keys(store.getState().models)[0]!;
    expect(store.getState().models[key]).toEqual({
      status: 'error',
      error: { kind: 'unavailable', message: 'Not implemented yet' },
    });
    await store.getState().ensureModel(connection);
    await store.getState().ensureModel(connection);
    expect(loadModel).toHaveBeenCalledTimes(2);
    expect(store.getState().models[key]?.status).toBe('ready');
    await store.getState().ensureModel(connection, true);
    expect(loadModel).toHaveBeenCalledTimes(3);
  });
});

describe('the console over a snapshot', () => {
  const snapshot = { snapshotId: 'snap-1' };
  const offline = { connection: snapshot, readOnly: true };

  it('runs SQLite SQL on the snapshot and never asks to write', async () => {
    const { store, deps: mocks } = setup();
    const id = store.getState().activeTabId;
    store.getState().setSql(id, 'SELECT * FROM d_1');
    store.getState().setAllowWrite(id, true);
    await store.getState().run(id, { connection: snapshot, readOnly: false });
    expect(mocks.run).toHaveBeenCalledWith(expect.objectContaining({ connection: snapshot, allowWrite: false }));
    expect(store.getState().tabs[0]?.outcome?.kind).toBe('result');
  });

  it('says EXPLAIN is not available on a snapshot, without a call', async () => {
    const { store, deps: mocks } = setup();
    const id = store.getState().activeTabId;
    store.getState().setSql(id, 'SELECT 1');
    await store.getState().explain(id, offline);
    expect(mocks.explain).not.toHaveBeenCalled();
    const outcome = store.getState().tabs[0]?.outcome;
    expect(outcome?.kind === 'error' && outcome.error.message).toMatch(/not available on a snapshot/);
  });

  it('completes from snapshot_tables, read with the same SQL call', async () => {
    const { store, deps: mocks } = setup();
    mocks.run.mockResolvedValueOnce({
      ...okResult,
      columns: ['data_table', 'schema_name', 'table_name', 'columns_json'].map((name) => ({
        name,
        type: 'TEXT',
        tableColumn: name,
      })),
      rows: [['d_1', 'ai', 'cache_entries', '[{"name":"id","type":"bigint","storage":"integer"}]']],
    });
    await store.getState().ensureModel(snapshot);
    expect(mocks.loadModel).not.toHaveBeenCalled();
    expect(mocks.run).toHaveBeenCalledWith(
      expect.objectContaining({ connection: snapshot, sql: expect.stringMatching(/FROM snapshot_tables/) }),
    );
    const entry = store.getState().models['snapshot:snap-1'];
    expect(entry?.status === 'ready' && entry.mapping).toEqual([
      { dataTable: 'd_1', schema: 'ai', name: 'cache_entries', columns: [{ name: 'id', type: 'bigint' }] },
    ]);
  });
});
