import { describe, expect, it, vi } from 'vitest';
import type { SchemaListing } from '../../../../common/domain';
import { RemoteError } from '../../../../common/errors';
import { createConnectionsStore } from './connections-store';

const listing = (target: string, names: string[]): SchemaListing => ({
  target,
  serverVersion: '18.1',
  database: 'app',
  schemas: names.map((name) => ({ name, owner: 'postgres', comment: null, relationCount: 1, isSystem: false })),
});

const url = 'postgres://ops:s3cret@db.local:5432/app';
const redacted = 'postgres://ops:***@db.local:5432/app';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('connections store', () => {
  it('makes a successful listing the active connection and keeps the URL for refresh', async () => {
    const listSchemas = vi.fn(async () => listing(redacted, ['public', 'audit']));
    const store = createConnectionsStore({ listSchemas, clock: () => new Date('2026-01-02T03:04:05Z') });
    store.getState().setDraftUrl(`  ${url} `);
    store.getState().setIncludeSystem(true);
    await store.getState().listSchemas();

    expect(listSchemas).toHaveBeenCalledWith(url, true);
    const active = store.getState().active;
    expect(active?.listing.target).toBe(redacted);
    expect(active?.listing.schemas.map((s) => s.name)).toEqual(['public', 'audit']);
    expect(active?.url).toBe(url);
    expect(active?.listedAt).toBe('2026-01-02T03:04:05.000Z');
    expect(store.getState().pending).toBeNull();
  });

  it('is pending while the call runs and ignores a second click', async () => {
    const call = deferred<SchemaListing>();
    const listSchemas = vi.fn(() => call.promise);
    const store = createConnectionsStore({ listSchemas });
    store.getState().setDraftUrl(url);
    const first = store.getState().listSchemas();
    expect(store.getState().pending).toBe('list');
    await store.getState().listSchemas();
    expect(listSchemas).toHaveBeenCalledTimes(1);
    call.resolve(listing(redacted, ['public']));
    await first;
    expect(store.getState().pending).toBeNull();
  });

  it('shows a RemoteError with its kind, message and hint and keeps no active connection', async () => {
    const listSchemas = vi.fn(async () => {
      throw new RemoteError({ kind: 'auth_failed', message: 'Password authentication failed', hint: 'Check the user' });
    });
    const store = createConnectionsStore({ listSchemas });
    store.getState().setDraftUrl(url);
    await store.getState().listSchemas();
    expect(store.getState().listError).toEqual({
      kind: 'auth_failed',
      message: 'Password authentication failed',
      hint: 'Check the user',
    });
    expect(store.getState().active).toBeNull();
    expect(store.getState().pending).toBeNull();
  });

  it('rejects a URL that is not postgres:// without calling main', async () => {
    const listSchemas = vi.fn(async () => listing(redacted, []));
    const store = createConnectionsStore({ listSchemas });
    store.getState().setDraftUrl('mysql://localhost/app');
    await store.getState().listSchemas();
    expect(listSchemas).not.toHaveBeenCalled();
    expect(store.getState().listError?.kind).toBe('invalid_input');
    expect(store.getState().listError?.message).toMatch(/postgres:\/\//);
  });

  it('refreshes with the URL that was listed, not the edited draft', async () => {
    const listSchemas = vi
      .fn<(url: string, includeSystem: boolean) => Promise<SchemaListing>>()
      .mockResolvedValueOnce(listing(redacted, ['public']))
      .mockResolvedValueOnce(listing(redacted, ['public', 'added']));
    const store = createConnectionsStore({ listSchemas });
    store.getState().setDraftUrl(url);
    await store.getState().listSchemas();
    store.getState().setDraftUrl('postgres://someone@else/db');
    await store.getState().refresh();
    expect(listSchemas).toHaveBeenLastCalledWith(url, false);
    expect(store.getState().active?.listing.schemas.map((s) => s.name)).toEqual(['public', 'added']);
  });

  it('keeps the last listing when a refresh fails and reports why', async () => {
    const listSchemas = vi
      .fn<(url: string, includeSystem: boolean) => Promise<SchemaListing>>()
      .mockResolvedValueOnce(listing(redacted, ['public']))
      .mockRejectedValueOnce(new RemoteError({ kind: 'connection_failed', message: 'Connection refused' }));
    const store = createConnectionsStore({ listSchemas });
    store.getState().setDraftUrl(url);
    await store.getState().listSchemas();
    await store.getState().refresh();
    expect(store.getState().refreshError?.message).toBe('Connection refused');
    expect(store.getState().active?.listing.schemas.map((s) => s.name)).toEqual(['public']);
  });

  it('does nothing on refresh without an active connection', async () => {
    const listSchemas = vi.fn(async () => listing(redacted, []));
    const store = createConnectionsStore({ listSchemas });
    await store.getState().refresh();
    expect(listSchemas).not.toHaveBeenCalled();
    expect(store.getState().pending).toBeNull();
  });
});
