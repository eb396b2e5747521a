import { describe, expect, it, vi } from 'vitest';
import type { CallInput } from '../../../../common/contract';
import { RemoteError } from '../../../../common/errors';
import type { SledProgress } from '../../../../common/sled';
import { DEFAULT_SLED_NAMESPACE } from '../../../../common/sled';
import { importSummary, plan, profile, report } from './sled-fixtures';
import {
  addFiles,
  fieldErrors,
  parseFiles,
  planTitle,
  settingsFormOf,
  settingsOfForm,
  stepReachable,
} from './sled-state';
import { createSledStore, randomRunId } from './store';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const progress = (runId: string, patch: Partial<SledProgress> = {}): SledProgress => ({
  runId,
  importId: null,
  kind: 'import',
  phase: 'reading',
  current: '/srv/a.jsonl',
  done: 2048,
  total: 4096,
  unit: 'bytes',
  entriesPerSecond: 250_000,
  etaSeconds: 1,
  message: null,
  ...patch,
});

/** A fake client: calls are mocks, progress events go to whoever subscribed. */
function setup() {
  const listeners = new Set<(p: SledProgress) => void>();
  const emit = (p: SledProgress) => {
    for (const listener of [...listeners]) listener(p);
  };
  let n = 0;
  let imports = [importSummary('i1')];
  const deps = {
    list: vi.fn(async () => imports),
    show: vi.fn(async (id: string) => imports.find((i) => i.id === id) ?? importSummary(id)),
    importFiles: vi.fn(async (_input: CallInput<'sled.import'>) => {
      const made = importSummary('i2');
      imports = [made, ...imports];
      return made;
    }),
    plan: vi.fn(async (input: CallInput<'sled.plan'>) =>
      plan(input.id, {
        ...(input.settings ? { settings: { ...plan(input.id).settings, ...input.settings } } : {}),
        checkedAgainst: input.connection ? '127.0.0.1:5432/db' : null,
      }),
    ),
    load: vi.fn(async (input: CallInput<'sled.load'>) => report(input.id)),
    cancel: vi.fn(async () => ({ cancelled: true })),
    report: vi.fn(async (input: CallInput<'sled.report'>) =>
      report(input.id, { verifiedAgainst: input.connection ? '127.0.0.1:5432/db' : null }),
    ),
    remove: vi.fn(async (id: string) => {
      imports = imports.filter((i) => i.id !== id);
      return null;
    }),
    onProgress: vi.fn((listener: (p: SledProgress) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }),
  };
  const store = createSledStore({ ...deps, newRunId: () => `run-${++n}`, now: () => 1000 * n, lingerMs: 0 });
  return { store, deps, emit, listeners };
}

describe('Sled import store', () => {
  it('makes run ids main accepts', () => {
    expect(randomRunId()).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(randomRunId()).not.toBe(randomRunId());
  });

  it('refuses an empty file list before calling main', async () => {
    const { store, deps } = setup();
    store.getState().setFilesText('  \n\n ');
    await store.getState().startImport();
    expect(deps.importFiles).not.toHaveBeenCalled();
    expect(store.getState().filesError?.message).toMatch(/at least one/);
  });

  it('imports the typed paths with its own run id, follows only that run, then opens the summary', async () => {
    const { store, deps, emit } = setup();
    const gate = deferred<undefined>();
    const real = deps.importFiles.getMockImplementation()!;
    deps.importFiles.mockImplementationOnce(async (input) => {
      await gate.promise;
      return real(input);
    });
    store.getState().setFilesText(' /srv/a.jsonl \n\n/srv/b.json\n');
    const done = store.getState().startImport();
    expect(deps.importFiles).toHaveBeenCalledWith({ files: ['/srv/a.jsonl', '/srv/b.json'], runId: 'run-1' });
    emit(progress('someone-else', { done: 1 }));
    emit(progress('run-1', { done: 2048 }));
    expect(store.getState().run?.progress.done).toBe(2048);
    expect(store.getState().run?.started).toBe(true);
    gate.resolve(undefined);
    await done;
    const state = store.getState();
    expect(state.run?.outcome).toEqual({ kind: 'done' });
    expect(state.currentId).toBe('i2');
    expect(state.step).toBe('summary');
    expect(state.filesText).toBe('');
    expect(state.imports.map((i) => i.id)).toContain('i2');
  });

  it('keeps the step the user goes to while a reopened import’s summary loads', async () => {
    const { store, deps } = setup();
    await store.getState().loadList();
    const shown = deferred<ReturnType<typeof importSummary>>();
    deps.show.mockImplementationOnce(() => shown.promise);
    const opening = store.getState().open('i1');
    expect(store.getState().step).toBe('summary');
    store.getState().goTo('plan');
    expect(store.getState().step).toBe('plan');
    shown.resolve(importSummary('i1'));
    await opening;
    expect(store.getState().step).toBe('plan');

    // Not staged after all: the plan cannot be reached, so the wizard goes back to the files.
    const again = deferred<ReturnType<typeof importSummary>>();
    deps.show.mockImplementationOnce(() => again.promise);
    const reopening = store.getState().open('i1');
    store.getState().goTo('plan');
    again.resolve({ ...importSummary('i1'), state: 'failed' });
    await reopening;
    expect(store.getState().step).toBe('files');
  });

  it('keeps a finished run with the import it belongs to, and drops it for another', async () => {
    const { store } = setup();
    await store.getState().loadList();
    store.getState().setFilesText('/srv/a.jsonl');
    await store.getState().startImport();
    expect(store.getState().run?.importId).toBe('i2');
    await store.getState().open('i1');
    expect(store.getState().run).toBeNull();
  });

  it('cancels a running import by its run id and says it was cancelled', async () => {
    const { store, deps } = setup();
    const answer = deferred<ReturnType<typeof importSummary>>();
    deps.importFiles.mockImplementationOnce(() => answer.promise);
    store.getState().setFilesText('/srv/a.jsonl');
    const done = store.getState().startImport();
    await store.getState().cancelRun();
    expect(deps.cancel).toHaveBeenCalledWith('run-1');
    answer.reject(new RemoteError({ kind: 'conflict', message: 'The import was cancelled' }));
    await done;
    expect(store.getState().run?.outcome).toEqual({ kind: 'cancelled' });
    expect(store.getState().run?.progress.phase).toBe('cancelled');
    expect(store.getState().currentId).toBeNull();
  });

  it('keeps the form when planning fails on a setting, and names the field', async () => {
    const { store, deps } = setup();
    await store.getState().open('i1');
    await store.getState().makePlan(null, false);
    store.getState().updateSettings({ uuidNamespace: 'nope', ttlDays: '3' });
    deps.plan.mockRejectedValueOnce(
      new RemoteError({
        kind: 'invalid_input',
        message:
          'Invalid input for sled.plan: settings.uuidNamespace: Expected a UUID such as 6ba7b811-9dad-11d1-80b4-00c04fd430c8',
        hint: 'Correct that value and try again.',
      }),
    );
    await store.getState().makePlan({ profileId: 'p1' }, true);
    const state = store.getState();
    expect(deps.plan).toHaveBeenLastCalledWith({
      id: 'i1',
      connection: { profileId: 'p1' },
      settings: { cacheTtlSeconds: 3 * 86_400, uuidNamespace: 'nope', secrets: 'encrypt' },
      runId: 'run-2',
    });
    expect(state.settingsForm?.uuidNamespace).toBe('nope');
    expect(fieldErrors(state.planError).uuidNamespace).toMatch(/Expected a UUID/);
  });

  it("follows a plan's own progress events, stops it through main, and shows it stopped until asked again", async () => {
    const { store, deps, emit, listeners } = setup();
    await store.getState().open('i1');
    const answer = deferred<ReturnType<typeof plan>>();
    deps.plan.mockImplementationOnce(() => answer.promise);
    const planning = store.getState().makePlan({ profileId: 'p1' }, false);
    expect(deps.plan).toHaveBeenLastCalledWith({ id: 'i1', connection: { profileId: 'p1' }, runId: 'run-1' });
    expect(store.getState()).toMatchObject({
      planning: true,
      planRunId: 'run-1',
      planningFor: 'p1',
      planProgress: null,
    });
    const counted = progress('run-1', {
      importId: 'i1',
      kind: 'plan',
      phase: 'planning',
      current: null,
      done: 5000,
      total: 400_000,
      unit: 'entries',
    });
    emit(progress('someone-else', { kind: 'plan', done: 1 }));
    emit(counted);
    expect(store.getState().planProgress).toEqual(counted);

    await store.getState().cancelPlan();
    expect(deps.cancel).toHaveBeenCalledWith('run-1');
    emit({ ...counted, phase: 'cancelled', message: 'The plan was cancelled' });
    answer.reject(
      new RemoteError({ kind: 'conflict', message: 'The plan was cancelled', hint: 'Plan again to count it.' }),
    );
    await planning;
    const state = store.getState();
    expect(state).toMatchObject({
      planning: false,
      planRunId: null,
      planningFor: null,
      planProgress: null,
      plan: null,
    });
    expect(state.planError).toMatchObject({ kind: 'conflict', message: 'The plan was cancelled' });
    expect(planTitle(state.planError!)).toBe('Plan stopped');
    // Nothing listens for that run any more.
    expect(listeners.size).toBe(0);
    // A plan that failed otherwise is titled so.
    expect(planTitle({ kind: 'connection_failed', message: 'could not connect' })).toBe('Could not plan');

    // Asked again, it counts anew and clears the error.
    await store.getState().makePlan({ profileId: 'p1' }, false);
    expect(store.getState()).toMatchObject({ planning: false, planError: null, plannedFor: 'p1' });
    expect(store.getState().plan?.importId).toBe('i1');
  });

  it('keeps a plan going when its stop request does not reach main, and says why', async () => {
    const { store, deps } = setup();
    await store.getState().open('i1');
    const answer = deferred<ReturnType<typeof plan>>();
    deps.plan.mockImplementationOnce(() => answer.promise);
    const planning = store.getState().makePlan(null, false);
    deps.cancel.mockRejectedValueOnce(new RemoteError({ kind: 'unavailable', message: 'main is not answering' }));
    await store.getState().cancelPlan();
    expect(store.getState().planning).toBe(true);
    expect(store.getState().planError?.message).toBe('main is not answering');
    answer.resolve(plan('i1'));
    await planning;
    expect(store.getState()).toMatchObject({ planning: false, planError: null });
    expect(store.getState().plan?.importId).toBe('i1');
    // With no plan counting, stop asks main nothing.
    await store.getState().cancelPlan();
    expect(deps.cancel).toHaveBeenCalledTimes(1);
  });

  it('opens the load step only for a plan made for the target with the settings saved', async () => {
    const { store } = setup();
    await store.getState().open('i1');
    const gate = () => ({ ...store.getState(), current: store.getState().imports[0] ?? null });
    store.getState().setTarget('p1');
    await store.getState().makePlan(null, false);
    expect(stepReachable(gate(), 'load', 'p1')).toBe(false);
    await store.getState().makePlan({ profileId: 'p1' }, false);
    expect(stepReachable(gate(), 'load', 'p1')).toBe(true);
    store.getState().updateSettings({ ttlHours: '5' });
    expect(stepReachable(gate(), 'load', 'p1')).toBe(false);
    await store.getState().makePlan({ profileId: 'p1' }, true);
    expect(store.getState().plan?.settings.cacheTtlSeconds).toBe(7 * 86_400 + 5 * 3600);
    expect(stepReachable(gate(), 'load', 'p1')).toBe(true);
    store.getState().setTarget('p2');
    expect(stepReachable(gate(), 'load', 'p2')).toBe(false);
  });

  it('refuses to ask for a load into a read-only profile, and asks for the name on production', async () => {
    const { store } = setup();
    await store.getState().open('i1');
    store.getState().askLoad(profile('ro', { readOnly: true }));
    expect(store.getState().loadConfirm).toBeNull();
    store.getState().askLoad(profile('prod', { production: true }));
    expect(store.getState().loadConfirm).toEqual({
      profileId: 'prod',
      database: 'db_prod',
      production: true,
      typed: '',
    });
  });

  it('loads only once the production database is typed, hands the passphrase to the call and keeps it nowhere', async () => {
    const { store, deps } = setup();
    await store.getState().open('i1');
    store.getState().askLoad(profile('prod', { production: true }));
    store.getState().setConfirmTyped('db_pro');
    await store.getState().confirmLoad('correct horse battery');
    expect(deps.load).not.toHaveBeenCalled();
    store.getState().setConfirmTyped('db_prod');
    await store.getState().confirmLoad('correct horse battery');
    expect(deps.load).toHaveBeenCalledWith({
      id: 'i1',
      connection: { profileId: 'prod' },
      runId: 'run-1',
      passphrase: 'correct horse battery',
    });
    const state = store.getState();
    expect(state.step).toBe('report');
    expect(state.report?.reconciled).toBe(true);
    expect(JSON.stringify(state)).not.toContain('correct horse battery');
  });

  it('shows why a load failed on its run, not in a loop of retries', async () => {
    const { store, deps } = setup();
    await store.getState().open('i1');
    deps.load.mockRejectedValueOnce(
      new RemoteError({ kind: 'conflict', message: 'Profile ro is read-only', hint: 'Turn read-only off' }),
    );
    store.getState().askLoad(profile('p1'));
    await store.getState().confirmLoad(undefined);
    const run = store.getState().run;
    expect(run?.outcome).toEqual({
      kind: 'failed',
      error: { kind: 'conflict', message: 'Profile ro is read-only', hint: 'Turn read-only off' },
    });
    expect(run?.started).toBe(false);
    expect(deps.load).toHaveBeenCalledTimes(1);
    expect(deps.load.mock.calls[0]?.[0]).not.toHaveProperty('passphrase');
  });

  it('reads the report from staging or verifies it against a target', async () => {
    const { store, deps } = setup();
    await store.getState().open('i1');
    await store.getState().fetchReport(null);
    expect(deps.report).toHaveBeenLastCalledWith({ id: 'i1' });
    expect(store.getState().report?.verifiedAgainst).toBeNull();
    await store.getState().fetchReport({ profileId: 'p1' });
    expect(deps.report).toHaveBeenLastCalledWith({ id: 'i1', connection: { profileId: 'p1' } });
    expect(store.getState().report?.verifiedAgainst).toBe('127.0.0.1:5432/db');
  });

  it('drops an answer for an import the wizard has left', async () => {
    const { store, deps } = setup();
    await store.getState().open('i1');
    const answer = deferred<ReturnType<typeof plan>>();
    deps.plan.mockImplementationOnce(() => answer.promise);
    const planning = store.getState().makePlan(null, false);
    store.getState().newImport();
    answer.resolve(plan('i1'));
    await planning;
    expect(store.getState().plan).toBeNull();
  });

  it('deletes only after the confirmation, and leaves the wizard when it worked on that import', async () => {
    const { store, deps } = setup();
    await store.getState().loadList();
    await store.getState().open('i1');
    store.getState().askDelete('i1');
    expect(deps.remove).not.toHaveBeenCalled();
    await store.getState().confirmDelete();
    expect(deps.remove).toHaveBeenCalledWith('i1');
    expect(store.getState().currentId).toBeNull();
    expect(store.getState().imports).toEqual([]);
  });
});

describe('Sled plan settings form', () => {
  it('splits the TTL into days and hours and keeps odd seconds', () => {
    const form = settingsFormOf({
      cacheTtlSeconds: 2 * 86_400 + 3 * 3600 + 17,
      uuidNamespace: DEFAULT_SLED_NAMESPACE,
      secrets: 'skip',
    });
    expect(form).toMatchObject({ ttlDays: '2', ttlHours: '3', ttlExtraSeconds: 17, secrets: 'skip' });
    const back = settingsOfForm(form);
    expect(back.ok && back.settings.cacheTtlSeconds).toBe(2 * 86_400 + 3 * 3600 + 17);
  });

  it('refuses days or hours that are not whole numbers', () => {
    const form = settingsFormOf({ cacheTtlSeconds: 0, uuidNamespace: DEFAULT_SLED_NAMESPACE, secrets: 'encrypt' });
    expect(settingsOfForm({ ...form, ttlDays: '1.5' }).ok).toBe(false);
    expect(settingsOfForm({ ...form, ttlHours: '-1' }).ok).toBe(false);
    expect(settingsOfForm({ ...form, ttlDays: '', ttlHours: '' })).toMatchObject({
      ok: true,
      settings: { cacheTtlSeconds: 0 },
    });
  });

  it('reads one path a line', () => {
    expect(parseFiles('a\r\n  b  \n\n')).toEqual(['a', 'b']);
  });

  it('adds picked files after the typed ones, without blanks or repeats', () => {
    expect(addFiles('', ['/srv/a.jsonl', '/srv/b.json'])).toBe('/srv/a.jsonl\n/srv/b.json');
    expect(addFiles('/srv/a.jsonl\n\n  \n', ['/srv/b.json', '/srv/a.jsonl'])).toBe('/srv/a.jsonl\n/srv/b.json');
    expect(addFiles('  /srv/x.jsonl  ', [])).toBe('/srv/x.jsonl');
  });

  it('finds the field in main’s invalid_input message', () => {
    expect(
      fieldErrors({
        kind: 'invalid_input',
        message: 'Invalid input for sled.load: passphrase: A passphrase needs at least 8 characters',
      }),
    ).toEqual({ passphrase: 'A passphrase needs at least 8 characters' });
    expect(fieldErrors({ kind: 'conflict', message: 'x: y' })).toEqual({});
  });
});
