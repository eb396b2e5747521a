import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from '../local-pg/embedded-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpsError } from '../../../common/errors';
import type { ConnectionState, ConnectionStatus } from '../../../common/profiles';
import type { Logger } from '../logging/log-service';
import { AppStore } from '../store/app-store';
import { ConnectionManager } from './connection-manager';
import { ProfileStore } from './profile-store';
import { NoSecretStore } from './secret-store';

const silent: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const PASSWORD = 'recovery-secret';

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

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('ConnectionManager pool recovery (its own PostgreSQL, restarted mid-test)', () => {
  let workDir: string;
  let server: EmbeddedPostgres;
  let store: AppStore;
  let manager: ConnectionManager;
  let url: string;
  const states: ConnectionState[] = [];
  const statuses: ConnectionStatus[] = [];

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-pool-recovery-'));
    fs.chmodSync(workDir, 0o755);
    const port = await freePort();
    server = new EmbeddedPostgres({
      databaseDir: path.join(workDir, 'data'),
      port,
      user: 'postgres',
      password: PASSWORD,
      // Kept across stop() so the same cluster comes back on the same port.
      persistent: true,
      createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
      onLog: () => undefined,
      onError: () => undefined,
    });
    await server.initialise();
    await server.start();
    url = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres?sslmode=disable`;
    store = new AppStore({ file: path.join(workDir, 'ops-console.db') });
    const profiles = new ProfileStore({ db: store.database, secrets: new NoSecretStore(), logger: silent });
    manager = new ConnectionManager({
      profiles,
      logger: silent,
      env: {},
      connectTimeoutMs: 3000,
      onStatus: (status) => {
        statuses.push(status);
        if (states.at(-1) !== status.state) states.push(status.state);
      },
    });
  }, 120_000);

  afterAll(async () => {
    await manager?.closeAll();
    await server?.stop();
    store?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  const backendPid = () =>
    manager.withClient({ url }, async (client) => {
      const result = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      return result.rows[0]!.pid;
    });

  it('notices the server going away and recovers when it is back, without a new manager', async () => {
    const before = await backendPid();
    expect(manager.status()).toMatchObject([{ state: 'connected', lastError: null }]);

    await server.stop();
    // The idle pooled connection is terminated by the shutdown: the user sees "reconnecting".
    await until(() => states.includes('reconnecting'));
    expect(manager.status()[0]?.lastError).toMatch(/terminat/i);

    // While the server is down a call fails with a connection error and the status says so.
    const down = await backendPid().catch((error: unknown) => error);
    expect(down).toBeInstanceOf(OpsError);
    expect((down as OpsError).kind).toBe('connection_failed');
    expect((down as OpsError).message).toMatch(/refused/i);
    expect(manager.status()[0]?.state).toBe('error');

    await server.start();
    const after = await backendPid();
    expect(after).not.toBe(before);
    expect(manager.status()).toMatchObject([
      { state: 'connected', lastError: null, serverVersion: expect.any(String) },
    ]);
    expect(states).toEqual(['connected', 'reconnecting', 'error', 'connected']);
    // One pool for the whole story: every status is about the same connection key.
    expect(new Set(statuses.map((s) => s.key)).size).toBe(1);
  });

  it('recovers without a failed call when the server comes back before the next one', async () => {
    states.length = 0;
    await backendPid();
    await server.stop();
    await until(() => states.includes('reconnecting'));
    await server.start();
    // The dead connection was dropped from the pool; the next call gets a fresh one.
    await expect(backendPid()).resolves.toBeGreaterThan(0);
    expect(states).toEqual(['reconnecting', 'connected']);
  });
});
