import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_BACKEND, freePort, waitUntil } from '../services/backend/process-test-support';
import { isAlive } from '../services/backend/process-tree';

const bin = fileURLToPath(new URL('../../bin/ops-console.js', import.meta.url));

interface Running {
  stdout: string;
  stderr: string;
  code: number | null;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const state: Running = {
    stdout: '',
    stderr: '',
    code: null,
    exited: new Promise((resolve) =>
      child.once('exit', (code) => {
        state.code = code;
        resolve(code);
      }),
    ),
    kill: (signal) => child.kill(signal),
  };
  child.stdout.on('data', (chunk: Buffer) => (state.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (state.stderr += chunk.toString()));
  return state;
}

describe('ops-console backend run (real child processes)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-cli-backend-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('supervises in the foreground, prints output and JSON-line states, and stops gracefully on SIGTERM', async () => {
    const port = await freePort();
    const cli = run([
      '--data-dir',
      dataDir,
      '--json',
      'backend',
      'run',
      '--binary',
      FAKE_BACKEND,
      '--port',
      String(port),
      '--url',
      'postgres://app@127.0.0.1:5432/stack',
      '--env',
      'FAKE_GRANDCHILD=1',
    ]);
    const records = () =>
      cli.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { type: string; state?: string; pid?: number; text?: string });
    const running = await waitUntil(() => records().find((r) => r.type === 'status' && r.state === 'running'), 20_000);
    const pid = running.pid ?? 0;
    expect(pid).toBeGreaterThan(0);
    const grandchild = Number(
      (
        await waitUntil(() => records().find((r) => r.type === 'log' && /grandchild pid/.test(r.text ?? '')), 10_000)
      ).text?.match(/\d+/)?.[0],
    );
    await waitUntil(() => records().some((r) => r.type === 'log' && /GET "\/health"/.test(r.text ?? '')), 10_000);
    cli.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    const states = records()
      .filter((r) => r.type === 'status')
      .map((r) => r.state);
    expect(states).toEqual(['starting', 'running', 'stopping', 'stopped']);
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
  });

  it('exits 1 with the last lines when the backend crashes under the never policy', async () => {
    const cli = run(
      [
        '--data-dir',
        dataDir,
        'backend',
        'run',
        '--binary',
        FAKE_BACKEND,
        '--port',
        String(await freePort()),
        '--restart',
        'never',
        '--env',
        'FAKE_CRASH_AFTER_MS=300',
      ],
      { DATABASE_URL: 'postgres://app@127.0.0.1:5432/stack' },
    );
    expect(await cli.exited).toBe(1);
    expect(cli.stderr).toMatch(/exited with code 2/);
    expect(cli.stderr).toMatch(/error: The backend crashed/);
  });

  it('refuses a missing binary and an unset DATABASE_URL before spawning, with hints', async () => {
    const cli = run(['--data-dir', dataDir, 'backend', 'run', '--binary', path.join(dataDir, 'no-such-server')]);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr).toMatch(/no-such-server/);
    expect(cli.stderr).toMatch(/DATABASE_URL/);
    expect(cli.stderr).toMatch(/hint: /);
    // The command line's own way to give it, not the UI's profile picker.
    expect(cli.stderr).toContain('Pass --url postgres://…, or set DATABASE_URL');
    expect(cli.stderr).not.toContain('Choose a connection profile');
  });
});
