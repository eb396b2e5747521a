/**
 * The renderer's own origin. The built renderer is served from a privileged
 * custom scheme (see protocol.ts), so "our page" has one exact origin that the
 * navigation rules and the IPC sender check can compare against.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'ops-console';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** The channel main pushes contract events on; the preload listens on the same name. */
export { EVENT_CHANNEL } from '../../common/names';

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True when `url` is on the app's own origin. Compared field by field rather
 * than with `URL.origin`: Node's URL reports the origin of a non-special scheme
 * as "null", so an origin comparison would be wrong outside Chromium.
 */
export function isAppUrl(url: string): boolean {
  const parsed = parse(url);
  return (
    parsed !== null &&
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.host === APP_HOST &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/** Only web links leave the app, and only to the user's browser. */
export function isExternalWebUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== null && (parsed.protocol === 'http:' || parsed.protocol === 'https:');
}
