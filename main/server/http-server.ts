import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { EventEnvelope } from '../../common/contract';
import type { SerializedError } from '../../common/errors';
import { OpsError } from '../../common/errors';
import type { EventHub } from '../events';
import type { Router } from '../rpc/router';
import { contentTypeOf } from '../mime';
import { SECURITY_HEADERS } from '../security';
import type { Logger } from '../services/logging/log-service';

export interface HttpTransportOptions {
  router: Router;
  events: EventHub;
  logger: Logger;
  /** The built renderer (renderer/dist). */
  staticDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Supplied by tests; otherwise 32 random bytes. */
  token?: string;
  /** Called with each token so the log redactor can hide it. */
  onToken?: (token: string) => void;
  heartbeatMs?: number;
}

export interface ServeInfo {
  port: number;
  token: string;
  /** Open this in a browser: it carries the token once, then a cookie does. */
  url: string;
}

const BIND_HOST = '127.0.0.1';
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);
const MAX_BODY_BYTES = 1024 * 1024;

const statusByKind: Record<SerializedError['kind'], number> = {
  invalid_input: 400,
  unknown_call: 404,
  not_found: 404,
  unauthorized: 401,
  connection_failed: 502,
  auth_failed: 502,
  timeout: 504,
  database_error: 502,
  unavailable: 503,
  conflict: 409,
  internal: 500,
};

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) cookies.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  return cookies;
}

/**
 * `ops-console serve`: the contract over HTTP for a browser on the same
 * machine. Loopback only, a random token on every request (bearer header or
 * an HttpOnly SameSite=Strict cookie set from the one-time URL), Host and
 * Origin checked against loopback names, no CORS, events over SSE.
 */
export class HttpTransport {
  private readonly options: HttpTransportOptions;
  private readonly token: string;
  private readonly server: http.Server;
  private readonly streams = new Set<http.ServerResponse>();
  private port = 0;
  private unsubscribe: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(options: HttpTransportOptions) {
    this.options = options;
    this.token = options.token ?? randomBytes(32).toString('base64url');
    options.onToken?.(this.token);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        options.logger.error('HTTP handler failed:', error);
        if (!res.headersSent)
          this.sendJson(res, 500, { ok: false, error: { kind: 'internal', message: 'Internal error' } });
        else res.end();
      });
    });
    this.server.headersTimeout = 20_000;
    this.server.requestTimeout = 120_000;
  }

  private get cookieName(): string {
    return `ops_console_${this.port}`;
  }

  async start(): Promise<ServeInfo> {
    const port = this.options.port ?? 0;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EADDRINUSE'
            ? new OpsError('unavailable', `Port ${port} on ${BIND_HOST} is already in use`, {
                hint: 'Pick another with --port, or leave it out for a random free port.',
              })
            : error,
        );
      };
      this.server.once('error', onError);
      this.server.listen(port, BIND_HOST, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.unsubscribe = this.options.events.subscribe((envelope) => this.broadcast(envelope));
    this.heartbeat = setInterval(() => {
      for (const stream of this.streams) stream.write(': keep-alive\n\n');
    }, this.options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
    return { port: this.port, token: this.token, url: `http://${BIND_HOST}:${this.port}/?token=${this.token}` };
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private broadcast(envelope: EventEnvelope): void {
    const frame = `event: ${envelope.event}\ndata: ${JSON.stringify(envelope.payload)}\n\n`;
    for (const stream of this.streams) stream.write(frame);
  }

  private baseHeaders(extra: Record<string, string> = {}): Record<string, string> {
    return { ...SECURITY_HEADERS, ...extra };
  }

  private sendJson(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(
      status,
      this.baseHeaders({
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Length': String(Buffer.byteLength(text)),
      }),
    );
    res.end(text);
  }

  private refuse(
    res: http.ServerResponse,
    status: number,
    kind: SerializedError['kind'],
    message: string,
    hint?: string,
  ) {
    this.sendJson(res, status, { ok: false, error: { kind, message, ...(hint ? { hint } : {}) } });
  }

  /** DNS-rebinding defence: the Host header must name loopback and our port. */
  private hostAllowed(host: string | undefined): boolean {
    if (!host) return false;
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.toLowerCase());
    if (!match) return false;
    const [, name, port] = match;
    return LOOPBACK_NAMES.has(name ?? '') && port === String(this.port);
  }

  private originAllowed(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    try {
      const url = new URL(origin);
      return url.protocol === 'http:' && this.hostAllowed(url.host);
    } catch {
      return false;
    }
  }

  private authorised(req: http.IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ') && safeEqual(header.slice(7).trim(), this.token)) return true;
    const cookie = parseCookies(req.headers.cookie).get(this.cookieName);
    return cookie !== undefined && safeEqual(cookie, this.token);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.hostAllowed(req.headers.host)) {
      return this.refuse(
        res,
        421,
        'unauthorized',
        'Host header is not a loopback name for this server',
        'Open the URL printed by `ops-console serve`.',
      );
    }
    const origin = req.headers.origin;
    if (!this.originAllowed(typeof origin === 'string' ? origin : undefined)) {
      return this.refuse(res, 403, 'unauthorized', 'Cross-origin requests are not allowed');
    }
    // Fetch metadata: a browser tells us when another site is asking.
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') {
      return this.refuse(res, 403, 'unauthorized', 'Cross-site requests are not allowed');
    }
    const url = new URL(req.url ?? '/', `http://${BIND_HOST}:${this.port}`);
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
      res.setHeader('Allow', 'GET, HEAD, POST');
      return this.refuse(res, 405, 'invalid_input', `Method ${method} is not allowed`);
    }

    const queryToken = url.searchParams.get('token');
    if (queryToken !== null && method === 'GET') {
      if (!safeEqual(queryToken, this.token)) {
        return this.refuse(res, 401, 'unauthorized', 'Wrong token', 'Use the URL printed by `ops-console serve`.');
      }
      url.searchParams.delete('token');
      res.writeHead(
        303,
        this.baseHeaders({
          'Set-Cookie': `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`,
          Location: `${url.pathname}${url.search}`,
          'Cache-Control': 'no-store',
        }),
      );
      res.end();
      return;
    }
    if (!this.authorised(req)) {
      return this.refuse(
        res,
        401,
        'unauthorized',
        'Missing or wrong token',
        'Open the URL printed by `ops-console serve` (it carries the token).',
      );
    }

    if (url.pathname.startsWith('/api/rpc/')) {
      if (method !== 'POST') return this.refuse(res, 405, 'invalid_input', 'Calls are POST requests');
      return this.handleCall(req, res, decodeURIComponent(url.pathname.slice('/api/rpc/'.length)));
    }
    if (url.pathname === '/api/events') return this.handleEvents(req, res);
    if (url.pathname.startsWith('/api/')) return this.refuse(res, 404, 'not_found', `No such endpoint ${url.pathname}`);
    if (method === 'POST') return this.refuse(res, 405, 'invalid_input', 'POST is only for /api/rpc');
    return this.serveStatic(res, url.pathname, method === 'HEAD');
  }

  private async handleCall(req: http.IncomingMessage, res: http.ServerResponse, name: string): Promise<void> {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) {
      return this.refuse(res, 415, 'invalid_input', 'Calls must be sent as application/json');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return this.refuse(res, 413, 'invalid_input', 'Request body is larger than 1 MiB');
      chunks.push(chunk);
    }
    let input: unknown;
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      input = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      return this.refuse(res, 400, 'invalid_input', 'Request body is not valid JSON');
    }
    const result = await this.options.router.call(name, input, { transport: 'http' });
    this.sendJson(res, result.ok ? 200 : statusByKind[result.error.kind], result);
  }

  private handleEvents(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(
      200,
      this.baseHeaders({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
      }),
    );
    res.write(': connected\n\n');
    this.streams.add(res);
    req.on('close', () => this.streams.delete(res));
  }

  private serveStatic(res: http.ServerResponse, pathname: string, headOnly: boolean): void {
    const root = path.resolve(this.options.staticDir);
    const index = path.join(root, 'index.html');
    if (!fs.existsSync(index)) {
      return this.refuse(
        res,
        503,
        'unavailable',
        'The renderer is not built',
        'Run `npm run build:renderer` and restart serve.',
      );
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return this.refuse(res, 400, 'invalid_input', 'Malformed path');
    }
    let file = path.resolve(root, `.${decoded}`);
    // Never leave the renderer folder; unknown paths get the app (client-side routes).
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) file = index;
    const body = fs.readFileSync(file);
    res.writeHead(
      200,
      this.baseHeaders({
        'Content-Type': contentTypeOf(file),
        'Content-Length': String(body.length),
        'Cache-Control': file === index ? 'no-store' : 'public, max-age=31536000, immutable',
      }),
    );
    res.end(headOnly ? undefined : body);
  }
}
