/**
 * The backends through the app's router, as the renderer uses them: saved
 * configuration, DATABASE_URL from a profile, pre-flight refusals, start,
 * logs, stop; the app's shutdown stopping every backend; and the next start
 * reaping what a killed app left behind.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackendConfigView, BackendLogBatch, BackendLogPage, BackendStatus } from '../../../common/backend';
import type { ConnectionProfile } from '../../../common/profiles';
import { createApp, type App } from '../../app';
import { FAKE_BACKEND, freePort, waitUntil } from './process-test-support';
import { isAlive } from './process-tree';

const bin = fileURLToPath(new URL('../../../bin/ops-console.js', import.meta.url));
const apps: App[] = [];
const dirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-backend-app-'));
  dirs.push(dir);
  return dir;
}

function open(dataDir = tempDir(), startBackends = false): App {
  const app = createApp({ dataDir, version: '0.0.0-test', transport: 'cli', startBackends });
  apps.push(app);
  return app;
}

afterEach(async () => {
  for (const app of apps.splice(0)) await app.shutdown();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function call<T>(app: App, name: string, input: unknown): Promise<T> {
  const result = await app.router.call(name, input, { transport: 'cli' });
  if (!result.ok) throw Object.assign(new Error(result.error.message), result.error);
  return result.value as T;
}

async function failure(app: App, name: string, input: unknown) {
  const result = await app.router.call(name, input, { transport: 'cli' });
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('expected a failure');
  return result.error;
}

/** Alive and not a zombie (this sandbox's pid 1 does not reap orphans, so killed ones linger as zombies). */
const alive = (pid: number) => isAlive(pid);

function watch(app: App) {
  const statuses: BackendStatus[] = [];
  const batches: BackendLogBatch[] = [];
  app.events.subscribe((envelope) => {
    if (envelope.event === 'backend.status') statuses.push(envelope.payload as BackendStatus);
    if (envelope.event === 'backend.logs') batches.push(envelope.payload as BackendLogBatch);
  });
  return { statuses, batches };
}

async function profileFor(app: App): Promise<ConnectionProfile> {
  return call<ConnectionProfile>(app, 'profiles.save', {
    name: 'stack db',
    host: '127.0.0.1',
    port: 5432,
    database: 'stack',
    user: 'fodi',
    sslMode: 'disable',
  });
}

describe('backends through the router', () => {
  it('starts a saved backend with DATABASE_URL from a profile, follows its logs, and stops it', async () => {
    const app = open();
    const seen = watch(app);
    const profile = await profileFor(app);
    const port = await freePort();
    const saved = await call<BackendConfigView>(app, 'backend.save', {
      name: 'api',
      binaryPath: FAKE_BACKEND,
      port,
      databaseProfileId: profile.id,
      env: [{ key: 'GIN_MODE', value: 'release', secret: false }],
      probeIntervalMs: 200,
    });
    expect(await call(app, 'backend.preflight', { id: saved.id })).toEqual({ ok: true, issues: [] });
    const started = await call<BackendStatus>(app, 'backend.start', { id: saved.id });
    expect(started.state).toBe('starting');
    await waitUntil(() => seen.statuses.some((s) => s.state === 'running'), 15_000, 'running');
    const running = seen.statuses.find((s) => s.state === 'running');
    expect(running?.pid).toBeGreaterThan(0);
    expect(running?.healthUrl).toBe(`http://127.0.0.1:${port}/health`);
    // The fixture prints the DATABASE_URL host it got (never the password) and a line per request.
    await waitUntil(() => seen.batches.some((b) => b.lines.some((l) => l.text.includes('GET "/health"'))), 10_000);
    const page = await call<BackendLogPage>(app, 'backend.logs', { id: saved.id, search: 'get "/health"' });
    expect(page.lines.length).toBeGreaterThan(0);
    expect(page.lines.every((l) => l.stream === 'stdout')).toBe(true);
    const regex = await call<BackendLogPage>(app, 'backend.logs', {
      id: saved.id,
      search: '\\[GIN\\].*200',
      regex: true,
    });
    expect(regex.lines.length).toBeGreaterThan(0);
    expect(fs.existsSync(page.logFile)).toBe(true);
    const pid = running?.pid ?? 0;
    const stopped = await call<BackendStatus>(app, 'backend.stop', { id: saved.id });
    expect(stopped.state).toBe('stopped');
    expect(alive(pid)).toBe(false);
    const list = await call<Array<{ config: BackendConfigView; status: BackendStatus }>>(app, 'backend.list', {});
    expect(list.map((b) => [b.config.name, b.status.state])).toEqual([['api', 'stopped']]);
  });

  it('refuses to start with every pre-flight problem named: missing binary, missing profile, port in use', async () => {
    const app = open();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '0.0.0.0', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const saved = await call<BackendConfigView>(app, 'backend.save', {
        name: 'broken',
        binaryPath: path.join(tempDir(), 'bin', 'server'),
        port,
        databaseProfileId: 'deleted-profile',
      });
      const report = await call<{ ok: boolean; issues: Array<{ check: string; hint: string }> }>(
        app,
        'backend.preflight',
        { id: saved.id },
      );
      expect(report.ok).toBe(false);
      expect(report.issues.map((i) => i.check)).toEqual(
        expect.arrayContaining(['binary_missing', 'port_in_use', 'database_url']),
      );
      expect(report.issues.every((i) => i.hint.length > 0)).toBe(true);
      const error = await failure(app, 'backend.start', { id: saved.id });
      expect(error.message).toMatch(/server/);
      expect(`${error.message} ${error.detail ?? ''}`).toMatch(
        new RegExp(`port ${port} is in use by pid ${process.pid}`),
      );
      const [entry] = await call<Array<{ status: BackendStatus }>>(app, 'backend.list', {});
      expect(entry?.status.state).toBe('failed');
    } finally {
      holder.close();
    }
  });

  it('stops every backend when the app shuts down, leaving no process behind', async () => {
    const app = open();
    const seen = watch(app);
    const saved = await call<BackendConfigView>(app, 'backend.save', {
      name: 'api',
      binaryPath: FAKE_BACKEND,
      port: await freePort(),
      env: [
        { key: 'DATABASE_URL', value: 'postgres://x@127.0.0.1/db', secret: false },
        { key: 'FAKE_GRANDCHILD', value: '1', secret: false },
      ],
    });
    await call(app, 'backend.start', { id: saved.id });
    const grandchild = Number(
      (
        await waitUntil(
          () => seen.batches.flatMap((b) => b.lines).find((l) => /grandchild pid \d+/.test(l.text)),
          10_000,
        )
      ).text.match(/\d+/)?.[0],
    );
    const pid = (await waitUntil(() => seen.statuses.find((s) => s.pid !== null), 10_000)).pid ?? 0;
    expect(alive(pid) && alive(grandchild)).toBe(true);
    await app.shutdown();
    expect(alive(pid)).toBe(false);
    expect(alive(grandchild)).toBe(false);
  });
});

describe('after the app itself was killed', () => {
  it('the next start reaps the backend it left behind (serve with an auto-start backend, then SIGKILL)', async () => {
    const dataDir = tempDir();
    const first = open(dataDir);
    const saved = await call<BackendConfigView>(first, 'backend.save', {
      name: 'auto',
      binaryPath: FAKE_BACKEND,
      port: await freePort(),
      autoStart: true,
      env: [{ key: 'DATABASE_URL', value: 'postgres://x@127.0.0.1/db', secret: false }],
    });
    await first.shutdown();
    // A real `ops-console serve` starts it (auto-start), and is then killed without any chance to clean up.
    const serve = spawn(process.execPath, [bin, '--data-dir', dataDir, '--json', 'serve'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pidFile = path.join(dataDir, 'run');
    const backendPid = await waitUntil(
      () => {
        if (!fs.existsSync(pidFile)) return undefined;
        for (const name of fs.readdirSync(pidFile)) {
          // Pid files are written as a temp file and renamed: read only finished ones.
          if (name.endsWith('.tmp')) continue;
          try {
            const record = JSON.parse(fs.readFileSync(path.join(pidFile, name), 'utf8')) as { pid?: number };
            if (record.pid) return record.pid;
          } catch {
            // Renamed away between the listing and the read: look again on the next poll.
          }
        }
        return undefined;
      },
      20_000,
      'the auto-started backend',
    );
    expect(alive(backendPid)).toBe(true);
    serve.kill('SIGKILL');
    await new Promise((resolve) => serve.once('exit', resolve));
    // The orphan survives its parent's death…
    expect(alive(backendPid)).toBe(true);
    // …until the next app start reaps it.
    const second = open(dataDir, true);
    await waitUntil(() => !alive(backendPid), 10_000, 'the orphan to be reaped');
    const reaped = await waitUntil(
      () => second.log.recent(500).find((l) => /reaped backend/.test(l.message)),
      10_000,
      'the reaper to report',
    );
    expect(reaped.message).toContain(`pid ${backendPid}`);
    expect(reaped.message).toContain('killed');
    void saved;
  });
});
