import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import type { CallResult, EventEnvelope } from '../../common/contract';
import { callNames } from '../../common/contract';
import type { Router } from '../rpc/router';
import type { Logger } from '../services/logging/log-service';
import { EVENT_CHANNEL, isAppUrl } from './origin';

export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

export interface IpcOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  router: Router;
  /** The app's event hub (or anything with the same subscribe). */
  events: { subscribe(listener: (envelope: EventEnvelope) => void): () => void };
  logger: Logger;
  isTrustedSender: SenderCheck;
  /** The window events are pushed to; null while there is none. */
  getWindow: () => BrowserWindow | null;
}

function unauthorized(): CallResult<never> {
  return {
    ok: false,
    error: { kind: 'unauthorized', message: 'This call did not come from the ops-console window and was refused.' },
  };
}

function describeSender(event: IpcMainInvokeEvent): string {
  let url = '(no frame)';
  try {
    url = event.senderFrame?.url ?? url;
  } catch {
    // The frame went away mid-call; the description is only for the log.
  }
  return `webContents ${event.sender.id}, frame ${JSON.stringify(url.slice(0, 200))}`;
}

/**
 * The IPC sender check: the call must come from the top frame of the main
 * window, showing a page of the app's own origin. Anything else (a frame that
 * navigated away, an iframe, another webContents) is refused.
 */
export function createSenderCheck(getWindow: () => BrowserWindow | null): SenderCheck {
  return (event) => {
    const window = getWindow();
    if (!window || window.isDestroyed()) return false;
    try {
      const frame = event.senderFrame;
      if (!frame || frame.parent !== null) return false;
      if (!isAppUrl(frame.url)) return false;
      return event.sender.id === window.webContents.id;
    } catch {
      return false;
    }
  };
}

/**
 * The Electron transport of the contract: one ipcMain handler per call name
 * (the channel is the call name), each checking the sender before the router
 * sees the input, plus contract events pushed to the window. Returns a
 * disposer that removes both.
 */
export function registerIpc(options: IpcOptions): () => void {
  const { ipcMain, router, logger, isTrustedSender, getWindow } = options;

  for (const name of callNames) {
    ipcMain.handle(name, async (event: IpcMainInvokeEvent, input: unknown): Promise<CallResult<unknown>> => {
      if (!isTrustedSender(event)) {
        logger.warn(`refused IPC call ${name} from an untrusted sender (${describeSender(event)})`);
        return unauthorized();
      }
      try {
        return await router.call(name, input, { transport: 'ipc' });
      } catch (error) {
        // The router never throws; if it ever does, the renderer still gets an envelope, not a stack.
        logger.error(`IPC call ${name} failed unexpectedly:`, error);
        return { ok: false, error: { kind: 'internal', message: 'An unexpected error occurred.' } };
      }
    });
  }

  const unsubscribe = options.events.subscribe((envelope) => {
    const window = getWindow();
    if (!window || window.isDestroyed() || window.webContents.isDestroyed()) return;
    window.webContents.send(EVENT_CHANNEL, envelope);
  });

  let disposed = false;
  return () => {
    if (disposed) return;
    disposed = true;
    unsubscribe();
    for (const name of callNames) ipcMain.removeHandler(name);
  };
}
