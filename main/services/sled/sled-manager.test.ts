import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { Logger } from '../logging/log-service';
import type { LeanHeap } from '../lean-heap';
import type { SledProgress } from '../../../common/sled';
import { SledManager } from './sled-manager';
import { StagingDb } from './staging-db';
import { generateExport } from './test-export';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sled-manager-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const silent: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/** A LeanHeap that counts the runs that went through it, and tells whether one is inside it now. */
function recordingHeap() {
  let depth = 0;
  let runs = 0;
  const lean: LeanHeap = async (fn) => {
    runs += 1;
    depth += 1;
    try {
      return await fn();
    } finally {
      depth -= 1;
    }
  };
  return { lean, runs: () => runs, inside: () => depth > 0 };
}

describe('SledManager and the lean heap', () => {
  it('stages inside the lean heap, plans outside it (on a thread of its own), and leaves it when a run fails', async () => {
    const heap = recordingHeap();
    const phases: string[] = [];
    const manager = new SledManager({
      dir: path.join(dir, 'imports'),
      logger: silent,
      connections: { withClient: () => Promise.reject(new Error('no database in this test')) },
      // Progress arrives while the import runs: it must be inside the lean period then.
      onProgress: (p) => phases.push(`${p.kind} ${p.phase} ${heap.inside() ? 'lean' : 'default'}`),
      leanHeap: heap.lean,
    });
    const exported = generateExport(path.join(dir, 'export.jsonl'), { entries: 200 });
    const summary = await manager.import({ files: [exported.file] });
    expect(summary.entries).toBe(200);
    expect(phases.filter((p) => p.startsWith('import reading'))).not.toHaveLength(0);
    expect(phases.filter((p) => p.startsWith('import reading') && !p.endsWith('lean'))).toEqual([]);
    expect(heap.runs()).toBe(1);
    expect(heap.inside()).toBe(false);

    const plan = await manager.plan({ id: summary.id });
    expect(plan.tables.reduce((sum, t) => sum + t.toInsert, 0)).toBe(200);
    expect(heap.runs()).toBe(1);
    expect(heap.inside()).toBe(false);

    await expect(manager.import({ files: [path.join(dir, 'missing.jsonl')] })).rejects.toThrow();
    expect(heap.runs()).toBe(2);
    expect(heap.inside()).toBe(false);
  });

  it('reports an import as bytes read and, beside them, the entries read so far', async () => {
    const events: SledProgress[] = [];
    const manager = new SledManager({
      dir: path.join(dir, 'progress'),
      logger: silent,
      connections: { withClient: () => Promise.reject(new Error('no database in this test')) },
      onProgress: (p) => events.push(p),
    });
    const exported = generateExport(path.join(dir, 'progress.jsonl'), { entries: 300 });
    const summary = await manager.import({ files: [exported.file] });
    const reading = events.filter((e) => e.phase === 'reading');
    expect(reading.length).toBeGreaterThan(0);
    const size = fs.statSync(exported.file).size;
    for (const e of reading) expect(e).toMatchObject({ unit: 'bytes', total: size, message: null });
    const counts = reading.map((e) => e.entries);
    expect(counts.every((n) => typeof n === 'number')).toBe(true);
    expect(counts).toEqual([...counts].sort((a, b) => a! - b!));
    expect(counts.at(-1)).toBe(summary.entries);
    expect(events.at(-1)).toMatchObject({ phase: 'done', done: 300, unit: 'entries', message: '300 entries staged' });
  });

  it("plans and reports on a thread of its own: the caller's event loop turns while they run", async () => {
    const manager = new SledManager({
      dir: path.join(dir, 'threads'),
      logger: silent,
      clock: () => new Date('2026-01-02T03:04:05Z'),
      connections: { withClient: () => Promise.reject(new Error('no database in this test')) },
      onProgress: () => undefined,
    });
    const exported = generateExport(path.join(dir, 'threads.jsonl'), { entries: 2000 });
    const summary = await manager.import({ files: [exported.file] });
    // Planned in place, the whole plan would run before any callback of the next turn of the loop.
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    const plan = await manager.plan({ id: summary.id, settings: { cacheTtlSeconds: 3600 } });
    expect(turned).toBe(true);
    expect(plan.settings.cacheTtlSeconds).toBe(3600);
    expect(plan.tables.reduce((sum, t) => sum + t.toInsert, 0)).toBe(2000);
    expect(plan.balanceTotal).toBe(exported.balanceTotal.toString());

    turned = false;
    setImmediate(() => {
      turned = true;
    });
    const report = await manager.report({ id: summary.id });
    expect(turned).toBe(true);
    expect(report.outcomes).toMatchObject({ pending: 2000, loaded: 0 });
    expect(report.verifiedAgainst).toBeNull();
    expect(report.generatedAt).toBe('2026-01-02T03:04:05.000Z');
    // The settings the plan saved are the import's now.
    expect((await manager.plan({ id: summary.id })).settings.cacheTtlSeconds).toBe(3600);

    await expect(manager.plan({ id: 'sled-20200101-000000-abcdef' })).rejects.toMatchObject({ kind: 'not_found' });
    await expect(manager.report({ id: 'sled-20200101-000000-abcdef' })).rejects.toMatchObject({ kind: 'not_found' });
  });

  it("runs the queries of a plan on the caller's client, and fails with the error that client threw", async () => {
    const queries: string[] = [];
    const refusal = Object.assign(new Error('permission denied for schema blockchain'), { code: '42501' });
    const client = {
      query(text: string) {
        queries.push(text);
        return Promise.reject(refusal);
      },
    } as unknown as pg.PoolClient;
    const manager = new SledManager({
      dir: path.join(dir, 'proxied'),
      logger: silent,
      connections: { withClient: (_ref, fn) => fn(client, { target: 'db on host', readOnly: true }) },
      onProgress: () => undefined,
    });
    const exported = generateExport(path.join(dir, 'proxied.jsonl'), { entries: 50 });
    const summary = await manager.import({ files: [exported.file] });
    const failed = manager.plan({ id: summary.id, connection: { profileId: 'p' } });
    await expect(failed).rejects.toBe(refusal);
    expect(queries).toHaveLength(1);
    await expect(manager.report({ id: summary.id, connection: { profileId: 'p' } })).rejects.toBe(refusal);
    expect(queries).toHaveLength(2);
  });

  it('reports a plan as entries decided of all, and stops it on cancel(runId)', async () => {
    const events: SledProgress[] = [];
    let cancelOnFirst: string | null = null;
    let manager: SledManager | null = null;
    manager = new SledManager({
      dir: path.join(dir, 'plan-progress'),
      logger: silent,
      connections: { withClient: () => Promise.reject(new Error('no database in this test')) },
      onProgress: (p) => {
        events.push(p);
        if (p.kind === 'plan' && p.phase === 'planning' && p.runId === cancelOnFirst) manager?.cancel(p.runId);
      },
    });
    const exported = generateExport(path.join(dir, 'plan-progress.jsonl'), { entries: 12_000 });
    const summary = await manager.import({ files: [exported.file] });
    events.length = 0;

    const plan = await manager.plan({ id: summary.id, runId: 'plan-1' });
    const planEvents = events.filter((e) => e.runId === 'plan-1');
    expect(planEvents.every((e) => e.kind === 'plan' && e.importId === summary.id && e.unit === 'entries')).toBe(true);
    const counting = planEvents.filter((e) => e.phase === 'planning');
    expect(counting.length).toBeGreaterThan(0);
    expect(counting.every((e) => e.total === 12_000 && e.done > 0 && e.done <= 12_000)).toBe(true);
    expect(counting.map((e) => e.done)).toEqual([...counting.map((e) => e.done)].sort((a, b) => a - b));
    expect(planEvents.at(-1)).toMatchObject({ phase: 'done', done: 12_000, total: 12_000, etaSeconds: null });
    expect(plan.entries).toBe(12_000);
    // Over: its run id is free again, and cancelling it finds nothing.
    expect(manager.cancel('plan-1')).toBe(false);

    cancelOnFirst = 'plan-2';
    await expect(manager.plan({ id: summary.id, runId: 'plan-2' })).rejects.toMatchObject({
      kind: 'conflict',
      message: 'The plan was cancelled',
    });
    expect(events.filter((e) => e.runId === 'plan-2').at(-1)).toMatchObject({
      kind: 'plan',
      phase: 'cancelled',
      message: 'The plan was cancelled',
    });
    // While a plan counts, the import is neither loaded nor deleted.
    const third = manager.plan({ id: summary.id, runId: 'plan-3' });
    await expect(manager.load({ id: summary.id, connection: { profileId: 'p' } })).rejects.toMatchObject({
      kind: 'conflict',
      message: `Import ${summary.id} is already being planned`,
    });
    expect(() => manager!.delete(summary.id)).toThrow(/in use \(plan running\)/);
    expect((await third).entries).toBe(12_000);
    // Nothing of it stays running: the import can be planned, and deleted, again.
    expect((await manager.plan({ id: summary.id })).entries).toBe(12_000);
    manager.delete(summary.id);
    expect((await manager.list()).map((i) => i.id)).not.toContain(summary.id);
  });
});

describe('SledManager summaries', () => {
  it('lists what each staging database holds now: a change made by another process shows at the next list', async () => {
    // A clock an hour ahead: every staging database here counts as long unwritten, so summaries are remembered.
    const manager = new SledManager({
      dir: path.join(dir, 'summaries'),
      logger: silent,
      clock: () => new Date(Date.now() + 3_600_000),
      connections: { withClient: () => Promise.reject(new Error('no database in this test')) },
      onProgress: () => undefined,
    });
    const exported = generateExport(path.join(dir, 'summaries.jsonl'), { entries: 400 });
    const first = await manager.import({ files: [exported.file] });
    const second = await manager.import({ files: [exported.file] });
    const listed = async (id: string) => (await manager.list()).find((i) => i.id === id);
    expect(await listed(first.id)).toMatchObject({ entries: 400, loaded: 0, failed: 0 });
    expect(await listed(first.id)).toEqual(await manager.show(first.id));
    // Another process (a CLI load) writes outcomes into the first import's staging database.
    const staging = StagingDb.open(path.join(dir, 'summaries', `${first.id}.sqlite`));
    staging.setOutcomes(
      Array.from({ length: 30 }, (_, i) => ({ id: i + 1, outcome: 'loaded' as const, reason: null, targetId: i + 1 })),
    );
    // Read while the WAL still holds the write, and again once the database is closed (checkpointed).
    expect(await listed(first.id)).toMatchObject({ entries: 400, loaded: 30 });
    staging.setOutcomes([{ id: 31, outcome: 'failed', reason: 'refused', targetId: null }]);
    staging.close();
    expect(await listed(first.id)).toMatchObject({ loaded: 30, failed: 1 });
    expect(await manager.show(first.id)).toMatchObject({ loaded: 30, failed: 1 });
    // The other import is as it was, and a deleted one is gone from the list and from show.
    expect(await listed(second.id)).toMatchObject({ entries: 400, loaded: 0, failed: 0 });
    manager.delete(second.id);
    expect(await listed(second.id)).toBeUndefined();
    await expect(manager.show(second.id)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('summarises a large staging database on a thread of its own, to the same summary', async () => {
    const options = {
      dir: path.join(dir, 'summary-thread'),
      logger: silent,
      connections: { withClient: () => Promise.reject(new Error('no database in this test')) },
      onProgress: () => undefined,
    };
    const inPlace = new SledManager(options);
    const exported = generateExport(path.join(dir, 'summary-thread.jsonl'), { entries: 3000 });
    fs.appendFileSync(exported.file, 'not json\n{"tree":"__sled__default","key":"mystery:1","value":"x"}\n');
    const summary = await inPlace.import({ files: [exported.file] });
    // Every staging database counts as large for this one.
    const threaded = new SledManager({ ...options, inlineSummaryBytes: 0 });
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    const fromThread = await threaded.show(summary.id);
    expect(turned).toBe(true);
    expect(fromThread).toEqual(await inPlace.show(summary.id));
    expect(fromThread).toEqual(summary);
    expect(Object.keys(fromThread.problems).length).toBeGreaterThan(0);
    expect(await threaded.list()).toEqual([summary]);
    // A staging database the thread cannot read: the list skips it, show says why as it does in place.
    const unreadable = 'sled-20200101-000000-abcdef';
    fs.writeFileSync(path.join(options.dir, `${unreadable}.sqlite`), 'not a database');
    expect((await threaded.list()).map((i) => i.id)).toEqual([summary.id]);
    const inPlaceError = (await inPlace.show(unreadable).catch((e: unknown) => e)) as Error & { kind: string };
    const threadError = (await threaded.show(unreadable).catch((e: unknown) => e)) as Error & { kind: string };
    expect(threadError.message).toMatch(/is not an ops-console Sled staging database/);
    expect({ kind: threadError.kind, message: threadError.message }).toEqual({
      kind: inPlaceError.kind,
      message: inPlaceError.message,
    });
  });
});
