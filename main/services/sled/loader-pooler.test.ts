/**
 * A load through a real PgBouncer. In transaction mode the pooler gives each
 * transaction whichever server session is free, so the load's lock and
 * prepared statements are not where its batches run: the load stops at the
 * first batch that lands in another session, before that batch writes, and
 * says what to do; a direct load then gives exactly the rows of one load. In
 * session mode the load runs as it does on a direct connection.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpsError } from '../../../common/errors';
import { startBouncer, type Bouncer } from '../../../test/helpers/pgbouncer';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres';
import { lockHolder } from '../migrations/lock';
import { loadImport } from './loader';
import {
  applyStackMigrations,
  buildStaging,
  connect,
  loadedContents,
  manyEntries,
  rowCounts,
  stagedOutcomes,
  standardEntries,
} from './load-test-support';
import { LOAD_LOCK_KEY } from './provenance';
import type { StagingDb } from './staging-db';

const IMPORT = 'sled-pooler-test';
const ENTRIES = [...standardEntries(), ...manyEntries(60)];
const BATCH = 10;

let dir: string;
const databases: TestDatabase[] = [];
const clients: pg.Client[] = [];
const bouncers: Bouncer[] = [];
const stagings: StagingDb[] = [];
let reference: { client: pg.Client; staging: StagingDb };

async function target(): Promise<{ db: TestDatabase; direct: pg.Client; bouncer: Bouncer }> {
  const db = await createTestDatabase('sledpool');
  databases.push(db);
  const direct = await connect(db.url);
  clients.push(direct);
  await applyStackMigrations(direct);
  const bouncer = await startBouncer(db.url);
  bouncers.push(bouncer);
  return { db, direct, bouncer };
}

function staged(name: string): StagingDb {
  const staging = buildStaging(path.join(dir, `${name}.sqlite`), IMPORT, ENTRIES);
  stagings.push(staging);
  return staging;
}

async function pooledClient(url: string): Promise<pg.Client> {
  const client = await connect(url);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-sled-pooler-'));
  const db = await createTestDatabase('sledpoolref');
  databases.push(db);
  const client = await connect(db.url);
  clients.push(client);
  await applyStackMigrations(client);
  const staging = staged('reference');
  const report = await loadImport({ staging, client, importId: IMPORT, target: 'reference', batchSize: BATCH });
  expect(report.reconciled).toBe(true);
  reference = { client, staging };
});

afterAll(async () => {
  for (const s of stagings.splice(0)) s.close();
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
  for (const b of bouncers.splice(0)) await b.stop();
  for (const d of databases.splice(0)) await d.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a load through PgBouncer', () => {
  it('in transaction mode stops before a batch runs in another session, and a direct load then gives the rows of one load', async () => {
    const { direct, bouncer } = await target();
    const pooled = await pooledClient(bouncer.transactionUrl);
    const other = await pooledClient(bouncer.transactionUrl);
    const staging = staged('pooled');
    // Alone on the pooler, the load's transactions all run in its one server session. After the
    // third batch, another client's transaction takes that session, so the pooler opens a second
    // one for the load's next transaction.
    let committed = 0;
    let takenSession = 0;
    const error = await loadImport({
      staging,
      client: pooled,
      importId: IMPORT,
      target: 'pooler/sledpool',
      batchSize: BATCH,
      afterCommit: async () => {
        committed += 1;
        if (committed !== 3) return;
        await other.query('BEGIN');
        takenSession = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(committed).toBe(3);
    expect(error).toBeInstanceOf(OpsError);
    const failure = error as OpsError;
    expect(failure.kind).toBe('conflict');
    expect(failure.message).toContain('pooler/sledpool does not keep its session between transactions');
    expect(failure.message).toContain(
      'A transaction pooler (PgBouncer in transaction mode, for instance) is in the way',
    );
    // It names both sessions: the batch's new one, and the one the lock was taken in (which the other client holds).
    const named = /next batch would run in session (\d+), while session (\d+) holds its lock/.exec(failure.message);
    expect(named).not.toBeNull();
    const [batchSession, lockSession] = [Number(named![1]), Number(named![2])];
    expect(lockSession).toBe(takenSession);
    expect(batchSession).not.toBe(lockSession);
    expect(failure.hint).toContain('Load through a direct connection to the database, not through the pooler');
    expect(failure.hint).toContain(`SELECT pg_terminate_backend(${lockSession}) ends that session`);
    await other.query('COMMIT');

    // Every row written so far came with its provenance, in the same transaction: nothing half-done.
    const counts = await rowCounts(direct);
    const provenance = await direct.query<{ target_table: string; n: number }>(
      "SELECT target_table, count(*)::int AS n FROM sled_import.provenance WHERE outcome = 'loaded' GROUP BY 1",
    );
    const loadedPerTable = Object.fromEntries(provenance.rows.map((r) => [r.target_table, r.n]));
    for (const table of Object.keys(counts).filter((t) => t !== 'provenance')) {
      expect(counts[table as keyof typeof counts], table).toBe(loadedPerTable[table] ?? 0);
    }
    expect((await direct.query('SELECT outcome FROM sled_import.loads')).rows).toEqual([{ outcome: 'failed' }]);

    // The three batches committed before it are kept, with their provenance and staged outcomes.
    const done = staging.db
      .prepare("SELECT count(*) AS n FROM entries WHERE outcome IN ('loaded', 'skipped')")
      .pluck()
      .get() as number;
    expect(done).toBeGreaterThan(0);
    expect(counts.provenance).toBe(done);

    // The load's clean-up could not reach the lock's session (the other client held it), so the
    // lock stays there: a new load says so and names the session, and ending it frees the lock.
    expect((await lockHolder(direct, LOAD_LOCK_KEY))?.pid).toBe(lockSession);
    const blocked = await loadImport({ staging, client: direct, importId: IMPORT, target: 'direct' }).then(
      () => null,
      (e: unknown) => e as OpsError,
    );
    expect(blocked?.message).toContain('Another Sled load is running on direct');
    expect(blocked?.message).toContain(`pid ${lockSession}`);
    expect(blocked?.hint).toContain(`SELECT pg_terminate_backend(${lockSession}) ends the session that holds it`);
    await direct.query('SELECT pg_terminate_backend($1)', [lockSession]);

    const report = await loadImport({ staging, client: direct, importId: IMPORT, target: 'direct', batchSize: BATCH });
    expect(report.reconciled).toBe(true);
    expect(await loadedContents(direct)).toEqual(await loadedContents(reference.client));
    expect(await rowCounts(direct)).toEqual(await rowCounts(reference.client));
    expect(stagedOutcomes(staging)).toEqual(stagedOutcomes(reference.staging));
  });

  it('in session mode loads as a direct connection does', async () => {
    const { direct, bouncer } = await target();
    const pooled = await pooledClient(bouncer.sessionUrl);
    const staging = staged('session');
    const report = await loadImport({
      staging,
      client: pooled,
      importId: IMPORT,
      target: 'pooler/session',
      batchSize: BATCH,
    });
    expect(report.reconciled).toBe(true);
    expect(await loadedContents(direct)).toEqual(await loadedContents(reference.client));
    expect(stagedOutcomes(staging)).toEqual(stagedOutcomes(reference.staging));
    // A second load through the pooler changes nothing.
    const again = await loadImport({ staging, client: pooled, importId: IMPORT, target: 'pooler/session' });
    expect(again.reconciled).toBe(true);
    expect(await rowCounts(direct)).toEqual(await rowCounts(reference.client));
  });
});
