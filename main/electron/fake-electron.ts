/**
 * A hand-written stand-in for the parts of 'electron' this app uses, for tests
 * in plain Node (the Electron binary cannot run here). Tests install it with
 *
 *   vi.mock('electron', async () => (await import('./fake-electron')).fakeElectron);
 *
 * and call `resetFakeElectron()` before each test. It records what the code
 * under test asked for and mimics the behaviour the code relies on:
 * preventDefault on events, one ipcMain handler per channel, structured
 * cloning across IPC, 'before-quit' cancelling a quit, privileged schemes only
 * before ready. The renderer half (ipcRenderer, contextBridge) is wired to the
 * main half so a test can run the real preload against the real IPC transport.
 *
 * Not a test file itself: it lives next to the tests that share it.
 */

type Listener = (...args: never[]) => unknown;

class Emitter {
  private readonly listeners = new Map<string, Listener[]>();

  on(name: string, listener: Listener): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
    return this;
  }

  once(name: string, listener: Listener): this {
    const wrapper = (...args: never[]) => {
      this.off(name, wrapper);
      return listener(...args);
    };
    return this.on(name, wrapper);
  }

  off(name: string, listener: Listener): this {
    this.listeners.set(
      name,
      (this.listeners.get(name) ?? []).filter((l) => l !== listener),
    );
    return this;
  }

  emit(name: string, ...args: unknown[]): void {
    for (const listener of [...(this.listeners.get(name) ?? [])]) (listener as (...a: unknown[]) => unknown)(...args);
  }

  listenerCount(name: string): number {
    return this.listeners.get(name)?.length ?? 0;
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }
}

/** An Electron-style event: the code under test may call preventDefault. */
export interface FakeEvent {
  preventDefault(): void;
  readonly defaultPrevented: boolean;
  [key: string]: unknown;
}

export function fakeEvent(fields: Record<string, unknown> = {}): FakeEvent {
  let prevented = false;
  return {
    ...fields,
    preventDefault: () => {
      prevented = true;
    },
    get defaultPrevented() {
      return prevented;
    },
  };
}

export class FakeFrame {
  url: string;
  parent: FakeFrame | null;
  constructor(url = '', parent: FakeFrame | null = null) {
    this.url = url;
    this.parent = parent;
  }
}

type PermissionRequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
type PermissionCheckHandler = (contents: unknown, permission: string, origin: string) => boolean;

export class FakeSession {
  permissionRequestHandler: PermissionRequestHandler | null = null;
  permissionCheckHandler: PermissionCheckHandler | null = null;
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    this.permissionCheckHandler = handler;
  }
}

type WindowOpenHandler = (details: { url: string; frameName: string; features: string; disposition: string }) => {
  action: string;
};

let nextWebContentsId = 1;

export class FakeWebContents extends Emitter {
  readonly id = nextWebContentsId++;
  readonly mainFrame = new FakeFrame();
  readonly session: FakeSession;
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  /** Sends attempted after destruction (Electron throws on those). */
  sendsAfterDestroy = 0;
  readonly loaded: string[] = [];
  windowOpenHandler: WindowOpenHandler | null = null;
  private destroyed = false;

  constructor(session: FakeSession = fakeElectron.session.defaultSession) {
    super();
    this.session = session;
  }

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }

  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    this.mainFrame.url = url;
    return Promise.resolve();
  }

  getURL(): string {
    return this.mainFrame.url;
  }

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) {
      this.sendsAfterDestroy++;
      throw new Error('Object has been destroyed');
    }
    const cloned = structuredClone(args);
    this.sent.push({ channel, args: cloned });
    if (renderer.contents === this) renderer.deliver(channel, cloned);
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }

  /** What Chromium does before a navigation: ask the listeners, report whether it went ahead. */
  attemptNavigation(kind: 'will-navigate' | 'will-redirect', url: string): boolean {
    const event = fakeEvent({ url, isMainFrame: true, isSameDocument: false, frame: this.mainFrame });
    this.emit(kind, event, url);
    return !event.defaultPrevented;
  }

  /** What Chromium does on window.open / target=_blank: returns the handler's answer (allow if none). */
  attemptWindowOpen(url: string): { action: string } {
    if (!this.windowOpenHandler) return { action: 'allow' };
    return this.windowOpenHandler({ url, frameName: '', features: '', disposition: 'foreground-tab' });
  }

  attemptAttachWebview(src: string): boolean {
    const event = fakeEvent();
    this.emit('will-attach-webview', event, {}, { src });
    return !event.defaultPrevented;
  }
}

export class FakeBrowserWindow extends Emitter {
  static instances: FakeBrowserWindow[] = [];
  readonly options: Record<string, unknown>;
  readonly webContents: FakeWebContents;
  visible = false;
  focused = false;
  minimized = false;
  private destroyed = false;

  constructor(options: Record<string, unknown> = {}) {
    super();
    this.options = options;
    this.webContents = new FakeWebContents();
    FakeBrowserWindow.instances.push(this);
    // Electron announces the new webContents while the window is being constructed.
    fakeElectron.app.emit('web-contents-created', fakeEvent(), this.webContents);
  }

  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }
  show(): void {
    this.visible = true;
  }
  focus(): void {
    this.focused = true;
  }
  restore(): void {
    this.minimized = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    this.destroyed = true;
    this.webContents.destroy();
    this.emit('closed');
  }
}

type InvokeHandler = (event: unknown, ...args: unknown[]) => unknown;

class FakeIpcMain {
  readonly handlers = new Map<string, InvokeHandler>();
  handle(channel: string, handler: InvokeHandler): void {
    // Electron refuses a second handler for the same channel.
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** Call a handler as Electron would for `sender` (a webContents) and `senderFrame`. */
  async invokeAs(
    channel: string,
    sender: { id: number },
    senderFrame: FakeFrame | null,
    ...args: unknown[]
  ): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    const event = { sender, senderFrame, frameId: 1, processId: 1 };
    return structuredClone(await handler(event, ...structuredClone(args)));
  }
}

/** The page side: which webContents the fake renderer lives in, and its ipcRenderer listeners. */
class FakeRenderer {
  contents: FakeWebContents | null = null;
  readonly listeners = new Map<string, Array<(event: unknown, ...args: unknown[]) => void>>();
  readonly events: unknown[] = [];
  deliver(channel: string, args: unknown[]): void {
    for (const listener of this.listeners.get(channel) ?? []) {
      const event = { sender: fakeElectron.ipcRenderer, senderId: 0, ports: [], secret: 'ipc-event-object' };
      this.events.push(event);
      listener(event, ...args);
    }
  }
}

const renderer = new FakeRenderer();

class FakeIpcRenderer {
  readonly invoked: Array<{ channel: string; args: unknown[] }> = [];
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): this {
    renderer.listeners.set(channel, [...(renderer.listeners.get(channel) ?? []), listener]);
    return this;
  }
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    const contents = renderer.contents;
    if (!contents) return Promise.reject(new Error('The fake renderer is not attached to a webContents'));
    return fakeElectron.ipcMain.invokeAs(channel, contents, contents.mainFrame, ...args);
  }
}

class FakeContextBridge {
  readonly exposed = new Map<string, unknown>();
  exposeInMainWorld(key: string, api: unknown): void {
    if (this.exposed.has(key))
      throw new Error(`Cannot bind an API on top of an existing property on the window: ${key}`);
    this.exposed.set(key, api);
  }
}

class FakeShell {
  readonly opened: string[] = [];
  openExternal(url: string): Promise<void> {
    this.opened.push(url);
    return Promise.resolve();
  }
}

type ProtocolHandler = (request: Request) => Response | Promise<Response>;

class FakeProtocol {
  readonly privileged: Array<{ scheme: string; privileges?: Record<string, boolean> }> = [];
  readonly handlers = new Map<string, ProtocolHandler>();
  registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges?: Record<string, boolean> }>): void {
    if (fakeElectron.app.ready)
      throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    this.privileged.push(...schemes);
  }
  handle(scheme: string, handler: ProtocolHandler): void {
    if (!fakeElectron.app.ready) throw new Error('protocol.handle must be called after app is ready');
    this.handlers.set(scheme, handler);
  }
}

/** A file dialog call: the parent window (null: none) and the options. */
interface DialogCall {
  parent: FakeBrowserWindow | null;
  options: Record<string, unknown>;
}

class FakeDialog {
  readonly errorBoxes: Array<{ title: string; content: string }> = [];
  readonly openCalls: DialogCall[] = [];
  readonly saveCalls: DialogCall[] = [];
  /** What the next open dialogs answer, in order (then: cancelled). */
  readonly openAnswers: Array<{ canceled: boolean; filePaths: string[] }> = [];
  readonly saveAnswers: Array<{ canceled: boolean; filePath: string }> = [];
  showErrorBox(title: string, content: string): void {
    this.errorBoxes.push({ title, content });
  }
  private record(calls: DialogCall[], args: unknown[]): void {
    const [first, second] = args;
    calls.push(
      first instanceof FakeBrowserWindow
        ? { parent: first, options: second as Record<string, unknown> }
        : { parent: null, options: first as Record<string, unknown> },
    );
  }
  showOpenDialog(...args: unknown[]): Promise<{ canceled: boolean; filePaths: string[] }> {
    this.record(this.openCalls, args);
    return Promise.resolve(this.openAnswers.shift() ?? { canceled: true, filePaths: [] });
  }
  showSaveDialog(...args: unknown[]): Promise<{ canceled: boolean; filePath: string }> {
    this.record(this.saveCalls, args);
    return Promise.resolve(this.saveAnswers.shift() ?? { canceled: true, filePath: '' });
  }
  reset(): void {
    this.errorBoxes.length = 0;
    this.openCalls.length = 0;
    this.saveCalls.length = 0;
    this.openAnswers.length = 0;
    this.saveAnswers.length = 0;
  }
}

class FakeApp extends Emitter {
  ready = false;
  quitted = false;
  quitRequests = 0;
  sandboxEnabled = false;
  singleInstanceLock = true;
  isPackaged = false;
  appPath = '/nonexistent/app';
  /** Calls in order, each with whether the app was ready at the time. */
  readonly calls: Array<{ name: string; args: unknown[]; ready: boolean }> = [];
  readonly paths = new Map<string, string>();
  private resolveReady: (() => void) | undefined;
  private readyPromise = this.newReadyPromise();

  private newReadyPromise(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.resolveReady = resolve;
    });
  }

  private record(name: string, args: unknown[]): void {
    this.calls.push({ name, args, ready: this.ready });
  }

  requestSingleInstanceLock(): boolean {
    this.record('requestSingleInstanceLock', []);
    return this.singleInstanceLock;
  }
  setPath(name: string, value: string): void {
    this.record('setPath', [name, value]);
    this.paths.set(name, value);
  }
  getPath(name: string): string {
    return this.paths.get(name) ?? `/nonexistent/${name}`;
  }
  setAppLogsPath(value: string): void {
    this.record('setAppLogsPath', [value]);
    this.paths.set('logs', value);
  }
  enableSandbox(): void {
    if (this.ready) throw new Error('app.enableSandbox() can only be called before app is ready');
    this.record('enableSandbox', []);
    this.sandboxEnabled = true;
  }
  getAppPath(): string {
    return this.appPath;
  }
  getVersion(): string {
    return '0.0.0-test';
  }
  whenReady(): Promise<void> {
    return this.readyPromise;
  }
  /** Test control: Electron finished starting. */
  async fireReady(): Promise<void> {
    this.ready = true;
    this.emit('ready', fakeEvent());
    this.resolveReady?.();
    // Let whenReady().then(...) run.
    await new Promise((resolve) => setImmediate(resolve));
  }
  /** Like Electron: 'before-quit' may cancel; otherwise the app is gone. */
  quit(): void {
    this.quitRequests++;
    if (this.quitted) return;
    const event = fakeEvent();
    this.emit('before-quit', event);
    if (event.defaultPrevented) return;
    this.emit('will-quit', fakeEvent());
    this.quitted = true;
  }
  exit(): void {
    this.quitted = true;
  }
  reset(): void {
    this.removeAllListeners();
    this.ready = false;
    this.quitted = false;
    this.quitRequests = 0;
    this.sandboxEnabled = false;
    this.singleInstanceLock = true;
    this.isPackaged = false;
    this.appPath = '/nonexistent/app';
    this.calls.length = 0;
    this.paths.clear();
    this.readyPromise = this.newReadyPromise();
  }
}

/** A keychain that is available and reversible; tests of the store itself use their own. */
class FakeSafeStorage {
  isEncryptionAvailable(): boolean {
    return fakeElectron.app.ready;
  }
  getSelectedStorageBackend(): string {
    return fakeElectron.app.ready ? 'gnome_libsecret' : 'unknown';
  }
  encryptString(plain: string): Buffer {
    return Buffer.from(`fake-keychain:${Buffer.from(plain).toString('base64')}`);
  }
  decryptString(encrypted: Buffer): string {
    return Buffer.from(encrypted.toString().replace(/^fake-keychain:/, ''), 'base64').toString();
  }
}

export const fakeElectron = {
  app: new FakeApp(),
  BrowserWindow: FakeBrowserWindow,
  ipcMain: new FakeIpcMain(),
  ipcRenderer: new FakeIpcRenderer(),
  contextBridge: new FakeContextBridge(),
  shell: new FakeShell(),
  protocol: new FakeProtocol(),
  dialog: new FakeDialog(),
  session: { defaultSession: new FakeSession() },
  safeStorage: new FakeSafeStorage(),
  /** Test control for the page side. */
  renderer,
};

/** Fresh state for the next test; the objects stay the same (the mocked module holds them). */
export function resetFakeElectron(): void {
  const e = fakeElectron;
  e.app.reset();
  FakeBrowserWindow.instances.length = 0;
  e.ipcMain.handlers.clear();
  e.ipcRenderer.invoked.length = 0;
  e.contextBridge.exposed.clear();
  e.shell.opened.length = 0;
  e.protocol.privileged.length = 0;
  e.protocol.handlers.clear();
  e.dialog.reset();
  e.session.defaultSession = new FakeSession();
  renderer.contents = null;
  renderer.listeners.clear();
  renderer.events.length = 0;
}

/** A logger that keeps its lines, for asserting what was (or was not) logged. */
export function recordingLogger(): {
  logger: {
    error: (...p: unknown[]) => void;
    warn: (...p: unknown[]) => void;
    info: (...p: unknown[]) => void;
    debug: (...p: unknown[]) => void;
  };
  lines: Array<{ level: string; text: string }>;
} {
  const lines: Array<{ level: string; text: string }> = [];
  const write =
    (level: string) =>
    (...parts: unknown[]) =>
      lines.push({ level, text: parts.map((p) => (p instanceof Error ? p.message : String(p))).join(' ') });
  return { logger: { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') }, lines };
}
