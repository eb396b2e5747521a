import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from '../local-pg/embedded-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport, DoctorStepName } from '../../../common/profiles';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres';
import type { Logger } from '../logging/log-service';
import { AppStore } from '../store/app-store';
import { ConnectionManager } from './connection-manager';
import { runDoctor } from './doctor';
import { ProfileStore } from './profile-store';
import { NoSecretStore } from './secret-store';

const silent: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const TLS_PASSWORD = 'tls-only-secret';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function selfSigned(dir: string, name: string, cn: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${cn}`, '-keyout', key, '-out', cert],
    { stdio: 'ignore' },
  );
  fs.chmodSync(key, 0o600);
  return { cert, key };
}

function statusOf(report: DoctorReport): Record<DoctorStepName, string> {
  return Object.fromEntries(report.steps.map((s) => [s.step, s.status])) as Record<DoctorStepName, string>;
}

function step(report: DoctorReport, name: DoctorStepName) {
  const found = report.steps.find((s) => s.step === name);
  if (!found) throw new Error(`no ${name} step`);
  return found;
}

describe('connection doctor (real servers)', () => {
  let workDir: string;
  let store: AppStore;
  let manager: ConnectionManager;
  let plain: TestDatabase;
  let tlsServer: EmbeddedPostgres;
  let tlsPort: number;
  let serverCert: string;
  let wrongCa: string;
  const reports: DoctorReport[] = [];
  const passwords: string[] = [TLS_PASSWORD, 'wrong-password-xyz'];

  /** Resolve a URL the way the app does, then run the doctor on it. */
  async function check(url: string): Promise<DoctorReport> {
    const report = await runDoctor(await manager.resolve({ url }), { timeoutMs: 5000 });
    reports.push(report);
    return report;
  }

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-doctor-'));
    // As root the server runs as the postgres user, which must reach (and read) its files.
    fs.chmodSync(workDir, 0o755);
    store = new AppStore({ file: path.join(workDir, 'ops-console.db') });
    const profiles = new ProfileStore({ db: store.database, secrets: new NoSecretStore(), logger: silent });
    manager = new ConnectionManager({ profiles, logger: silent, env: {} });
    plain = await createTestDatabase('doctor');
    passwords.push(new URL(plain.url).password);

    // A second server that only accepts TLS: ssl=on and pg_hba.conf with hostssl lines only.
    const dataDir = path.join(workDir, 'tls-data');
    tlsPort = await freePort();
    const certDir = path.join(workDir, 'certs');
    fs.mkdirSync(certDir, { mode: 0o755 });
    const server = selfSigned(certDir, 'server', 'localhost');
    serverCert = server.cert;
    wrongCa = selfSigned(certDir, 'other-ca', 'Some Other CA').cert;
    tlsServer = new EmbeddedPostgres({
      databaseDir: dataDir,
      port: tlsPort,
      user: 'postgres',
      password: TLS_PASSWORD,
      persistent: false,
      createPostgresUser: isRoot,
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'ssl=on',
        '-c',
        `ssl_cert_file=${path.join(dataDir, 'server.crt')}`,
        '-c',
        `ssl_key_file=${path.join(dataDir, 'server.key')}`,
      ],
      onLog: () => undefined,
      onError: () => undefined,
    });
    await tlsServer.initialise();
    fs.copyFileSync(server.cert, path.join(dataDir, 'server.crt'));
    fs.copyFileSync(server.key, path.join(dataDir, 'server.key'));
    fs.writeFileSync(
      path.join(dataDir, 'pg_hba.conf'),
      'hostssl all all 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 reject\n',
    );
    if (isRoot) {
      const owner = fs.statSync(dataDir);
      for (const name of ['server.crt', 'server.key', 'pg_hba.conf']) {
        fs.chownSync(path.join(dataDir, name), owner.uid, owner.gid);
      }
    }
    fs.chmodSync(path.join(dataDir, 'server.key'), 0o600);
    await tlsServer.start();
  }, 120_000);

  afterAll(async () => {
    await manager?.closeAll();
    await tlsServer?.stop();
    await plain?.drop();
    store?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  const tlsUrl = (query: string, password = TLS_PASSWORD) =>
    `postgres://postgres:${password}@127.0.0.1:${tlsPort}/postgres?${query}`;

  it('passes every step on a healthy server, with what it found', async () => {
    const report = await check(plain.url);
    expect(report.ok).toBe(true);
    expect(statusOf(report)).toEqual({ dns: 'pass', tcp: 'pass', tls: 'warn', auth: 'pass', version: 'pass' });
    expect(step(report, 'dns').detail).toContain('127.0.0.1');
    expect(step(report, 'tcp').detail).toMatch(/^connected to 127\.0\.0\.1:\d+$/);
    // sslmode=prefer against a server without TLS: a warning, not a failure.
    expect(step(report, 'tls')).toMatchObject({ detail: 'server offers no TLS; connecting unencrypted' });
    expect(step(report, 'version').detail).toMatch(/^PostgreSQL \d+\.\d+/);
    for (const s of report.steps) expect(s.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('names the auth step for a wrong password, after dns, tcp and tls pass', async () => {
    const report = await check(tlsUrl('sslmode=require', 'wrong-password-xyz'));
    expect(report.ok).toBe(false);
    expect(statusOf(report)).toEqual({ dns: 'pass', tcp: 'pass', tls: 'pass', auth: 'fail', version: 'skip' });
    const auth = step(report, 'auth');
    expect(auth.detail).toMatch(/password authentication failed for user "postgres"/);
    expect(auth.hint).toMatch(/wrong password/);
    expect(step(report, 'version')).toMatchObject({ detail: 'not checked: the auth step failed', hint: null });
  });

  it('names the tcp step for a closed port and skips the rest', async () => {
    const closed = await freePort();
    const report = await check(`postgres://postgres:x@127.0.0.1:${closed}/postgres`);
    expect(statusOf(report)).toEqual({ dns: 'pass', tcp: 'fail', tls: 'skip', auth: 'skip', version: 'skip' });
    const tcp = step(report, 'tcp');
    expect(tcp.detail).toBe(`127.0.0.1:${closed} refused`);
    expect(tcp.hint).toMatch(/Nothing listens on port \d+ .*is PostgreSQL running/);
  });

  it('says the server requires TLS when sslmode=disable meets a hostssl-only server', async () => {
    const report = await check(tlsUrl('sslmode=disable'));
    expect(statusOf(report)).toEqual({ dns: 'pass', tcp: 'pass', tls: 'skip', auth: 'fail', version: 'skip' });
    const auth = step(report, 'auth');
    expect(auth.detail).toMatch(/pg_hba\.conf rejects connection .*no encryption/);
    expect(auth.hint).toMatch(/server requires TLS/);
    expect(auth.hint).toMatch(/sslmode=require/);
  });

  it('passes with sslmode=require and reports the protocol, cipher and certificate', async () => {
    const report = await check(tlsUrl('sslmode=require'));
    expect(report.ok).toBe(true);
    expect(statusOf(report)).toEqual({ dns: 'pass', tcp: 'pass', tls: 'pass', auth: 'pass', version: 'pass' });
    expect(step(report, 'tls').detail).toMatch(/^TLSv1\.[23], \S+, certificate CN=localhost, not verified/);
    expect(step(report, 'auth').detail).toMatch(/over TLS$/);
  });

  it('fails the tls step with a certificate hint for verify-full and the wrong CA', async () => {
    const report = await check(tlsUrl(`sslmode=verify-full&sslrootcert=${encodeURIComponent(wrongCa)}`));
    expect(statusOf(report)).toEqual({ dns: 'pass', tcp: 'pass', tls: 'fail', auth: 'skip', version: 'skip' });
    const tls = step(report, 'tls');
    expect(tls.detail).toMatch(/certificate not trusted/);
    expect(tls.hint).toContain(wrongCa);
    expect(tls.hint).toMatch(/CA file \(sslrootcert\)/);
  });

  it('reports a certificate that does not cover the host name as a mismatch', async () => {
    const ca = encodeURIComponent(serverCert);
    const mismatch = await check(tlsUrl(`sslmode=verify-full&sslrootcert=${ca}`));
    expect(statusOf(mismatch)).toMatchObject({ tls: 'fail', auth: 'skip' });
    expect(step(mismatch, 'tls').detail).toMatch(/^certificate mismatch: .*127\.0\.0\.1/);
    expect(step(mismatch, 'tls').hint).toMatch(/not issued for 127\.0\.0\.1.*verify-ca/);
    // The right CA and a name the certificate covers: verified end to end.
    const verified = await check(
      `postgres://postgres:${TLS_PASSWORD}@localhost:${tlsPort}/postgres?sslmode=verify-full&sslrootcert=${ca}`,
    );
    expect(statusOf(verified)).toEqual({ dns: 'pass', tcp: 'pass', tls: 'pass', auth: 'pass', version: 'pass' });
    expect(step(verified, 'tls').detail).toMatch(/certificate CN=localhost, verified for localhost$/);
    // verify-ca checks the chain only, so the IP address is fine.
    const caOnly = await check(tlsUrl(`sslmode=verify-ca&sslrootcert=${ca}`));
    expect(caOnly.ok).toBe(true);
  });

  it('fails the tls step when sslmode=require meets a server without TLS', async () => {
    const u = new URL(plain.url);
    u.searchParams.set('sslmode', 'require');
    const report = await check(u.toString());
    expect(statusOf(report)).toEqual({ dns: 'pass', tcp: 'pass', tls: 'fail', auth: 'skip', version: 'skip' });
    expect(step(report, 'tls').hint).toBe(
      'the server does not accept TLS; use sslmode=disable or enable ssl on the server',
    );
  });

  it('never puts a password in any report', () => {
    expect(reports.length).toBeGreaterThanOrEqual(8);
    const text = JSON.stringify(reports);
    for (const password of passwords) expect(text).not.toContain(password);
  });
});
