/**
 * Shared by the process-tree and supervisor tests (not imported by the
 * services): the fake backend fixture, free ports, and waiting on output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logging/log-service';

/** The stand-in for the Go backend: an executable Node script with a shebang. */
export const FAKE_BACKEND = fileURLToPath(new URL('../../../test/fixtures/fake-backend.mjs', import.meta.url));

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A logger that keeps its lines for assertions. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const write = (...parts: unknown[]) => lines.push(parts.map(String).join(' '));
  return { lines, error: write, warn: write, info: write, debug: write };
}

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitUntil<T>(
  check: () => T | undefined | false,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The pid of a process that has exited (and been reaped). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

export interface DetachedFixture {
  child: ChildProcess;
  pid: number;
  /** stdout lines so far. */
  lines: string[];
}

/**
 * Starts the fixture the way the supervisor does (own process group) but
 * outside it, as an app that then crashes would leave it; resolves once it
 * listens.
 */
export async function spawnDetachedFixture(env: NodeJS.ProcessEnv): Promise<DetachedFixture> {
  const port = await freePort();
  const child = spawn(FAKE_BACKEND, [], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, DATABASE_URL: 'postgres://fake@localhost/fake', PORT: String(port), ...env },
  });
  const lines: string[] = [];
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  });
  await waitUntil(() => lines.some((line) => line.includes('Listening')), 15_000, 'the fixture to listen');
  return { child, pid: child.pid!, lines };
}

/** The grandchild pid the fixture printed (FAKE_GRANDCHILD=1). */
export function grandchildPid(lines: readonly string[]): number | undefined {
  for (const line of lines) {
    const match = /^grandchild pid (\d+)$/.exec(line);
    if (match?.[1]) return Number(match[1]);
  }
  return undefined;
}
