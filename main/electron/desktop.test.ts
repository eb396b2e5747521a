import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallResult, PreloadBridge } from '../../common/contract';
import { callNames } from '../../common/contract';
import type { LogLine } from '../../common/domain';
import { CONTENT_SECURITY_POLICY } from '../security';

const { fakeElectron, resetFakeElectron, FakeBrowserWindow, FakeSession, FakeWebContents } = await vi.hoisted(
  () => import('./fake-electron'),
);
vi.mock('electron', () => fakeElectron);

const { runDesktop } = await import('./desktop');

const app = fakeElectron.app;
let base: string;
let dataDir: string;
let listenersBefore: ReturnType<typeof processListeners>;

// runDesktop installs process-wide handlers; each test removes the ones it added.
function processListeners() {
  return {
    uncaughtException: process.listeners('uncaughtException'),
    unhandledRejection: process.listeners('unhandledRejection'),
  };
}
let stderr: string[];

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

async function quitAndWait(): Promise<void> {
  if (app.quitted) return;
  app.quit();
  await until(() => app.quitted, 'the app to quit');
}

/** The page in the main window, as the preload sees it. */
async function page(): Promise<PreloadBridge> {
  const window = FakeBrowserWindow.instances[0]!;
  fakeElectron.renderer.contents = window.webContents;
  vi.resetModules();
  await import('../../preload/index');
  return fakeElectron.contextBridge.exposed.get('opsConsole') as PreloadBridge;
}

beforeEach(() => {
  resetFakeElectron();
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-desktop-'));
  dataDir = path.join(base, 'data');
  vi.stubEnv('OPS_CONSOLE_DATA_DIR', dataDir);
  // The app folder as `electron .` sees it: the repository root with the built renderer.
  app.appPath = path.join(base, 'app');
  fs.mkdirSync(path.join(app.appPath, 'renderer', 'dist'), { recursive: true });
  fs.writeFileSync(path.join(app.appPath, 'renderer', 'dist', 'index.html'), '<!doctype html><title>ops</title>');
  listenersBefore = processListeners();
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
});

afterEach(async () => {
  await quitAndWait();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  const now = processListeners();
  for (const listener of now.uncaughtException) {
    if (!listenersBefore.uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
  }
  for (const listener of now.unhandledRejection) {
    if (!listenersBefore.unhandledRejection.includes(listener)) process.removeListener('unhandledRejection', listener);
  }
  fs.rmSync(base, { recursive: true, force: true });
});

describe('runDesktop', () => {
  it('quits at once, touching nothing, when another copy holds the single-instance lock', async () => {
    app.singleInstanceLock = false;
    runDesktop();
    await app.fireReady();
    expect(app.quitted).toBe(true);
    expect(app.paths.size).toBe(0);
    expect(fakeElectron.protocol.privileged).toEqual([]);
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    expect(fakeElectron.ipcMain.handlers.size).toBe(0);
  });

  it('sets the shared data folder, the log folder, the sandbox and the app scheme before ready', () => {
    runDesktop();
    expect(app.ready).toBe(false);
    expect(app.paths.get('userData')).toBe(dataDir);
    expect(app.paths.get('logs')).toBe(path.join(dataDir, 'logs'));
    expect(app.calls.filter((call) => call.ready)).toEqual([]);
    expect(app.sandboxEnabled).toBe(true);
    expect(fakeElectron.protocol.privileged.map((scheme) => scheme.scheme)).toEqual(['app']);
    // Nothing that needs a ready app has happened yet.
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('on ready serves the renderer, registers every call and opens one window on the app page', async () => {
    runDesktop();
    await app.fireReady();

    const handler = fakeElectron.protocol.handlers.get('app');
    expect(handler).toBeDefined();
    const response = await handler!(new Request('app://ops-console/index.html'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);

    expect([...fakeElectron.ipcMain.handlers.keys()].sort()).toEqual([...callNames].sort());
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    const window = FakeBrowserWindow.instances[0]!;
    expect((window.options.webPreferences as { preload: string }).preload).toBe(
      path.join(app.appPath, 'dist', 'preload', 'index.cjs'),
    );
    expect(window.webContents.loaded).toEqual(['app://ops-console/index.html']);

    const bridge = await page();
    const info = await bridge.invoke('app.info', {});
    expect(info).toMatchObject({ ok: true, value: { transport: 'ipc', dataDir, version: '0.0.0-test' } });
  });

  it('opens the system file dialogs for the window, modal to it, and returns only the chosen paths', async () => {
    runDesktop();
    await app.fireReady();
    const window = FakeBrowserWindow.instances[0]!;
    const bridge = await page();
    expect(await bridge.invoke('app.info', {})).toMatchObject({ ok: true, value: { filePicker: true } });

    const dialog = fakeElectron.dialog;
    dialog.openAnswers.push({ canceled: false, filePaths: ['/srv/a.jsonl', '/srv/b.json'] });
    const opened = await bridge.invoke('files.chooseOpen', {
      title: 'Choose Sled export files',
      choose: 'files',
      filters: [{ name: 'Sled exports', extensions: ['jsonl', 'json'] }],
    });
    expect(opened).toEqual({ ok: true, value: { paths: ['/srv/a.jsonl', '/srv/b.json'] } });
    expect(dialog.openCalls).toHaveLength(1);
    expect(dialog.openCalls[0]!.parent).toBe(window);
    expect(dialog.openCalls[0]!.options).toEqual({
      title: 'Choose Sled export files',
      properties: ['openFile', 'multiSelections'],
      filters: [{ name: 'Sled exports', extensions: ['jsonl', 'json'] }],
    });

    // One file asked for: one path, even if the platform's dialog gave more.
    dialog.openAnswers.push({ canceled: false, filePaths: ['/bin/server', '/bin/other'] });
    const one = await bridge.invoke('files.chooseOpen', { title: 'Backend binary', choose: 'file' });
    expect(one).toEqual({ ok: true, value: { paths: ['/bin/server'] } });
    expect(dialog.openCalls[1]!.options.properties).toEqual(['openFile']);
    const folder = await bridge.invoke('files.chooseOpen', { title: 'Working folder', choose: 'folder' });
    expect(folder).toEqual({ ok: true, value: { paths: [] } });
    expect(dialog.openCalls[2]!.options.properties).toEqual(['openDirectory', 'createDirectory']);

    dialog.saveAnswers.push({ canceled: false, filePath: '/home/ops/app.snapshot' });
    const saved = await bridge.invoke('files.chooseSave', {
      title: 'Export the snapshot',
      defaultPath: 'app.snapshot',
    });
    expect(saved).toEqual({ ok: true, value: { path: '/home/ops/app.snapshot' } });
    expect(dialog.saveCalls[0]).toEqual({
      parent: window,
      options: {
        title: 'Export the snapshot',
        defaultPath: 'app.snapshot',
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      },
    });
    expect(await bridge.invoke('files.chooseSave', { title: 'Export the snapshot' })).toEqual({
      ok: true,
      value: { path: null },
    });

    // Bad input never reaches a dialog.
    const bad = await bridge.invoke('files.chooseOpen', { title: 'x', choose: 'everything' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.kind).toBe('invalid_input');
    expect(dialog.openCalls).toHaveLength(3);
  });

  it('saves profile passwords through the OS keychain (safeStorage), never in plain text', async () => {
    runDesktop();
    await app.fireReady();
    const bridge = await page();
    const saved = await bridge.invoke('profiles.save', {
      name: 'staging',
      host: 'db.internal',
      database: 'app',
      user: 'ops',
      password: 'hunter2-keychain',
    });
    expect(saved.ok, JSON.stringify(saved)).toBe(true);
    await quitAndWait();
    const store = fs.readFileSync(path.join(dataDir, 'ops-console.db'));
    expect(store.includes('hunter2-keychain')).toBe(false);
    expect(store.includes(`fake-keychain:${Buffer.from('hunter2-keychain').toString('base64')}`)).toBe(true);
  });

  it('applies the navigation rules to every webContents the app creates', async () => {
    runDesktop();
    await app.fireReady();
    // Its own session, as a webContents on another partition would have.
    const other = new FakeWebContents(new FakeSession());
    app.emit('web-contents-created', {}, other);
    expect(other.attemptWindowOpen('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(other.attemptNavigation('will-navigate', 'https://evil.example/')).toBe(false);
    expect(other.attemptAttachWebview('https://evil.example/')).toBe(false);
    const granted: boolean[] = [];
    other.session.permissionRequestHandler!(other, 'media', (answer) => granted.push(answer));
    expect(granted).toEqual([false]);
    expect(other.session.permissionCheckHandler!(other, 'media', 'app://ops-console')).toBe(false);
    expect(fakeElectron.shell.opened).toEqual([]);
  });

  it('brings the existing window forward when a second copy is started', async () => {
    runDesktop();
    await app.fireReady();
    const window = FakeBrowserWindow.instances[0]!;
    window.minimized = true;
    app.emit('second-instance', {}, [], '/');
    expect(window.minimized).toBe(false);
    expect(window.focused).toBe(true);
    expect(FakeBrowserWindow.instances).toHaveLength(1);
  });

  it('stops the services before letting the app quit', async () => {
    runDesktop();
    await app.fireReady();
    app.quit();
    // The first quit is held back while the services stop.
    expect(app.quitted).toBe(false);
    await until(() => app.quitted, 'the app to quit');
    expect(fakeElectron.ipcMain.handlers.size).toBe(0);
    const log = fs.readFileSync(path.join(dataDir, 'logs', 'ops-console.log'), 'utf8');
    expect(log).toContain('shutting down');
  });

  it('logs uncaught exceptions in main through the redacting app logger', async () => {
    runDesktop();
    await app.fireReady();
    const added = process
      .listeners('uncaughtException')
      .filter((listener) => !listenersBefore.uncaughtException.includes(listener));
    expect(added).toHaveLength(1);
    added[0]!(new Error('connect to postgres://admin:hunter2@db.internal/app failed'), 'uncaughtException');

    const bridge = await page();
    const result = (await bridge.invoke('logs.recent', { limit: 50 })) as CallResult<LogLine[]>;
    expect(result.ok).toBe(true);
    const lines = result.ok ? result.value.map((line) => line.message) : [];
    const reported = lines.find((line) => line.includes('uncaught exception in main'));
    expect(reported).toContain('postgres://admin:***@db.internal/app');
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  it('tells the user and quits when the services cannot start', async () => {
    // The data folder path runs through a file, so it cannot be created.
    fs.writeFileSync(path.join(base, 'a-file'), '');
    vi.stubEnv('OPS_CONSOLE_DATA_DIR', path.join(base, 'a-file', 'data'));
    runDesktop();
    await app.fireReady();
    await until(() => app.quitted, 'the app to quit');
    expect(fakeElectron.dialog.errorBoxes).toHaveLength(1);
    expect(fakeElectron.dialog.errorBoxes[0]!.title).toBe('ops-console could not start');
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    expect(stderr.join('')).toContain('startup failed');
  });
});
