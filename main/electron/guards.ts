import type { Session, WebContents } from 'electron';
import type { Logger } from '../services/logging/log-service';
import { isAppUrl, isExternalWebUrl } from './origin';

export interface GuardOptions {
  logger: Logger;
  /** shell.openExternal, passed in so the rule can be tested without a desktop. */
  openExternal: (url: string) => Promise<void>;
}

/** Trim what we log of a refused URL: it came from page content and may be huge. */
function forLog(url: string): string {
  return JSON.stringify(url.length > 200 ? `${url.slice(0, 200)}...` : url);
}

const guarded = new WeakSet<WebContents>();

/**
 * The rules for every webContents the app ever creates: it navigates only
 * within the app origin, never opens a window of its own, never hosts a
 * <webview>, and its session grants no permissions. Web links go to the
 * user's browser; every other scheme (file:, javascript:, smb:, custom
 * protocol handlers) is refused, because handing those to the OS can run
 * programs or leak credentials. Idempotent, so the window and the app-wide
 * 'web-contents-created' hook can both apply it.
 */
export function guardWebContents(contents: WebContents, options: GuardOptions): void {
  if (guarded.has(contents)) return;
  guarded.add(contents);
  const { logger, openExternal } = options;

  const keepInApp = (kind: string) => (event: { url: string; preventDefault: () => void }) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    logger.warn(`blocked ${kind} to ${forLog(event.url)}`);
  };
  contents.on('will-navigate', keepInApp('navigation'));
  contents.on('will-redirect', keepInApp('redirect'));

  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalWebUrl(url)) {
      openExternal(url).catch((error: unknown) => logger.warn(`opening ${forLog(url)} in the browser failed:`, error));
    } else {
      logger.warn(`refused to open ${forLog(url)}: only http and https links leave the app`);
    }
    return { action: 'deny' };
  });

  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    logger.warn('blocked a <webview>');
  });

  denyAllPermissions(contents.session, logger);
}

/** The app asks for no browser permissions (camera, notifications, ...), so it grants none. */
function denyAllPermissions(session: Session, logger: Logger): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    logger.warn(`denied permission request: ${permission}`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
}
