import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartTime } from '../backend/process-tree';
import { cleanupPartials } from './capture';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function partial(dir: string, id: string, owner: { pid: number; startTime: string | null } | null): void {
  fs.writeFileSync(path.join(dir, `${id}.snapshot.partial`), 'x');
  fs.writeFileSync(path.join(dir, `${id}.snapshot.partial-journal`), 'x');
  if (owner) fs.writeFileSync(path.join(dir, `${id}.snapshot.partial.owner`), JSON.stringify(owner));
}

describe('cleanupPartials', () => {
  it('removes what dead captures left, but not a capture another live process is writing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-partials-'));
    dirs.push(dir);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    partial(dir, 'snap-live', { pid: process.pid, startTime: processStartTime(process.pid) });
    partial(dir, 'snap-dead', { pid: Number(dead.stdout), startTime: 'gone' });
    partial(dir, 'snap-reused', { pid: process.pid, startTime: 'another process had this pid' });
    partial(dir, 'snap-unowned', null);
    fs.writeFileSync(path.join(dir, 'snap-done.snapshot'), 'kept');
    expect(cleanupPartials(dir)).toBe(3);
    expect(fs.readdirSync(dir).sort()).toEqual([
      'snap-done.snapshot',
      'snap-live.snapshot.partial',
      'snap-live.snapshot.partial-journal',
      'snap-live.snapshot.partial.owner',
    ]);
  });
});
