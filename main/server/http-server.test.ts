import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../test/helpers/http';
import type { App } from '../app';
import { createApp } from '../app';
import { HttpTransport } from './http-server';

const TOKEN = 'test-token-0123456789abcdef0123456789';

describe('HTTP transport', () => {
  let dir: string;
  let app: App;
  let transport: HttpTransport;
  let port: number;
  const auth = () => ({ authorization: `Bearer ${TOKEN}` });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-http-'));
    const staticDir = path.join(dir, 'ui');
    fs.mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>ops-console</title>');
    fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dir, 'outside.txt'), 'must not be served');
    app = createApp({ dataDir: path.join(dir, 'data'), version: '9.9.9', transport: 'http' });
    transport = new HttpTransport({
      router: app.router,
      events: app.events,
      logger: app.log.scope('http'),
      staticDir,
      token: TOKEN,
      onToken: (t) => app.log.redactor.addSecret(t),
      heartbeatMs: 50,
    });
    port = (await transport.start()).port;
  });

  afterAll(async () => {
    await transport.stop();
    await app.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const rpc = (name: string, body: unknown, headers: Record<string, string> = auth()) =>
    rawRequest(port, {
      method: 'POST',
      path: `/api/rpc/${name}`,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('binds to 127.0.0.1 only and prints a URL carrying the token', async () => {
    const other = new HttpTransport({
      router: app.router,
      events: app.events,
      logger: app.log.scope('http'),
      staticDir: dir,
    });
    const info = await other.start();
    try {
      expect(info.url).toBe(`http://127.0.0.1:${info.port}/?token=${info.token}`);
      expect(info.token.length).toBeGreaterThanOrEqual(40);
      expect(info.port).toBeGreaterThan(0);
      const address = (other as unknown as { server: import('node:http').Server }).server.address();
      expect(address).toMatchObject({ address: '127.0.0.1' });
    } finally {
      await other.stop();
    }
  });

  it('answers a call with a valid bearer token', async () => {
    const res = await rpc('app.info', {});
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.ok).toBe(true);
    expect(body.value).toMatchObject({ version: '9.9.9', transport: 'http', dataDir: path.join(dir, 'data') });
  });

  it('offers no file dialogs: a browser cannot hand the server a path, so the UI shows no Browse button', async () => {
    const info = JSON.parse((await rpc('app.info', {})).body);
    expect(info.value.filePicker).toBe(false);
    for (const [name, input] of [
      ['files.chooseOpen', { title: 'Choose Sled export files', choose: 'files' }],
      ['files.chooseSave', { title: 'Export the snapshot' }],
    ] as const) {
      const body = JSON.parse((await rpc(name, input)).body);
      expect(body.ok).toBe(false);
      expect(body.error).toMatchObject({ kind: 'unavailable', message: 'File dialogs exist only in the desktop app.' });
      expect(body.error.hint).toMatch(/Type the path/);
    }
  });

  it('refuses a missing token', async () => {
    const res = await rpc('app.info', {}, {});
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.kind).toBe('unauthorized');
    expect(res.body).not.toContain('9.9.9');
  });

  it('refuses a wrong token, in a header, a cookie or the URL', async () => {
    expect((await rpc('app.info', {}, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await rpc('app.info', {}, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await rpc('app.info', {}, { cookie: `ops_console_${port}=nope` })).status).toBe(401);
    expect((await rawRequest(port, { path: '/?token=nope' })).status).toBe(401);
    expect((await rawRequest(port, { path: '/' })).status).toBe(401);
    expect((await rawRequest(port, { path: '/assets/app.js' })).status).toBe(401);
  });

  it('exchanges the one-time URL token for an HttpOnly SameSite=Strict cookie and strips it from the address', async () => {
    const res = await rawRequest(port, { path: `/?token=${TOKEN}` });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toContain(`ops_console_${port}=${TOKEN}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await rawRequest(port, { path: '/', headers: { cookie: `ops_console_${port}=${TOKEN}` } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>ops-console</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
  });

  it('refuses a non-loopback Host header even with a valid token (DNS rebinding)', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `127.0.0.1.evil.example:${port}`,
      `127.0.0.1:${port + 1}`,
      `[::2]:${port}`,
    ]) {
      const res = await rpc('app.info', {}, { ...auth(), host });
      expect(res.status, host).toBe(421);
      expect(res.body).not.toContain('9.9.9');
    }
    expect((await rpc('app.info', {}, { ...auth(), host: `localhost:${port}` })).status).toBe(200);
  });

  it('refuses cross-origin requests and never sends CORS headers', async () => {
    const evil = await rpc('app.info', {}, { ...auth(), origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const crossSite = await rpc('app.info', {}, { ...auth(), 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    const preflight = await rawRequest(port, {
      method: 'OPTIONS',
      path: '/api/rpc/app.info',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const sameOrigin = await rpc('app.info', {}, { ...auth(), origin: `http://127.0.0.1:${port}` });
    expect(sameOrigin.status).toBe(200);
    expect(sameOrigin.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('requires JSON bodies for calls (no form posts)', async () => {
    const res = await rawRequest(port, {
      method: 'POST',
      path: '/api/rpc/app.info',
      headers: { ...auth(), 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(res.status).toBe(415);
    const broken = await rawRequest(port, {
      method: 'POST',
      path: '/api/rpc/app.info',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body).error.kind).toBe('invalid_input');
  });

  it('returns validation errors as {kind, message, hint} with status 400', async () => {
    const res = await rpc('db.listSchemas', { url: 'mysql://nope' });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ ok: false, error: { kind: 'invalid_input' } });
    expect(body.error.message).toMatch(/postgres/);
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    expect((await rpc('no.such', {})).status).toBe(404);
  });

  it('does not serve files outside the renderer folder', async () => {
    for (const p of ['/../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt']) {
      const res = await rawRequest(port, { path: p, headers: auth() });
      expect(res.body, p).not.toContain('must not be served');
    }
    const asset = await rawRequest(port, { path: '/assets/app.js', headers: auth() });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it('pushes events over SSE to an authorised client only', async () => {
    const refused = await rawRequest(port, { path: '/api/events' });
    expect(refused.status).toBe(401);

    const http = await import('node:http');
    const frames: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port, path: '/api/events', headers: { host: `127.0.0.1:${port}`, ...auth() } },
        (res) => {
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toMatch(/text\/event-stream/);
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            frames.push(chunk);
            if (chunk.includes(': connected')) app.logger.info('hello over SSE with password=sekrit1');
            if (frames.join('').includes('hello over SSE')) {
              req.destroy();
              resolve();
            }
          });
        },
      );
      req.on('error', (error) => (frames.join('').includes('hello over SSE') ? resolve() : reject(error)));
      setTimeout(() => reject(new Error('no event arrived')), 5000);
    });
    const text = frames.join('');
    expect(text).toContain('event: logs.line');
    expect(text).not.toContain('sekrit1');
    const data = /event: logs\.line\ndata: (.*hello over SSE.*)\n/.exec(text)?.[1];
    expect(JSON.parse(data ?? 'null')).toMatchObject({ level: 'info', scope: 'app' });
  });

  it('keeps the token out of the log file', async () => {
    app.logger.info(`serving at http://127.0.0.1:${port}/?token=${TOKEN} and raw ${TOKEN}`);
    const recent = await rpc('logs.recent', { limit: 5 });
    expect(recent.body).not.toContain(TOKEN);
    expect(recent.body).toContain('token=***');
  });

  it('refuses a port that is in use with a clear error', async () => {
    const clash = new HttpTransport({
      router: app.router,
      events: app.events,
      logger: app.log.scope('http'),
      staticDir: dir,
      port,
    });
    await expect(clash.start()).rejects.toMatchObject({ kind: 'unavailable', hint: expect.stringMatching(/--port/) });
  });
});
