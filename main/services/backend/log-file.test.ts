import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../logging/log-service';
import { RotatingLogFile } from './log-file';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (stdout|stderr|system) .*$/;

let dir = '';
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-file-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function readLines(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

function recordingLogger(): Logger & { messages: string[] } {
  const messages: string[] = [];
  const record = (...parts: unknown[]) => void messages.push(parts.map(String).join(' '));
  return { messages, error: record, warn: record, info: record, debug: record };
}

describe('RotatingLogFile', () => {
  it('writes `<ISO time> <stream> <text>` lines to <dir>/<name>.log', () => {
    const file = new RotatingLogFile({ dir, name: 'api' });
    expect(file.path).toBe(path.join(dir, 'api.log'));
    file.append('stdout', 'GET /health 200', T0);
    file.append('stderr', 'warn: slow query', T0 + 1);
    file.append('system', 'exited with code 0', T0 + 2);
    file.close();
    expect(readLines(file.path)).toEqual([
      '2025-03-01T12:00:00.000Z stdout GET /health 200',
      '2025-03-01T12:00:00.001Z stderr warn: slow query',
      '2025-03-01T12:00:00.002Z system exited with code 0',
    ]);
  });

  it('buffers until the timer or close, then writes everything', async () => {
    const file = new RotatingLogFile({ dir, name: 'api', flushIntervalMs: 20 });
    file.append('stdout', 'one', T0);
    expect(fs.existsSync(file.path)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(readLines(file.path)).toHaveLength(1);
    file.append('stdout', 'two', T0);
    file.close();
    expect(readLines(file.path)).toHaveLength(2);
    file.append('stdout', 'after close', T0);
    expect(readLines(file.path)).toHaveLength(2);
  });

  it('writes as soon as the buffer cap is reached', () => {
    const file = new RotatingLogFile({ dir, name: 'api', bufferChars: 1000, flushIntervalMs: 60_000 });
    for (let i = 0; i < 30; i++) file.append('stdout', `line ${i} ${'x'.repeat(40)}`, T0);
    expect(file.buffered).toBeLessThan(1000);
    expect(readLines(file.path).length).toBeGreaterThanOrEqual(14);
    file.close();
    expect(readLines(file.path)).toHaveLength(30);
  });

  it('rotates past maxBytes, keeps `keep` old files, and loses no line in between', () => {
    const file = new RotatingLogFile({ dir, name: 'api', maxBytes: 2000, keep: 2, bufferChars: 700 });
    const total = 500;
    for (let i = 0; i < total; i++) file.append(i % 2 ? 'stderr' : 'stdout', `request ${i}`, T0 + i);
    file.close();
    const names = fs.readdirSync(dir).sort();
    expect(names).toEqual(['api.log', 'api.log.1', 'api.log.2']);
    for (const name of names) {
      const full = path.join(dir, name);
      expect(fs.statSync(full).size).toBeLessThanOrEqual(2000);
      for (const line of readLines(full)) expect(line).toMatch(LINE);
    }
    // Oldest to newest: .2, .1, current; contiguous with no gap or repeat.
    const kept = ['api.log.2', 'api.log.1', 'api.log'].flatMap((n) => readLines(path.join(dir, n)));
    const numbers = kept.map((l) => Number(/request (\d+)$/.exec(l)?.[1]));
    expect(numbers.at(-1)).toBe(total - 1);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => numbers[0]! + i));
    expect(numbers[0]).toBeGreaterThan(0);
  });

  it('with keep 0 starts the file over instead of keeping old ones', () => {
    const file = new RotatingLogFile({ dir, name: 'api', maxBytes: 500, keep: 0 });
    for (let i = 0; i < 100; i++) file.append('stdout', `request ${i}`, T0);
    file.close();
    expect(fs.readdirSync(dir)).toEqual(['api.log']);
    expect(readLines(path.join(dir, 'api.log')).at(-1)).toMatch(/request 99$/);
  });

  it('appends to an existing file and rotates it when it is already full', () => {
    fs.writeFileSync(path.join(dir, 'api.log'), 'old\n'.repeat(300));
    const file = new RotatingLogFile({ dir, name: 'api', maxBytes: 1000 });
    file.append('stdout', 'new', T0);
    file.close();
    expect(fs.readFileSync(path.join(dir, 'api.log.1'), 'utf8')).toBe('old\n'.repeat(300));
    expect(readLines(path.join(dir, 'api.log'))).toEqual(['2025-03-01T12:00:00.000Z stdout new']);
  });

  it('counts and logs lines it cannot write, without throwing, and notes the gap once it can', () => {
    const logger = recordingLogger();
    // A file where the folder should be: mkdir and open fail.
    const blocked = path.join(dir, 'blocked');
    fs.writeFileSync(blocked, '');
    const file = new RotatingLogFile({ dir: blocked, name: 'api', bufferChars: 100, logger, clock: () => T0 });
    for (let i = 0; i < 50; i++) file.append('stdout', `line ${i} ${'x'.repeat(30)}`, T0);
    file.flush();
    expect(file.dropped).toBe(50);
    expect(logger.messages.filter((m) => m.startsWith('Cannot write backend log'))).toHaveLength(1);
    // The disk comes back.
    fs.rmSync(blocked);
    file.append('stdout', 'back', T0);
    file.close();
    const [note, back, ...rest] = readLines(file.path);
    expect(note).toMatch(
      /^2025-03-01T12:00:00\.000Z system \[ops-console\] 50 lines could not be written here \(E[A-Z]+\)$/,
    );
    expect(back).toBe('2025-03-01T12:00:00.000Z stdout back');
    expect(rest).toEqual([]);
    expect(file.dropped).toBe(50);
    expect(logger.messages.at(-1)).toMatch(/writable again after dropping 50 lines/);
  });

  it.runIf(process.platform === 'linux' && fs.existsSync('/dev/full'))('counts lines lost to a full disk', () => {
    fs.symlinkSync('/dev/full', path.join(dir, 'api.log'));
    const file = new RotatingLogFile({ dir, name: 'api' });
    for (let i = 0; i < 10; i++) file.append('stdout', `line ${i}`, T0);
    expect(() => file.close()).not.toThrow();
    expect(file.dropped).toBe(10);
  });

  it('refuses a name that is a path', () => {
    expect(() => new RotatingLogFile({ dir, name: '../escape' })).toThrow(/plain file name/);
  });
});
