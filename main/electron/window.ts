import { BrowserWindow, shell } from 'electron';
import type { Logger } from '../services/logging/log-service';
import { guardWebContents } from './guards';
import { APP_ENTRY_URL } from './origin';

export interface MainWindowOptions {
  /** Absolute path of the bundled preload (dist/preload/index.cjs). */
  preloadPath: string;
  logger: Logger;
}

/**
 * The one application window. The page gets no Node, runs sandboxed in its
 * own JavaScript world and reaches main only through the preload's contract
 * client. It stays hidden until the first paint is ready, so the user never
 * sees a blank frame.
 */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const { logger } = options;
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'ops-console',
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  const contents = window.webContents;
  guardWebContents(contents, { logger, openExternal: (url) => shell.openExternal(url) });

  window.once('ready-to-show', () => window.show());
  contents.on('preload-error', (_event, preloadPath, error) => logger.error(`preload ${preloadPath} failed:`, error));
  contents.on('render-process-gone', (_event, details) =>
    logger.error(`renderer process gone: ${details.reason} (exit code ${details.exitCode})`),
  );
  window.loadURL(APP_ENTRY_URL).catch((error: unknown) => logger.error(`loading ${APP_ENTRY_URL} failed:`, error));
  return window;
}
