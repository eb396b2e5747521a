import { describe, expect, it, vi } from 'vitest';
import type { CallInput } from '../../../../common/contract';
import { RemoteError } from '../../../../common/errors';
import type { ConnectionRef } from '../../../../common/profiles';
import type { CaptureProgress, SnapshotIntegrity, SnapshotSummary } from '../../../../common/snapshots';
import type { OpenSnapshot } from '../connections/data-source';
import { detail, summary } from './snapshot-fixtures';
import { captureInput, createSnapshotsStore, isCapturing, randomCaptureId } from './snapshots-store';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const connection: ConnectionRef = { profileId: 'p1' };

const progress = (captureId: string, patch: Partial<CaptureProgress> = {}): CaptureProgress => ({
  captureId,
  phase: 'tables',
  table: 'ai.cache_entries',
  tablesDone: 1,
  tablesTotal: 4,
  rowsDone: 25_000,
  rowsPerSecond: 50_000,
  etaSeconds: 3,
  message: null,
  ...patch,
});

/** A fake client: calls are mocks, progress events go to whoever subscribed, the data source is a fake too. */
function setup() {
  const listeners = new Set<(p: CaptureProgress) => void>();
  const emit = (p: CaptureProgress) => {
    for (const listener of [...listeners]) listener(p);
  };
  let opened: OpenSnapshot | null = null;
  let n = 0;
  const source = {
    open: vi.fn((s: OpenSnapshot) => {
      opened = s;
    }),
    close: vi.fn(() => {
      opened = null;
    }),
    rename: vi.fn((id: string, name: string) => {
      if (opened?.id === id) opened = { ...opened, name };
    }),
    openId: () => opened?.id ?? null,
  };
  const deps = {
    list: vi.fn(async (): Promise<SnapshotSummary[]> => [summary('s2'), summary('s1')]),
    show: vi.fn(async (id: string) => detail(id)),
    create: vi.fn(async (_input: CallInput<'snapshot.create'>) => summary('s3', { name: 'fresh', rowCount: 42 })),
    cancel: vi.fn(async () => ({ cancelled: true })),
    rename: vi.fn(async (id: string, name: string) => summary(id, { name })),
    remove: vi.fn(async () => null),
    check: vi.fn(async (id: string): Promise<SnapshotIntegrity> => ({
      id,
      ok: true,
      sqlite: ['ok'],
      rowCountMismatches: [],
      contentHashOk: true,
    })),
    exportTo: vi.fn(async (id: string, file: string) => ({ id, file, bytes: 4096 })),
    importFrom: vi.fn(async () => summary('s9', { imported: true, name: 'copied' })),
    onProgress: vi.fn((listener: (p: CaptureProgress) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }),
  };
  const store = createSnapshotsStore({
    ...deps,
    source,
    newCaptureId: () => `cap-${++n}`,
    now: () => 1000 * n,
    lingerMs: 0,
  });
  return { store, deps, source, emit, listeners, opened: () => opened };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('snapshots store: list', () => {
  it('lists the snapshots and shows a failed listing', async () => {
    const t = setup();
    await t.store.getState().load();
    expect(t.store.getState().snapshots.map((s) => s.id)).toEqual(['s2', 's1']);
    t.deps.list.mockRejectedValueOnce(new RemoteError({ kind: 'unavailable', message: 'data folder unreadable' }));
    await t.store.getState().load();
    expect(t.store.getState().loadError).toMatchObject({ kind: 'unavailable' });
  });
});

describe('snapshots store: capture', () => {
  it('turns the form into snapshot.create input, leaving out what is empty', () => {
    expect(captureInput({ name: ' ', tables: '', rowsPerTable: '' }, connection, 'c')).toEqual({
      ok: true,
      input: { connection, captureId: 'c' },
    });
    expect(
      captureInput({ name: ' before ', tables: ' ai.*,analytics.events ', rowsPerTable: '10,000' }, connection, 'c'),
    ).toEqual({
      ok: true,
      input: { connection, captureId: 'c', name: 'before', tables: 'ai.*,analytics.events', rowsPerTable: 10000 },
    });
    expect(captureInput({ name: '', tables: 'ai.*,,x', rowsPerTable: '' }, connection, 'c').ok).toBe(false);
    expect(captureInput({ name: '', tables: '', rowsPerTable: '-5' }, connection, 'c').ok).toBe(false);
    expect(captureInput({ name: '', tables: '', rowsPerTable: '2000000000' }, connection, 'c').ok).toBe(false);
  });

  it('does not call main for a form mistake, and says what it is', async () => {
    const t = setup();
    t.store.getState().openCaptureForm();
    t.store.getState().updateCaptureForm({ rowsPerTable: 'lots' });
    await t.store.getState().startCapture(connection, 'Staging');
    expect(t.deps.create).not.toHaveBeenCalled();
    expect(t.store.getState().captureFormError?.message).toMatch(/whole number/);
    expect(t.store.getState().capture).toBeNull();
  });

  it('follows the progress of its own capture only, then lists the new snapshot', async () => {
    const gate = deferred<SnapshotSummary>();
    const t = setup();
    t.deps.create.mockReturnValueOnce(gate.promise);
    t.store.getState().openCaptureForm();
    t.store.getState().updateCaptureForm({ name: 'before', tables: 'ai.*', rowsPerTable: '1000' });
    const running = t.store.getState().startCapture(connection, 'Staging');

    expect(t.deps.create).toHaveBeenCalledWith({
      connection,
      captureId: 'cap-1',
      name: 'before',
      tables: 'ai.*',
      rowsPerTable: 1000,
    });
    expect(isCapturing(t.store.getState())).toBe(true);
    expect(t.store.getState().capture?.progress.phase).toBe('catalog');

    t.emit(progress('cap-other', { table: 'someone.else' }));
    t.emit(progress('cap-1'));
    expect(t.store.getState().capture?.progress).toMatchObject({ table: 'ai.cache_entries', tablesDone: 1 });

    gate.resolve(summary('s3', { name: 'before', tableCount: 4, rowCount: 90_000 }));
    await running;
    const capture = t.store.getState().capture;
    expect(capture?.outcome).toMatchObject({ kind: 'done', summary: { id: 's3' } });
    expect(capture?.progress).toMatchObject({ phase: 'done', tablesDone: 4, tablesTotal: 4, rowsDone: 90_000 });
    expect(t.store.getState().captureForm).toBeNull();
    expect(t.deps.list).toHaveBeenCalled();
    // A late event of the finished capture changes nothing.
    t.emit(progress('cap-1', { phase: 'tables', tablesDone: 2 }));
    expect(t.store.getState().capture?.progress.phase).toBe('done');
    await settle();
    expect(t.listeners.size).toBe(0);
  });

  it('cancels by capture id and reports the capture as cancelled, not failed', async () => {
    const gate = deferred<SnapshotSummary>();
    const t = setup();
    t.deps.create.mockReturnValueOnce(gate.promise);
    const running = t.store.getState().startCapture(connection, 'Staging');
    await t.store.getState().cancelCapture();
    expect(t.deps.cancel).toHaveBeenCalledWith('cap-1');
    expect(t.store.getState().capture?.cancelling).toBe(true);
    t.emit(progress('cap-1', { phase: 'cancelled', message: 'Cancelled' }));
    gate.reject(new RemoteError({ kind: 'conflict', message: 'The snapshot capture was cancelled' }));
    await running;
    expect(t.store.getState().capture?.outcome).toEqual({ kind: 'cancelled' });
    expect(isCapturing(t.store.getState())).toBe(false);
  });

  it('keeps the capture running when the cancel request fails, and says why', async () => {
    const gate = deferred<SnapshotSummary>();
    const t = setup();
    t.deps.create.mockReturnValueOnce(gate.promise);
    void t.store.getState().startCapture(connection, 'Staging');
    t.deps.cancel.mockRejectedValueOnce(new RemoteError({ kind: 'unavailable', message: 'server unreachable' }));
    await t.store.getState().cancelCapture();
    expect(t.store.getState().capture).toMatchObject({ cancelling: false, cancelError: { kind: 'unavailable' } });
    expect(isCapturing(t.store.getState())).toBe(true);
    gate.resolve(summary('s3'));
  });

  it('shows a failed capture with main’s message and hint, and lets it be dismissed', async () => {
    const t = setup();
    t.deps.create.mockRejectedValueOnce(
      new RemoteError({
        kind: 'invalid_input',
        message: 'No table matches "nope.*"',
        hint: 'Patterns are schema.table',
      }),
    );
    await t.store.getState().startCapture(connection, 'Staging');
    expect(t.store.getState().capture?.outcome).toEqual({
      kind: 'failed',
      error: { kind: 'invalid_input', message: 'No table matches "nope.*"', hint: 'Patterns are schema.table' },
    });
    t.store.getState().dismissCapture();
    expect(t.store.getState().capture).toBeNull();
  });

  it('makes capture ids main accepts', () => {
    expect(randomCaptureId()).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });
});

describe('snapshots store: one snapshot', () => {
  it('opens a snapshot as the data source, with the tables that hold rows', async () => {
    const t = setup();
    expect(await t.store.getState().open('s1')).toBe(true);
    expect(t.source.open).toHaveBeenCalledWith({
      id: 's1',
      name: 'app s1',
      database: 'app',
      capturedAt: '2026-03-01T10:00:00.000Z',
      capturedTables: ['ai.cache_entries', 'analytics.events'],
    });
  });

  it('keeps the live source when a snapshot cannot be opened, and shows why beside it', async () => {
    const t = setup();
    t.deps.show.mockRejectedValueOnce(new RemoteError({ kind: 'not_found', message: 'No snapshot "s1"' }));
    expect(await t.store.getState().open('s1')).toBe(false);
    expect(t.source.open).not.toHaveBeenCalled();
    expect(t.store.getState().errors.s1).toMatchObject({ action: 'open', error: { kind: 'not_found' } });
  });

  it('shows details on the first click and hides them on the second', async () => {
    const t = setup();
    await t.store.getState().toggleDetails('s1');
    expect(t.store.getState().selectedId).toBe('s1');
    expect(t.store.getState().details.s1).toMatchObject({ state: 'done', value: { id: 's1' } });
    await t.store.getState().toggleDetails('s1');
    expect(t.store.getState().selectedId).toBeNull();
  });

  it('records the integrity check per snapshot', async () => {
    const t = setup();
    await t.store.getState().check('s1');
    expect(t.store.getState().checks.s1).toMatchObject({ state: 'done', value: { ok: true } });
    t.deps.check.mockRejectedValueOnce(new RemoteError({ kind: 'not_found', message: 'gone' }));
    await t.store.getState().check('s2');
    expect(t.store.getState().checks.s2).toMatchObject({ state: 'failed', error: { message: 'gone' } });
  });

  it('renames, and the banner of the open snapshot follows', async () => {
    const t = setup();
    await t.store.getState().load();
    await t.store.getState().open('s1');
    t.store.getState().startRename('s1');
    expect(t.store.getState().renaming).toEqual({ id: 's1', name: 'app s1' });
    t.store.getState().setRenameText('  before deploy ');
    await t.store.getState().confirmRename();
    expect(t.deps.rename).toHaveBeenCalledWith('s1', 'before deploy');
    expect(t.store.getState().renaming).toBeNull();
    expect(t.store.getState().snapshots.find((s) => s.id === 's1')?.name).toBe('before deploy');
    expect(t.opened()?.name).toBe('before deploy');
  });

  it('refuses an empty name without a call', async () => {
    const t = setup();
    await t.store.getState().load();
    t.store.getState().startRename('s1');
    t.store.getState().setRenameText('  ');
    await t.store.getState().confirmRename();
    expect(t.deps.rename).not.toHaveBeenCalled();
    expect(t.store.getState().errors.s1?.error.message).toMatch(/needs a name/);
  });

  it('deletes only after confirmation, and closes the snapshot if it was open', async () => {
    const t = setup();
    await t.store.getState().load();
    await t.store.getState().open('s1');
    t.store.getState().askDelete('s1');
    expect(t.deps.remove).not.toHaveBeenCalled();
    t.deps.list.mockResolvedValueOnce([summary('s2')]);
    await t.store.getState().confirmDelete();
    expect(t.deps.remove).toHaveBeenCalledWith('s1');
    expect(t.source.close).toHaveBeenCalled();
    expect(t.opened()).toBeNull();
    expect(t.store.getState().snapshots.map((s) => s.id)).toEqual(['s2']);
  });

  it('leaves another open snapshot open when one is deleted', async () => {
    const t = setup();
    await t.store.getState().load();
    await t.store.getState().open('s2');
    t.store.getState().askDelete('s1');
    await t.store.getState().confirmDelete();
    expect(t.source.close).not.toHaveBeenCalled();
  });

  it('exports to a path on main’s machine, asking for one when it is empty', async () => {
    const t = setup();
    await t.store.getState().load();
    t.store.getState().startExport('s1');
    await t.store.getState().confirmExport();
    expect(t.deps.exportTo).not.toHaveBeenCalled();
    expect(t.store.getState().errors.s1?.error.message).toMatch(/path/);
    t.store.getState().setExportFile(' /tmp/s1.snapshot ');
    await t.store.getState().confirmExport();
    expect(t.deps.exportTo).toHaveBeenCalledWith('s1', '/tmp/s1.snapshot');
    expect(t.store.getState().exportDraft).toBeNull();
    expect(t.store.getState().exported.s1).toEqual({ file: '/tmp/s1.snapshot', bytes: 4096 });
    expect(t.store.getState().errors.s1).toBeUndefined();
  });

  it('keeps the export form open with main’s reason when the file exists', async () => {
    const t = setup();
    await t.store.getState().load();
    t.store.getState().startExport('s1');
    t.store.getState().setExportFile('/tmp/taken');
    t.deps.exportTo.mockRejectedValueOnce(
      new RemoteError({ kind: 'conflict', message: '/tmp/taken exists', hint: 'Choose another path' }),
    );
    await t.store.getState().confirmExport();
    expect(t.store.getState().exportDraft).toEqual({ id: 's1', file: '/tmp/taken' });
    expect(t.store.getState().errors.s1).toMatchObject({ action: 'export', error: { hint: 'Choose another path' } });
  });
});

describe('snapshots store: import', () => {
  it('shows main’s refusal with its message and hint, and lists nothing', async () => {
    const t = setup();
    t.store.getState().openImport();
    t.store.getState().setImportFile('/tmp/notes.txt');
    t.deps.importFrom.mockRejectedValueOnce(
      new RemoteError({
        kind: 'invalid_input',
        message: '/tmp/notes.txt is not a snapshot file',
        hint: 'Export a snapshot with ops-console to get one',
      }),
    );
    await t.store.getState().importSnapshot();
    expect(t.store.getState()).toMatchObject({
      importOpen: true,
      importing: false,
      imported: null,
      importError: {
        message: '/tmp/notes.txt is not a snapshot file',
        hint: 'Export a snapshot with ops-console to get one',
      },
    });
    expect(t.deps.list).not.toHaveBeenCalled();
  });

  it('imports a file, closes the form and reloads the list', async () => {
    const t = setup();
    t.store.getState().openImport();
    await t.store.getState().importSnapshot();
    expect(t.deps.importFrom).not.toHaveBeenCalled();
    expect(t.store.getState().importError?.message).toMatch(/path/);
    t.store.getState().setImportFile(' /tmp/s1.snapshot ');
    await t.store.getState().importSnapshot();
    expect(t.deps.importFrom).toHaveBeenCalledWith('/tmp/s1.snapshot');
    expect(t.store.getState()).toMatchObject({ importOpen: false, importFile: '', imported: { id: 's9' } });
    expect(t.deps.list).toHaveBeenCalled();
  });
});
