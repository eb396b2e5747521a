import type { App } from 'electron';
import type { Logger } from '../services/logging/log-service';

export interface QuitOptions {
  app: Pick<App, 'on' | 'quit'>;
  /** Stops the services, in reverse order of creation. */
  shutdown: () => Promise<void>;
  logger: Logger;
  platform?: NodeJS.Platform;
  /** Quit anyway if the services have not stopped by then, so the app never hangs on exit. */
  timeoutMs?: number;
}

/**
 * Quitting waits for the services: the first 'before-quit' is held back while
 * they stop, then quit is asked again and let through. Further quit requests
 * during the wait are swallowed, so there is exactly one shutdown and no loop.
 */
export function installQuitHandling(options: QuitOptions): void {
  const { app, logger } = options;
  const platform = options.platform ?? process.platform;
  const timeoutMs = options.timeoutMs ?? 15_000;
  let state: 'running' | 'stopping' | 'stopped' = 'running';

  app.on('before-quit', (event) => {
    if (state === 'stopped') return;
    event.preventDefault();
    if (state === 'stopping') return;
    state = 'stopping';
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        logger.error(`services did not stop within ${timeoutMs} ms; quitting anyway`);
        resolve();
      }, timeoutMs);
    });
    Promise.race([(async () => options.shutdown())(), timeout])
      .catch((error: unknown) => logger.error('shutdown failed:', error))
      .finally(() => {
        clearTimeout(timer);
        state = 'stopped';
        app.quit();
      });
  });

  // macOS apps stay alive without windows; elsewhere closing the window ends the app.
  app.on('window-all-closed', () => {
    if (platform !== 'darwin') app.quit();
  });
}
