import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../test/helpers/cli';

interface StatusJson {
  state: string;
  url: string | null;
  port: number | null;
  dataDir: string;
  version: string | null;
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// Each CLI run starts a fresh Node + tsx process (seconds on a small machine), and this story takes eight.
describe('ops-console local-pg (real child processes)', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-cli-local-pg-'));
  });
  afterAll(async () => {
    await cli(['--data-dir', dataDir, 'local-pg', 'stop']);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('start leaves the server running after the CLI exits; status in a new process sees it; stop stops it', async () => {
    const start = await cli(['--data-dir', dataDir, 'local-pg', 'start']);
    expect(start.stderr).toBe('');
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(/^Local PostgreSQL \d+\.\d+ is running on 127\.0\.0\.1:\d+ \(pid \d+\)$/m);
    expect(start.stdout).toMatch(/^url {7}postgres:\/\/postgres:\*{4}@127\.0\.0\.1:\d+\/postgres\?sslmode=disable$/m);

    // A separate process: the server outlived the one that started it.
    const status = await cli(['--data-dir', dataDir, '--json', 'local-pg', 'status']);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout) as StatusJson;
    expect(parsed).toMatchObject({
      state: 'running',
      dataDir: path.join(dataDir, 'local-pg', 'data'),
      version: expect.stringMatching(/^\d+\.\d+/),
    });
    expect(parsed.url).toBe(`postgres://postgres:****@127.0.0.1:${parsed.port}/postgres?sslmode=disable`);
    const port = parsed.port!;

    // --show-password gives scripts a URL that logs in; the password is the one in local-pg/.pgpass.
    const withPassword = JSON.parse(
      (await cli(['--data-dir', dataDir, '--json', 'local-pg', 'status', '--show-password'])).stdout,
    ) as StatusJson;
    const password = decodeURIComponent(new URL(withPassword.url!).password);
    expect(fs.readFileSync(path.join(dataDir, 'local-pg', '.pgpass'), 'utf8')).toContain(`:postgres:${password}`);
    expect(start.stdout + status.stdout).not.toContain(password);
    const client = new pg.Client({ connectionString: withPassword.url! });
    await client.connect();
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await client.end();

    // Another command that opens the app (and shuts it down) leaves the server alone.
    expect((await cli(['--data-dir', dataDir, 'info'])).code).toBe(0);
    // A second start adopts the running server instead of starting another.
    const again = await cli(['--data-dir', dataDir, '--json', 'local-pg', 'start']);
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'running', port });
    expect(await portAccepts(port)).toBe(true);

    const stop = await cli(['--data-dir', dataDir, 'local-pg', 'stop']);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/^Local PostgreSQL \S+ is stopped$/m);
    expect(await portAccepts(port)).toBe(false);
    const after = JSON.parse((await cli(['--data-dir', dataDir, '--json', 'local-pg', 'status'])).stdout) as StatusJson;
    expect(after).toMatchObject({ state: 'stopped', url: null, port: null });
  }, 180_000);
});
