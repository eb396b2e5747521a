import fs from 'node:fs';
import path from 'node:path';
import { protocol } from 'electron';
import { SECURITY_HEADERS } from '../security';
import type { Logger } from '../services/logging/log-service';
import { contentTypeOf } from '../mime';
import { APP_HOST, APP_SCHEME } from './origin';

/**
 * Declare app:// a standard, secure scheme: standard gives it real origins and
 * relative URLs, secure makes the page a secure context. It does not bypass
 * the CSP. Electron accepts this only before the app is ready.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Serve the built renderer on app://ops-console/. Call once the app is ready. */
export function handleAppProtocol(rendererDir: string, logger: Logger): void {
  protocol.handle(APP_SCHEME, createAppRequestHandler(rendererDir, logger));
}

function respond(status: number, body: string | Buffer | null, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      ...headers,
    },
  });
}

function isInside(root: string, file: string): boolean {
  return file.startsWith(root + path.sep);
}

/**
 * The app:// request handler: files from the renderer folder and nothing
 * else. Every response, errors included, carries the CSP and the other
 * security headers. A path that would leave the folder (`..`, encoded
 * separators, backslashes on Windows, a symlink pointing out) is a 404, not a redirect to
 * the app, so probing learns nothing.
 */
export function createAppRequestHandler(rendererDir: string, logger: Logger): (request: Request) => Promise<Response> {
  const root = path.resolve(rendererDir);
  let realRoot: string | undefined;

  const notFound = () => {
    if (!fs.existsSync(path.join(root, 'index.html'))) {
      return respond(503, 'The renderer is not built: run `npm run build:renderer` and start the app again.');
    }
    return respond(404, 'Not found');
  };

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return respond(405, 'Method not allowed', { Allow: 'GET, HEAD' });
    }
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return respond(400, 'Bad request');
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return respond(404, 'Not found');

    let decoded: string;
    try {
      decoded = decodeURIComponent(url.pathname);
    } catch {
      return respond(400, 'Malformed path');
    }
    if (decoded === '/' || decoded === '') decoded = '/index.html';
    const file = path.resolve(root, `.${decoded}`);
    if (decoded.includes('\0') || !isInside(root, file)) {
      logger.warn(`app:// refused a path outside the renderer folder: ${JSON.stringify(url.pathname.slice(0, 200))}`);
      return respond(404, 'Not found');
    }

    try {
      const stat = await fs.promises.stat(file);
      if (!stat.isFile()) return notFound();
      realRoot ??= await fs.promises.realpath(root);
      if (!isInside(realRoot, await fs.promises.realpath(file))) {
        logger.warn(
          `app:// refused a link leading out of the renderer folder: ${JSON.stringify(decoded.slice(0, 200))}`,
        );
        return respond(404, 'Not found');
      }
      const body = request.method === 'HEAD' ? null : await fs.promises.readFile(file);
      const isEntry = path.basename(file) === 'index.html';
      return respond(200, body, {
        'Content-Type': contentTypeOf(file),
        'Cache-Control': isEntry ? 'no-store' : 'no-cache',
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
        return notFound();
      }
      logger.error(`app:// failed to serve ${JSON.stringify(decoded.slice(0, 200))}:`, error);
      return respond(500, 'Internal error');
    }
  };
}
