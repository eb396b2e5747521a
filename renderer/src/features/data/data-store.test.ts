import { describe, expect, it, vi } from 'vitest';
import type { DataPage, DataPageInput } from '../../../../common/data';
import { RemoteError } from '../../../../common/errors';
import type { TableTarget } from './data-store';
import { buildFilters, createDataStore, filtersDirty } from './data-store';

const connection = { url: 'postgres://ops:secret@localhost:5432/app' };
const orders: TableTarget = { connection, schema: 'public', table: 'orders' };
const users: TableTarget = { connection, schema: 'public', table: 'User' };

const columns = [
  { name: 'id', type: 'bigint', tableColumn: 'id' },
  { name: 'note', type: 'text', tableColumn: 'note' },
];

function page(ids: number[], extra: Partial<DataPage> = {}): DataPage {
  return {
    columns,
    rows: ids.map((id) => [String(id), `n${id}`]),
    mode: 'keyset',
    note: null,
    nextCursor: ids.length ? `after:${ids[ids.length - 1]}` : null,
    hasMore: true,
    page: 0,
    pageSize: ids.length,
    durationMs: 3,
    ...extra,
  };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets the store's awaited calls settle. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('buildFilters', () => {
  const names = ['id', 'note', 'payload'];

  it('sends each filter as data: column, operator and the value as a string', () => {
    const result = buildFilters(
      [
        { id: 1, column: 'note', operator: 'contains', value: "O'Brien; DROP TABLE x" },
        { id: 2, column: 'payload', operator: 'is_null', value: 'ignored' },
        { id: 3, column: 'id', operator: 'ge', value: '9007199254740993' },
      ],
      names,
    );
    expect(result).toEqual({
      ok: true,
      filters: [
        { column: 'note', operator: 'contains', value: "O'Brien; DROP TABLE x" },
        { column: 'payload', operator: 'is_null' },
        { column: 'id', operator: 'ge', value: '9007199254740993' },
      ],
    });
  });

  it('refuses a value filter without a value and an unknown column', () => {
    const empty = buildFilters([{ id: 1, column: 'note', operator: 'eq', value: '' }], names);
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.problem).toMatch(/needs a value/);
    const unknown = buildFilters([{ id: 1, column: 'nope', operator: 'eq', value: '1' }], names);
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.problem).toMatch(/nope/);
  });

  it('knows when the drafts differ from what the rows were loaded with', () => {
    const drafts = [{ id: 1, column: 'note', operator: 'is_null' as const, value: 'x' }];
    expect(filtersDirty({ drafts, filters: [{ column: 'note', operator: 'is_null' }] })).toBe(false);
    expect(filtersDirty({ drafts, filters: [] })).toBe(true);
    expect(
      filtersDirty({
        drafts: [{ id: 1, column: 'note', operator: 'eq', value: 'b' }],
        filters: [{ column: 'note', operator: 'eq', value: 'a' }],
      }),
    ).toBe(true);
  });
});

describe('data store', () => {
  it('loads the first page of a table when it is opened', async () => {
    const loadPage = vi.fn(async () => page([1, 2, 3]));
    const store = createDataStore({ loadPage, pageSize: 3 });
    const key = store.getState().open(orders);
    expect(store.getState().tables[key]?.loading).toBe('first');
    await settle();
    expect(loadPage).toHaveBeenCalledWith({ connection, schema: 'public', table: 'orders', pageSize: 3 });
    const view = store.getState().tables[key];
    expect(view?.rows).toEqual([
      ['1', 'n1'],
      ['2', 'n2'],
      ['3', 'n3'],
    ]);
    expect(view?.mode).toBe('keyset');
    expect(view?.lastPageMs).toBe(3);
    expect(view?.loading).toBeNull();
  });

  it('keeps sort, filters and rows per table when switching away and back', async () => {
    const loadPage = vi.fn(async (input: DataPageInput) => page(input.table === 'orders' ? [1, 2] : [7]));
    const store = createDataStore({ loadPage, pageSize: 2 });
    const a = store.getState().open(orders);
    await settle();
    store.getState().setSort(a, [{ column: 'note', direction: 'desc' }]);
    store.getState().addFilter(a, 'note');
    const draft = store.getState().tables[a]!.drafts[0]!;
    store.getState().updateFilter(a, draft.id, { operator: 'starts_with', value: 'n' });
    store.getState().applyFilters(a);
    await settle();
    store.getState().addFilter(a, 'id'); // an unapplied draft is kept too
    const callsBefore = loadPage.mock.calls.length;

    const b = store.getState().open(users);
    await settle();
    expect(b).not.toBe(a);
    expect(store.getState().tables[b]?.sort).toEqual([]);

    expect(store.getState().open(orders)).toBe(a);
    await settle();
    const view = store.getState().tables[a]!;
    expect(view.sort).toEqual([{ column: 'note', direction: 'desc' }]);
    expect(view.filters).toEqual([{ column: 'note', operator: 'starts_with', value: 'n' }]);
    expect(view.drafts.map((d) => d.column)).toEqual(['note', 'id']);
    expect(view.rows).toHaveLength(2);
    // Coming back shows what was there: only the other table was loaded in between.
    expect(loadPage.mock.calls.length).toBe(callsBefore + 1);
  });

  it('drops the rows of tables not seen lately but keeps their sort and filters, reloading with them', async () => {
    const loadPage = vi.fn(async () => page([1]));
    const store = createDataStore({ loadPage, keepRowsOf: 1 });
    const a = store.getState().open(orders);
    await settle();
    store.getState().setSort(a, [{ column: 'id', direction: 'desc' }]);
    await settle();
    store.getState().open(users);
    await settle();
    expect(store.getState().tables[a]?.rows).toEqual([]);
    expect(store.getState().tables[a]?.sort).toEqual([{ column: 'id', direction: 'desc' }]);
    store.getState().open(orders);
    await settle();
    expect(loadPage).toHaveBeenLastCalledWith(
      expect.objectContaining({ table: 'orders', sort: [{ column: 'id', direction: 'desc' }] }),
    );
    expect(store.getState().tables[a]?.rows).toHaveLength(1);
  });

  it('appends the next keyset page using the cursor of the last one', async () => {
    const loadPage = vi
      .fn<(input: DataPageInput) => Promise<DataPage>>()
      .mockResolvedValueOnce(page([1, 2]))
      .mockResolvedValueOnce(page([3, 4], { hasMore: false, nextCursor: null }));
    const store = createDataStore({ loadPage, pageSize: 2 });
    const key = store.getState().open(orders);
    await settle();
    await store.getState().loadMore(key);
    expect(loadPage).toHaveBeenLastCalledWith(expect.objectContaining({ cursor: 'after:2', pageSize: 2 }));
    expect(loadPage.mock.lastCall?.[0].page).toBeUndefined();
    expect(store.getState().tables[key]?.rows.map((r) => r[0])).toEqual(['1', '2', '3', '4']);
    expect(store.getState().tables[key]?.hasMore).toBe(false);
    await store.getState().loadMore(key);
    expect(loadPage).toHaveBeenCalledTimes(2);
  });

  it('asks for the next page number in offset mode and keeps the note', async () => {
    const note = 'This table has no primary key: pages use OFFSET';
    const loadPage = vi
      .fn<(input: DataPageInput) => Promise<DataPage>>()
      .mockResolvedValueOnce(page([1, 2], { mode: 'offset', note, nextCursor: null, page: 0 }))
      .mockResolvedValueOnce(page([3, 4], { mode: 'offset', note, nextCursor: null, page: 1 }));
    const store = createDataStore({ loadPage, pageSize: 2 });
    const key = store.getState().open(orders);
    await settle();
    await store.getState().loadMore(key);
    expect(loadPage.mock.lastCall?.[0]).toEqual(expect.objectContaining({ page: 1 }));
    expect(loadPage.mock.lastCall?.[0].cursor).toBeUndefined();
    expect(store.getState().tables[key]?.note).toBe(note);
    expect(store.getState().tables[key]?.page).toBe(1);
  });

  it('drops a page that arrives after the sort changed', async () => {
    const slow = deferred<DataPage>();
    const loadPage = vi
      .fn<(input: DataPageInput) => Promise<DataPage>>()
      .mockResolvedValueOnce(page([1, 2]))
      .mockReturnValueOnce(slow.promise)
      .mockResolvedValueOnce(page([9, 8]));
    const store = createDataStore({ loadPage, pageSize: 2 });
    const key = store.getState().open(orders);
    await settle();
    const more = store.getState().loadMore(key);
    store.getState().setSort(key, [{ column: 'id', direction: 'desc' }]);
    await settle();
    slow.resolve(page([3, 4]));
    await more;
    expect(store.getState().tables[key]?.rows.map((r) => r[0])).toEqual(['9', '8']);
    expect(store.getState().tables[key]?.generation).toBe(2);
  });

  it('stops at the row limit and says more exist', async () => {
    let next = 0;
    const loadPage = vi.fn(async () => page([++next, ++next]));
    const store = createDataStore({ loadPage, pageSize: 2, maxRows: 4 });
    const key = store.getState().open(orders);
    await settle();
    await store.getState().loadMore(key);
    expect(store.getState().tables[key]?.limitReached).toBe(true);
    await store.getState().loadMore(key);
    expect(loadPage).toHaveBeenCalledTimes(2);
    expect(store.getState().tables[key]?.rows).toHaveLength(4);
  });

  it('keeps loaded rows when loading more fails and shows why', async () => {
    const loadPage = vi
      .fn<(input: DataPageInput) => Promise<DataPage>>()
      .mockResolvedValueOnce(page([1, 2]))
      .mockRejectedValueOnce(
        new RemoteError({ kind: 'timeout', message: 'canceling statement due to statement timeout' }),
      );
    const store = createDataStore({ loadPage, pageSize: 2 });
    const key = store.getState().open(orders);
    await settle();
    await store.getState().loadMore(key);
    const view = store.getState().tables[key]!;
    expect(view.rows).toHaveLength(2);
    expect(view.error).toEqual({ kind: 'timeout', message: 'canceling statement due to statement timeout' });
    expect(view.loading).toBeNull();
  });

  it('does not apply an incomplete filter, and clearing reloads without filters', async () => {
    const loadPage = vi.fn<(input: DataPageInput) => Promise<DataPage>>(async () => page([1]));
    const store = createDataStore({ loadPage });
    const key = store.getState().open(orders);
    await settle();
    store.getState().addFilter(key, 'note');
    store.getState().applyFilters(key);
    expect(store.getState().tables[key]?.filterProblem).toMatch(/needs a value/);
    expect(loadPage).toHaveBeenCalledTimes(1);

    const id = store.getState().tables[key]!.drafts[0]!.id;
    store.getState().updateFilter(key, id, { value: 'n1' });
    store.getState().applyFilters(key);
    await settle();
    expect(loadPage).toHaveBeenLastCalledWith(
      expect.objectContaining({ filters: [{ column: 'note', operator: 'eq', value: 'n1' }] }),
    );
    store.getState().clearFilters(key);
    await settle();
    expect(loadPage).toHaveBeenCalledTimes(3);
    expect(loadPage.mock.lastCall?.[0].filters).toBeUndefined();
    expect(store.getState().tables[key]?.filters).toEqual([]);
    expect(store.getState().tables[key]?.drafts).toEqual([]);
  });
});
