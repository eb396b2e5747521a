import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/**
 * Is a TCP port free for the backend, and if not, who holds it. The holder comes from what the
 * OS shows this user: /proc on Linux, lsof on macOS, netstat + tasklist on Windows. Another
 * user's process usually stays anonymous (null) unless we run as root/administrator.
 */

export interface PortHolder {
  pid: number;
  /** The command line (Linux, macOS) or image name (Windows); '' when the OS would not say. */
  command: string;
}

export type PortProbe =
  | { state: 'free' }
  /** Someone listens on `address` (or on a wildcard covering it). */
  | { state: 'in_use'; address: string }
  /** EACCES: this user may not listen there (ports below 1024 on most systems). */
  | { state: 'forbidden'; address: string };

/**
 * The addresses a Go backend listening on ":PORT" collides with, and the one the default
 * health URL probes. The wildcards alone are not enough: macOS and Windows let a wildcard bind
 * succeed next to another process's 127.0.0.1 listener, and the health probe then reaches the
 * wrong process.
 */
const DEFAULT_HOSTS = ['0.0.0.0', '::', '127.0.0.1', '::1'];
/** No IPv6 (or no such address) on this machine: nothing can collide there. */
const ADDRESS_UNAVAILABLE = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT']);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

type ListenOutcome = 'free' | 'in_use' | 'forbidden' | 'unavailable';

function tryListen(port: number, host: string): Promise<ListenOutcome> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error) => {
      const code = errorCode(error);
      if (code === 'EADDRINUSE') resolve('in_use');
      else if (code === 'EACCES') resolve('forbidden');
      else if (code !== undefined && ADDRESS_UNAVAILABLE.has(code)) resolve('unavailable');
      else reject(error);
    });
    // ipv6Only false on '::' is what Go does for ":PORT": one dual-stack socket.
    server.listen({ port, host, ipv6Only: false, exclusive: true }, () => server.close(() => resolve('free')));
  });
}

/**
 * Try to listen on the port, one address after another (sequentially: our own probe sockets
 * must not collide with each other). Default: every address the backend could collide on.
 */
export async function probePort(port: number, host?: string): Promise<PortProbe> {
  for (const address of host === undefined ? DEFAULT_HOSTS : [host]) {
    const outcome = await tryListen(port, address);
    if (outcome === 'in_use') return { state: 'in_use', address };
    if (outcome === 'forbidden') return { state: 'forbidden', address };
  }
  return { state: 'free' };
}

/** True when nothing listens on the port and this user may listen on it. */
export async function isPortFree(port: number, host?: string): Promise<boolean> {
  return (await probePort(port, host)).state === 'free';
}

export interface PortHolderDeps {
  platform?: NodeJS.Platform;
  /** Linux: where procfs is mounted (a fixture folder in tests). */
  procRoot?: string;
  /** Run a program and resolve with its stdout; reject when it fails or exits non-zero. */
  run?: (file: string, args: string[]) => Promise<string>;
}

function runProgram(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { encoding: 'utf8', timeout: 5_000, maxBuffer: 16 * 1024 * 1024, windowsHide: true },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

/** Which process listens on the port; null when none does or the OS does not tell this user. */
export async function findPortHolder(port: number, deps: PortHolderDeps = {}): Promise<PortHolder | null> {
  const platform = deps.platform ?? process.platform;
  const run = deps.run ?? runProgram;
  try {
    if (platform === 'linux') return await findOnLinux(port, deps.procRoot ?? '/proc');
    if (platform === 'darwin') return await findWithLsof(port, run);
    if (platform === 'win32') return await findWithNetstat(port, run);
  } catch {
    // A tool missing, timing out or refusing: the OS did not tell.
  }
  return null;
}

// ---- Linux: /proc/net/tcp{,6} give the listening socket's inode, /proc/<pid>/fd who holds it.

/** Inodes of sockets in LISTEN state (0A) on `port`, from the text of /proc/net/tcp or tcp6. */
export function listeningInodes(procNetTcp: string, port: number): string[] {
  const inodes: string[] = [];
  for (const line of procNetTcp.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const inode = fields[9];
    if (local === undefined || inode === undefined || fields[3] !== '0A' || inode === '0') continue;
    const hexPort = local.slice(local.lastIndexOf(':') + 1);
    if (Number.parseInt(hexPort, 16) === port) inodes.push(inode);
  }
  return inodes;
}

async function readOrEmpty(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return '';
  }
}

async function holdsSocket(fdDir: string, targets: Set<string>): Promise<boolean> {
  let fds: string[];
  try {
    fds = await fs.readdir(fdDir);
  } catch {
    return false; // another user's process, or gone: not visible to us
  }
  for (const fd of fds) {
    try {
      if (targets.has(await fs.readlink(path.join(fdDir, fd)))) return true;
    } catch {
      // closed meanwhile, or not readable
    }
  }
  return false;
}

async function linuxCommand(procRoot: string, pid: number): Promise<string> {
  const cmdline = (await readOrEmpty(path.join(procRoot, String(pid), 'cmdline'))).split('\0').filter(Boolean);
  if (cmdline.length > 0) return cmdline.join(' ');
  return (await readOrEmpty(path.join(procRoot, String(pid), 'comm'))).trim();
}

/** Processes scanned at once: enough to hide readlink latency, few enough to stay polite. */
const SCAN_BATCH = 32;

async function findOnLinux(port: number, procRoot: string): Promise<PortHolder | null> {
  const tables = await Promise.all(['tcp', 'tcp6'].map((name) => readOrEmpty(path.join(procRoot, 'net', name))));
  const inodes = tables.flatMap((table) => listeningInodes(table, port));
  if (inodes.length === 0) return null;
  const targets = new Set(inodes.map((inode) => `socket:[${inode}]`));
  const pids = (await fs.readdir(procRoot))
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  // Lowest pid first: a socket inherited by workers is reported at its parent.
  for (let i = 0; i < pids.length; i += SCAN_BATCH) {
    const batch = pids.slice(i, i + SCAN_BATCH);
    const hits = await Promise.all(batch.map((pid) => holdsSocket(path.join(procRoot, String(pid), 'fd'), targets)));
    const pid = batch.find((_pid, index) => hits[index]);
    if (pid !== undefined) return { pid, command: await linuxCommand(procRoot, pid) };
  }
  return null;
}

// ---- macOS: lsof's field output (p<pid>, c<command>, f<fd> lines).

/** The first process in `lsof -F pc` output. */
export function parseLsof(output: string): PortHolder | null {
  let pid: number | null = null;
  let command = '';
  for (const line of output.split('\n')) {
    if (line.startsWith('p')) {
      if (pid !== null) break;
      pid = Number.parseInt(line.slice(1), 10);
    } else if (line.startsWith('c') && pid !== null) {
      command = line.slice(1).trim();
    }
  }
  return pid === null || Number.isNaN(pid) ? null : { pid, command };
}

async function findWithLsof(port: number, run: NonNullable<PortHolderDeps['run']>): Promise<PortHolder | null> {
  // lsof exits 1 when it finds nothing (or nothing it may show): run rejects, the caller says null.
  const holder = parseLsof(await run('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc']));
  if (holder === null) return null;
  try {
    // lsof shortens the command name; ps gives the whole command line.
    const full = (await run('ps', ['-o', 'command=', '-p', String(holder.pid)])).trim();
    if (full !== '') return { pid: holder.pid, command: full };
  } catch {
    // the process ended, or ps is restricted: keep lsof's name
  }
  return holder;
}

// ---- Windows: netstat -ano, then tasklist for the image name.

/**
 * The pid listening on `port` in `netstat -ano` output. A listening row is recognised by its
 * foreign address ending in ":0", not by the state column, which Windows translates.
 */
export function parseNetstat(output: string, port: number): number | null {
  for (const line of output.split(/\r?\n/)) {
    const match = /^\s*TCP\s+(\S+)\s+(\S+)\s+.*?\s(\d+)\s*$/i.exec(line);
    if (match === null) continue;
    const [, local = '', foreign = '', pid = ''] = match;
    if (!foreign.endsWith(':0')) continue;
    if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 10) === port) return Number.parseInt(pid, 10);
  }
  return null;
}

/** The image name from `tasklist /FO CSV /NH` output ("node.exe","1234",…); '' when none. */
export function parseTasklist(output: string): string {
  for (const line of output.split(/\r?\n/)) {
    const match = /^"([^"]*)"/.exec(line.trim());
    if (match?.[1] !== undefined) return match[1];
  }
  return '';
}

async function findWithNetstat(port: number, run: NonNullable<PortHolderDeps['run']>): Promise<PortHolder | null> {
  // No -p: "-p tcp" lists IPv4 only, and the backend may hold only [::]:PORT.
  const pid = parseNetstat(await run('netstat', ['-ano']), port);
  if (pid === null) return null;
  let command = '';
  try {
    command = parseTasklist(await run('tasklist', ['/FI', `PID eq ${pid}`, '/FO', 'CSV', '/NH']));
  } catch {
    // tasklist unavailable: the pid alone still helps
  }
  return { pid, command };
}
