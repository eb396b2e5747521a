import type { App } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const { fakeElectron, resetFakeElectron, recordingLogger } = await vi.hoisted(() => import('./fake-electron'));
vi.mock('electron', () => fakeElectron);

const { installQuitHandling } = await import('./quit');

const app = fakeElectron.app;
const flush = () => new Promise((resolve) => setImmediate(resolve));

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function install(shutdown: () => Promise<void>, platform: NodeJS.Platform = 'linux', timeoutMs?: number) {
  const { logger, lines } = recordingLogger();
  installQuitHandling({
    app: app as unknown as App,
    shutdown,
    logger,
    platform,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  return lines;
}

describe('quitting', () => {
  beforeEach(() => resetFakeElectron());
  afterEach(() => vi.useRealTimers());

  it('holds the quit until the services have stopped, then quits once', async () => {
    const stopping = deferred();
    const shutdown = vi.fn(() => stopping.promise);
    install(shutdown);

    app.quit();
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(app.quitted).toBe(false);

    // The user insists while services are stopping: no second shutdown, still not gone.
    app.quit();
    await flush();
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(app.quitted).toBe(false);

    stopping.resolve();
    await flush();
    expect(app.quitted).toBe(true);
    expect(shutdown).toHaveBeenCalledTimes(1);
  });

  it('still quits when the shutdown fails, and logs why', async () => {
    const stopping = deferred();
    const lines = install(() => stopping.promise);
    app.quit();
    stopping.reject(new Error('store would not close'));
    await flush();
    expect(app.quitted).toBe(true);
    expect(lines.some((line) => line.level === 'error' && line.text.includes('store would not close'))).toBe(true);
  });

  it('quits anyway when the services hang past the timeout', async () => {
    vi.useFakeTimers();
    const lines = install(() => new Promise<void>(() => undefined), 'linux', 5_000);
    app.quit();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(app.quitted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(app.quitted).toBe(true);
    expect(lines.some((line) => line.text.includes('did not stop within 5000 ms'))).toBe(true);
  });

  it.each([
    ['linux', true],
    ['win32', true],
    ['darwin', false],
  ] as const)('closing the last window on %s quits: %s', (platform, quits) => {
    install(() => Promise.resolve(), platform);
    app.emit('window-all-closed');
    expect(app.quitRequests).toBe(quits ? 1 : 0);
  });
});
