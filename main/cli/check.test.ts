import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../common/profiles';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/postgres';
import { LocalPostgres } from '../services/local-pg/local-postgres';
import { cli } from '../../test/helpers/cli';

async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('ops-console db check (real child processes)', () => {
  let db: TestDatabase;
  let dataDir: string;
  let password: string;

  beforeAll(async () => {
    db = await createTestDatabase('cli_check');
    password = new URL(db.url).password;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-cli-check-'));
  });
  afterAll(async () => {
    // Never leave a server behind, even when an assertion failed half-way.
    const silent = () => undefined;
    const logger = { error: silent, warn: silent, info: silent, debug: silent };
    await new LocalPostgres({ dataDir: path.join(dataDir, 'with-local'), logger }).stop({ includeAdopted: true });
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints one line per step and exits 0 when the connection works', async () => {
    const run = await cli(['--data-dir', dataDir, 'db', 'check', '--url', db.url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Checking postgres:\/\/postgres@127\.0\.0\.1:\d+\//);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^✓ dns {2}127\.0\.0\.1 .*\(\d+ ms\)$/),
      expect.stringMatching(/^✓ tcp {2}connected to 127\.0\.0\.1:\d+ \(\d+ ms\)$/),
      expect.stringMatching(/^! tls {2}server offers no TLS; connecting unencrypted \(\d+ ms\) — hint: /),
      expect.stringMatching(/^✓ auth {2}logged in as postgres to database cli_check_\w+ \(\d+ ms\)$/),
      expect.stringMatching(/^✓ version {2}PostgreSQL \d+\.\d+.* \(\d+ ms\)$/),
    ]);
    expect(run.stdout).not.toContain(password);
  });

  it('names the failing step with its hint and exits 1 for a wrong password', async () => {
    const u = new URL(db.url);
    u.password = 'wrong-password-xyz';
    u.searchParams.set('sslmode', 'disable');
    const run = await cli(['--data-dir', dataDir, '--url', u.toString(), 'db', 'check']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^- tls {2}not attempted \(sslmode=disable\)$/m);
    expect(run.stdout).toMatch(/^✗ auth {2}password authentication failed for user "postgres" — hint: wrong password/m);
    expect(run.stdout).toMatch(/^- version {2}not checked: the auth step failed$/m);
    expect(run.stderr).toBe('error: The connection check failed at the auth step\n');
    expect(run.stdout + run.stderr).not.toContain('wrong-password-xyz');
  });

  it('reports a closed port at the tcp step, as JSON with --json', async () => {
    const port = await closedPort();
    const run = await cli([
      '--data-dir',
      dataDir,
      '--json',
      'db',
      'check',
      '--url',
      `postgres://postgres:secret-pw@127.0.0.1:${port}/postgres`,
    ]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as DoctorReport;
    expect(report.ok).toBe(false);
    expect(report.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      'dns:pass',
      'tcp:fail',
      'tls:skip',
      'auth:skip',
      'version:skip',
    ]);
    expect(report.steps[1]?.hint).toMatch(/Nothing listens on port/);
    expect(run.stdout).not.toContain('secret-pw');
  });

  it('checks DATABASE_URL when no --url is given, and exits 2 with nothing to check', async () => {
    const fromEnv = await cli(['--data-dir', dataDir, 'db', 'check'], { DATABASE_URL: db.url });
    expect(fromEnv.code).toBe(0);
    const none = await cli(['--data-dir', dataDir, 'db', 'check']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: No database to check\nhint: .*--profile/m);
    const both = await cli(['--data-dir', dataDir, '--url', db.url, 'db', 'check', '--profile', 'local']);
    expect(both.code).toBe(2);
  }, 90_000);

  it('checks a saved profile by name: the built-in Local one starts for the check and stops with the CLI', async () => {
    const localDir = path.join(dataDir, 'with-local');
    // As root the server runs as the postgres user, which must be able to pass through the temp folder.
    fs.chmodSync(dataDir, 0o711);
    const run = await cli(['--data-dir', localDir, 'db', 'check', '--profile', 'Local']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Checking postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres\?sslmode=disable$/m);
    expect(run.stdout).toMatch(/^- tls {2}not attempted \(sslmode=disable\)$/m);
    expect(run.stdout).toMatch(/^✓ auth {2}logged in as postgres to database postgres /m);
    const status = await cli(['--data-dir', localDir, '--json', 'local-pg', 'status']);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'stopped' });
    const missing = await cli(['--data-dir', dataDir, 'db', 'check', '--profile', 'no-such-profile']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: No connection profile "no-such-profile"/);
  }, 180_000);
});
