import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../security';

const { fakeElectron, resetFakeElectron, recordingLogger } = await vi.hoisted(() => import('./fake-electron'));
vi.mock('electron', () => fakeElectron);

const { createAppRequestHandler, handleAppProtocol, registerAppScheme } = await import('./protocol');

const SECRET = 'top-secret-outside-the-renderer';
let base: string;
let rendererDir: string;

beforeAll(() => {
  // base/secret.txt sits next to the renderer folder: one `..` away from being served.
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-protocol-'));
  rendererDir = path.join(base, 'dist');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>ops-console</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app-1234.js'), 'console.log("app")');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app-1234.css'), 'body{}');
  fs.writeFileSync(path.join(base, 'secret.txt'), SECRET);
  fs.symlinkSync(path.join(base, 'secret.txt'), path.join(rendererDir, 'assets', 'link.txt'));
});

afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function serve(url: string, method = 'GET') {
  const { logger, lines } = recordingLogger();
  // A plain object keeps the URL exactly as written: Request would normalise some of it away first.
  const request = { url, method } as Request;
  return { response: createAppRequestHandler(rendererDir, logger)(request), lines };
}

describe('the app:// protocol handler', () => {
  it('serves the renderer with the right content types and the CSP on every response', async () => {
    const cases: Array<[string, string, string]> = [
      ['app://ops-console/', 'text/html; charset=utf-8', '<!doctype html>'],
      ['app://ops-console/index.html', 'text/html; charset=utf-8', '<!doctype html>'],
      ['app://ops-console/assets/app-1234.js', 'text/javascript; charset=utf-8', 'console.log'],
      ['app://ops-console/assets/app-1234.css', 'text/css; charset=utf-8', 'body{}'],
    ];
    for (const [url, type, start] of cases) {
      const response = await serve(url).response;
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type'), url).toBe(type);
      expect(response.headers.get('content-security-policy'), url).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(response.headers.get('x-frame-options'), url).toBe('DENY');
      expect((await response.text()).startsWith(start), url).toBe(true);
    }
  });

  it.each([
    'app://ops-console/../secret.txt',
    'app://ops-console/..%2fsecret.txt',
    'app://ops-console/..%2Fsecret.txt',
    'app://ops-console/%2e%2e%2fsecret.txt',
    'app://ops-console/assets/..%2f..%2fsecret.txt',
    'app://ops-console/..%5csecret.txt',
    'app://ops-console/%2e%2e/%2e%2e/etc/passwd',
    'app://ops-console/../../etc/passwd',
    'app://ops-console/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
    'app://ops-console/%2fetc%2fpasswd',
    'app://ops-console/index.html%00.js',
  ])('refuses %s with a 404 that still carries the CSP', async (url) => {
    const response = await serve(url).response;
    expect(response.status).toBe(404);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const body = await response.text();
    expect(body).not.toContain(SECRET);
    expect(body).not.toContain('root:');
  });

  it('logs a traversal attempt', async () => {
    const { response, lines } = serve('app://ops-console/..%2fsecret.txt');
    await response;
    expect(lines.some((line) => line.level === 'warn' && line.text.includes('outside the renderer folder'))).toBe(true);
  });

  it('does not follow a symlink out of the renderer folder', async () => {
    const response = await serve('app://ops-console/assets/link.txt').response;
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain(SECRET);
  });

  it('answers only for its own host, existing files and GET/HEAD', async () => {
    expect((await serve('app://evil/index.html').response).status).toBe(404);
    expect((await serve('app://ops-console/missing.js').response).status).toBe(404);
    expect((await serve('app://ops-console/assets').response).status).toBe(404);
    expect((await serve('app://ops-console/%E0%A4%A').response).status).toBe(400);
    const post = await serve('app://ops-console/index.html', 'POST').response;
    expect(post.status).toBe(405);
    expect(post.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const head = await serve('app://ops-console/index.html', 'HEAD').response;
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('says the renderer is not built when its folder is empty', async () => {
    const { logger } = recordingLogger();
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-empty-'));
    try {
      const response = await createAppRequestHandler(
        empty,
        logger,
      )({
        url: 'app://ops-console/index.html',
        method: 'GET',
      } as Request);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('npm run build:renderer');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('app:// registration', () => {
  beforeEach(() => resetFakeElectron());

  it('declares app a standard, secure scheme that does not bypass the CSP', () => {
    registerAppScheme();
    expect(fakeElectron.protocol.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
  });

  it('serves files through protocol.handle once the app is ready', async () => {
    await fakeElectron.app.fireReady();
    handleAppProtocol(rendererDir, recordingLogger().logger);
    const handler = fakeElectron.protocol.handlers.get('app');
    expect(handler).toBeDefined();
    const response = await handler!(new Request('app://ops-console/index.html'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });
});
