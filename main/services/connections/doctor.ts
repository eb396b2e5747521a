import dns from 'node:dns';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import pg from 'pg';
import type { DoctorReport, DoctorStep, DoctorStepName, DoctorStepStatus } from '../../../common/profiles';
import { OpsError } from '../../../common/errors';
import { redactText } from '../logging/redact';
import { toOpsError } from '../postgres/pg-errors';
import type { ResolvedConnection } from './connection-manager';
import { clientConfig, tlsOptions } from './pg-config';

export interface DoctorOptions {
  /** Limit for each network step (default 10 s). */
  timeoutMs?: number;
}

interface Outcome {
  status: DoctorStepStatus;
  detail: string;
  hint: string | null;
}

/** The oldest server version ops-console supports without a warning. */
const MIN_VERSION_NUM = 130000;
/** PostgreSQL's SSLRequest: length 8, then the magic code 1234.5679. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

const pass = (detail: string): Outcome => ({ status: 'pass', detail, hint: null });
const fail = (detail: string, hint: string | null): Outcome => ({ status: 'fail', detail, hint });

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: 'ETIMEOUT' })),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describeAddress(address: string, port: number): string {
  return net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

function connectTcp(options: net.NetConnectOpts, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(options);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

/** Send SSLRequest and read the server's one-byte answer ('S' or 'N'). */
function requestTls(socket: net.Socket, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, answer?: string) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (error) reject(error);
      else {
        // Leave the socket paused and empty for tls.connect to take over.
        socket.pause();
        resolve(answer ?? '');
      }
    };
    const onData = (chunk: Buffer) => {
      // 'S'/'N' is exactly one byte; anything after it would be a protocol violation we do not care about.
      done(null, String.fromCharCode(chunk[0] ?? 0));
    };
    const onError = (error: Error) => done(error);
    const onClose = () => done(Object.assign(new Error('the server closed the connection'), { code: 'ECLOSED' }));
    const timer = setTimeout(
      () => done(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEOUT' })),
      timeoutMs,
    );
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.write(SSL_REQUEST);
  });
}

function handshake(options: tls.ConnectionOptions, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect(options);
    const timer = setTimeout(() => {
      secure.destroy();
      reject(Object.assign(new Error(`TLS handshake did not finish within ${timeoutMs} ms`), { code: 'ETIMEOUT' }));
    }, timeoutMs);
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(secure);
    });
    secure.once('error', (error) => {
      clearTimeout(timer);
      secure.destroy();
      reject(error);
    });
  });
}

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

function subjectOf(cert: tls.PeerCertificate): string {
  const cn = cert.subject?.CN;
  const names = cert.subjectaltname ? ` (${cert.subjectaltname})` : '';
  return `${typeof cn === 'string' ? `CN=${cn}` : 'no CN'}${names}`;
}

/**
 * Check a connection step by step, the way a person would: does the name
 * resolve, does the port answer, does TLS work as the sslmode asks, does the
 * login work, and which server is it. Each step says what it found and, when
 * it fails, what to do; a failed step skips the ones after it. The password is
 * used for the login and never appears in the report.
 */
export async function runDoctor(resolved: ResolvedConnection, options: DoctorOptions = {}): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const target = resolved.connection;
  const { host, port, sslMode } = target;
  const password = resolved.password;
  const steps: DoctorStep[] = [];
  let failedStep: DoctorStepName | null = null;

  const scrub = (text: string) => {
    const redacted = redactText(text);
    return password && password.length > 0 ? redacted.split(password).join('***') : redacted;
  };
  const run = async (step: DoctorStepName, check: () => Promise<Outcome>): Promise<void> => {
    if (failedStep) {
      steps.push({
        step,
        status: 'skip',
        detail: `not checked: the ${failedStep} step failed`,
        hint: null,
        durationMs: 0,
      });
      return;
    }
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = await check();
    } catch (error) {
      const mapped = toOpsError(error, resolved.target);
      outcome = fail(mapped.message, mapped.hint ?? null);
    }
    steps.push({
      step,
      status: outcome.status,
      detail: scrub(outcome.detail),
      hint: outcome.hint === null ? null : scrub(outcome.hint),
      durationMs: Math.round(performance.now() - started),
    });
    if (outcome.status === 'fail') failedStep = step;
  };

  const isSocketDir = host.startsWith('/');
  let addresses: dns.LookupAddress[] = [];
  let socket: net.Socket | null = null;
  /** TLS options for the login, as the TLS step found them to work. */
  let loginTls: false | tls.ConnectionOptions = false;
  let client: pg.Client | null = null;

  try {
    await run('dns', async () => {
      if (isSocketDir) return pass(`Unix socket in ${host} (no lookup)`);
      const family = net.isIP(host);
      if (family !== 0) {
        addresses = [{ address: host, family }];
        return pass(`${host} (an IPv${family} address, no lookup needed)`);
      }
      try {
        addresses = await withTimeout(dns.promises.lookup(host, { all: true }), timeoutMs, 'DNS lookup');
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ENOTFOUND') {
          return fail(
            `${host} does not resolve`,
            'Check the spelling of the host name, your DNS, or the VPN that serves it.',
          );
        }
        if (code === 'EAI_AGAIN' || code === 'ETIMEOUT') {
          return fail(
            `no answer from DNS for ${host}`,
            'The DNS server did not answer: check the network connection or VPN.',
          );
        }
        return fail(`looking up ${host} failed: ${errorText(error)}`, null);
      }
      if (addresses.length === 0) return fail(`${host} has no addresses`, 'Check the DNS records of the host.');
      return pass(`${host} → ${addresses.map((a) => a.address).join(', ')}`);
    });

    await run('tcp', async () => {
      if (isSocketDir) {
        const file = `${host.replace(/\/$/, '')}/.s.PGSQL.${port}`;
        try {
          socket = await connectTcp({ path: file }, timeoutMs);
          return pass(`connected to ${file}`);
        } catch (error) {
          return fail(
            `cannot open ${file}: ${errorText(error)}`,
            'Is PostgreSQL running on this machine with that port and socket folder?',
          );
        }
      }
      const problems: string[] = [];
      let lastCode: string | undefined;
      for (const { address, family } of addresses) {
        try {
          socket = await connectTcp({ host: address, port, family }, timeoutMs);
          const earlier = problems.length > 0 ? ` (after ${problems.join('; ')})` : '';
          return pass(`connected to ${describeAddress(address, port)}${earlier}`);
        } catch (error) {
          lastCode = errorCode(error);
          const reason =
            lastCode === 'ECONNREFUSED' ? 'refused' : lastCode === 'ETIMEOUT' ? 'no answer' : errorText(error);
          problems.push(`${describeAddress(address, port)} ${reason}`);
        }
      }
      const hint =
        lastCode === 'ECONNREFUSED'
          ? `Nothing listens on port ${port} at ${host}: is PostgreSQL running, on this port? A remote server must also list this interface in listen_addresses.`
          : lastCode === 'ETIMEOUT'
            ? `No answer within ${Math.round(timeoutMs / 1000)} s: a firewall or security group may drop the packets, or the host is down.`
            : lastCode === 'EHOSTUNREACH' || lastCode === 'ENETUNREACH'
              ? 'There is no route to the host: check the network, the VPN, or IPv6 connectivity.'
              : null;
      return fail(problems.join('; '), hint);
    });

    await run('tls', async () => {
      if (sslMode === 'disable') return { status: 'skip', detail: 'not attempted (sslmode=disable)', hint: null };
      if (isSocketDir) return { status: 'skip', detail: 'not used over a Unix socket', hint: null };
      const plain = socket;
      if (!plain) return fail('no connection to check TLS on', null);
      let answer: string;
      try {
        answer = await requestTls(plain, timeoutMs);
      } catch (error) {
        return fail(
          `no answer to the TLS request: ${errorText(error)}`,
          `Something other than PostgreSQL may be listening on port ${port}, or a proxy is in the way.`,
        );
      }
      if (answer === 'N') {
        if (sslMode === 'prefer') {
          return {
            status: 'warn',
            detail: 'server offers no TLS; connecting unencrypted',
            hint: 'Enable ssl on the server to encrypt, or set sslmode=disable if unencrypted is intended.',
          };
        }
        return fail(
          `the server does not accept TLS (sslmode=${sslMode})`,
          'the server does not accept TLS; use sslmode=disable or enable ssl on the server',
        );
      }
      if (answer !== 'S') {
        return fail(
          `unexpected answer to the TLS request (${JSON.stringify(answer)})`,
          `This does not look like PostgreSQL on port ${port}; check the port.`,
        );
      }
      let secureOptions: tls.ConnectionOptions;
      try {
        secureOptions = tlsOptions(target) || {};
      } catch (error) {
        const mapped = error instanceof OpsError ? error : toOpsError(error, resolved.target);
        return fail(mapped.message, mapped.hint ?? null);
      }
      // SNI takes host names only; an IP address is checked against the certificate through `host`
      // (node-postgres passes these options on to tls.connect, so the login checks the same name).
      const { servername: _servername, ...rest } = secureOptions;
      loginTls = net.isIP(host) ? { ...rest, host } : { ...rest, servername: host };
      let secure: tls.TLSSocket;
      try {
        secure = await handshake({ ...loginTls, socket: plain, host }, timeoutMs);
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
          const cert = (error as { cert?: tls.PeerCertificate }).cert;
          return fail(
            `certificate mismatch: ${host} is not a name in the server's certificate${cert ? ` (${subjectOf(cert)})` : ''}`,
            `The server's certificate is not issued for ${host}: connect with a name the certificate covers, or use sslmode=verify-ca to check only the CA.`,
          );
        }
        if (code && UNTRUSTED.has(code)) {
          const ca = target.sslRootCert ? `the CA in ${target.sslRootCert}` : 'a CA this machine trusts';
          return fail(
            `certificate not trusted: ${errorText(error)}`,
            `The server's certificate is not signed by ${ca}: set the profile's CA file (sslrootcert) to the CA that issued it, or use sslmode=require to encrypt without verifying.`,
          );
        }
        if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
          return fail(
            `certificate not valid now: ${errorText(error)}`,
            "Renew the server's certificate (or check this machine's clock).",
          );
        }
        return fail(
          `TLS handshake failed: ${errorText(error)}`,
          "Check the server's ssl settings and certificate; sslmode=require encrypts without verifying.",
        );
      }
      const cert = secure.getPeerCertificate();
      const verified =
        sslMode === 'verify-full'
          ? `verified for ${host}`
          : sslMode === 'verify-ca'
            ? 'CA verified (host name not checked)'
            : `not verified (sslmode=${sslMode})`;
      const detail = `${secure.getProtocol() ?? 'TLS'}, ${secure.getCipher().name}, certificate ${subjectOf(cert)}, ${verified}`;
      secure.destroy();
      socket = null;
      return pass(detail);
    });
    (socket as net.Socket | null)?.destroy();
    socket = null;

    await run('auth', async () => {
      const pgClient = new pg.Client(clientConfig(target, password, { connectTimeoutMs: timeoutMs, ssl: loginTls }));
      // A server dying mid-check must not become an unhandled 'error' event.
      pgClient.on('error', () => undefined);
      client = pgClient;
      try {
        await pgClient.connect();
      } catch (error) {
        client = null;
        await pgClient.end().catch(() => undefined);
        return authFailure(error, resolved, timeoutMs);
      }
      return pass(`logged in as ${target.user} to database ${target.database}${loginTls ? ' over TLS' : ''}`);
    });

    await run('version', async () => {
      const pgClient = client as pg.Client | null;
      if (!pgClient) return fail('no session to ask', null);
      const result = await pgClient.query<{ version: string; short: string; num: string }>(
        "SELECT version() AS version, current_setting('server_version') AS short, current_setting('server_version_num') AS num",
      );
      const row = result.rows[0];
      if (!row) return fail('the server returned no version', null);
      const num = Number(row.num);
      const platform = /\bon (\S+?),/.exec(row.version)?.[1];
      const detail = `PostgreSQL ${row.short}${platform ? ` on ${platform}` : ''}`;
      if (num < MIN_VERSION_NUM) {
        return {
          status: 'warn',
          detail,
          hint: `PostgreSQL ${row.short} is older than 13 and out of support; some views may not work. Upgrade the server.`,
        };
      }
      return pass(detail);
    });
  } finally {
    (socket as net.Socket | null)?.destroy();
    await (client as pg.Client | null)?.end().catch(() => undefined);
  }

  return { target: resolved.target, ok: steps.every((s) => s.status !== 'fail'), steps };
}

/** Explain a failed login: which of the usual suspects it is and what to change. */
function authFailure(error: unknown, resolved: ResolvedConnection, timeoutMs: number): Outcome {
  const { user, database, host } = resolved.connection;
  const code = errorCode(error);
  const message = errorText(error);
  if (code === '28P01') {
    return fail(
      message,
      `wrong password for user ${user} (or no such user): check the password in the profile, PGPASSWORD or ~/.pgpass.`,
    );
  }
  if (code === '28000' && /pg_hba\.conf/.test(message)) {
    if (/no encryption/.test(message)) {
      return fail(
        message,
        "The server requires TLS for this connection (pg_hba.conf allows it only over hostssl): use sslmode=require, or verify-full with the server's CA.",
      );
    }
    return fail(
      message,
      `pg_hba.conf on the server has no line that lets user ${user} reach database ${database} from this address: ask its administrator to add one and reload the server.`,
    );
  }
  if (code === '28000') return fail(message, `Check that the user ${user} exists on the server and may log in.`);
  if (code === '3D000') {
    return fail(message, `Create the database ${database}, or use one that exists (psql -l lists them).`);
  }
  if (code === '53300')
    return fail(message, 'The server has no free connections: close idle sessions or raise max_connections.');
  if (code === '57P03') return fail(message, 'The server is starting up or shutting down: try again in a moment.');
  if (/password must be a string|no password/i.test(message) && resolved.password === undefined) {
    return fail(
      'the server asks for a password and none was given',
      'Save a password in the profile, set PGPASSWORD, or add a line to ~/.pgpass.',
    );
  }
  if (/timeout|timed out/i.test(message)) {
    return fail(
      `the login did not finish within ${Math.round(timeoutMs / 1000)} s`,
      `${host} accepted the connection but did not finish the login: it may be overloaded, or only accept TLS (try sslmode=require).`,
    );
  }
  const mapped = toOpsError(error, resolved.target);
  return fail(mapped.message, mapped.hint ?? null);
}
