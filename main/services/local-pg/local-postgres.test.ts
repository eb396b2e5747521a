import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_PROFILE_ID, type LocalPgStatus } from '../../../common/profiles';
import { createApp } from '../../app';
import type { Logger } from '../logging/log-service';
import type { LocalCredentials, LocalPostgresOptions, LocalTarget } from './local-postgres';
import { LocalPostgres } from './local-postgres';

/** initdb takes seconds, and much longer on a busy two-core machine. */
const INITDB_TIMEOUT = 120_000;
const dirs: string[] = [];
const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};
const instances: LocalPostgres[] = [];

function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-local-pg-'));
  dirs.push(dir);
  return dir;
}

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

interface Harness {
  local: LocalPostgres;
  statuses: LocalPgStatus[];
  targets: LocalTarget[];
  lines: string[];
}

function create(dataDir: string, extra: Partial<LocalPostgresOptions> = {}): Harness {
  const statuses: LocalPgStatus[] = [];
  const targets: LocalTarget[] = [];
  const lines: string[] = [];
  const record =
    (level: string) =>
    (...parts: unknown[]) =>
      lines.push(`${level} ${parts.map(String).join(' ')}`);
  const logger: Logger = { error: record('error'), warn: record('warn'), info: record('info'), debug: () => undefined };
  const local = new LocalPostgres({
    dataDir,
    logger,
    onStatus: (status) => statuses.push(status),
    onTarget: (target) => targets.push(target),
    ...extra,
  });
  instances.push(local);
  return { local, statuses, targets, lines };
}

async function query<T extends pg.QueryResultRow>(credentials: LocalCredentials, sql: string): Promise<T[]> {
  const client = new pg.Client({ ...credentials, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // Killed postmasters re-parented to a non-reaping init linger as zombies.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

afterAll(async () => {
  for (const local of instances) await local.stop({ includeAdopted: true }).catch(() => undefined);
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('LocalPostgres (real PostgreSQL binaries)', () => {
  const dataDir = tempDataDir();
  let preferredPort = 0;
  let first: LocalCredentials;

  it(
    'initialises on first start and gives a working URL on 127.0.0.1 with a private password file',
    async () => {
      preferredPort = await freePort();
      const { local, statuses, targets } = create(dataDir, { preferredPort });
      const status = await local.start();
      first = await local.ensureRunning();

      expect(status).toMatchObject({ state: 'running', port: preferredPort, message: null });
      expect(status.dataDir).toBe(path.join(dataDir, 'local-pg', 'data'));
      expect(status.version).toMatch(/^\d+\.\d+/);
      expect(status.url).toBe(`postgres://postgres:****@127.0.0.1:${preferredPort}/postgres?sslmode=disable`);
      expect(statuses.map((s) => s.state)).toEqual(['starting', 'running']);
      expect(targets).toEqual([{ host: '127.0.0.1', port: preferredPort, database: 'postgres', user: 'postgres' }]);
      expect(local.knownTarget()).toEqual(targets[0]);
      expect(create(tempDataDir()).local.knownTarget()).toBeNull();

      const [row] = await query<{ addr: string; listen: string; user: string }>(
        first,
        "SELECT host(inet_server_addr()) AS addr, current_setting('listen_addresses') AS listen, current_user AS user",
      );
      expect(row).toEqual({ addr: '127.0.0.1', listen: '127.0.0.1', user: 'postgres' });
      await query(first, 'CREATE TABLE kept (note text); INSERT INTO kept VALUES ($$survives restarts$$)');

      // The URL with the password works as is (what `local-pg start --show-password` prints).
      const url = await local.connectionUrl({ withPassword: true });
      const viaUrl = new pg.Client({ connectionString: url ?? '' });
      await viaUrl.connect();
      expect((await viaUrl.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
      await viaUrl.end();

      expect(first.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const pgpass = path.join(dataDir, 'local-pg', '.pgpass');
      expect(fs.statSync(pgpass).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(pgpass, 'utf8')).toContain(`127.0.0.1:${preferredPort}:*:postgres:${first.password}`);
      // The password is in .pgpass and nowhere else in local-pg/ outside the cluster itself.
      for (const name of fs.readdirSync(path.join(dataDir, 'local-pg'))) {
        const file = path.join(dataDir, 'local-pg', name);
        if (name === '.pgpass' || name === 'data' || !fs.statSync(file).isFile()) continue;
        expect(fs.readFileSync(file, 'utf8')).not.toContain(first.password);
      }
      expect(JSON.stringify(status)).not.toContain(first.password);
    },
    INITDB_TIMEOUT,
  );

  it('stop() stops the server it started: the port closes and the process is gone', async () => {
    const local = instances[0]!;
    const pid = local.status().pid;
    expect(pid).toBeGreaterThan(0);
    await local.stop();
    expect(local.status()).toMatchObject({ state: 'stopped', pid: null, port: null, url: null });
    expect(await portAccepts(first.port)).toBe(false);
    expect(alive(pid!)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'local-pg', 'data', 'postmaster.pid'))).toBe(false);
  });

  it('a new instance reuses the data, the port and the password', async () => {
    const { local, lines } = create(dataDir, { preferredPort: await freePort() });
    const second = await local.ensureRunning();
    expect(second).toEqual(first);
    expect(lines.some((line) => line.includes('initialising'))).toBe(false);
    expect(await query<{ note: string }>(second, 'SELECT note FROM kept')).toEqual([{ note: 'survives restarts' }]);
  });

  it('adopts a server another instance runs instead of starting a second one, and leaves it running on quit', async () => {
    const running = instances.at(-1)!;
    const pid = running.status().pid;
    const { local: other, statuses } = create(dataDir);
    // Before adopting, status() already reports the server another process runs.
    expect(other.status()).toMatchObject({ state: 'running', pid, port: first.port });
    const credentials = await other.ensureRunning();
    expect(credentials).toEqual(first);
    expect(other.status().pid).toBe(pid);
    expect(statuses.map((s) => s.state)).toEqual(['starting', 'running']);
    // Quitting (stop() without includeAdopted) does not stop what this instance did not start...
    await other.stop();
    expect(await portAccepts(first.port)).toBe(true);
    expect(running.status().state).toBe('running');
    // ...an explicit stop does.
    await other.stop({ includeAdopted: true });
    expect(await portAccepts(first.port)).toBe(false);
    expect(alive(pid!)).toBe(false);
  });

  it('recovers from a crash: a stale postmaster.pid left by kill -9 is cleared and the server starts', async () => {
    const { local: crashed, statuses } = create(dataDir, { monitorIntervalMs: 100 });
    await crashed.ensureRunning();
    const pid = crashed.status().pid!;
    const pidFile = path.join(dataDir, 'local-pg', 'data', 'postmaster.pid');
    process.kill(pid, 'SIGKILL');
    await until(() => !alive(pid));
    expect(fs.existsSync(pidFile)).toBe(true);
    // The instance that ran it notices and says so.
    await until(() => statuses.at(-1)?.state === 'failed');
    expect(statuses.at(-1)?.message).toMatch(/exited unexpectedly/);

    const { local: next, lines } = create(dataDir);
    const credentials = await next.ensureRunning();
    expect(next.status().pid).not.toBe(pid);
    expect(lines.some((line) => /stale postmaster\.pid/.test(line))).toBe(true);
    expect(await query<{ note: string }>(credentials, 'SELECT note FROM kept')).toEqual([
      { note: 'survives restarts' },
    ]);
    await next.stop();
    expect(await portAccepts(credentials.port)).toBe(false);
  });
});

describe('LocalPostgres when its port is taken', () => {
  it(
    'moves to a free port, saves it, and reports the new target',
    async () => {
      const dataDir = tempDataDir();
      const { local } = create(dataDir, { preferredPort: await freePort() });
      const before = await local.ensureRunning();
      await local.stop();
      const squatter = net.createServer();
      await new Promise<void>((resolve) => squatter.listen(before.port, '127.0.0.1', resolve));
      try {
        const { local: next, targets } = create(dataDir);
        const after = await next.ensureRunning();
        expect(after.port).not.toBe(before.port);
        expect(after.password).toBe(before.password);
        expect(targets).toEqual([{ host: '127.0.0.1', port: after.port, database: 'postgres', user: 'postgres' }]);
        expect(next.knownTarget()?.port).toBe(after.port);
        expect(await query<{ one: number }>(after, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
        await next.stop();
      } finally {
        await new Promise((resolve) => squatter.close(resolve));
      }
    },
    INITDB_TIMEOUT,
  );
});

describe('LocalPostgres concurrency', () => {
  it(
    'concurrent ensureRunning() calls share one initialisation and one start',
    async () => {
      const dataDir = tempDataDir();
      const { local, statuses, lines } = create(dataDir, { preferredPort: await freePort() });
      const results = await Promise.all([local.ensureRunning(), local.ensureRunning(), local.start()]);
      const [a, b, status] = results;
      expect(b).toBe(a);
      expect(status.port).toBe(a.port);
      expect(statuses.filter((s) => s.state === 'starting')).toHaveLength(1);
      expect(lines.filter((line) => line.includes('initialising'))).toHaveLength(1);
      expect(lines.filter((line) => / running on 127\.0\.0\.1:/.test(line))).toHaveLength(1);
      expect(await query<{ one: number }>(a, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await local.stop();
      // A stop issued while a start is under way waits for it, then stops.
      const [restarted] = await Promise.all([local.ensureRunning(), local.stop()]);
      expect(restarted.port).toBe(a.port);
      expect(local.status().state).toBe('stopped');
      expect(statuses.map((s) => s.state).slice(-4)).toEqual(['starting', 'running', 'stopping', 'stopped']);
      expect(await portAccepts(a.port)).toBe(false);
    },
    INITDB_TIMEOUT,
  );
});

describe('the Local profile in the app', () => {
  it(
    'starts the embedded server on first use of the Local profile, and app.shutdown stops it',
    async () => {
      const dataDir = tempDataDir();
      const app = createApp({ dataDir, version: '0.0.0-test', transport: 'cli' });
      let port: number | undefined;
      try {
        expect(app.services.localPg.status().state).toBe('stopped');
        const user = await app.services.connections.withClient({ profileId: LOCAL_PROFILE_ID }, async (client) => {
          const result = await client.query<{ user: string; port: string }>(
            "SELECT current_user AS user, current_setting('port') AS port",
          );
          return result.rows[0];
        });
        port = Number(user?.port);
        expect(user?.user).toBe('postgres');
        expect(app.services.localPg.status()).toMatchObject({ state: 'running', port });
        // The password is only in local-pg/.pgpass, not in the app's SQLite store.
        const password = (await app.services.localPg.ensureRunning()).password;
        expect(fs.readFileSync(path.join(dataDir, 'ops-console.db')).includes(password)).toBe(false);
      } finally {
        await app.shutdown();
      }
      expect(port).toBeGreaterThan(0);
      expect(await portAccepts(port!)).toBe(false);
      expect(new LocalPostgres({ dataDir, logger: silentLogger }).status().state).toBe('stopped');
    },
    INITDB_TIMEOUT,
  );
});
