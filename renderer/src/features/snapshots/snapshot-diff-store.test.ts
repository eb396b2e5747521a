import { describe, expect, it, vi } from 'vitest';
import type { CallInput } from '../../../../common/contract';
import { RemoteError } from '../../../../common/errors';
import type { SnapshotDiff } from '../../../../common/snapshots';
import { snapshotDiff, summary } from './snapshot-fixtures';
import { createSnapshotDiffStore, diffInput, LIVE } from './snapshot-diff-store';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

const live = { profileId: 'p1' };

function setup() {
  const diff = vi.fn(async (_input: CallInput<'snapshot.diff'>) => snapshotDiff());
  let t = 0;
  const store = createSnapshotDiffStore({ diff, now: () => (t += 40) });
  return { store, diff };
}

describe('snapshot diff: choices', () => {
  it('starts with the older of the two newest on the left and the newest on the right', () => {
    const t = setup();
    t.store.getState().syncChoices([summary('new'), summary('old'), summary('older')], true);
    expect(t.store.getState()).toMatchObject({ left: 'old', right: 'new' });
  });

  it('compares a single snapshot with live, when there is a connection', () => {
    const t = setup();
    t.store.getState().syncChoices([summary('only')], true);
    expect(t.store.getState()).toMatchObject({ left: 'only', right: LIVE });
    const u = setup();
    u.store.getState().syncChoices([summary('only')], false);
    expect(u.store.getState()).toMatchObject({ left: 'only', right: null });
  });

  it('keeps the user’s choices while they exist, and drops live when the connection goes', () => {
    const t = setup();
    const list = [summary('a'), summary('b'), summary('c')];
    t.store.getState().syncChoices(list, true);
    t.store.getState().setLeft('c');
    t.store.getState().setRight(LIVE);
    t.store.getState().syncChoices(list, true);
    expect(t.store.getState()).toMatchObject({ left: 'c', right: LIVE });
    t.store.getState().syncChoices(list, false);
    expect(t.store.getState()).toMatchObject({ left: 'c', right: 'a' });
  });
});

describe('snapshot diff: input', () => {
  const base = { left: 's1', right: 's2', rowLimit: '10000' };
  it('builds snapshot-to-snapshot and snapshot-to-live input', () => {
    expect(diffInput(base, null)).toEqual({
      ok: true,
      input: { left: 's1', right: { snapshot: 's2' }, rowLimit: 10000 },
      rowLimit: 10000,
    });
    expect(diffInput({ ...base, right: LIVE, rowLimit: '1,000' }, live)).toEqual({
      ok: true,
      input: { left: 's1', right: { connection: live }, rowLimit: 1000 },
      rowLimit: 1000,
    });
  });

  it('refuses the same side twice, live without a connection and a bad row limit', () => {
    expect(diffInput({ ...base, right: 's1' }, live)).toMatchObject({ ok: false, error: { message: /two different/ } });
    expect(diffInput({ ...base, right: LIVE }, null)).toMatchObject({ ok: false, error: { message: /no live/ } });
    expect(diffInput({ ...base, rowLimit: '-1' }, live)).toMatchObject({ ok: false, error: { message: /row limit/ } });
    expect(diffInput({ ...base, rowLimit: '2000000' }, live).ok).toBe(false);
    expect(diffInput({ ...base, left: null }, live).ok).toBe(false);
  });
});

describe('snapshot diff: compare', () => {
  it('sends the choices and keeps the result with its row limit', async () => {
    const t = setup();
    t.store.getState().syncChoices([summary('s2'), summary('s1')], true);
    await t.store.getState().compare(live);
    expect(t.diff).toHaveBeenCalledWith({ left: 's1', right: { snapshot: 's2' }, rowLimit: 10000 });
    expect(t.store.getState()).toMatchObject({ running: false, error: null, result: { rowLimit: 10000 } });
  });

  it('shows main’s error and keeps the previous result', async () => {
    const t = setup();
    t.store.getState().syncChoices([summary('s2'), summary('s1')], true);
    await t.store.getState().compare(live);
    t.diff.mockRejectedValueOnce(
      new RemoteError({ kind: 'connection_failed', message: 'database "app" does not exist' }),
    );
    await t.store.getState().compare(live);
    expect(t.store.getState().error).toMatchObject({ kind: 'connection_failed' });
    expect(t.store.getState().result).not.toBeNull();
  });

  it('does not call main for an invalid choice', async () => {
    const t = setup();
    t.store.getState().setLeft('s1');
    t.store.getState().setRight('s1');
    await t.store.getState().compare(live);
    expect(t.diff).not.toHaveBeenCalled();
    expect(t.store.getState().error?.message).toMatch(/two different/);
  });

  it('runs one comparison at a time', async () => {
    const gate = deferred<SnapshotDiff>();
    const t = setup();
    t.diff.mockReturnValueOnce(gate.promise);
    t.store.getState().syncChoices([summary('s2'), summary('s1')], true);
    const first = t.store.getState().compare(live);
    await t.store.getState().compare(live);
    expect(t.diff).toHaveBeenCalledTimes(1);
    gate.resolve(snapshotDiff());
    await first;
    expect(t.store.getState().running).toBe(false);
  });
});
