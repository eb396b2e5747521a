import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureProgress } from '../../../common/snapshots';
import { runSql } from '../../../test/helpers/postgres';
import { memoryLogger } from '../catalog/test-support';
import { CaptureCancelledError, cleanupPartials, SnapshotCapture } from './capture';
import { createCaptureFixture, type CaptureFixture } from '../../../test/helpers/snapshot-capture';

const BIG_ROWS = 300_000;

let fixture: CaptureFixture;

beforeAll(async () => {
  fixture = await createCaptureFixture('snapshot_capture_run');
  await runSql(
    fixture.db.url,
    `CREATE SCHEMA big;
     CREATE TABLE big.rows (id bigint PRIMARY KEY, label text, amount numeric(12,2), at timestamptz, flag boolean);
     INSERT INTO big.rows
       SELECT g, 'row ' || g || ' ' || md5(g::text), g * 1.25, '2024-01-01'::timestamptz + g * interval '1 second', g % 3 = 0
         FROM generate_series(1, ${BIG_ROWS}) g;
     ANALYZE big.rows;
     CREATE TABLE big.tiny (id int PRIMARY KEY);
     INSERT INTO big.tiny VALUES (1);`,
  );
}, 120_000);

afterAll(async () => {
  await fixture?.drop();
});

describe('SnapshotCapture while running', () => {
  it('stops when cancelled mid-table and leaves no file behind', async () => {
    const before = new Set(fs.readdirSync(fixture.dir));
    const service = new SnapshotCapture({ dir: fixture.dir, logger: memoryLogger(), progressIntervalMs: 50 });
    const progress: CaptureProgress[] = [];
    const req = fixture.request({
      tablePattern: 'big.*',
      onProgress: (p) => {
        progress.push(p);
        if (p.rowsDone > 0 && p.phase === 'tables') service.cancel(req.captureId);
      },
    });
    const outcome = await service.start(req).then(
      () => null,
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(CaptureCancelledError);
    expect(outcome).toMatchObject({ kind: 'conflict', cancelled: true });
    expect(progress.at(-1)?.phase).toBe('cancelled');
    expect(progress.find((p) => p.phase === 'tables' && p.rowsDone > 0)?.table).toBe('big.rows');
    expect(Math.max(...progress.map((p) => p.rowsDone))).toBeLessThan(BIG_ROWS);
    expect(fs.readdirSync(fixture.dir).filter((f) => !before.has(f))).toEqual([]);
    expect(service.cancel(req.captureId)).toBe(false);
  });

  it('leaves only a partial file when the process is killed, and cleanupPartials removes it', async () => {
    // Inside the fixture's folder, so it goes with it whatever happens here.
    const killDir = fs.mkdtempSync(path.join(fixture.dir, 'killed-'));
    const script = `
      const { SnapshotCapture } = await import(process.env.CAPTURE_MODULE);
      const service = new SnapshotCapture({ dir: process.env.CAPTURE_DIR, logger: console, progressIntervalMs: 50 });
      await service.start({
        captureId: 'killed', url: process.env.CAPTURE_URL, sourceProfile: null, sourceTarget: 'x', name: null,
        tablePattern: 'big.*', rowLimit: null,
        onProgress: (p) => process.stdout.write(JSON.stringify(p) + '\\n'),
      });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: {
        ...process.env,
        CAPTURE_MODULE: new URL('./capture.ts', import.meta.url).href,
        CAPTURE_DIR: killDir,
        CAPTURE_URL: fixture.db.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killedMidTable = await new Promise<boolean>((resolve) => {
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.startsWith('{')) continue;
          const p = JSON.parse(line) as CaptureProgress;
          if (p.phase === 'tables' && p.rowsDone > 0 && p.rowsDone < BIG_ROWS) {
            child.kill('SIGKILL');
            resolve(true);
          }
        }
      });
      child.on('exit', () => resolve(false));
    });
    await new Promise((resolve) =>
      child.exitCode === null && child.signalCode === null ? child.on('exit', resolve) : resolve(null),
    );
    expect(killedMidTable, stderr).toBe(true);
    const left = fs.readdirSync(killDir);
    expect(left.filter((f) => f.endsWith('.snapshot'))).toEqual([]);
    expect(left.filter((f) => f.endsWith('.snapshot.partial'))).toHaveLength(1);
    expect(cleanupPartials(killDir)).toBe(1);
    expect(fs.readdirSync(killDir)).toEqual([]);
    expect(cleanupPartials(killDir)).toBe(0);
  });

  it('keeps memory bounded while capturing a large table', async () => {
    const start = process.memoryUsage().rss;
    /** The highest RSS while capturing: the process plus the capture's two worker threads. */
    const peakRss = async (pattern: string, rows: number): Promise<number> => {
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      try {
        const result = await fixture.capture({ tablePattern: pattern });
        const sqlite = new Database(result.file, { readonly: true });
        expect(sqlite.prepare('SELECT row_count FROM snapshot_tables').pluck().get()).toBe(rows);
        sqlite.close();
      } finally {
        clearInterval(sampler);
      }
      return peak;
    };
    const mb = (bytes: number) => bytes / 1024 / 1024;
    // Starting the threads costs the same whatever the table (more from sources: tsx loads in each);
    // what 300 000 rows add on top of one row must stay small.
    const oneRow = await peakRss('big.tiny', 1);
    const manyRows = await peakRss('big.rows', BIG_ROWS);
    expect(mb(manyRows - oneRow)).toBeLessThan(100);
    expect(mb(manyRows - start)).toBeLessThan(250);
  });
});
