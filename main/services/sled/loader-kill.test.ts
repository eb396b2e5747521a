/**
 * Killing a load (SIGKILL of a real process) at any point and loading again
 * gives exactly the rows, provenance and staged outcomes of one uninterrupted
 * load: compared table by table with a reference database loaded once.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres';
import { loadImport } from './loader';
import {
  applyStackMigrations,
  buildStaging,
  connect,
  type FixtureEntry,
  loadedContents,
  manyEntries,
  rowCounts,
  stagedOutcomes,
  standardEntries,
} from './load-test-support';
import { StagingDb } from './staging-db';

const IMPORT = 'sled-kill-test';
const BATCH = 25;
const ENTRIES: FixtureEntry[] = [...standardEntries(), ...manyEntries(1200)];
const childScript = fileURLToPath(new URL('../../../test/fixtures/sled-load-child.ts', import.meta.url));

let dir: string;
const databases: TestDatabase[] = [];
const clients: pg.Client[] = [];
let reference: { client: pg.Client; staging: StagingDb };

async function target(): Promise<{ db: TestDatabase; client: pg.Client }> {
  const db = await createTestDatabase('sledkill');
  databases.push(db);
  const client = await connect(db.url);
  clients.push(client);
  await applyStackMigrations(client);
  return { db, client };
}

/** Runs the child load; kills it after `killAfter` committed batches (or lets it kill itself). */
async function childLoad(
  file: string,
  url: string,
  options: { killAfter?: number; selfKillAt?: number },
): Promise<{ committed: number; signal: NodeJS.Signals | null; stderr: string }> {
  const args = ['--import', 'tsx', childScript, file, url, String(BATCH)];
  if (options.selfKillAt !== undefined) args.push('kill-after-commit', String(options.selfKillAt));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let committed = 0;
  let buffered = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      committed = (JSON.parse(line) as { committed: number }).committed;
      if (options.killAfter !== undefined && committed >= options.killAfter) child.kill('SIGKILL');
    }
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, s) => resolve(s)));
  return { committed, signal, stderr };
}

/** The killed process's backend goes away (and with it the load lock) once PostgreSQL sees the socket close. */
async function childSessionGone(client: pg.Client): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const n = (
      await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sled-load-child'",
      )
    ).rows[0]!.n;
    if (n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the killed load still has a session');
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-sled-kill-'));
  const ref = await target();
  const staging = buildStaging(path.join(dir, 'reference.sqlite'), IMPORT, ENTRIES);
  await loadImport({ staging, client: ref.client, importId: IMPORT, target: 'reference' });
  reference = { client: ref.client, staging };
});

afterAll(async () => {
  reference?.staging.close();
  for (const c of clients) await c.end().catch(() => undefined);
  for (const db of databases) await db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a load killed and run again', () => {
  const cases: Array<[string, { killAfter?: number; selfKillAt?: number }]> = [
    ['killed from outside after some batches', { killAfter: 6 }],
    ['killed between a COMMIT and its staging update', { selfKillAt: 5 }],
  ];
  it.each(cases)('%s gives exactly the rows of one uninterrupted run', async (_name, options) => {
    const { db, client } = await target();
    const file = path.join(dir, `${options.killAfter ?? 'self'}-${options.selfKillAt ?? 'outside'}.sqlite`);
    buildStaging(file, IMPORT, ENTRIES).close();

    const killed = await childLoad(file, db.url, options);
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    await childSessionGone(client);
    const partial = await rowCounts(client);
    const all = await rowCounts(reference.client);
    // Some batches committed, not all of them.
    expect(partial.provenance).toBeGreaterThanOrEqual((options.killAfter ?? options.selfKillAt! - 1) * BATCH);
    expect(partial.provenance).toBeLessThan(all.provenance);
    const staging = StagingDb.open(file);
    try {
      const recorded = staging.db
        .prepare("SELECT count(*) FROM entries WHERE outcome IN ('loaded', 'skipped') AND record IS NOT NULL")
        .pluck()
        .get() as number;
      if (options.selfKillAt !== undefined) expect(recorded).toBeLessThan(partial.provenance);
      const run = (await client.query('SELECT outcome, finished_at FROM sled_import.loads')).rows;
      expect(run).toEqual([{ outcome: 'running', finished_at: null }]);

      const report = await loadImport({ staging, client, importId: IMPORT, target: 'resumed' });
      expect(report.reconciled).toBe(true);
      expect(await rowCounts(client)).toEqual(all);
      expect(await loadedContents(client)).toEqual(await loadedContents(reference.client));
      expect(stagedOutcomes(staging)).toEqual(stagedOutcomes(reference.staging));
    } finally {
      staging.close();
    }
  });
});
