import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logging/log-service';

/**
 * Process-group and process-table helpers for the backend supervisor. The
 * supervised child is spawned detached, so on POSIX it leads its own process
 * group (pgid = pid) and signalling -pid reaches everything it forked. On
 * Windows the fallbacks are taskkill /T (tree) and PowerShell for start times.
 */

const isWindows = process.platform === 'win32';
const isLinux = process.platform === 'linux';

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/** Sends `signal` to the whole process group led by `pid`; a group that is already gone is not an error. */
export function signalGroup(pid: number, signal: 'SIGTERM' | 'SIGKILL'): void {
  if (isWindows) {
    const args = ['/PID', String(pid), '/T'];
    if (signal === 'SIGKILL') args.push('/F');
    execFile('taskkill', args, { windowsHide: true }, () => undefined);
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if (errnoCode(error) !== 'ESRCH') throw error;
  }
}

/** The one-letter state of a Linux process, or null when it is gone. */
function linuxState(pid: number): string | null {
  const fields = readStatFields(pid);
  return fields?.[0] ?? null;
}

/** Fields of /proc/<pid>/stat after the command name: index 0 is field 3 (state). */
function readStatFields(pid: number): string[] | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm may hold spaces and parentheses; it ends at the last ')'.
  const close = text.lastIndexOf(')');
  if (close === -1) return null;
  return text
    .slice(close + 2)
    .trim()
    .split(' ');
}

/** Alive = signal 0 reaches it (or it exists but is not ours); a zombie waiting to be reaped is not alive. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (errnoCode(error) !== 'EPERM') return false;
  }
  return !isLinux || linuxState(pid) !== 'Z';
}

/** Whether any non-zombie process is left in the process group `pgid`. */
export function groupAlive(pgid: number): boolean {
  if (isWindows) return isAlive(pgid);
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if (errnoCode(error) !== 'EPERM') return false;
  }
  if (!isLinux) return true;
  // kill(-pgid, 0) also succeeds for zombies nobody has reaped yet.
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const fields = readStatFields(Number(entry));
    if (fields && fields[2] === String(pgid) && fields[0] !== 'Z') return true;
  }
  return false;
}

/**
 * An opaque start-time token that, with the pid, identifies one process:
 * Linux: clock ticks since boot (field 22 of /proc/<pid>/stat); macOS: `ps -o lstart`;
 * Windows: the start time in .NET ticks. Null when the process is gone.
 */
export function processStartTime(pid: number): string | null {
  if (isLinux) {
    const fields = readStatFields(pid);
    return fields?.[19] ?? null;
  }
  try {
    if (isWindows) {
      const out = execFileSync(
        'powershell',
        ['-NoProfile', '-Command', `(Get-Process -Id ${pid}).StartTime.ToUniversalTime().Ticks`],
        { encoding: 'utf8', windowsHide: true, stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 },
      ).trim();
      return out.length > 0 ? out : null;
    }
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    }).trim();
    return out.length > 0 ? out : null;
  } catch {
    return null;
  }
}

export interface PidRecord {
  pid: number;
  startTime: string | null;
  binaryPath: string;
  startedAt: string;
  /** The app process that spawned it; defaults to this process. */
  owner?: { pid: number; startTime: string | null };
}

const PID_SUFFIX = '.pid.json';

function pidFilePath(dir: string, backendId: string): string {
  return path.join(dir, encodeURIComponent(backendId) + PID_SUFFIX);
}

let ownStartTime: string | null | undefined;
function selfOwner(): { pid: number; startTime: string | null } {
  if (ownStartTime === undefined) ownStartTime = processStartTime(process.pid);
  return { pid: process.pid, startTime: ownStartTime };
}

/** Written atomically (temp file + rename) so a crash never leaves half a record. */
export function writePidFile(dir: string, backendId: string, record: PidRecord): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = pidFilePath(dir, backendId);
  const temp = `${file}.${process.pid}.tmp`;
  const content: Required<PidRecord> = { ...record, owner: record.owner ?? selfOwner() };
  fs.writeFileSync(temp, JSON.stringify(content) + '\n', { mode: 0o600 });
  fs.renameSync(temp, file);
}

export function removePidFile(dir: string, backendId: string): void {
  fs.rmSync(pidFilePath(dir, backendId), { force: true });
}

function parseRecord(text: string): Required<PidRecord> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const owner = v.owner as Record<string, unknown> | undefined;
  const validStart = (s: unknown): s is string | null => s === null || typeof s === 'string';
  if (!Number.isInteger(v.pid) || (v.pid as number) <= 0 || !validStart(v.startTime)) return null;
  if (typeof owner !== 'object' || owner === null || !Number.isInteger(owner.pid) || !validStart(owner.startTime)) {
    return null;
  }
  return {
    pid: v.pid as number,
    startTime: v.startTime,
    binaryPath: typeof v.binaryPath === 'string' ? v.binaryPath : '',
    startedAt: typeof v.startedAt === 'string' ? v.startedAt : '',
    owner: { pid: owner.pid as number, startTime: owner.startTime },
  };
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until the group is gone or `timeoutMs` passes; true when gone. */
export async function waitGroupGone(pgid: number, timeoutMs: number, pollMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await delay(pollMs);
  }
  return true;
}

export interface ReapedOrphan {
  backendId: string;
  pid: number;
  action: 'killed' | 'gone' | 'pid_reused';
}

const REAP_TERM_WAIT_MS = 3_000;

/**
 * Cleans up after an app process that died without stopping its backends.
 * Files whose owner is still alive (another ops-console process, or this one)
 * are left alone. A pid is only signalled when its start time matches the
 * recorded one; a reused pid belongs to someone else and is never touched.
 */
export async function reapOrphans(dir: string, logger: Logger): Promise<ReapedOrphan[]> {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => name.endsWith(PID_SUFFIX));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
  const jobs = names.map(async (name): Promise<ReapedOrphan | null> => {
    const file = path.join(dir, name);
    const backendId = decodeURIComponent(name.slice(0, -PID_SUFFIX.length));
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return null;
    }
    const record = parseRecord(text);
    if (!record) {
      logger.warn(`backend pid file ${file} is unreadable; removing it`);
      fs.rmSync(file, { force: true });
      return null;
    }
    const ownerAlive = isAlive(record.owner.pid) && processStartTime(record.owner.pid) === record.owner.startTime;
    if (ownerAlive) return null;

    const { pid } = record;
    let action: ReapedOrphan['action'];
    if (isAlive(pid)) {
      const now = processStartTime(pid);
      action = now !== null && now === record.startTime ? 'killed' : 'pid_reused';
    } else {
      // The leader is gone, but something it forked may still hold the group
      // (a live group keeps its id from being reused, so it is still ours).
      action = !isWindows && groupAlive(pid) ? 'killed' : 'gone';
    }
    if (action === 'killed') {
      logger.warn(`backend ${backendId}: orphaned process group ${pid} from a previous run; sending SIGTERM`);
      signalGroup(pid, 'SIGTERM');
      if (!(await waitGroupGone(pid, REAP_TERM_WAIT_MS))) {
        logger.warn(`backend ${backendId}: orphan ${pid} still alive after 3 s; sending SIGKILL`);
        signalGroup(pid, 'SIGKILL');
        await waitGroupGone(pid, 2_000);
      }
    } else if (action === 'pid_reused') {
      logger.info(`backend ${backendId}: pid ${pid} now belongs to another program; left alone`);
    }
    fs.rmSync(file, { force: true });
    return { backendId, pid, action };
  });
  const results = await Promise.all(jobs);
  return results.filter((r): r is ReapedOrphan => r !== null);
}

export interface ProcessStats {
  cpuPercent: number | null;
  memoryBytes: number | null;
}

let pageSize: number | undefined;
let clockTicks: number | undefined;
function getconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

interface CpuSample {
  startTime: string;
  ticks: number;
  atMs: number;
}
const cpuSamples = new Map<number, CpuSample>();
const MAX_CPU_SAMPLES = 64;

function linuxStats(pid: number): ProcessStats {
  const fields = readStatFields(pid);
  if (!fields || fields[0] === 'Z') {
    cpuSamples.delete(pid);
    return { cpuPercent: null, memoryBytes: null };
  }
  pageSize ??= getconf('PAGESIZE', 4096);
  clockTicks ??= getconf('CLK_TCK', 100);
  let memoryBytes: number | null = null;
  try {
    const resident = Number(fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    if (Number.isFinite(resident)) memoryBytes = resident * pageSize;
  } catch {
    // Gone between the two reads.
  }
  // Fields 14 and 15 (utime, stime) are indexes 11 and 12 here.
  const ticks = Number(fields[11]) + Number(fields[12]);
  const startTime = fields[19] ?? '';
  const atMs = performance.now();
  const previous = cpuSamples.get(pid);
  let cpuPercent: number | null = null;
  if (previous && previous.startTime === startTime && atMs > previous.atMs) {
    const cpuSeconds = (ticks - previous.ticks) / clockTicks;
    cpuPercent = Math.max(0, Math.round((cpuSeconds / ((atMs - previous.atMs) / 1000)) * 1000) / 10);
  }
  cpuSamples.delete(pid);
  cpuSamples.set(pid, { startTime, ticks, atMs });
  if (cpuSamples.size > MAX_CPU_SAMPLES) {
    const oldest = cpuSamples.keys().next();
    if (!oldest.done) cpuSamples.delete(oldest.value);
  }
  return { cpuPercent, memoryBytes };
}

function psStats(pid: number): Promise<ProcessStats> {
  return new Promise((resolve) => {
    execFile('ps', ['-o', '%cpu=,rss=', '-p', String(pid)], { encoding: 'utf8' }, (error, stdout) => {
      const [cpu, rss] = error ? [] : stdout.trim().split(/\s+/);
      const cpuPercent = cpu === undefined || cpu === '' ? NaN : Number(cpu.replace(',', '.'));
      const rssKb = rss === undefined ? NaN : Number(rss);
      resolve({
        cpuPercent: Number.isFinite(cpuPercent) ? cpuPercent : null,
        memoryBytes: Number.isFinite(rssKb) ? rssKb * 1024 : null,
      });
    });
  });
}

/**
 * CPU (percent of one core) and resident memory of one process. On Linux the
 * CPU figure is the average since the previous call for the same pid (null on
 * the first). Never throws: a gone process gives nulls.
 */
export async function processStats(pid: number): Promise<ProcessStats> {
  if (isLinux) return linuxStats(pid);
  if (isWindows) return { cpuPercent: null, memoryBytes: null };
  return psStats(pid);
}

/** For tests and diagnostics. */
export function pidFileFor(dir: string, backendId: string): string {
  return pidFilePath(dir, backendId);
}
