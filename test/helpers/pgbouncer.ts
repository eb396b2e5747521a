/**
 * A real PgBouncer in front of the test server, for the tests of what a
 * connection pooler does to a session. Two databases: `<name>_tx` in
 * transaction mode with round-robin server connections (so one client's
 * consecutive transactions run in different server sessions, as they may on a
 * busy pooler) and `<name>_session` in session mode. PgBouncer comes from the
 * system (apt-get install pgbouncer; CI's .ci/run installs it). As root it runs
 * as the 'postgres' user, since PgBouncer refuses to run as root.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './embedded-server';

export interface Bouncer {
  /** The URL of `database` through the pooler in transaction mode. */
  transactionUrl: string;
  /** The URL of `database` through the pooler in session mode. */
  sessionUrl: string;
  stop(): Promise<void>;
}

const candidates = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];

export function pgbouncerPath(): string {
  const found = [process.env.PGBOUNCER_PATH, ...candidates].find((p) => p && fs.existsSync(p));
  if (!found) {
    throw new Error(
      'PgBouncer is not installed: apt-get install pgbouncer (or set PGBOUNCER_PATH). CI installs it in .ci/run.',
    );
  }
  return found;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface BouncerOptions {
  /** Server sessions per database and user (default 2). */
  poolSize?: number;
  /**
   * Accept and drop a client's `options` start-up parameter (`-c name=value`)
   * instead of refusing the connection, as a pooler configured with
   * ignore_startup_parameters = options does (default true).
   */
  ignoreOptions?: boolean;
}

/** Starts PgBouncer in front of `url`'s server and database (a URL with user and password). */
export async function startBouncer(url: string, options: BouncerOptions = {}): Promise<Bouncer> {
  const poolSize = options.poolSize ?? 2;
  const ignored = ['extra_float_digits', ...(options.ignoreOptions === false ? [] : ['options'])];
  const binary = pgbouncerPath();
  const server = new URL(url);
  const database = decodeURIComponent(server.pathname.slice(1));
  const user = decodeURIComponent(server.username);
  const password = decodeURIComponent(server.password);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-pgbouncer-'));
  const port = await freePort();
  const quoted = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const backend = `host=${server.hostname} port=${server.port} dbname=${database}`;
  fs.writeFileSync(path.join(dir, 'users.txt'), `${quoted(user)} ${quoted(password)}\n`);
  fs.writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${database}_tx = ${backend} pool_mode=transaction`,
      `${database}_session = ${backend} pool_mode=session`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = plain',
      `auth_file = ${path.join(dir, 'users.txt')}`,
      `default_pool_size = ${poolSize}`,
      'server_round_robin = 1',
      `ignore_startup_parameters = ${ignored.join(',')}`,
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'postgres', dir]);
  const child: ChildProcess = spawn(binary, [...(asRoot ? ['-u', 'postgres'] : []), path.join(dir, 'pgbouncer.ini')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () =>
    [stderr, fs.readFileSync(path.join(dir, 'pgbouncer.log'), { flag: 'a+', encoding: 'utf8' })].join('');
  for (let i = 0; !(await listening(port)); i++) {
    if (child.exitCode !== null || i >= 100) {
      child.kill('SIGKILL');
      throw new Error(`PgBouncer did not start: ${log().trim() || `exit code ${child.exitCode}`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const through = (alias: string) => {
    const u = new URL(url);
    u.port = String(port);
    u.pathname = `/${alias}`;
    return u.toString();
  };
  return {
    transactionUrl: through(`${database}_tx`),
    sessionUrl: through(`${database}_session`),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
