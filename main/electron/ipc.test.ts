import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserWindow, IpcMain } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallResult, PreloadBridge } from '../../common/contract';
import { callNames } from '../../common/contract';
import type { App } from '../app';
import { createApp } from '../app';
import { EventHub } from '../events';
import type { Router } from '../rpc/router';

const { fakeElectron, resetFakeElectron, FakeBrowserWindow, FakeFrame, recordingLogger } = await vi.hoisted(
  () => import('./fake-electron'),
);
vi.mock('electron', () => fakeElectron);

const { createSenderCheck, registerIpc } = await import('./ipc');

type FakeWindow = InstanceType<typeof FakeBrowserWindow>;

function stubRouter(result: CallResult<unknown> = { ok: true, value: 42 }) {
  const call = vi.fn<Router['call']>(async () => result);
  return { router: { call } satisfies Router, call };
}

/** The main window, showing the app's page, and the IPC transport bound to it. */
function setUp(router: Router, events = new EventHub()) {
  const window = new FakeBrowserWindow();
  void window.loadURL('app://ops-console/index.html');
  const getWindow = () => window as unknown as BrowserWindow;
  const { logger, lines } = recordingLogger();
  const dispose = registerIpc({
    ipcMain: fakeElectron.ipcMain as unknown as IpcMain,
    router,
    events,
    logger,
    isTrustedSender: createSenderCheck(getWindow),
    getWindow,
  });
  return { window, events, lines, dispose };
}

const invoke = (
  channel: string,
  sender: { id: number },
  frame: InstanceType<typeof FakeFrame> | null,
  input: unknown,
) => fakeElectron.ipcMain.invokeAs(channel, sender, frame, input) as Promise<CallResult<unknown>>;

describe('registerIpc', () => {
  beforeEach(() => resetFakeElectron());

  it('registers exactly one handler per contract call, named after the call', () => {
    setUp(stubRouter().router);
    expect([...fakeElectron.ipcMain.handlers.keys()].sort()).toEqual([...callNames].sort());
    expect(fakeElectron.ipcMain.handlers.has('app.info')).toBe(true);
  });

  it('passes a call from the main window to the router and returns its result', async () => {
    const { router, call } = stubRouter({ ok: true, value: { hello: 'world' } });
    const { window } = setUp(router);
    const result = await invoke('logs.recent', window.webContents, window.webContents.mainFrame, { limit: 5 });
    expect(result).toEqual({ ok: true, value: { hello: 'world' } });
    expect(call).toHaveBeenCalledExactlyOnceWith('logs.recent', { limit: 5 }, { transport: 'ipc' });
  });

  describe('refuses calls that do not come from the app page in the main window', () => {
    const untrusted: Array<[string, (window: FakeWindow) => [{ id: number }, InstanceType<typeof FakeFrame> | null]]> =
      [
        ['a frame on another origin', (w) => [w.webContents, new FakeFrame('https://evil.example/')]],
        ['a file: page', (w) => [w.webContents, new FakeFrame('file:///tmp/evil.html')]],
        ['a look-alike app host', (w) => [w.webContents, new FakeFrame('app://ops-console.evil/index.html')]],
        [
          'an iframe of the app page',
          (w) => [w.webContents, new FakeFrame('app://ops-console/x.html', w.webContents.mainFrame)],
        ],
        ['a sender frame that is gone', (w) => [w.webContents, null]],
        [
          'another webContents showing the app page',
          () => [{ id: 9999 }, new FakeFrame('app://ops-console/index.html')],
        ],
      ];

    it.each(untrusted)('%s', async (_label, pick) => {
      const { router, call } = stubRouter();
      const { window, lines } = setUp(router);
      const [sender, frame] = pick(window);
      const result = await invoke('app.info', sender, frame, {});
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.kind).toBe('unauthorized');
      expect(call).not.toHaveBeenCalled();
      expect(lines.some((line) => line.level === 'warn' && line.text.includes('refused IPC call app.info'))).toBe(true);
    });

    it('a call arriving after the window was closed', async () => {
      const { router, call } = stubRouter();
      const { window } = setUp(router);
      const contents = window.webContents;
      window.close();
      const result = await invoke('app.info', contents, contents.mainFrame, {});
      expect(!result.ok && result.error.kind).toBe('unauthorized');
      expect(call).not.toHaveBeenCalled();
    });
  });

  it('answers an envelope, not a rejection, if the router ever throws', async () => {
    const router: Router = {
      call: () => Promise.reject(new Error('boom at /home/user/secret/path')),
    };
    const { window } = setUp(router);
    const result = await invoke('app.info', window.webContents, window.webContents.mainFrame, {});
    expect(result).toEqual({ ok: false, error: { kind: 'internal', message: 'An unexpected error occurred.' } });
  });

  it('forwards every contract event to the window, and none once the window is gone', () => {
    const { window, events } = setUp(stubRouter().router);
    events.emit('app.serviceStatus', { service: 'store', status: 'ready' });
    expect(window.webContents.sent).toEqual([
      {
        channel: 'ops-console:event',
        args: [{ event: 'app.serviceStatus', payload: { service: 'store', status: 'ready' } }],
      },
    ]);
    window.close();
    expect(() => events.emit('app.serviceStatus', { service: 'store', status: 'stopped' })).not.toThrow();
    expect(window.webContents.sent).toHaveLength(1);
    expect(window.webContents.sendsAfterDestroy).toBe(0);
  });

  it('disposes: handlers removed, event subscription dropped', () => {
    const { events, dispose } = setUp(stubRouter().router);
    expect(events.size).toBe(1);
    dispose();
    expect(fakeElectron.ipcMain.handlers.size).toBe(0);
    expect(events.size).toBe(0);
    // A second registration is possible again (Electron refuses duplicate handlers).
    expect(() => setUp(stubRouter().router)).not.toThrow();
  });
});

describe('IPC against the real router, through the real preload', () => {
  let dataDir: string;
  let app: App;

  beforeEach(async () => {
    resetFakeElectron();
    vi.resetModules();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-ipc-'));
    app = createApp({ dataDir, version: '9.9.9', transport: 'ipc', electronVersion: '45.5.0' });
  });

  afterEach(async () => {
    await app.shutdown();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function page(window: FakeWindow): Promise<PreloadBridge> {
    fakeElectron.renderer.contents = window.webContents;
    await import('../../preload/index');
    return fakeElectron.contextBridge.exposed.get('opsConsole') as PreloadBridge;
  }

  it('answers app.info over IPC with the ipc transport', async () => {
    const { window } = setUp(app.router, app.events);
    const bridge = await page(window);
    const result = await bridge.invoke('app.info', {});
    expect(result).toMatchObject({ ok: true, value: { version: '9.9.9', transport: 'ipc', dataDir } });
  });

  it('turns malformed input into invalid_input', async () => {
    const { window } = setUp(app.router, app.events);
    const bridge = await page(window);
    for (const input of [{ url: 'mysql://db.example/app' }, { url: 42 }, 'not an object', { limit: -1 }]) {
      const name = typeof input === 'object' && 'limit' in input ? 'logs.recent' : 'db.listSchemas';
      const result = await bridge.invoke(name, input);
      expect(result.ok, JSON.stringify(input)).toBe(false);
      expect(!result.ok && result.error.kind, JSON.stringify(input)).toBe('invalid_input');
    }
  });

  it('delivers service events to a page listener on the same channel main sends on', async () => {
    const { window } = setUp(app.router, app.events);
    const bridge = await page(window);
    const received: unknown[] = [];
    bridge.on('app.serviceStatus', (payload) => received.push(payload));
    app.events.emit('app.serviceStatus', { service: 'backend', status: 'starting' });
    expect(received).toEqual([{ service: 'backend', status: 'starting' }]);
  });

  it('refuses the call once the page has navigated away from the app origin', async () => {
    const { window } = setUp(app.router, app.events);
    const bridge = await page(window);
    window.webContents.mainFrame.url = 'https://evil.example/';
    const result = await bridge.invoke('app.info', {});
    expect(!result.ok && result.error.kind).toBe('unauthorized');
  });
});
