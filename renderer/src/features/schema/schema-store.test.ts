import { describe, expect, it, vi } from 'vitest';
import type { CatalogModel, ExactSizes } from '../../../../common/catalog';
import { RemoteError } from '../../../../common/errors';
import type { ConnectionRef } from '../../../../common/profiles';
import { bigModel, stackModel } from './catalog-fixture';
import { objectKey, schemaNodeKey } from './catalog-tree';
import type { SchemaDeps } from './schema-store';
import { confirmationMatches, createSchemaStore } from './schema-store';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

function setup(overrides: Partial<SchemaDeps> = {}) {
  const mocks = {
    loadModel: vi.fn(async (_c: ConnectionRef): Promise<CatalogModel> => stackModel()),
    count: vi.fn(async () => ({ count: '12345678901' })),
    sizes: vi.fn(async (): Promise<ExactSizes> => exactSizes),
    refreshMatview: vi.fn(async () => ({ concurrently: true, durationMs: 12, note: null })),
    runFunction: vi.fn(async () => ({ result: '3', durationMs: 4 })),
  } satisfies SchemaDeps;
  return { store: createSchemaStore({ ...mocks, ...overrides }), deps: mocks };
}

const exactSizes: ExactSizes = {
  tableBytes: 8192,
  indexBytes: 40960,
  toastBytes: 8192,
  totalBytes: 57344,
  indexes: [
    { name: 'BusinessSubscription_pkey', sizeBytes: 16384 },
    { name: 'BusinessSubscription_settings_idx', sizeBytes: 24576 },
  ],
};

const profile: ConnectionRef = { profileId: 'p1' };
const subscription = { kind: 'table', schema: 'public', name: 'BusinessSubscription' } as const;
const cleanup = { kind: 'function', schema: 'ai', name: 'cleanup_expired_cache', arguments: '' } as const;
const matview = { kind: 'materialized_view', schema: 'analytics', name: 'daily_events' } as const;

describe('schema browser store', () => {
  it('loads the model once per connection and builds the tree', async () => {
    const t = setup();
    await t.store.getState().load(profile);
    await t.store.getState().load({ profileId: 'p1' });
    expect(t.deps.loadModel).toHaveBeenCalledTimes(1);
    expect(t.store.getState().tree.map((s) => s.name)).toEqual(['ai', 'analytics', 'blockchain', 'empty', 'public']);
    await t.store.getState().load(profile, { force: true });
    expect(t.deps.loadModel).toHaveBeenCalledTimes(2);
  });

  it('shows a failed load and keeps loading false', async () => {
    const t = setup({
      loadModel: vi.fn(async () => {
        throw new RemoteError({ kind: 'unavailable', message: 'Not implemented yet' });
      }),
    });
    await t.store.getState().load(profile);
    expect(t.store.getState()).toMatchObject({ loading: false, model: null, loadError: { kind: 'unavailable' } });
  });

  it('starts over for another connection and ignores the late answer of the previous one', async () => {
    const first = deferred<CatalogModel>();
    const loadModel = vi
      .fn<(c: ConnectionRef) => Promise<CatalogModel>>()
      .mockReturnValueOnce(first.promise)
      .mockResolvedValueOnce({ ...stackModel(), database: 'other' });
    const t = setup({ loadModel });
    const slow = t.store.getState().load(profile);
    await t.store.getState().load({ url: 'postgres://u@h/other' });
    first.resolve(stackModel());
    await slow;
    expect(t.store.getState().model?.database).toBe('other');
    expect(t.store.getState().connection).toEqual({ url: 'postgres://u@h/other' });
  });

  it('keeps the selection across a reload while the object exists, and drops it when it is gone', async () => {
    const t = setup();
    await t.store.getState().load(profile);
    t.store.getState().select(subscription);
    await t.store.getState().load(profile, { force: true });
    expect(t.store.getState().selected).toEqual(subscription);
    const without = stackModel();
    without.relations = without.relations.filter((r) => r.name !== 'BusinessSubscription');
    t.deps.loadModel.mockResolvedValueOnce(without);
    await t.store.getState().load(profile, { force: true });
    expect(t.store.getState().selected).toBeNull();
  });

  it('opens a big catalog collapsed, and opens the schema of an object the user selects', async () => {
    const t = setup({ loadModel: vi.fn(async () => bigModel(40, 50)) });
    await t.store.getState().load(profile);
    expect(t.store.getState().collapsed.has(schemaNodeKey('s07'))).toBe(true);
    t.store.getState().select({ kind: 'table', schema: 's07', name: 't3' });
    expect(t.store.getState().collapsed.has(schemaNodeKey('s07'))).toBe(false);
    t.store.getState().toggle(schemaNodeKey('s07'));
    expect(t.store.getState().collapsed.has(schemaNodeKey('s07'))).toBe(true);
  });

  it('counts rows only when asked, on the loaded connection', async () => {
    const t = setup();
    await t.store.getState().load(profile);
    t.store.getState().select(subscription);
    expect(t.deps.count).not.toHaveBeenCalled();
    await t.store.getState().countRows(subscription);
    expect(t.deps.count).toHaveBeenCalledWith(profile, 'public', 'BusinessSubscription');
    expect(t.store.getState().counts[objectKey(subscription)]).toEqual({ state: 'done', value: '12345678901' });
  });

  it('reads exact sizes only when asked: running, then done with main’s answer', async () => {
    const answer = deferred<ExactSizes>();
    const t = setup({ sizes: vi.fn(() => answer.promise) });
    await t.store.getState().load(profile);
    t.store.getState().select(subscription);
    expect(t.deps.sizes).not.toHaveBeenCalled();
    const reading = t.store.getState().readSizes(subscription);
    expect(t.store.getState().sizes[objectKey(subscription)]).toEqual({ state: 'running' });
    // A second click while reading sends nothing more.
    await t.store.getState().readSizes(subscription);
    answer.resolve(exactSizes);
    await reading;
    expect(t.store.getState().sizes[objectKey(subscription)]).toEqual({ state: 'done', value: exactSizes });
    expect(t.store.getState().counts).toEqual({});
  });

  it('records failed exact sizes with main’s message', async () => {
    const sizes = vi.fn(async (): Promise<ExactSizes> => {
      throw new RemoteError({ kind: 'not_found', message: 'There is no table public."BusinessSubscription"' });
    });
    const t = setup({ sizes });
    await t.store.getState().load(profile);
    await t.store.getState().readSizes(subscription);
    expect(sizes).toHaveBeenCalledWith(profile, 'public', 'BusinessSubscription');
    expect(t.store.getState().sizes[objectKey(subscription)]).toMatchObject({
      state: 'failed',
      error: { kind: 'not_found', message: 'There is no table public."BusinessSubscription"' },
    });
  });

  it('drops an operation answer that arrives after the connection changed', async () => {
    const count = deferred<{ count: string }>();
    const t = setup({ count: vi.fn(() => count.promise) });
    await t.store.getState().load(profile);
    const counting = t.store.getState().countRows(subscription);
    expect(t.store.getState().counts[objectKey(subscription)]).toEqual({ state: 'running' });
    await t.store.getState().load({ profileId: 'p2' });
    count.resolve({ count: '1' });
    await counting;
    expect(t.store.getState().counts).toEqual({});
  });

  it('refreshes a materialized view and records how', async () => {
    const t = setup({
      refreshMatview: vi.fn(async () => ({
        concurrently: false,
        durationMs: 3,
        note: 'No unique index: refreshed with a lock',
      })),
    });
    await t.store.getState().load(profile);
    await t.store.getState().refreshMatview(matview);
    expect(t.store.getState().refreshes[objectKey(matview)]).toEqual({
      state: 'done',
      value: { concurrently: false, durationMs: 3, note: 'No unique index: refreshed with a lock' },
    });
  });

  it('runs a function only after the database name is typed exactly', async () => {
    const t = setup();
    await t.store.getState().load(profile);
    t.store.getState().openRunDialog(cleanup);
    t.store.getState().setRunTyped('APP');
    await t.store.getState().confirmRun();
    expect(t.deps.runFunction).not.toHaveBeenCalled();
    expect(t.store.getState().runDialog).not.toBeNull();

    t.store.getState().setRunTyped('app');
    await t.store.getState().confirmRun();
    expect(t.deps.runFunction).toHaveBeenCalledWith(profile, 'ai', 'cleanup_expired_cache', 'app');
    expect(t.store.getState().runDialog).toBeNull();
    expect(t.store.getState().runs[objectKey(cleanup)]).toEqual({
      state: 'done',
      value: { result: '3', durationMs: 4 },
    });
  });

  it('records a failed run with main’s message', async () => {
    const t = setup({
      runFunction: vi.fn(async () => {
        throw new RemoteError({ kind: 'database_error', message: 'permission denied for table cache_entries' });
      }),
    });
    await t.store.getState().load(profile);
    t.store.getState().openRunDialog(cleanup);
    t.store.getState().setRunTyped('app');
    await t.store.getState().confirmRun();
    const run = t.store.getState().runs[objectKey(cleanup)];
    expect(run?.state === 'failed' && run.error.message).toMatch(/permission denied/);
  });

  it('forgets everything when the active connection goes away', async () => {
    const t = setup();
    await t.store.getState().load(profile);
    t.store.getState().select(subscription);
    t.store.getState().setSearch('user');
    t.store.getState().clear();
    expect(t.store.getState()).toMatchObject({ model: null, selected: null, search: '', connection: null, tree: [] });
  });
});

describe('confirmationMatches', () => {
  it('wants the exact database name, surrounding spaces aside', () => {
    expect(confirmationMatches(' app ', 'app')).toBe(true);
    expect(confirmationMatches('App', 'app')).toBe(false);
    expect(confirmationMatches('', '')).toBe(false);
  });
});

describe('schema browser store over a snapshot', () => {
  const snapshot = { snapshotId: 'snap-1' };

  it('reads the snapshot’s model and counts through the same calls, and starts over when the source changes', async () => {
    const t = setup();
    await t.store.getState().load(profile);
    t.store.getState().select(subscription);
    await t.store.getState().load(snapshot);
    expect(t.deps.loadModel).toHaveBeenLastCalledWith(snapshot);
    expect(t.store.getState().selected).toBeNull();
    await t.store.getState().countRows(subscription);
    expect(t.deps.count).toHaveBeenCalledWith(snapshot, 'public', 'BusinessSubscription');
  });

  it('never sends a refresh, an exact sizes read or a function run to a snapshot', async () => {
    const t = setup();
    await t.store.getState().load(snapshot);
    await t.store.getState().refreshMatview(matview);
    expect(t.deps.refreshMatview).not.toHaveBeenCalled();
    await t.store.getState().readSizes(subscription);
    expect(t.deps.sizes).not.toHaveBeenCalled();
    expect(t.store.getState().sizes[objectKey(subscription)]).toMatchObject({ state: 'failed' });
    expect(t.store.getState().refreshes[objectKey(matview)]).toMatchObject({
      state: 'failed',
      error: { message: expect.stringMatching(/snapshot is open/) },
    });
    t.store.getState().openRunDialog(cleanup);
    t.store.getState().setRunTyped('app');
    await t.store.getState().confirmRun();
    expect(t.deps.runFunction).not.toHaveBeenCalled();
  });
});
