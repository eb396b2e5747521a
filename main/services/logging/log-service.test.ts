import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogService } from './log-service';

const dirs: string[] = [];
function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-log-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function waitForFile(file: string, needle: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (text.includes(needle)) return text;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${needle} never reached ${file}`);
}

describe('LogService', () => {
  it('writes redacted lines with scope and level to the log file', async () => {
    const dir = tempDir();
    const log = new LogService({ dir });
    log.scope('postgres').warn('connect postgres://app:topsecret@db/x failed', { password: 'alsosecret' });
    const text = await waitForFile(log.file, 'connect postgres');
    expect(text).toContain('[warn]');
    expect(text).toContain('postgres');
    expect(text).not.toContain('topsecret');
    expect(text).not.toContain('alsosecret');
  });

  it('says at start-up when its log file cannot be written, and keeps the lines in memory', () => {
    const dir = tempDir();
    expect(new LogService({ dir }).fileProblem).toBeNull();
    // The log folder's place is taken by a file: no folder can be made there (root included).
    const blocked = path.join(dir, 'blocked');
    fs.writeFileSync(blocked, 'not a folder');
    const log = new LogService({ dir: blocked });
    expect(log.fileProblem).toMatch(/EEXIST|ENOTDIR/);
    log.scope('t').warn('still kept');
    expect(log.recent().map((l) => l.message)).toEqual(['still kept']);
  });

  it('keeps a bounded buffer of recent lines and notifies subscribers in order', () => {
    const log = new LogService({ dir: tempDir(), bufferSize: 3 });
    const seen: number[] = [];
    const off = log.onLine((line) => seen.push(line.seq));
    for (let i = 0; i < 5; i++) log.scope('t').info(`line ${i}`);
    off();
    log.scope('t').info('after unsubscribe');
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(log.recent(10).map((l) => l.message)).toEqual(['line 3', 'line 4', 'after unsubscribe']);
    expect(log.recent(1)).toHaveLength(1);
  });

  it('drops lines below the configured level', () => {
    const log = new LogService({ dir: tempDir(), level: 'warn' });
    log.scope('t').info('quiet');
    log.scope('t').debug('quieter');
    log.scope('t').error('loud');
    expect(log.recent().map((l) => l.message)).toEqual(['loud']);
  });

  it('rotates the file when it passes the size limit', async () => {
    const dir = tempDir();
    const log = new LogService({ dir, maxBytes: 2048 });
    for (let i = 0; i < 80; i++) log.scope('t').info(`filler line ${i} ${'x'.repeat(60)}`);
    await waitForFile(log.file, 'filler line 79');
    const files = fs.readdirSync(dir);
    expect(files.some((f) => f.includes('old'))).toBe(true);
    expect(fs.statSync(log.file).size).toBeLessThan(4096);
  });
});
