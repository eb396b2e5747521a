import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  deadPid,
  grandchildPid,
  memoryLogger,
  spawnDetachedFixture,
  waitUntil,
  type DetachedFixture,
} from './process-test-support';
import {
  groupAlive,
  isAlive,
  pidFileFor,
  processStartTime,
  processStats,
  reapOrphans,
  removePidFile,
  signalGroup,
  waitGroupGone,
  writePidFile,
} from './process-tree';

const posix = process.platform !== 'win32';
let dir: string;
const started: number[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-pidfiles-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

async function fixture(env: NodeJS.ProcessEnv = {}): Promise<DetachedFixture> {
  const f = await spawnDetachedFixture(env);
  started.push(f.pid);
  return f;
}

async function deadOwner(): Promise<{ pid: number; startTime: string }> {
  return { pid: await deadPid(), startTime: 'an app that crashed' };
}

describe.runIf(posix)('process table helpers', () => {
  it('reads a stable start time for a live process and null for a gone one', async () => {
    const own = processStartTime(process.pid);
    expect(own).toMatch(/\S/);
    expect(processStartTime(process.pid)).toBe(own);
    const gone = await deadPid();
    expect(processStartTime(gone)).toBeNull();
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(gone)).toBe(false);
  });

  it('signals a whole process group: the leader and the grandchild it forked both go', async () => {
    const f = await fixture({ FAKE_GRANDCHILD: '1' });
    const grandchild = await waitUntil(() => grandchildPid(f.lines), 10_000, 'the grandchild pid');
    expect(groupAlive(f.pid)).toBe(true);
    expect(isAlive(grandchild)).toBe(true);

    signalGroup(f.pid, 'SIGTERM');
    expect(await waitGroupGone(f.pid, 10_000)).toBe(true);
    expect(isAlive(f.pid)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
    // A group that is gone is not an error.
    expect(() => signalGroup(f.pid, 'SIGKILL')).not.toThrow();
  });

  it('samples memory at once and CPU from the second call; nulls for a gone process', async () => {
    const first = await processStats(process.pid);
    expect(first.memoryBytes).toBeGreaterThan(1024 * 1024);
    let x = 0;
    for (let i = 0; i < 2_000_000; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    const second = await processStats(process.pid);
    expect(second.cpuPercent).not.toBeNull();
    expect(second.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(await processStats(await deadPid())).toEqual({ cpuPercent: null, memoryBytes: null });
  });
});

describe.runIf(posix)('pid files and reapOrphans', () => {
  it('writes the record atomically and removes it', () => {
    const record = { pid: 1234, startTime: '99', binaryPath: '/opt/backend', startedAt: new Date().toISOString() };
    writePidFile(dir, 'b/1', record);
    const file = pidFileFor(dir, 'b/1');
    expect(path.dirname(file)).toBe(dir);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(stored).toMatchObject({ ...record, owner: { pid: process.pid } });
    expect(fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    removePidFile(dir, 'b/1');
    expect(fs.existsSync(file)).toBe(false);
  });

  it('after an app crash: kills the orphan and its grandchild, never a reused pid, and removes every file', async () => {
    const logger = memoryLogger();
    const owner = await deadOwner();

    const orphan = await fixture({ FAKE_GRANDCHILD: '1' });
    const grandchild = await waitUntil(() => grandchildPid(orphan.lines), 10_000, 'the grandchild pid');
    writePidFile(dir, 'orphan', {
      pid: orphan.pid,
      startTime: processStartTime(orphan.pid),
      binaryPath: 'fake-backend.mjs',
      startedAt: new Date().toISOString(),
      owner,
    });

    // A pid that now belongs to another program (same pid, different start time).
    const stranger = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    started.push(stranger.pid!);
    writePidFile(dir, 'reused', {
      pid: stranger.pid!,
      startTime: 'not its start time',
      binaryPath: 'fake-backend.mjs',
      startedAt: new Date().toISOString(),
      owner,
    });

    const gone = await deadPid();
    writePidFile(dir, 'gone', { pid: gone, startTime: '1', binaryPath: 'x', startedAt: '', owner });
    fs.writeFileSync(path.join(dir, 'garbage.pid.json'), '{not json');

    const results = await reapOrphans(dir, logger);
    const byId = Object.fromEntries(results.map((r) => [r.backendId, r]));
    expect(byId).toEqual({
      orphan: { backendId: 'orphan', pid: orphan.pid, action: 'killed' },
      reused: { backendId: 'reused', pid: stranger.pid, action: 'pid_reused' },
      gone: { backendId: 'gone', pid: gone, action: 'gone' },
    });
    expect(isAlive(orphan.pid)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
    expect(isAlive(stranger.pid!)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('kills what is left in the group when the orphan leader itself is gone', async () => {
    const owner = await deadOwner();
    const orphan = await fixture({ FAKE_GRANDCHILD: '1' });
    const grandchild = await waitUntil(() => grandchildPid(orphan.lines), 10_000, 'the grandchild pid');
    const startTime = processStartTime(orphan.pid);
    process.kill(orphan.pid, 'SIGKILL');
    await waitUntil(() => !isAlive(orphan.pid), 10_000, 'the leader to die');
    expect(isAlive(grandchild)).toBe(true);
    writePidFile(dir, 'leaderless', { pid: orphan.pid, startTime, binaryPath: 'x', startedAt: '', owner });

    expect(await reapOrphans(dir, memoryLogger())).toEqual([
      { backendId: 'leaderless', pid: orphan.pid, action: 'killed' },
    ]);
    expect(isAlive(grandchild)).toBe(false);
  });

  it('leaves alone the files of a live app process (this one)', async () => {
    const f = await fixture();
    writePidFile(dir, 'mine', {
      pid: f.pid,
      startTime: processStartTime(f.pid),
      binaryPath: 'x',
      startedAt: '',
    });
    expect(await reapOrphans(dir, memoryLogger())).toEqual([]);
    expect(isAlive(f.pid)).toBe(true);
    expect(fs.existsSync(pidFileFor(dir, 'mine'))).toBe(true);
    removePidFile(dir, 'mine');
  });

  it('returns nothing for a folder that does not exist yet', async () => {
    expect(await reapOrphans(path.join(dir, 'missing'), memoryLogger())).toEqual([]);
  });
});
