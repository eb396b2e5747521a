import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  backendConfigInput,
  type BackendConfig,
  type BackendConfigInput,
  type BackendLogLine,
  type BackendState,
  type BackendStatus,
  type LogStream,
} from '../../../common/backend';
import { OpsError } from '../../../common/errors';
import { FAKE_BACKEND, freePort, grandchildPid, memoryLogger, waitUntil } from './process-test-support';
import { isAlive, pidFileFor } from './process-tree';
import { BackendSupervisor } from './supervisor';

let pidDir: string;
beforeAll(() => {
  pidDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-supervisor-'));
});
afterAll(() => fs.rmSync(pidDir, { recursive: true, force: true }));

const harnesses: Harness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.supervisor.dispose()));
});

interface HarnessOptions {
  config?: Partial<BackendConfigInput>;
  env?: NodeJS.ProcessEnv;
  preflight?: () => Promise<void>;
  spawnImpl?: typeof spawn;
}

/** One supervisor over the real fixture, recording every status and line. */
class Harness {
  readonly statuses: BackendStatus[] = [];
  readonly lines: BackendLogLine[] = [];
  readonly logger = memoryLogger();
  env: NodeJS.ProcessEnv;
  readonly supervisor: BackendSupervisor;
  config: BackendConfig;

  constructor(
    readonly port: number,
    options: HarnessOptions,
  ) {
    this.env = { DATABASE_URL: 'postgres://app@localhost/app', ...options.env };
    this.config = {
      ...backendConfigInput.parse({
        name: 'api',
        binaryPath: FAKE_BACKEND,
        port,
        probeIntervalMs: 100,
        probeTimeoutMs: 1_000,
        startTimeoutMs: 20_000,
        stopTimeoutMs: 5_000,
        backoffInitialMs: 100,
        ...options.config,
      }),
      id: `backend-${port}`,
    };
    this.supervisor = new BackendSupervisor({
      config: this.config,
      resolveEnv: async () => ({ PATH: process.env.PATH, ...this.env, PORT: String(port) }),
      preflight: options.preflight,
      pidDir,
      logger: this.logger,
      onStatus: (status) => this.statuses.push(status),
      onLine: (stream: LogStream, text: string) =>
        this.lines.push({ seq: this.lines.length, at: new Date().toISOString(), stream, text }),
      tailLines: () => this.lines.slice(-20),
      spawnImpl: options.spawnImpl,
    });
    harnesses.push(this);
  }

  /** The states in the order they were entered (repeats from stats or pid updates dropped). */
  states(): BackendState[] {
    return this.statuses.map((s) => s.state).filter((state, i, all) => i === 0 || all[i - 1] !== state);
  }

  /** The first status in `state` seen after the first `after` statuses. */
  waitFor(state: BackendState, after = 0, timeoutMs = 20_000): Promise<BackendStatus> {
    return waitUntil(() => this.statuses.slice(after).find((s) => s.state === state), timeoutMs, `state ${state}`);
  }

  text(stream: LogStream): string[] {
    return this.lines.filter((line) => line.stream === stream).map((line) => line.text);
  }
}

async function harness(options: HarnessOptions = {}): Promise<Harness> {
  return new Harness(await freePort(), options);
}

describe.runIf(process.platform !== 'win32')('BackendSupervisor with the fake backend', () => {
  it('starts, reports running with the process details, streams both outputs, and stops', async () => {
    const h = await harness();
    const started = await h.supervisor.start();
    expect(started.state).toBe('starting');
    const running = await h.waitFor('running');
    expect(running).toMatchObject({
      name: 'api',
      reason: null,
      restarts: 0,
      port: h.port,
      healthUrl: `http://127.0.0.1:${h.port}/health`,
      lastProbe: { ok: true, status: 200, error: null },
    });
    expect(running.pid).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(running.startedAt ?? ''))).toBe(false);
    expect(fs.existsSync(pidFileFor(pidDir, h.config.id))).toBe(true);
    await expect(h.supervisor.start()).rejects.toMatchObject({ kind: 'conflict' });

    await waitUntil(() => h.text('stdout').some((t) => t.includes('GET "/health"')), 10_000, 'a request log line');
    expect(h.text('stderr').some((t) => t.includes('SELECT count(*)'))).toBe(true);
    expect(h.text('system')).toContain('backend api: starting -> running');

    const stopped = await h.supervisor.stop();
    expect(stopped).toMatchObject({ state: 'stopped', reason: null, pid: null });
    expect(stopped.lastExit).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect(isAlive(running.pid!)).toBe(false);
    expect(fs.existsSync(pidFileFor(pidDir, h.config.id))).toBe(false);
    expect(h.states()).toEqual(['starting', 'running', 'stopping', 'stopped']);
    expect(h.logger.lines).toContain('backend api: running -> stopping (stop requested)');
  });

  it('goes unhealthy when the start takes longer than startTimeoutMs, then running once it answers', async () => {
    const h = await harness({ config: { startTimeoutMs: 500 }, env: { FAKE_START_DELAY_MS: '2500' } });
    await h.supervisor.start();
    const unhealthy = await h.waitFor('unhealthy');
    expect(unhealthy.reason).toMatch(/^no successful health check within 0\.5 s; last: .*ECONNREFUSED/);
    await h.waitFor('running');
    expect(h.states()).toEqual(['starting', 'unhealthy', 'running']);
  });

  it('goes unhealthy after failureThreshold failed probes while running, keeps the process, and recovers', async () => {
    let healthy = true;
    const server = http.createServer((_req, res) => res.writeHead(healthy ? 200 : 503).end());
    const healthPort = await freePort();
    await new Promise<void>((resolve) => server.listen(healthPort, '127.0.0.1', resolve));
    try {
      const h = await harness({
        config: { healthUrl: `http://127.0.0.1:${healthPort}/health?backend=$PORT`, failureThreshold: 3 },
      });
      await h.supervisor.start();
      const running = await h.waitFor('running');
      expect(running.healthUrl).toBe(`http://127.0.0.1:${healthPort}/health?backend=${h.port}`);

      healthy = false;
      const mark = h.statuses.length;
      const unhealthy = await h.waitFor('unhealthy', mark);
      expect(unhealthy.reason).toBe('3 consecutive health checks failed; last: HTTP 503');
      expect(unhealthy.pid).toBe(running.pid);
      expect(h.text('system').filter((t) => t.startsWith('health check failed ('))).toEqual([
        'health check failed (1/3): HTTP 503',
        'health check failed (2/3): HTTP 503',
        'health check failed (3/3): HTTP 503',
      ]);
      expect(isAlive(running.pid!)).toBe(true);

      healthy = true;
      const back = await h.waitFor('running', h.statuses.length);
      expect(back.pid).toBe(running.pid);
      expect(h.states()).toEqual(['starting', 'running', 'unhealthy', 'running']);
    } finally {
      server.close();
    }
  });

  it('goes unhealthy when the fake backend itself starts failing /health', async () => {
    const h = await harness({ config: { failureThreshold: 2 }, env: { FAKE_HEALTH_FAIL_AFTER_MS: '1000' } });
    await h.supervisor.start();
    await h.waitFor('running');
    const unhealthy = await h.waitFor('unhealthy');
    expect(unhealthy.reason).toBe('2 consecutive health checks failed; last: HTTP 500');
  });

  it('sees a crash from the exit event, not from a probe (probe interval 60 s)', async () => {
    const h = await harness({
      config: { probeIntervalMs: 60_000, restartPolicy: 'never' },
      env: { FAKE_CRASH_AFTER_MS: '2000' },
    });
    await h.supervisor.start();
    const crashed = await h.waitFor('crashed');
    expect(h.states()).toEqual(['starting', 'running', 'crashed']);
    expect(crashed.reason).toBe('exited with code 2 (restart policy: never)');
    // The last probe passed: nothing but the exit event can have reported it.
    expect(crashed.lastProbe?.ok).toBe(true);
    expect(crashed.lastExit).toMatchObject({ code: 2, signal: null });
    expect(crashed.lastExit?.lastLines.some((l) => l.stream === 'stderr' && l.text.endsWith('panic: fake crash'))).toBe(
      true,
    );
  });

  it('restarts a crash loop with backoff min(max, initial × multiplier^(n-1)), then fails; a manual start leaves failed', async () => {
    const h = await harness({
      config: {
        backoffInitialMs: 100,
        backoffMultiplier: 3,
        backoffMaxMs: 500,
        maxRestarts: 3,
        restartWindowMs: 60_000,
      },
      env: { DATABASE_URL: undefined },
    });
    await h.supervisor.start();
    const failed = await h.waitFor('failed');
    expect(failed.reason).toBe('crashed 4 times within 60 s (last: exited with code 1)');
    expect(failed.restarts).toBe(4);
    expect(failed.lastExit?.lastLines.some((l) => l.stream === 'stderr' && l.text.includes('DATABASE_URL'))).toBe(true);

    const backoffs = h.statuses.filter((s) => s.state === 'backoff');
    expect(backoffs.map((s) => Date.parse(s.restartAt!) - Date.parse(s.lastExit!.at))).toEqual([100, 300, 500]);
    expect(backoffs.map((s) => s.restarts)).toEqual([1, 2, 3]);
    expect(backoffs.map((s) => s.pid)).toEqual([null, null, null]);
    expect(h.states()).toEqual([
      'starting',
      'backoff',
      'starting',
      'backoff',
      'starting',
      'backoff',
      'starting',
      'failed',
    ]);

    h.env.DATABASE_URL = 'postgres://app@localhost/app';
    const mark = h.statuses.length;
    const restarted = await h.supervisor.start();
    expect(restarted).toMatchObject({ state: 'starting', restarts: 0, reason: null });
    await h.waitFor('running', mark);
  });

  it('restarts at once with backoffInitialMs 0; on-failure does not restart a clean exit, always does', async () => {
    const always = await harness({
      config: { restartPolicy: 'always', backoffInitialMs: 0, maxRestarts: 2 },
      env: { FAKE_EXIT_IMMEDIATELY: '0' },
    });
    await always.supervisor.start();
    await always.waitFor('failed');
    const backoffs = always.statuses.filter((s) => s.state === 'backoff');
    expect(backoffs.map((s) => s.restartAt)).toEqual(backoffs.map((s) => s.lastExit?.at));
    expect(always.states()).toEqual(['starting', 'backoff', 'starting', 'backoff', 'starting', 'failed']);

    const onFailure = await harness({ env: { FAKE_EXIT_IMMEDIATELY: '0' } });
    await onFailure.supervisor.start();
    const stopped = await onFailure.waitFor('stopped');
    expect(stopped.reason).toBe('exited with code 0; not restarted (restart policy: on-failure)');
    expect(onFailure.states()).toEqual(['starting', 'stopped']);
  });

  it('stops from backoff by cancelling the restart', async () => {
    const h = await harness({
      config: { backoffInitialMs: 60_000, backoffMaxMs: 120_000 },
      env: { FAKE_EXIT_IMMEDIATELY: '3' },
    });
    await h.supervisor.start();
    const backoff = await h.waitFor('backoff');
    expect(backoff.reason).toBe('exited with code 3; restart 1 of 5 in 60000 ms');
    const stopped = await h.supervisor.stop();
    expect(stopped).toMatchObject({ state: 'stopped', restartAt: null });
    expect(h.states()).toEqual(['starting', 'backoff', 'stopped']);
  });

  it('fails when the binary cannot be spawned (missing, not executable) or the preflight fails', async () => {
    const missing = await harness({ config: { binaryPath: path.join(pidDir, 'no-such-backend') } });
    const error = await missing.supervisor.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpsError);
    expect(error).toMatchObject({ kind: 'not_found' });
    expect(missing.supervisor.status()).toMatchObject({ state: 'failed', pid: null });
    expect(missing.supervisor.status().reason).toContain('ENOENT');
    expect(missing.states()).toEqual(['starting', 'failed']);

    const plain = path.join(pidDir, 'not-executable');
    fs.writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
    const denied = await harness({ config: { binaryPath: plain } });
    await expect(denied.supervisor.start()).rejects.toMatchObject({ kind: 'unavailable' });
    expect(denied.supervisor.status().reason).toContain('EACCES');

    let spawns = 0;
    const counted = ((...args: Parameters<typeof spawn>) => {
      spawns += 1;
      return spawn(...args);
    }) as typeof spawn;
    const refused = await harness({
      preflight: async () => {
        throw new OpsError('conflict', 'Port 8080 is in use by postgres (pid 42)');
      },
      spawnImpl: counted,
    });
    await expect(refused.supervisor.start()).rejects.toMatchObject({ kind: 'conflict' });
    expect(refused.supervisor.status()).toMatchObject({
      state: 'failed',
      reason: 'Port 8080 is in use by postgres (pid 42)',
    });
    expect(spawns).toBe(0);
  });

  it('does not count manual restarts toward the crash limit', async () => {
    const h = await harness({ config: { maxRestarts: 0 } });
    await h.supervisor.start();
    const first = await h.waitFor('running');
    for (let i = 0; i < 2; i++) {
      const mark = h.statuses.length;
      await h.supervisor.restart();
      const again = await h.waitFor('running', mark);
      expect(again.restarts).toBe(0);
      expect(again.pid).not.toBe(first.pid);
    }
    expect(h.states()).toEqual([
      'starting',
      'running',
      'stopping',
      'stopped',
      'starting',
      'running',
      'stopping',
      'stopped',
      'starting',
      'running',
    ]);
    expect(isAlive(first.pid!)).toBe(false);
  });

  it('resets the crash count after a run stays healthy for stableAfterMs', async () => {
    const h = await harness({
      config: { stableAfterMs: 200, maxRestarts: 1 },
      env: { FAKE_CRASH_AFTER_MS: '2000' },
    });
    await h.supervisor.start();
    const firstBackoff = await h.waitFor('backoff');
    expect(firstBackoff.restarts).toBe(1);
    const afterFirst = h.statuses.indexOf(firstBackoff);
    // The second run: running, then (stable) the count drops to 0 while still running.
    await waitUntil(
      () => h.statuses.slice(afterFirst).find((s) => s.state === 'running' && s.restarts === 0),
      20_000,
      'the crash count reset',
    );
    expect(h.text('system')).toContain('healthy for 0.2 s; crash count reset');
    // Without the reset this second crash would exceed maxRestarts 1 and fail.
    const secondBackoff = await h.waitFor('backoff', afterFirst + 1);
    expect(secondBackoff.restarts).toBe(1);
    expect(h.states()).not.toContain('failed');
  });

  it('kills a child that ignores SIGTERM with SIGKILL after the stop timeout', async () => {
    const h = await harness({ config: { stopTimeoutMs: 500 }, env: { FAKE_IGNORE_SIGTERM: '1' } });
    await h.supervisor.start();
    const running = await h.waitFor('running');
    const stopped = await h.supervisor.stop();
    expect(stopped.reason).toBe('killed with SIGKILL after the 0.5 s stop timeout');
    expect(stopped.lastExit?.signal).toBe('SIGKILL');
    expect(h.text('system')).toContain(
      `process ${running.pid} still running after the 0.5 s stop timeout; sending SIGKILL`,
    );
    expect(h.text('stdout').some((t) => t.endsWith('SIGTERM ignored'))).toBe(true);
    expect(isAlive(running.pid!)).toBe(false);
  });

  it('leaves no grandchild behind after stop', async () => {
    const h = await harness({ env: { FAKE_GRANDCHILD: '1' } });
    await h.supervisor.start();
    await h.waitFor('running');
    const grandchild = await waitUntil(() => grandchildPid(h.text('stdout')), 10_000, 'the grandchild pid');
    expect(isAlive(grandchild)).toBe(true);
    await h.supervisor.stop();
    expect(isAlive(grandchild)).toBe(false);
  });

  it('notices a crash while a grandchild holds the pipes, and kills the grandchild', async () => {
    const h = await harness({
      config: { restartPolicy: 'never', probeIntervalMs: 60_000 },
      env: { FAKE_GRANDCHILD: '1', FAKE_CRASH_AFTER_MS: '1500' },
    });
    await h.supervisor.start();
    const grandchild = await waitUntil(() => grandchildPid(h.text('stdout')), 10_000, 'the grandchild pid');
    await h.waitFor('crashed');
    expect(h.states()).toEqual(['starting', 'running', 'crashed']);
    await waitUntil(() => !isAlive(grandchild), 10_000, 'the grandchild to be killed');
    await waitUntil(() => !fs.existsSync(pidFileFor(pidDir, h.config.id)), 10_000, 'the pid file removal');
  });

  it('delivers every line of a flood, in order', async () => {
    const total = 50_000;
    const h = await harness({ env: { FAKE_FLOOD_LINES_PER_SEC: 'max', FAKE_FLOOD_TOTAL: String(total) } });
    await h.supervisor.start();
    await waitUntil(() => h.text('stdout').includes(`flood ${total}`), 30_000, 'the last flood line');
    const flood = h.text('stdout').filter((t) => t.startsWith('flood '));
    expect(flood.length).toBe(total);
    expect(flood.every((t, i) => t === `flood ${i + 1}`)).toBe(true);
  });

  it('applies a config update at the next start, and dispose stops the process', async () => {
    const h = await harness();
    await h.supervisor.start();
    const running = await h.waitFor('running');
    const newPort = await freePort();
    h.supervisor.updateConfig({ ...h.config, port: newPort, name: 'api-2' });
    expect(h.supervisor.status()).toMatchObject({ port: h.port, state: 'running' });
    await h.supervisor.dispose();
    expect(isAlive(running.pid!)).toBe(false);
    expect(h.supervisor.status()).toMatchObject({ state: 'stopped', port: newPort, name: 'api-2' });
    await expect(h.supervisor.start()).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
