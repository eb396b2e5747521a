import { beforeEach, describe, expect, it, vi } from 'vitest';

const { fakeElectron, resetFakeElectron, FakeBrowserWindow, FakeWebContents, recordingLogger } = await vi.hoisted(
  () => import('./fake-electron'),
);
vi.mock('electron', () => fakeElectron);

const { createMainWindow } = await import('./window');
const { guardWebContents } = await import('./guards');

function openWindow() {
  const { logger, lines } = recordingLogger();
  createMainWindow({ preloadPath: '/app/dist/preload/index.cjs', logger });
  const window = FakeBrowserWindow.instances.at(-1)!;
  return { window, contents: window.webContents, lines };
}

describe('createMainWindow', () => {
  beforeEach(() => resetFakeElectron());

  it('creates one window with the renderer locked down (isolated, sandboxed, no Node)', () => {
    openWindow();
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    const options = FakeBrowserWindow.instances[0]!.options;
    expect(options).toMatchObject({ width: 1280, height: 800, minWidth: 1024, minHeight: 700, show: false });
    expect(options.webPreferences).toEqual({
      preload: '/app/dist/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    });
  });

  it('loads the app entry page and shows the window only when it is ready to paint', () => {
    const { window, contents } = openWindow();
    expect(contents.loaded).toEqual(['app://ops-console/index.html']);
    expect(window.isVisible()).toBe(false);
    window.emit('ready-to-show');
    expect(window.isVisible()).toBe(true);
  });

  it('denies every window.open and sends only http(s) links to the browser', () => {
    const { contents, lines } = openWindow();
    const urls = [
      'https://example.com/docs',
      'http://example.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://attacker.example/share',
      'ms-msdt:/id PCWDiagnostic',
      'app://ops-console/index.html',
      'not a url',
    ];
    for (const url of urls) expect(contents.attemptWindowOpen(url)).toEqual({ action: 'deny' });
    expect(fakeElectron.shell.opened).toEqual(['https://example.com/docs', 'http://example.com/']);
    // The refused ones are logged, so a user report can show what the page tried.
    expect(lines.filter((line) => line.level === 'warn' && line.text.includes('refused to open'))).toHaveLength(6);
  });

  it('keeps navigation and redirects inside the app origin', () => {
    const { contents } = openWindow();
    expect(contents.attemptNavigation('will-navigate', 'app://ops-console/other.html')).toBe(true);
    for (const url of [
      'https://evil.example/',
      'http://127.0.0.1:8080/',
      'file:///etc/passwd',
      'app://evil/index.html',
      'app://ops-console@evil/index.html',
      'app://attacker@ops-console/index.html',
      'javascript:alert(1)',
    ]) {
      expect(contents.attemptNavigation('will-navigate', url), url).toBe(false);
      expect(contents.attemptNavigation('will-redirect', url), url).toBe(false);
    }
    expect(contents.attemptNavigation('will-redirect', 'app://ops-console/index.html')).toBe(true);
    expect(fakeElectron.shell.opened).toEqual([]);
  });

  it('refuses <webview> and every permission request', () => {
    const { contents } = openWindow();
    expect(contents.attemptAttachWebview('https://evil.example/')).toBe(false);

    const session = contents.session;
    const granted: boolean[] = [];
    for (const permission of ['media', 'notifications', 'geolocation', 'openExternal']) {
      session.permissionRequestHandler!(contents, permission, (answer) => granted.push(answer));
    }
    expect(granted).toEqual([false, false, false, false]);
    expect(session.permissionCheckHandler!(contents, 'clipboard-read', 'app://ops-console')).toBe(false);
  });
});

describe('guardWebContents', () => {
  beforeEach(() => resetFakeElectron());

  it('is idempotent, so the window and the app-wide hook do not stack listeners', () => {
    const { logger } = recordingLogger();
    const contents = new FakeWebContents();
    const options = { logger, openExternal: () => Promise.resolve() };
    const asElectron = contents as unknown as Parameters<typeof guardWebContents>[0];
    guardWebContents(asElectron, options);
    guardWebContents(asElectron, options);
    expect(contents.listenerCount('will-navigate')).toBe(1);
    expect(contents.listenerCount('will-redirect')).toBe(1);
    expect(contents.listenerCount('will-attach-webview')).toBe(1);
  });
});
