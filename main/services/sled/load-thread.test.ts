/**
 * A load on a thread of its own (sled-thread.ts, as the app runs it), against
 * real PostgreSQL: the rows, provenance and staged outcomes of a load in
 * place; progress, log lines and the time coming back to the caller; a cancel
 * that reaches the running statement; errors as the caller's client threw
 * them; and a thread that dies mid-transaction leaving the connection clean.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpsError } from '../../../common/errors';
import type { SledProgress } from '../../../common/sled';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres';
import { memoryLogger } from '../catalog/test-support';
import { LoadCancelledError } from './load-batch';
import { STACK_TABLES_HINT } from './load-checks';
import {
  applyStackMigrations,
  buildStaging,
  connect,
  type FixtureEntry,
  loadedContents,
  manyEntries,
  stagedOutcomes,
  standardEntries,
} from './load-test-support';
import { loadImport } from './loader';
import { LOAD_LOCK_KEY } from './provenance';
import { loadInThread, type LoadThreadRun } from './sled-thread';
import { StagingDb } from './staging-db';
import { defaultStageWorkerUrl } from './stager';

const IMPORT = 'sled-thread-import';
const ENTRIES: FixtureEntry[] = [...standardEntries(), ...manyEntries(120)];
const CLOCK = new Date('2026-03-04T05:06:07.000Z');
const crashFixture = pathToFileURL(path.resolve('test/fixtures/sled-thread-crash.mjs'));

interface Target {
  db: TestDatabase;
  client: pg.Client;
  target: string;
}

let dir: string;
const targets: Target[] = [];
const clients: pg.Client[] = [];

async function freshTarget(migrated = true): Promise<Target> {
  const db = await createTestDatabase('sledthread');
  const client = await connect(db.url);
  if (migrated) await applyStackMigrations(client);
  const t = { db, client, target: `localhost/${db.name}` };
  targets.push(t);
  return t;
}

async function other(t: Target): Promise<pg.Client> {
  const client = await connect(t.db.url);
  clients.push(client);
  return client;
}

/** A staging database of ENTRIES on disk, closed (the thread opens it). */
function stagedFile(name: string): string {
  const file = path.join(dir, `${name}.sqlite`);
  buildStaging(file, IMPORT, ENTRIES).close();
  return file;
}

function withStaging<T>(file: string, fn: (staging: StagingDb) => T): T {
  const staging = StagingDb.open(file);
  try {
    return fn(staging);
  } finally {
    staging.close();
  }
}

/** The reference: the same entries loaded in place, on this thread. */
async function reference(): Promise<Target & { outcomes: unknown[] }> {
  const t = await freshTarget();
  const staging = buildStaging(path.join(dir, 'reference.sqlite'), IMPORT, ENTRIES);
  try {
    await loadImport({ staging, client: t.client, importId: IMPORT, target: t.target, batchSize: 10 });
    return { ...t, outcomes: stagedOutcomes(staging) };
  } finally {
    staging.close();
  }
}

function inThread(t: Target, file: string, extra: Partial<LoadThreadRun> = {}) {
  return loadInThread({
    workerUrl: defaultStageWorkerUrl(),
    file,
    nativeBinding: null,
    db: { client: t.client, target: t.target },
    importId: IMPORT,
    batchSize: 10,
    clock: () => CLOCK,
    ...extra,
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the load to fail');
    },
    (e: unknown) => e,
  );
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-sled-thread-'));
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
  for (const t of targets.splice(0)) {
    await t.client.end().catch(() => undefined);
    await t.db.drop();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a load on its own thread', () => {
  it("writes what a load in place writes, and sends its progress, log lines and the caller's time back", async () => {
    const ref = await reference();
    const t = await freshTarget();
    const file = stagedFile('threaded');
    const progress: Array<Omit<SledProgress, 'runId'>> = [];
    const logger = memoryLogger();
    const report = await inThread(t, file, { onLoadProgress: (p) => progress.push(p), logger });

    expect(report.reconciled).toBe(true);
    expect(report.generatedAt).toBe(CLOCK.toISOString());
    expect(await loadedContents(t.client)).toEqual(await loadedContents(ref.client));
    withStaging(file, (staging) => {
      expect(stagedOutcomes(staging)).toEqual(ref.outcomes);
      expect(staging.meta('last_load_at')).toBe(CLOCK.toISOString());
    });
    expect(progress[0]).toMatchObject({ importId: IMPORT, phase: 'loading' });
    expect(progress.at(-1)).toMatchObject({ phase: 'done', done: progress.at(-1)?.total });
    expect(progress.some((p) => p.current === 'ai.cache_entries')).toBe(true);
    // The loader's log lines, on the caller's logger.
    expect(logger.lines.some((l) => /entries with problems marked failed/.test(l))).toBe(true);
    expect(logger.lines.some((l) => /ai\.cache_entries entries \d+–\d+: 10 loaded/.test(l))).toBe(true);

    // Again: the outcomes come back from the provenance (its rows, keys as bytea, cross the thread) and nothing changes.
    withStaging(file, (staging) =>
      staging.db.prepare("UPDATE entries SET outcome = 'pending', outcome_reason = NULL, target_id = NULL").run(),
    );
    const again = await inThread(t, file, { logger });
    expect(again.reconciled).toBe(true);
    expect(logger.lines.some((l) => /staged outcomes synced from/.test(l))).toBe(true);
    expect(await loadedContents(t.client)).toEqual(await loadedContents(ref.client));
    withStaging(file, (staging) => expect(stagedOutcomes(staging)).toEqual(ref.outcomes));
  });

  it('cancels the statement PostgreSQL is running from the caller, rolls the batch back, and resumes exactly once', async () => {
    const ref = await reference();
    const t = await freshTarget();
    const file = stagedFile('cancelled');
    // Another session holds the cache table: the load's first batch into it waits there.
    const holder = await other(t);
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE ai.cache_entries IN ACCESS EXCLUSIVE MODE');
    const pid = (await t.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const cancels: boolean[] = [];
    const controller = new AbortController();
    const progress: Array<Omit<SledProgress, 'runId'>> = [];
    const loading = rejection(
      inThread(t, file, {
        signal: controller.signal,
        onLoadProgress: (p) => progress.push(p),
        cancelQuery: async () => {
          const canceller = await other(t);
          const r = await canceller.query<{ ok: boolean }>('SELECT pg_cancel_backend($1) AS ok', [pid]);
          cancels.push(r.rows[0]!.ok);
        },
      }),
    );
    const waiting = async () =>
      (
        await holder.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'",
          [pid],
        )
      ).rows[0]!.n;
    await expect.poll(waiting, { timeout: 20_000 }).toBe(1);
    controller.abort();
    const error = await loading;
    expect(error).toBeInstanceOf(LoadCancelledError);
    expect((error as OpsError).kind).toBe('conflict');
    expect(cancels).toEqual([true]);
    expect(progress.at(-1)?.phase).toBe('cancelled');
    // Ended while the lock was still held: the wait itself was cancelled.
    await holder.query('ROLLBACK');
    expect((await t.client.query('SELECT count(*)::int AS n FROM ai.cache_entries')).rows[0].n).toBe(0);
    expect((await t.client.query('SELECT outcome FROM sled_import.loads')).rows).toEqual([{ outcome: 'cancelled' }]);
    expect(
      (await t.client.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'")).rows[0].n,
    ).toBe(0);

    const report = await inThread(t, file);
    expect(report.reconciled).toBe(true);
    expect(await loadedContents(t.client)).toEqual(await loadedContents(ref.client));
    withStaging(file, (staging) => expect(stagedOutcomes(staging)).toEqual(ref.outcomes));
  });

  it("fails as a load in place does: PostgreSQL's refusals as its errors, the caller's other errors as themselves", async () => {
    const bare = await freshTarget(false);
    const refused = await rejection(inThread(bare, stagedFile('bare')));
    expect(refused).toBeInstanceOf(OpsError);
    expect(refused).toMatchObject({ kind: 'conflict', hint: STACK_TABLES_HINT });
    expect((refused as OpsError).message).toMatch(/blockchain\.wallets.*do not exist/);

    const t = await freshTarget();
    const hiccup = new Error('the socket hiccuped');
    // The caller's client fails taking the load lock with an error of its own (no SQLSTATE).
    const client = new Proxy(t.client, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
        return (...args: unknown[]) => {
          const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text;
          if (text.includes('pg_try_advisory_lock')) return Promise.reject(hiccup);
          return (target.query as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
    const error = await rejection(inThread({ ...t, client }, stagedFile('hiccup')));
    expect(error).toBe(hiccup);
  });

  it('leaves no transaction open and frees the load lock when the thread dies in the middle of one', async () => {
    const t = await freshTarget();
    process.env.SLED_THREAD_CRASH_LOCK_KEY = LOAD_LOCK_KEY.toString();
    const error = await rejection(inThread(t, stagedFile('crash'), { workerUrl: crashFixture }));
    expect(error).toBeInstanceOf(OpsError);
    expect(error).toMatchObject({ kind: 'internal', message: 'The load thread stopped unexpectedly' });
    const pid = (await t.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const watcher = await other(t);
    const state = await watcher.query('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid]);
    expect(state.rows).toEqual([{ state: 'idle' }]);
    // The table the thread created in its transaction is gone with it, and so is its lock.
    expect((await watcher.query("SELECT to_regclass('public.crash_probe') AS t")).rows).toEqual([{ t: null }]);
    expect((await watcher.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'")).rows[0].n).toBe(
      0,
    );
    // And the next load takes the lock and loads.
    expect((await inThread(t, stagedFile('after-crash'))).reconciled).toBe(true);
  });
});
