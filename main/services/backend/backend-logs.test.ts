import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackendLogBatch } from '../../../common/backend';
import { BackendLogs, logFileName } from './backend-logs';
import { DEFAULT_MAX_LINES_PER_BATCH } from './log-batcher';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');

let dir = '';
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backend-logs-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A real collection, so the heap figure means something (vitest does not pass --expose-gc). */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('BackendLogs', () => {
  it('puts each line in the ring, the file and the push, with one seq and time', () => {
    const batches: BackendLogBatch[] = [];
    let now = T0;
    const logs = new BackendLogs({
      id: 'b1',
      name: 'Orders API',
      dir,
      clock: () => now,
      onBatch: (b) => batches.push(b),
    });
    logs.line('stdout', 'listening on :8080');
    now += 250;
    logs.line('stderr', 'SELECT 1 -- 3ms');
    logs.close();

    const expected = [
      { seq: 1, at: '2025-03-01T12:00:00.000Z', stream: 'stdout', text: 'listening on :8080' },
      { seq: 2, at: '2025-03-01T12:00:00.250Z', stream: 'stderr', text: 'SELECT 1 -- 3ms' },
    ];
    expect(batches).toEqual([{ id: 'b1', lines: expected, dropped: 0 }]);
    expect(logs.tail(1)).toEqual([expected[1]]);
    expect(logs.query({ streams: ['stderr'] })).toEqual({
      id: 'b1',
      lines: [expected[1]],
      size: 2,
      firstSeq: 1,
      lastSeq: 2,
      droppedFromPush: 0,
      evicted: 0,
      logFile: path.join(dir, 'Orders_API-b1.log'),
    });
    expect(fs.readFileSync(logs.logFile, 'utf8')).toBe(
      '2025-03-01T12:00:00.000Z stdout listening on :8080\n2025-03-01T12:00:00.250Z stderr SELECT 1 -- 3ms\n',
    );
  });

  it('cuts very long lines in memory and in the push but keeps them whole in the file', () => {
    const batches: BackendLogBatch[] = [];
    const logs = new BackendLogs({ id: 'b1', name: 'api', dir, maxLineChars: 1000, onBatch: (b) => batches.push(b) });
    const long = `INSERT ${'v'.repeat(50_000)}`;
    logs.line('stdout', long);
    logs.close();
    expect(logs.tail(1)[0]?.text).toHaveLength(1000);
    expect(batches[0]?.lines[0]?.text).toHaveLength(1000);
    expect(fs.readFileSync(logs.logFile, 'utf8')).toContain(long);
  });

  it('names the log file safely', () => {
    expect(logFileName('Orders API', 'b1')).toBe('Orders_API-b1');
    expect(logFileName('../../etc/passwd', 'x/y')).toBe('etc_passwd-x_y');
    expect(logFileName('***', '')).toBe('backend');
  });

  it(
    'survives a flood of 500 000 lines: bounded memory, every line delivered or counted as dropped',
    { timeout: 120_000 },
    async () => {
      const gc = exposeGc();
      const batches: BackendLogBatch[] = [];
      let largestBatch = 0;
      let delivered = 0;
      const logs = new BackendLogs({
        id: 'flood',
        name: 'flood',
        dir,
        fileMaxBytes: 4 * 1024 * 1024,
        fileKeep: 2,
        onBatch: (b) => {
          largestBatch = Math.max(largestBatch, b.lines.length);
          // Keep only the counts: the renderer, not this test, would hold the lines.
          batches.push({ ...b, lines: b.lines.length ? [b.lines[0]!, b.lines.at(-1)!] : [] });
          delivered += b.lines.length;
        },
      });
      const total = 500_000;
      const slice = 25_000;
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      let heapPeak = heapBefore;
      for (let start = 0; start < total; start += slice) {
        for (let i = start; i < start + slice; i++) {
          logs.line(
            i % 7 === 0 ? 'stderr' : 'stdout',
            `2025/03/01 12:00:00 [req ${i}] GET /api/items/${i % 997}?page=${i % 13} 200 ${(i % 50) / 10}ms`,
          );
        }
        const s = logs.stats();
        expect(s.ringLines).toBeLessThanOrEqual(20_000);
        expect(s.ringBytes).toBeLessThanOrEqual(16 * 1024 * 1024);
        expect(s.pendingPush).toBeLessThanOrEqual(DEFAULT_MAX_LINES_PER_BATCH);
        expect(s.fileBuffered).toBeLessThanOrEqual(1024 * 1024 + 200);
        heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
        await pause(); // let the batch and file timers run, as the event loop would between chunks
      }
      logs.close();
      gc();
      const heapGrowth = process.memoryUsage().heapUsed - heapBefore;

      const stats = logs.stats();
      expect(stats.pushed).toBe(total);
      expect(delivered + stats.droppedFromPush).toBe(total);
      expect(stats.delivered).toBe(delivered);
      expect(batches.reduce((sum, b) => sum + b.dropped, 0)).toBe(stats.droppedFromPush);
      expect(largestBatch).toBeLessThanOrEqual(DEFAULT_MAX_LINES_PER_BATCH);
      // Far above the push's 100 000 lines/s: most lines are counted as dropped, none silently.
      expect(stats.droppedFromPush).toBeGreaterThan(0);
      expect(stats.ringLines).toBe(20_000);
      expect(heapGrowth).toBeLessThan(200 * 1024 * 1024);
      expect(heapPeak - heapBefore).toBeLessThan(400 * 1024 * 1024);

      const page = logs.query({ limit: 1 });
      expect(page).toMatchObject({
        size: 20_000,
        firstSeq: total - 20_000 + 1,
        lastSeq: total,
        evicted: total - 20_000,
      });
      expect(page.droppedFromPush).toBe(stats.droppedFromPush);
      expect(page.lines[0]?.text).toContain(`[req ${total - 1}]`);

      // The file has every line since the last rotations, the newest last, and no more files than kept.
      expect(stats.fileDropped).toBe(0);
      expect(fs.readdirSync(dir).sort()).toEqual(['flood-flood.log', 'flood-flood.log.1', 'flood-flood.log.2']);
      const tail = fs.readFileSync(logs.logFile, 'utf8').trimEnd().split('\n').at(-1);
      expect(tail).toMatch(/^\S+Z stdout 2025\/03\/01 12:00:00 \[req 499999\] /);
    },
  );
});
