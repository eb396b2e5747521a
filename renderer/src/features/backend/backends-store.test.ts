import { describe, expect, it, vi } from 'vitest';
import type { BackendConfigInput, BackendConfigView, BackendStatus, PreflightReport } from '../../../../common/backend';
import { RemoteError } from '../../../../common/errors';
import { config, entry, status } from './backend-fixtures';
import type { BackendEntry } from './backends-store';
import { createBackendsStore, selectedEntry } from './backends-store';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A fake client: calls are mocks, status events go to whoever subscribed, as main pushes them. */
function setup(initial: BackendEntry[] = [entry('b2', 'worker'), entry('b1', 'api')]) {
  const listeners = new Set<(s: BackendStatus) => void>();
  let entries = initial;
  const deps = {
    list: vi.fn(async () => entries),
    save: vi.fn(async (input: BackendConfigInput): Promise<BackendConfigView> =>
      config({ id: input.id ?? 'new-id', name: input.name }),
    ),
    remove: vi.fn(async (_id: string) => undefined),
    start: vi.fn(async (id: string) => status({ id, state: 'starting', pid: 4242 })),
    stop: vi.fn(async (id: string) => status({ id, state: 'stopped' })),
    restart: vi.fn(async (id: string) => status({ id, state: 'starting', pid: 4343 })),
    preflight: vi.fn(async (_id: string): Promise<PreflightReport> => ({ ok: true, issues: [] })),
    onStatus: vi.fn((listener: (s: BackendStatus) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }),
  };
  const store = createBackendsStore(deps);
  return {
    store,
    deps,
    emit: (s: BackendStatus) => listeners.forEach((l) => l(s)),
    setEntries: (next: BackendEntry[]) => (entries = next),
    listeners,
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const stateOf = (t: ReturnType<typeof setup>, id: string) =>
  t.store.getState().entries.find((e) => e.config.id === id)?.status.state;

describe('backends store: list and events', () => {
  it('lists by name and selects the first', async () => {
    const t = setup();
    await t.store.getState().load();
    expect(t.store.getState().entries.map((e) => e.config.name)).toEqual(['api', 'worker']);
    expect(t.store.getState().selectedId).toBe('b1');
    expect(selectedEntry(t.store.getState())?.config.name).toBe('api');
  });

  it('subscribes once and applies every pushed status', async () => {
    const t = setup();
    t.store.getState().connect();
    t.store.getState().connect();
    await settle();
    expect(t.deps.onStatus).toHaveBeenCalledTimes(1);
    t.emit(status({ id: 'b1', name: 'api', state: 'running', pid: 10, cpuPercent: 1.5 }));
    expect(stateOf(t, 'b1')).toBe('running');
    expect(selectedEntry(t.store.getState())?.status.cpuPercent).toBe(1.5);
  });

  it('reads the list again when a status names a backend it does not know', async () => {
    const t = setup();
    t.store.getState().connect();
    await settle();
    t.setEntries([entry('b1', 'api'), entry('b2', 'worker'), entry('b3', 'cron')]);
    t.emit(status({ id: 'b3', name: 'cron', state: 'starting' }));
    await settle();
    expect(t.deps.list).toHaveBeenCalledTimes(2);
    expect(t.store.getState().entries).toHaveLength(3);
  });

  it('keeps the entries it has when the list cannot be read', async () => {
    const t = setup();
    await t.store.getState().load();
    t.deps.list.mockRejectedValueOnce(new RemoteError({ kind: 'unavailable', message: 'server gone' }));
    await t.store.getState().load();
    expect(t.store.getState().loadError?.kind).toBe('unavailable');
    expect(t.store.getState().entries).toHaveLength(2);
  });
});

describe('backends store: actions', () => {
  it('marks the call in flight and applies its answer', async () => {
    const gate = deferred<BackendStatus>();
    const t = setup();
    await t.store.getState().load();
    t.deps.start.mockReturnValueOnce(gate.promise);
    const call = t.store.getState().start('b1');
    expect(t.store.getState().pending).toEqual({ b1: 'start' });
    // A second click while in flight does nothing.
    await t.store.getState().start('b1');
    expect(t.deps.start).toHaveBeenCalledTimes(1);
    gate.resolve(status({ id: 'b1', state: 'starting', pid: 77 }));
    await call;
    expect(t.store.getState().pending).toEqual({});
    expect(selectedEntry(t.store.getState())?.status.pid).toBe(77);
  });

  it('does not let a late answer undo a newer pushed status', async () => {
    const gate = deferred<BackendStatus>();
    const t = setup();
    t.store.getState().connect();
    await settle();
    t.deps.start.mockReturnValueOnce(gate.promise);
    const call = t.store.getState().start('b1');
    // The probe passed before the HTTP answer to start arrived.
    t.emit(status({ id: 'b1', state: 'running', pid: 77 }));
    gate.resolve(status({ id: 'b1', state: 'starting', pid: 77 }));
    await call;
    expect(stateOf(t, 'b1')).toBe('running');
  });

  it('keeps a failed start with message, hint and the pre-flight detail', async () => {
    const t = setup();
    await t.store.getState().load();
    t.deps.start.mockRejectedValueOnce(
      new RemoteError({
        kind: 'invalid_input',
        message: 'The backend cannot start: /opt/api/bin/server does not exist',
        hint: 'Build it with `go build -o /opt/api/bin/server ./cmd/server`, or fix the path of the binary',
        detail: 'binary_missing: /opt/api/bin/server does not exist',
      }),
    );
    await t.store.getState().start('b1');
    expect(t.store.getState().errors.b1).toMatchObject({
      action: 'start',
      error: { kind: 'invalid_input', detail: 'binary_missing: /opt/api/bin/server does not exist' },
    });
    expect(t.store.getState().pending).toEqual({});
    // The next action clears it.
    await t.store.getState().check('b1');
    expect(t.store.getState().errors.b1).toBeUndefined();
    expect(t.store.getState().preflight.b1).toEqual({ ok: true, issues: [] });
    t.store.getState().dismissPreflight('b1');
    expect(t.store.getState().preflight.b1).toBeUndefined();
  });

  it('stops and restarts through main', async () => {
    const t = setup();
    await t.store.getState().load();
    await t.store.getState().restart('b2');
    expect(t.deps.restart).toHaveBeenCalledWith('b2');
    expect(stateOf(t, 'b2')).toBe('starting');
    await t.store.getState().stop('b2');
    expect(stateOf(t, 'b2')).toBe('stopped');
  });
});

describe('backends store: configuration', () => {
  it('creates a backend from the form, selects it and reads the list for its status', async () => {
    const t = setup();
    await t.store.getState().load();
    t.store.getState().newBackend();
    t.store.getState().updateForm({ name: 'cron', binaryPath: '/opt/cron', port: '9100' });
    t.setEntries([entry('b1', 'api'), entry('b2', 'worker'), entry('new-id', 'cron')]);
    await t.store.getState().saveForm();
    expect(t.deps.save).toHaveBeenCalledWith(expect.objectContaining({ name: 'cron', port: 9100 }));
    expect(t.store.getState()).toMatchObject({ form: null, formSaving: false, selectedId: 'new-id' });
    expect(t.store.getState().entries.map((e) => e.config.name)).toEqual(['api', 'cron', 'worker']);
  });

  it('shows a form error without calling main, and main’s refusal after calling it', async () => {
    const t = setup();
    await t.store.getState().load();
    t.store.getState().newBackend();
    await t.store.getState().saveForm();
    expect(t.deps.save).not.toHaveBeenCalled();
    expect(t.store.getState().formError?.field).toBe('name');

    t.store.getState().updateForm({ name: 'api', binaryPath: '/x' });
    expect(t.store.getState().formError).toBeNull();
    t.deps.save.mockRejectedValueOnce(
      new RemoteError({
        kind: 'invalid_input',
        message: 'A backend named "api" already exists',
        hint: 'Choose another name.',
      }),
    );
    await t.store.getState().saveForm();
    expect(t.store.getState().formError).toEqual({
      field: null,
      error: { kind: 'invalid_input', message: 'A backend named "api" already exists', hint: 'Choose another name.' },
    });
    expect(t.store.getState().form).not.toBeNull();
  });

  it('edits the variables of the form by row', async () => {
    const t = setup([
      {
        config: config({ id: 'b1', name: 'api', env: [{ key: 'TOKEN', value: null, secret: true }] }),
        status: status({ id: 'b1' }),
      },
    ]);
    await t.store.getState().load();
    t.store.getState().editBackend('b1');
    t.store.getState().addEnvRow();
    const [stored, added] = t.store.getState().form!.env;
    t.store.getState().updateEnvRow(added!.rowId, { key: 'LOG', value: 'info' });
    await t.store.getState().saveForm();
    expect(t.deps.save).toHaveBeenLastCalledWith(
      expect.objectContaining({
        id: 'b1',
        env: [
          { key: 'TOKEN', value: null, secret: true },
          { key: 'LOG', value: 'info', secret: false },
        ],
      }),
    );
    t.store.getState().editBackend('b1');
    const row = t.store.getState().form!.env[0]!;
    expect(row.rowId).not.toBe(stored!.rowId);
    t.store.getState().replaceSecret(row.rowId);
    t.store.getState().updateEnvRow(row.rowId, { value: 'new' });
    t.store.getState().addEnvRow();
    t.store.getState().removeEnvRow(t.store.getState().form!.env[1]!.rowId);
    await t.store.getState().saveForm();
    expect(t.deps.save).toHaveBeenLastCalledWith(
      expect.objectContaining({ env: [{ key: 'TOKEN', value: 'new', secret: true }] }),
    );
  });

  it('deletes only after confirmation, then selects another', async () => {
    const t = setup();
    await t.store.getState().load();
    t.store.getState().askDelete('b1');
    expect(t.deps.remove).not.toHaveBeenCalled();
    t.store.getState().cancelDelete();
    expect(t.store.getState().deleteTarget).toBeNull();
    t.store.getState().askDelete('b1');
    await t.store.getState().confirmDelete();
    expect(t.deps.remove).toHaveBeenCalledWith('b1');
    expect(t.store.getState().entries.map((e) => e.config.id)).toEqual(['b2']);
    expect(t.store.getState().selectedId).toBe('b2');
    expect(t.store.getState().deleteTarget).toBeNull();
  });
});
