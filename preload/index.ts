/**
 * The preload: runs sandboxed, before the page, in its own JavaScript world.
 * It exposes exactly one frozen object, window.opsConsole, with the contract's
 * two verbs and the path of a dropped file. The page never sees ipcRenderer,
 * an IPC event object or any channel outside the contract.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { CallResult, DroppedFile, EventEnvelope, PreloadBridge } from '../common/contract';
import { EVENT_CHANNEL, isKnownCallName as isCallName, isKnownEventName as isEventName } from '../common/names';

type Listener = (payload: unknown) => void;

// Entries, not the listener functions themselves: contextBridge may hand us a
// fresh proxy for the same page function, so identity is not something to rely on.
const listeners = new Map<string, Set<{ listener: Listener }>>();

function isEnvelope(value: unknown): value is EventEnvelope {
  return typeof value === 'object' && value !== null && isEventName((value as { event?: unknown }).event);
}

// One IPC listener for all events; the IpcRendererEvent stops here.
ipcRenderer.on(EVENT_CHANNEL, (_event, envelope: unknown) => {
  if (!isEnvelope(envelope)) return;
  for (const entry of listeners.get(envelope.event) ?? []) {
    try {
      entry.listener(envelope.payload);
    } catch (error) {
      // One broken page listener must not starve the others.
      console.error(`opsConsole listener for ${envelope.event} threw`, error);
    }
  }
});

async function invoke(name: string, input: unknown): Promise<CallResult<unknown>> {
  if (!isCallName(name)) {
    return {
      ok: false,
      error: {
        kind: 'unknown_call',
        message: `Unknown call ${JSON.stringify(String(name)).slice(0, 80)}`,
        hint: 'The renderer and main process may be from different versions; restart the app.',
      },
    };
  }
  try {
    return (await ipcRenderer.invoke(name, input)) as CallResult<unknown>;
  } catch {
    // Main rejected (no handler yet, or input that cannot be cloned): an envelope, never an Error from main.
    return {
      ok: false,
      error: {
        kind: 'unavailable',
        message: `The call ${name} could not be delivered to the app.`,
        hint: 'Check that the input is plain data; if it keeps happening, restart the app.',
      },
    };
  }
}

function on(event: string, listener: (payload: unknown) => void): () => void {
  if (!isEventName(event)) throw new TypeError(`Unknown event ${JSON.stringify(String(event)).slice(0, 80)}`);
  if (typeof listener !== 'function') throw new TypeError('The listener must be a function');
  const set = listeners.get(event) ?? new Set();
  listeners.set(event, set);
  const entry = { listener };
  set.add(entry);
  return () => {
    set.delete(entry);
  };
}

/**
 * The path of a file the user dropped on the page (Chromium no longer puts it
 * on File; Electron's webUtils reads it here, in the preload). It reveals only
 * where a file the user chose to drop is, as a file dialog would.
 */
function pathForFile(file: DroppedFile): string {
  try {
    // It throws for anything but a File; a File made in JavaScript has no path ('').
    const path = webUtils.getPathForFile(file as File);
    return typeof path === 'string' ? path : '';
  } catch {
    return '';
  }
}

const bridge: PreloadBridge = Object.freeze({ invoke, on, pathForFile });

contextBridge.exposeInMainWorld('opsConsole', bridge);
