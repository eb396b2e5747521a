import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { PreloadBridge } from '../common/contract';

// Only the renderer-side APIs the preload may touch; anything else it reached for would be undefined.
const fake = vi.hoisted(() => {
  const exposed = new Map<string, unknown>();
  const ipcListeners: Array<{ channel: string; listener: (event: unknown, ...args: unknown[]) => void }> = [];
  return {
    exposed,
    ipcListeners,
    electron: {
      contextBridge: {
        exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api),
      },
      webUtils: {
        getPathForFile: vi.fn<(file: unknown) => string>(),
      },
      ipcRenderer: {
        invoke: vi.fn<(channel: string, ...args: unknown[]) => Promise<unknown>>(),
        on: vi.fn((channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
          ipcListeners.push({ channel, listener });
        }),
      },
    },
  };
});
vi.mock('electron', () => fake.electron);

const ipcEvent = { sender: 'the-ipc-renderer', senderId: 0, ports: [] };

/** What main's webContents.send('ops-console:event', envelope) looks like from here. */
function push(envelope: unknown) {
  for (const { channel, listener } of fake.ipcListeners) {
    if (channel === 'ops-console:event') listener(ipcEvent, envelope);
  }
}

async function loadPreload(): Promise<PreloadBridge> {
  vi.resetModules();
  await import('./index');
  return fake.exposed.get('opsConsole') as PreloadBridge;
}

beforeEach(() => {
  fake.exposed.clear();
  fake.ipcListeners.length = 0;
  fake.electron.ipcRenderer.invoke.mockReset();
  fake.electron.webUtils.getPathForFile.mockReset();
  fake.electron.ipcRenderer.on.mockClear();
});

describe('the preload bridge', () => {
  it('exposes exactly one frozen object, opsConsole, with only invoke, on and pathForFile', async () => {
    const bridge = await loadPreload();
    expect([...fake.exposed.keys()]).toEqual(['opsConsole']);
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on', 'pathForFile']);
    expect(typeof bridge.invoke).toBe('function');
    expect(typeof bridge.on).toBe('function');
  });

  it('gives the path of a dropped file from webUtils, and an empty path where webUtils has none', async () => {
    const bridge = await loadPreload();
    const dropped = { name: 'export.jsonl' };
    fake.electron.webUtils.getPathForFile.mockReturnValueOnce('/srv/exports/export.jsonl');
    expect(bridge.pathForFile(dropped)).toBe('/srv/exports/export.jsonl');
    expect(fake.electron.webUtils.getPathForFile).toHaveBeenLastCalledWith(dropped);
    // Not a File: webUtils throws, and the page gets no path and no error.
    fake.electron.webUtils.getPathForFile.mockImplementationOnce(() => {
      throw new TypeError('Expected a File');
    });
    expect(bridge.pathForFile({})).toBe('');
    // A File made in JavaScript: no path on disk.
    fake.electron.webUtils.getPathForFile.mockReturnValueOnce('');
    expect(bridge.pathForFile(dropped)).toBe('');
    // Nothing crossed IPC for any of it.
    expect(fake.electron.ipcRenderer.invoke).not.toHaveBeenCalled();
  });

  it('sends contract calls over IPC on the call name and returns the envelope', async () => {
    const bridge = await loadPreload();
    fake.electron.ipcRenderer.invoke.mockResolvedValue({ ok: true, value: { version: '1.0.0' } });
    await expect(bridge.invoke('app.info', {})).resolves.toEqual({ ok: true, value: { version: '1.0.0' } });
    expect(fake.electron.ipcRenderer.invoke).toHaveBeenCalledExactlyOnceWith('app.info', {});
  });

  it.each(['app.quit', 'ipc.raw', 'constructor', '__proto__', 'toString', 'ops-console:event', '', 42, null])(
    'answers unknown_call for %j without touching IPC',
    async (name) => {
      const bridge = await loadPreload();
      const result = await bridge.invoke(name as string, {});
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.kind).toBe('unknown_call');
      expect(fake.electron.ipcRenderer.invoke).not.toHaveBeenCalled();
    },
  );

  it('turns an IPC failure into an envelope instead of rejecting with main’s error', async () => {
    const bridge = await loadPreload();
    fake.electron.ipcRenderer.invoke.mockRejectedValue(
      new Error("Error invoking remote method 'app.info': at /home/x"),
    );
    const result = await bridge.invoke('app.info', {});
    expect(result).toMatchObject({ ok: false, error: { kind: 'unavailable' } });
    expect(JSON.stringify(result)).not.toContain('/home/x');
  });

  it('listens on IPC once, however many subscriptions the page makes', async () => {
    const bridge = await loadPreload();
    bridge.on('logs.line', () => undefined);
    bridge.on('logs.line', () => undefined);
    bridge.on('app.serviceStatus', () => undefined);
    expect(fake.electron.ipcRenderer.on).toHaveBeenCalledTimes(1);
    expect(fake.electron.ipcRenderer.on).toHaveBeenCalledWith('ops-console:event', expect.any(Function));
  });

  it('hands listeners the payload of their own event only, never the IPC event object', async () => {
    const bridge = await loadPreload();
    const lines = vi.fn();
    const statuses = vi.fn();
    bridge.on('logs.line', lines);
    bridge.on('app.serviceStatus', statuses);
    const line = { seq: 1, time: '2024-01-01T00:00:00.000Z', level: 'info', scope: 'app', message: 'hello' };
    push({ event: 'logs.line', payload: line });
    push({ event: 'app.serviceStatus', payload: { service: 'store', status: 'ready' } });
    expect(lines.mock.calls).toEqual([[line]]);
    expect(statuses.mock.calls).toEqual([[{ service: 'store', status: 'ready' }]]);
    for (const call of [...lines.mock.calls, ...statuses.mock.calls]) {
      expect(call).not.toContain(ipcEvent);
    }
  });

  it('stops delivering after unsubscribe, without affecting other listeners', async () => {
    const bridge = await loadPreload();
    const first = vi.fn();
    const second = vi.fn();
    const unsubscribe = bridge.on('app.serviceStatus', first);
    bridge.on('app.serviceStatus', second);
    unsubscribe();
    unsubscribe();
    push({ event: 'app.serviceStatus', payload: { service: 'store', status: 'stopped' } });
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
  });

  it('keeps delivering when one listener throws', async () => {
    const bridge = await loadPreload();
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const after = vi.fn();
    bridge.on('app.serviceStatus', () => {
      throw new Error('page bug');
    });
    bridge.on('app.serviceStatus', after);
    push({ event: 'app.serviceStatus', payload: { service: 'store', status: 'ready' } });
    expect(after).toHaveBeenCalledTimes(1);
    error.mockRestore();
  });

  it('ignores envelopes that are not contract events', async () => {
    const bridge = await loadPreload();
    const listener = vi.fn();
    bridge.on('logs.line', listener);
    for (const envelope of [null, 'logs.line', { event: 'logs.lines', payload: 1 }, { payload: 1 }, 42]) push(envelope);
    expect(listener).not.toHaveBeenCalled();
  });

  it('refuses subscriptions to events outside the contract', async () => {
    const bridge = await loadPreload();
    expect(() => bridge.on('ops-console:event', () => undefined)).toThrow(TypeError);
    expect(() => bridge.on('__proto__', () => undefined)).toThrow(TypeError);
    expect(() => bridge.on('logs.line', 'not a function' as unknown as () => void)).toThrow(TypeError);
  });
});
