import path from 'node:path';
import type { BrowserWindow } from 'electron';
import { app, dialog, ipcMain, safeStorage, shell } from 'electron';
import type { App as OpsApp } from '../app';
import { createApp } from '../app';
import { defaultDataDir, logDirOf } from '../paths';
import type { Logger } from '../services/logging/log-service';
import { formatLogValue, redactText } from '../services/logging/redact';
import { guardWebContents } from './guards';
import { createSenderCheck, registerIpc } from './ipc';
import { ElectronFilePicker } from './file-picker';
import { electronNativeBinding } from './native';
import { handleAppProtocol, registerAppScheme } from './protocol';
import { SafeStorageSecretStore } from './safe-storage';
import { installQuitHandling } from './quit';
import { createMainWindow } from './window';

/**
 * A logger usable from the first line of main: the app's (redacting, file)
 * logger once it exists, redacted stderr before that.
 */
function createLateLogger(current: () => Logger | undefined): Logger {
  const write =
    (level: keyof Logger) =>
    (...parts: unknown[]) => {
      const logger = current();
      if (logger) logger[level](...parts);
      else process.stderr.write(`[${level}] ${redactText(parts.map(formatLogValue).join(' '))}\n`);
    };
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
}

function describeStartupError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { hint, detail } = error as Error & { hint?: string; detail?: string };
  return [error.message, hint, detail].filter(Boolean).join('\n\n');
}

/**
 * The desktop app's lifecycle. Everything Electron insists on before 'ready'
 * (single-instance lock, data paths, privileged scheme, sandbox) happens
 * synchronously here; the services start once the app is ready.
 */
export function runDesktop(): void {
  let services: OpsApp | undefined;
  let mainWindow: BrowserWindow | null = null;
  let disposeIpc: (() => void) | undefined;
  let servicesLogger: Logger | undefined;
  const logger = createLateLogger(() => servicesLogger);

  process.on('uncaughtException', (error) => logger.error('uncaught exception in main:', error.stack ?? error));
  process.on('unhandledRejection', (reason) =>
    logger.error('unhandled rejection in main:', reason instanceof Error ? (reason.stack ?? reason) : reason),
  );

  if (!app.requestSingleInstanceLock()) {
    // Another copy owns the data folder; it gets focused through 'second-instance'.
    app.quit();
    return;
  }

  // The desktop app, the CLI and serve mode share one data folder.
  const dataDir = defaultDataDir();
  app.setPath('userData', dataDir);
  app.setAppLogsPath(logDirOf(dataDir));
  app.enableSandbox();
  registerAppScheme();

  const getWindow = () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow : null);
  const openWindow = () => {
    mainWindow = createMainWindow({
      preloadPath: path.join(app.getAppPath(), 'dist', 'preload', 'index.cjs'),
      logger,
    });
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
  };

  app.on('web-contents-created', (_event, contents) =>
    guardWebContents(contents, { logger, openExternal: (url) => shell.openExternal(url) }),
  );
  app.on('second-instance', () => {
    const window = getWindow();
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  });
  app.on('activate', () => {
    if (services && !getWindow()) openWindow();
  });
  installQuitHandling({
    app,
    logger,
    shutdown: async () => {
      disposeIpc?.();
      await services?.shutdown();
    },
  });

  const start = () => {
    const appPath = app.getAppPath();
    const electronVersion = process.versions.electron;
    const nativeBinding = electronNativeBinding({ appPath, isPackaged: app.isPackaged, electronVersion, logger });
    services = createApp({
      dataDir,
      version: app.getVersion(),
      transport: 'ipc',
      electronVersion,
      startBackends: true,
      logDir: logDirOf(dataDir),
      secrets: new SafeStorageSecretStore(safeStorage),
      filePicker: new ElectronFilePicker(dialog, getWindow),
      ...(nativeBinding ? { nativeBinding } : {}),
      // electron-builder copies migrations/ to resources/migrations (extraResources).
      ...(app.isPackaged ? { migrationsDir: path.join(process.resourcesPath, 'migrations') } : {}),
    });
    servicesLogger = services.log.scope('desktop');
    handleAppProtocol(path.join(appPath, 'renderer', 'dist'), services.log.scope('protocol'));
    disposeIpc = registerIpc({
      ipcMain,
      router: services.router,
      events: services.events,
      logger: services.log.scope('ipc'),
      isTrustedSender: createSenderCheck(getWindow),
      getWindow,
    });
    openWindow();
  };

  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      logger.error('startup failed:', error instanceof Error ? (error.stack ?? error) : error);
      dialog.showErrorBox('ops-console could not start', redactText(describeStartupError(error)));
      app.quit();
    });
}
