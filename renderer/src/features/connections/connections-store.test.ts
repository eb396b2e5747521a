import { describe, expect, it, vi } from 'vitest';
import type { SchemaListing } from '../../../../common/domain';
import { RemoteError } from '../../../../common/errors';
import type {
  ConnectionProfile,
  ConnectionRef,
  ConnectionStatus,
  DoctorReport,
  LocalPgStatus,
} from '../../../../common/profiles';
import type { ConnectionsDeps } from './connections-store';
import {
  createConnectionsStore,
  isActiveProduction,
  isActiveReadOnly,
  isShowingProduction,
  STATUS_POLL_MS,
} from './connections-store';
import type { OpenSnapshot } from './data-source';
import { liveConnectionOf } from './data-source';

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

function profile(id: string, patch: Partial<ConnectionProfile> = {}): ConnectionProfile {
  return {
    id,
    name: id === 'local' ? 'Local' : `Profile ${id}`,
    kind: id === 'local' ? 'local' : 'remote',
    host: 'db.example.com',
    port: 5432,
    database: 'app',
    user: 'ops',
    sslMode: 'prefer',
    sslRootCert: null,
    poolSize: 10,
    statementTimeoutMs: 0,
    readOnly: true,
    production: false,
    hasStoredPassword: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...patch,
  };
}

function status(key: string, patch: Partial<ConnectionStatus> = {}): ConnectionStatus {
  return {
    key,
    label: key,
    target: `postgres://ops@db.example.com:5432/app`,
    state: 'connected',
    serverVersion: '17.2',
    database: 'app',
    readOnly: true,
    production: false,
    pool: { total: 1, idle: 1, waiting: 0, max: 10 },
    lastError: null,
    since: '2026-01-01T00:00:00.000Z',
    ...patch,
  };
}

const keyOf = (ref: ConnectionRef) => ('profileId' in ref ? ref.profileId : 'url:abc');
const localStopped: LocalPgStatus = {
  state: 'stopped',
  url: null,
  port: null,
  dataDir: '/data',
  version: null,
  pid: null,
  message: null,
};

/** Every dependency faked; tests override what they look at. */
function setup(overrides: Partial<ConnectionsDeps> = {}) {
  let emitStatus: (s: ConnectionStatus) => void = () => undefined;
  let emitLocal: (s: LocalPgStatus) => void = () => undefined;
  let tick: () => void = () => undefined;
  const mocks = {
    listSchemas: vi.fn(async () => listing(redacted, ['public'])),
    listProfiles: vi.fn(async () => [profile('local'), profile('p1')]),
    saveProfile: vi.fn(async () => profile('p2')),
    deleteProfile: vi.fn(async () => null),
    connect: vi.fn(async (ref: ConnectionRef) => status(keyOf(ref))),
    disconnect: vi.fn(async () => null),
    statuses: vi.fn(async (): Promise<ConnectionStatus[]> => []),
    check: vi.fn(async (): Promise<DoctorReport> => ({
      target: 'postgres://ops@db.example.com:5432/app',
      ok: true,
      steps: [{ step: 'dns', status: 'pass', detail: '10.0.0.1', hint: null, durationMs: 2 }],
    })),
    localPgStatus: vi.fn(async () => localStopped),
    localPgStart: vi.fn(async (): Promise<LocalPgStatus> => ({ ...localStopped, state: 'running', port: 54329 })),
    localPgStop: vi.fn(async () => localStopped),
    onStatus: vi.fn((listener: (s: ConnectionStatus) => void) => {
      emitStatus = listener;
      return () => undefined;
    }),
    onLocalPgStatus: vi.fn((listener: (s: LocalPgStatus) => void) => {
      emitLocal = listener;
      return () => undefined;
    }),
    every: vi.fn((_ms: number, fn: () => void) => {
      tick = fn;
      return () => undefined;
    }),
    clock: () => new Date('2026-01-02T03:04:05Z'),
  } satisfies ConnectionsDeps;
  const store = createConnectionsStore({ ...mocks, ...overrides });
  return {
    store,
    /** The fakes that were not overridden are the ones called. */
    deps: mocks,
    emitStatus: (s: ConnectionStatus) => emitStatus(s),
    emitLocal: (s: LocalPgStatus) => emitLocal(s),
    tick: () => tick(),
  };
}

describe('quick connect (ad-hoc URL)', () => {
  it('lists the schemas, keeps the URL in memory and makes it the active connection', async () => {
    const listSchemas = vi.fn(async () => listing(redacted, ['public', 'audit']));
    const t = setup({ listSchemas });
    t.store.getState().setDraftUrl(`  ${url} `);
    t.store.getState().setIncludeSystem(true);
    await t.store.getState().listSchemas();

    expect(listSchemas).toHaveBeenCalledWith(url, true);
    const adHoc = t.store.getState().adHoc;
    expect(adHoc?.listing.target).toBe(redacted);
    expect(adHoc?.listing.schemas.map((s) => s.name)).toEqual(['public', 'audit']);
    expect(adHoc?.url).toBe(url);
    expect(adHoc?.listedAt).toBe('2026-01-02T03:04:05.000Z');
    expect(t.store.getState().pending).toBeNull();
    // The schema browser and the SQL console work on it as a {url} connection, with its pool opened in main.
    expect(t.store.getState().activeConnection).toEqual({ url });
    expect(t.deps.connect).toHaveBeenCalledWith({ url });
    expect(t.store.getState().activeStatus?.key).toBe('url:abc');
  });

  it('is active as soon as the listing succeeds, before the pool answers', async () => {
    const connect = deferred<ConnectionStatus>();
    const t = setup({ connect: vi.fn(() => connect.promise) });
    t.store.getState().setDraftUrl(url);
    const done = t.store.getState().listSchemas();
    await vi.waitFor(() => expect(t.store.getState().activeConnection).toEqual({ url }));
    expect(t.store.getState().activeStatus).toBeNull();
    connect.resolve(status('url:abc'));
    await done;
    expect(t.store.getState().activeStatus?.state).toBe('connected');
  });

  it('is pending while the call runs and ignores a second click', async () => {
    const call = deferred<SchemaListing>();
    const listSchemas = vi.fn(() => call.promise);
    const t = setup({ listSchemas });
    t.store.getState().setDraftUrl(url);
    const first = t.store.getState().listSchemas();
    expect(t.store.getState().pending).toBe('list');
    await t.store.getState().listSchemas();
    expect(listSchemas).toHaveBeenCalledTimes(1);
    call.resolve(listing(redacted, ['public']));
    await first;
    expect(t.store.getState().pending).toBeNull();
  });

  it('shows a RemoteError with its kind, message and hint and keeps no active connection', async () => {
    const t = setup({
      listSchemas: vi.fn(async () => {
        throw new RemoteError({
          kind: 'auth_failed',
          message: 'Password authentication failed',
          hint: 'Check the user',
        });
      }),
    });
    t.store.getState().setDraftUrl(url);
    await t.store.getState().listSchemas();
    expect(t.store.getState().listError).toEqual({
      kind: 'auth_failed',
      message: 'Password authentication failed',
      hint: 'Check the user',
    });
    expect(t.store.getState().adHoc).toBeNull();
    expect(t.store.getState().activeConnection).toBeNull();
    expect(t.deps.connect).not.toHaveBeenCalled();
    expect(t.store.getState().pending).toBeNull();
  });

  it('rejects a URL that is not postgres:// without calling main', async () => {
    const t = setup();
    t.store.getState().setDraftUrl('mysql://localhost/app');
    await t.store.getState().listSchemas();
    expect(t.deps.listSchemas).not.toHaveBeenCalled();
    expect(t.store.getState().listError?.kind).toBe('invalid_input');
    expect(t.store.getState().listError?.message).toMatch(/postgres:\/\//);
  });
});

describe('profiles and the active connection', () => {
  it('loads profiles, pools and the local server, follows events once and polls only while connected', async () => {
    const t = setup();
    t.store.getState().connect();
    t.store.getState().connect();
    expect(t.deps.onStatus).toHaveBeenCalledTimes(1);
    expect(t.deps.every).toHaveBeenCalledWith(STATUS_POLL_MS, expect.any(Function));
    await vi.waitFor(() => expect(t.store.getState().profiles.map((p) => p.id)).toEqual(['local', 'p1']));
    expect(t.store.getState().localPg?.state).toBe('stopped');
    const before = t.deps.statuses.mock.calls.length;
    t.tick();
    expect(t.deps.statuses).toHaveBeenCalledTimes(before);
    await t.store.getState().connectProfile('p1');
    t.tick();
    expect(t.deps.statuses).toHaveBeenCalledTimes(before + 1);
    t.emitLocal({ ...localStopped, state: 'starting' });
    expect(t.store.getState().localPg?.state).toBe('starting');
  });

  it('makes a connected profile the active connection and keeps its pool stats live from events', async () => {
    const t = setup();
    t.store.getState().connect();
    await t.store.getState().connectProfile('p1');
    expect(t.deps.connect).toHaveBeenCalledWith({ profileId: 'p1' });
    expect(t.store.getState().activeConnection).toEqual({ profileId: 'p1' });
    expect(t.store.getState().activeStatus?.pool.total).toBe(1);

    t.emitStatus(status('p1', { pool: { total: 3, idle: 1, waiting: 2, max: 10 } }));
    expect(t.store.getState().activeStatus?.pool).toEqual({ total: 3, idle: 1, waiting: 2, max: 10 });
    // Another pool's event is recorded but does not change the active one.
    t.emitStatus(status('other', { pool: { total: 9, idle: 9, waiting: 0, max: 9 } }));
    expect(t.store.getState().activeStatus?.key).toBe('p1');
    expect(t.store.getState().statuses.other?.pool.total).toBe(9);
  });

  it('keeps the previous active connection when a profile fails to connect, and shows why on the profile', async () => {
    const connect = vi.fn(async (ref: ConnectionRef) => {
      if ('profileId' in ref && ref.profileId === 'bad') {
        throw new RemoteError({ kind: 'connection_failed', message: 'Connection refused', hint: 'Is it running?' });
      }
      return status(keyOf(ref));
    });
    const t = setup({ connect });
    await t.store.getState().connectProfile('p1');
    await t.store.getState().connectProfile('bad');
    expect(t.store.getState().activeConnection).toEqual({ profileId: 'p1' });
    expect(t.store.getState().profileErrors.bad?.message).toBe('Connection refused');
    expect(t.store.getState().busy.bad).toBeUndefined();
  });

  it('takes the production and read-only flags from the status, or from the profile before connecting', async () => {
    const t = setup({
      listProfiles: vi.fn(async () => [profile('prod', { production: true, readOnly: true })]),
      connect: vi.fn(async () => status('prod', { production: true, readOnly: false })),
    });
    await t.store.getState().loadProfiles();
    expect(isActiveProduction(t.store.getState())).toBe(false);
    await t.store.getState().connectProfile('prod');
    expect(isActiveProduction(t.store.getState())).toBe(true);
    expect(isActiveReadOnly(t.store.getState())).toBe(false);
  });

  it('clears the active connection when its profile is disconnected', async () => {
    const t = setup();
    await t.store.getState().connectProfile('p1');
    await t.store.getState().disconnectProfile('p1');
    expect(t.deps.disconnect).toHaveBeenCalledWith({ profileId: 'p1' });
    expect(t.store.getState().activeConnection).toBeNull();
    expect(t.store.getState().activeStatus).toBeNull();
  });

  it('shows a closed pool as disconnected when main no longer lists it', async () => {
    const t = setup();
    await t.store.getState().connectProfile('p1');
    await t.store.getState().refreshStatuses();
    expect(t.store.getState().activeConnection).toEqual({ profileId: 'p1' });
    expect(t.store.getState().activeStatus?.state).toBe('disconnected');
    expect(t.store.getState().activeStatus?.pool.total).toBe(0);
  });

  it('records a doctor report per profile', async () => {
    const t = setup();
    await t.store.getState().checkProfile('p1');
    expect(t.deps.check).toHaveBeenCalledWith({ profileId: 'p1' });
    expect(t.store.getState().doctor.p1?.steps[0]?.status).toBe('pass');
  });
});

describe('the profile form', () => {
  it('saves a valid form, closes it and reloads the list', async () => {
    const t = setup();
    t.store.getState().newProfile();
    t.store.getState().updateForm({ name: 'Staging', url: 'postgres://ops@staging.internal:5432/app' });
    await t.store.getState().saveForm();
    expect(t.deps.saveProfile).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'Staging', url: 'postgres://ops@staging.internal:5432/app', readOnly: true }),
    );
    expect(t.store.getState().form).toBeNull();
    expect(t.deps.listProfiles).toHaveBeenCalled();
  });

  it('keeps the form open with main’s error and hint when main refuses to store a password', async () => {
    const saveProfile = vi.fn(async () => {
      throw new RemoteError({
        kind: 'unavailable',
        message: 'Refusing to save the password: no secure storage is available',
        hint: 'Save the profile without a password and use PGPASSWORD or ~/.pgpass.',
      });
    });
    const t = setup({ saveProfile });
    t.store.getState().newProfile();
    t.store.getState().updateForm({ name: 'Neon', url: 'postgres://ops@neon.tech/app', password: 'hunter2' });
    await t.store.getState().saveForm();
    expect(saveProfile).toHaveBeenCalledWith(expect.objectContaining({ password: 'hunter2' }));
    expect(t.store.getState().form?.name).toBe('Neon');
    expect(t.store.getState().formError?.hint).toMatch(/PGPASSWORD/);
    expect(t.store.getState().formSaving).toBe(false);
  });

  it('does not call main for an invalid form', async () => {
    const t = setup();
    t.store.getState().newProfile();
    t.store.getState().updateForm({ name: '' });
    await t.store.getState().saveForm();
    expect(t.deps.saveProfile).not.toHaveBeenCalled();
    expect(t.store.getState().formError?.message).toMatch(/name/);
  });

  it('reconnects the active profile after it was edited (main closed its pool)', async () => {
    const t = setup({ saveProfile: vi.fn(async () => profile('p1')) });
    await t.store.getState().loadProfiles();
    await t.store.getState().connectProfile('p1');
    t.store.getState().editProfile('p1');
    t.store.getState().updateForm({ poolSize: '20' });
    await t.store.getState().saveForm();
    expect(t.deps.connect).toHaveBeenCalledTimes(2);
    expect(t.store.getState().activeConnection).toEqual({ profileId: 'p1' });
  });

  it('never opens the built-in Local profile for editing or deletion', async () => {
    const t = setup();
    await t.store.getState().loadProfiles();
    t.store.getState().editProfile('local');
    t.store.getState().askDelete('local');
    expect(t.store.getState().form).toBeNull();
    expect(t.store.getState().deleteTarget).toBeNull();
  });

  it('deletes after confirmation and drops the active connection it was', async () => {
    const t = setup();
    await t.store.getState().loadProfiles();
    await t.store.getState().connectProfile('p1');
    t.store.getState().askDelete('p1');
    expect(t.deps.deleteProfile).not.toHaveBeenCalled();
    await t.store.getState().confirmDelete();
    expect(t.deps.deleteProfile).toHaveBeenCalledWith('p1');
    expect(t.store.getState().deleteTarget).toBeNull();
    expect(t.store.getState().activeConnection).toBeNull();
  });
});

describe('local PostgreSQL', () => {
  it('starts and stops the embedded server and reports failures', async () => {
    const t = setup();
    await t.store.getState().startLocalPg();
    expect(t.store.getState().localPg?.state).toBe('running');
    t.deps.localPgStop.mockRejectedValueOnce(new RemoteError({ kind: 'internal', message: 'stop failed' }));
    await t.store.getState().stopLocalPg();
    expect(t.store.getState().localPgError?.message).toBe('stop failed');
    expect(t.store.getState().localPgBusy).toBeNull();
  });
});

const snapshot: OpenSnapshot = {
  id: 'snap-20260102-030405-abcdef',
  name: 'before deploy',
  database: 'app',
  capturedAt: '2026-01-02T03:04:05.000Z',
  capturedTables: ['ai.cache_entries'],
};

describe('the data source: live connection or an open snapshot', () => {
  it('is the active connection until a snapshot opens, then the snapshot, and the connection again when it closes', async () => {
    const t = setup();
    await t.store.getState().connectProfile('p1');
    expect(t.store.getState().activeSource).toEqual({ profileId: 'p1' });

    t.store.getState().openSnapshotSource(snapshot);
    expect(t.store.getState().activeSource).toEqual({ snapshotId: snapshot.id });
    expect(liveConnectionOf(t.store.getState().activeSource)).toBeNull();
    // Calls that never take a snapshot still have the live connection.
    expect(t.store.getState().activeConnection).toEqual({ profileId: 'p1' });

    t.store.getState().closeSnapshot();
    expect(t.store.getState().openSnapshot).toBeNull();
    expect(t.store.getState().activeSource).toEqual({ profileId: 'p1' });
  });

  it('browses a snapshot with no connection at all, and has no source once it closes', () => {
    const t = setup();
    t.store.getState().openSnapshotSource(snapshot);
    expect(t.store.getState().activeSource).toEqual({ snapshotId: snapshot.id });
    t.store.getState().closeSnapshot();
    expect(t.store.getState().activeSource).toBeNull();
  });

  it('keeps the same source object while the connection underneath changes, so the views do not reload', async () => {
    const t = setup();
    t.store.getState().openSnapshotSource(snapshot);
    const source = t.store.getState().activeSource;
    // The edited profile is opened again by main: not a choice to go live.
    t.store.setState({ activeConnection: { profileId: 'p1' } });
    await t.store.getState().disconnectActive();
    expect(t.store.getState().activeSource).toBe(source);
  });

  it('closes the snapshot when the user connects a profile or lists a database on purpose', async () => {
    const t = setup();
    t.store.getState().openSnapshotSource(snapshot);
    await t.store.getState().connectProfile('p1');
    expect(t.store.getState().openSnapshot).toBeNull();
    expect(t.store.getState().activeSource).toEqual({ profileId: 'p1' });

    t.store.getState().openSnapshotSource(snapshot);
    t.store.getState().setDraftUrl(url);
    await t.store.getState().listSchemas();
    expect(t.store.getState().openSnapshot).toBeNull();
    expect(t.store.getState().activeSource).toEqual({ url });
  });

  it('follows a rename of the open snapshot, and ignores one of another snapshot', () => {
    const t = setup();
    t.store.getState().openSnapshotSource(snapshot);
    t.store.getState().renameOpenSnapshot('snap-other', 'nope');
    expect(t.store.getState().openSnapshot?.name).toBe('before deploy');
    t.store.getState().renameOpenSnapshot(snapshot.id, 'after deploy');
    expect(t.store.getState().openSnapshot?.name).toBe('after deploy');
  });

  it('does not mark the window production while a snapshot is open', async () => {
    const connect = vi.fn(async (ref: ConnectionRef) => status(keyOf(ref), { production: true }));
    const t = setup({ connect });
    await t.store.getState().connectProfile('p1');
    expect(isShowingProduction(t.store.getState())).toBe(true);
    t.store.getState().openSnapshotSource(snapshot);
    expect(isActiveProduction(t.store.getState())).toBe(true);
    expect(isShowingProduction(t.store.getState())).toBe(false);
  });
});
