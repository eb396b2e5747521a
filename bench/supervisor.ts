/**
 * Backend supervision against plain-Node baselines, in the same run, on the
 * stand-in backend (test/fixtures/fake-backend.mjs):
 *
 *   1. crash to detected: the fixture prints its exit moment (FAKE_CRASH_REPORT=1);
 *      ours is the BackendSupervisor's onStatus(backoff), the peer the raw
 *      child_process 'exit' event (the floor any Node supervisor stands on);
 *   2. crash to healthy again, zero backoff: ours is the next onStatus(running),
 *      the peer a naive loop that respawns on 'exit' and polls /health every 100 ms;
 *   3. log lines/s reaching the renderer's client: a real `ops-console serve`
 *      (bundled CLI, temp data folder) supervises a flooding fixture and this
 *      process reads the SSE stream the browser reads; the peer is
 *      child.stdout.pipe(fs.createWriteStream(file)).
 *
 *   npm run bench -- supervisor        (through bench/index.ts)
 *   npx tsx bench/supervisor.ts        (on its own)
 *
 * Targets: detection median under 50 ms; no line lost at 50 000 lines/s; above
 * that, every line not pushed is counted in a batch's `dropped`.
 *
 * pm2 would be the natural peer supervisor, but it is 77 packages (25 MB) and
 * runs a daemon; the baselines above are what a supervisor built on Node can
 * at best do (1) and what a simple one does (2, 3).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  backendConfigInput,
  type BackendConfigView,
  type BackendLogBatch,
  type BackendLogPage,
  type BackendStatus,
} from '../common/backend';
import type { CallResult } from '../common/contract';
import { FAKE_BACKEND, freePort } from '../main/services/backend/process-test-support';
import { BackendSupervisor } from '../main/services/backend/supervisor';

const ROUNDS = 20;
/** The crash rounds run in this many interleaved blocks (each with its own warm-up), so load hits all alike. */
const BLOCKS = 4;
const PER_BLOCK = ROUNDS / BLOCKS;
const CRASH_AFTER_MS = 400;
const NAIVE_POLL_MS = 100;
const DETECTION_TARGET_MS = 50;
const PUSH_RATE = 50_000;
/** 10 % under the target rate: where the push should have headroom. */
const UNDER_RATE = 45_000;
const RATE_SECONDS = 5;
const MAX_TOTAL = 1_000_000;
const DATABASE_URL = 'postgres://bench@127.0.0.1:1/bench';
const repoRoot = fileURLToPath(new URL('../', import.meta.url));

/** Everything to undo at the end, also on failure. */
const children = new Set<ChildProcess>();
/** Backends serve runs for us, by id: their process groups, until we see them stop. */
const serveBackends = new Map<string, number>();
const tempDirs: string[] = [];

function log(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Epoch ms with sub-ms precision, comparable with the fixture's report. */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

const median = (values: number[]) => percentile(values, 0.5);
const n0 = (n: number) => Math.round(n).toLocaleString('en');
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function fixtureEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, DATABASE_URL, ...extra };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Calls `check` every `everyMs` until it gives a value; throws after `timeoutMs` (and stops calling). */
async function poll<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  everyMs = 20,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

const silentLogger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

interface CrashFigures {
  detect: number[];
  healthy: number[];
}

/** Ours: the supervisor restarts the crashing fixture at once (policy always, backoff 0) PER_BLOCK + 1 times. */
async function supervisedCrashes(probeIntervalMs?: number): Promise<CrashFigures> {
  const port = await freePort();
  const config = {
    ...backendConfigInput.parse({
      name: 'bench-crash',
      binaryPath: FAKE_BACKEND,
      port,
      ...(probeIntervalMs === undefined ? {} : { probeIntervalMs }),
      restartPolicy: 'always',
      backoffInitialMs: 0,
      backoffMaxMs: 0,
      maxRestarts: 1000,
    }),
    id: 'bench-crash',
  };
  const figures: CrashFigures = { detect: [], healthy: [] };
  let crash: { at: number; detectedAt: number | null } | null = null;
  let round = 0;
  let finished!: () => void;
  let failed!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });
  done.catch(() => undefined);
  const supervisor = new BackendSupervisor({
    config,
    resolveEnv: async () => fixtureEnv({ FAKE_CRASH_AFTER_MS: String(CRASH_AFTER_MS), FAKE_CRASH_REPORT: '1' }),
    pidDir: tempDir('ops-console-bench-pid-'),
    logger: silentLogger,
    onLine: (stream, text) => {
      if (stream === 'stdout' && text.startsWith('crashing at '))
        crash = { at: Number(text.slice(12)), detectedAt: null };
    },
    onStatus: (status) => {
      const at = nowMs();
      if (status.state === 'failed' || status.state === 'crashed')
        failed(new Error(`supervisor ${status.state}: ${status.reason}`));
      if (crash === null) return;
      if (crash.detectedAt === null && status.state === 'backoff') crash.detectedAt = at;
      else if (crash.detectedAt !== null && status.state === 'running') {
        if (round > 0) {
          figures.detect.push(crash.detectedAt - crash.at);
          figures.healthy.push(at - crash.at);
        }
        crash = null;
        if (++round > PER_BLOCK) finished();
      }
    },
  });
  try {
    await supervisor.start();
    await within(done, (PER_BLOCK + 1) * (CRASH_AFTER_MS + 5_000), 'the supervised crash rounds');
  } finally {
    await supervisor.dispose();
  }
  return figures;
}

interface Fixture {
  child: ChildProcess;
  /** Epoch ms of the 'exit' event. */
  exited: Promise<number>;
  /** The exit moment the fixture reported, once its output is read. */
  crashedAt: Promise<number>;
}

/** The fixture in its own process group, as the supervisor starts it; `collect` keeps its stdout to find the crash report. */
function spawnFixture(env: NodeJS.ProcessEnv, collect = true): Fixture {
  const child = spawn(FAKE_BACKEND, [], { env, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  children.add(child);
  let out = '';
  if (collect) child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => resolve(nowMs()));
  });
  const crashedAt = new Promise<number>((resolve, reject) => {
    child.once('close', () => {
      children.delete(child);
      const match = /^crashing at ([\d.]+)$/m.exec(out);
      if (match?.[1]) resolve(Number(match[1]));
      else reject(new Error(`the fixture exited without reporting a crash: ${out.slice(-300)}`));
    });
  });
  crashedAt.catch(() => undefined);
  return { child, exited, crashedAt };
}

/** Polls /health every NAIVE_POLL_MS (first poll one interval after the spawn); the epoch ms of the first 200. */
async function pollHealthy(port: number, what: string): Promise<number> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    await sleep(NAIVE_POLL_MS);
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return nowMs();
    } catch {
      // not listening yet
    }
  }
}

/** The peers: raw 'exit' event latency, and a naive respawn-and-poll loop's time to healthy again. */
async function naiveCrashes(): Promise<CrashFigures> {
  const port = await freePort();
  const env = fixtureEnv({ PORT: String(port), FAKE_CRASH_AFTER_MS: String(CRASH_AFTER_MS), FAKE_CRASH_REPORT: '1' });
  const figures: CrashFigures = { detect: [], healthy: [] };
  let fixture = spawnFixture(env);
  await pollHealthy(port, 'the first naive start');
  for (let round = 0; round <= PER_BLOCK; round++) {
    const exitedAt = await within(fixture.exited, CRASH_AFTER_MS + 10_000, 'the fixture to crash');
    const crashed = fixture.crashedAt;
    fixture = spawnFixture(env);
    const healthyAt = await pollHealthy(port, 'the naive restart');
    const crashAt = await crashed;
    if (round === 0) continue;
    figures.detect.push(exitedAt - crashAt);
    figures.healthy.push(healthyAt - crashAt);
  }
  fixture.child.kill('SIGKILL');
  await fixture.exited;
  return figures;
}

interface Serve {
  port: number;
  token: string;
  child: ChildProcess;
  stderr: () => string;
}

function build(what: string, args: string[]): void {
  const built = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building ${what} failed: ${built.stderr}`);
}

async function startServe(): Promise<Serve> {
  // bin/ops-console.js falls back to tsx when the bundle is older than the sources, and serve builds a
  // stale UI in its own process (vite then stays in its memory): build both first, so the figures are
  // the shipped CLI's.
  build('the CLI bundle', [path.join(repoRoot, 'scripts', 'build-cli.mjs')]);
  const vite = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  build('the UI', [vite, 'build', '--config', 'vite.renderer.config.ts', '--logLevel', 'error']);
  const dataDir = tempDir('ops-console-bench-serve-');
  const bin = path.join(repoRoot, 'bin', 'ops-console.js');
  const child = spawn(process.execPath, [bin, '--data-dir', dataDir, '--json', 'serve'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const first = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const info = JSON.parse(await within(first, 120_000, 'ops-console serve to start')) as Serve;
  return { port: info.port, token: info.token, child, stderr: () => stderr };
}

async function stopServe(serve: Serve): Promise<void> {
  if (serve.child.exitCode !== null || serve.child.signalCode !== null) return;
  const exited = new Promise((resolve) => serve.child.once('exit', resolve));
  serve.child.kill('SIGTERM');
  await within(exited, 20_000, 'serve to stop').catch(() => serve.child.kill('SIGKILL'));
}

async function rpc<T>(serve: Serve, name: string, input: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${serve.port}/api/rpc/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${serve.token}` },
    body: JSON.stringify(input),
  });
  const result = (await res.json()) as CallResult<T>;
  if (!result.ok) throw new Error(`${name}: ${result.error.kind}: ${result.error.message}`);
  return result.value;
}

/** The renderer's event stream (GET /api/events), read as the browser's EventSource does. */
function subscribe(serve: Serve, onEvent: (event: string, data: string) => void): http.ClientRequest {
  const req = http.get({
    host: '127.0.0.1',
    port: serve.port,
    path: '/api/events',
    headers: { authorization: `Bearer ${serve.token}`, accept: 'text/event-stream' },
  });
  req.on('response', (res) => {
    let buffer = '';
    res.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        let event = 'message';
        let data = '';
        for (const line of buffer.slice(0, end).split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (data !== '') onEvent(event, data);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    });
  });
  req.on('error', () => undefined);
  return req;
}

/** Kernel figures of a process, in bytes (Linux); null elsewhere. */
function memoryOf(pid: number): { rss: number; peak: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** What the client saw of one backend's output, with the checks that nothing went missing unseen. */
class PushAccount {
  delivered = 0;
  dropped = 0;
  floodDelivered = 0;
  firstFlood: { num: number; at: number } | null = null;
  lastFloodReceivedAt = 0;
  /** Flood lines missing where no seq is missing to hold them (lost before BackendLogs), or out of order. */
  unaccounted = 0;
  private last: { seq: number; num: number } | null = null;
  /** Seqs of the other lines delivered since the last flood line (health-check and system lines). */
  private otherSeqs: number[] = [];

  get lastFloodNum(): number {
    return this.last?.num ?? 0;
  }

  batch(batch: BackendLogBatch): void {
    const receivedAt = nowMs();
    this.dropped += batch.dropped;
    for (const line of batch.lines) {
      this.delivered += 1;
      const num = line.stream === 'stdout' && line.text.startsWith('flood ') ? Number(line.text.slice(6)) : NaN;
      if (Number.isNaN(num)) {
        this.otherSeqs.push(line.seq);
        continue;
      }
      this.floodDelivered += 1;
      this.lastFloodReceivedAt = receivedAt;
      this.firstFlood ??= { num, at: Date.parse(line.at) };
      this.check(line.seq, num);
    }
  }

  /** Between two flood lines, the missing flood numbers must fit in the missing seqs (the counted drops). */
  check(seq: number, num: number): void {
    const previous = this.last ?? { seq: 0, num: 0 };
    const missingSeqs = seq - previous.seq - 1 - this.otherSeqs.filter((s) => s < seq).length;
    const missingFlood = num - previous.num - 1;
    // Before the first flood line come a few startup lines: only a shortfall of seqs counts there too.
    if (missingFlood < 0) this.unaccounted += 1;
    else if (missingFlood > missingSeqs) this.unaccounted += missingFlood - missingSeqs;
    this.last = { seq, num };
    this.otherSeqs = this.otherSeqs.filter((s) => s > seq);
  }
}

interface FloodRun {
  label: string;
  total: number;
  account: PushAccount;
  /** Seqs BackendLogs gave out (every line it received). */
  sequenced: number;
  /** Lines/s into BackendLogs, from the lines' own timestamps. */
  ingestRate: number;
  clientRate: number;
  memory: { rss: number; peak: number } | null;
}

async function flood(serve: Serve, label: string, rate: string, total: number): Promise<FloodRun> {
  const account = new PushAccount();
  const saved = await rpc<BackendConfigView>(serve, 'backend.save', {
    name: `bench-${label}`,
    binaryPath: FAKE_BACKEND,
    port: await freePort(),
    restartPolicy: 'never',
    env: [
      { key: 'DATABASE_URL', value: DATABASE_URL, secret: false },
      { key: 'FAKE_FLOOD_LINES_PER_SEC', value: rate, secret: false },
      { key: 'FAKE_FLOOD_TOTAL', value: String(total), secret: false },
    ],
  });
  let state = 'stopped';
  const events = subscribe(serve, (event, data) => {
    if (event === 'backend.logs') {
      const batch = JSON.parse(data) as BackendLogBatch;
      if (batch.id === saved.id) account.batch(batch);
    } else if (event === 'backend.status') {
      const status = JSON.parse(data) as BackendStatus;
      if (status.id !== saved.id) return;
      state = status.state;
      if (status.pid !== null) serveBackends.set(status.id, status.pid);
      else if (state === 'stopped' || state === 'crashed' || state === 'failed') serveBackends.delete(status.id);
    }
  });
  try {
    await new Promise<void>((resolve) => events.once('response', () => resolve()));
    await rpc<BackendStatus>(serve, 'backend.start', { id: saved.id });
    // The last flood line, found in the ring once BackendLogs has it; then everything up to it must reach us.
    const lastLine = await poll(
      async () => {
        const query = { id: saved.id, streams: ['stdout'], search: `flood ${total}`, limit: 1 };
        const page = await rpc<BackendLogPage>(serve, 'backend.logs', query);
        return page.lines.find((l) => l.text === `flood ${total}`);
      },
      120_000,
      `flood ${total} to reach the supervisor`,
      100,
    );
    const accounted = (seq: number) => (account.delivered + account.dropped >= seq ? true : undefined);
    await poll(() => accounted(lastLine.seq), 10_000, 'the last batches');
    // The last line itself may have been dropped from the push: check the stretch up to it too.
    if (account.lastFloodNum !== total) account.check(lastLine.seq, total);
    const memory = memoryOf(serve.child.pid!);
    await rpc<BackendStatus>(serve, 'backend.stop', { id: saved.id });
    await poll(() => (state === 'stopped' ? true : undefined), 15_000, 'the backend to stop');
    const page = await rpc<BackendLogPage>(serve, 'backend.logs', { id: saved.id, limit: 1 });
    const sequenced = page.lastSeq ?? 0;
    // The stop's own lines arrive within a batch interval or two.
    await poll(() => accounted(sequenced), 2_000, 'the stop lines').catch(() => undefined);
    const first = account.firstFlood;
    const ingestRate = first ? (total - first.num) / ((Date.parse(lastLine.at) - first.at) / 1000) : NaN;
    // From the first flood line's arrival in serve (same machine clock) to the last batch holding flood lines.
    const clientRate = first ? account.floodDelivered / ((account.lastFloodReceivedAt - first.at) / 1000) : NaN;
    return { label, total, account, sequenced, ingestRate, clientRate, memory };
  } finally {
    events.destroy();
    await rpc(serve, 'backend.delete', { id: saved.id }).catch(() => undefined);
  }
}

/** The peer: the fixture's stdout piped into a file; lines/s from the first byte to the last newline. */
async function pipeToFile(rate: string, total: number): Promise<number> {
  const port = await freePort();
  const fixture = spawnFixture(
    fixtureEnv({ PORT: String(port), FAKE_FLOOD_LINES_PER_SEC: rate, FAKE_FLOOD_TOTAL: String(total) }),
    false,
  );
  const file = fs.createWriteStream(path.join(tempDir('ops-console-bench-pipe-'), 'backend.log'));
  const stdout = fixture.child.stdout!;
  stdout.pipe(file);
  let lines = 0;
  let firstAt = 0;
  const finished = new Promise<number>((resolve) => {
    stdout.on('data', (chunk: Buffer) => {
      if (firstAt === 0) firstAt = nowMs();
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
      // The fixture prints one "Listening" line before the flood.
      if (lines >= total + 1) resolve(nowMs());
    });
  });
  try {
    const lastAt = await within(finished, 120_000, 'the piped flood');
    return total / ((lastAt - firstAt) / 1000);
  } finally {
    fixture.child.kill('SIGKILL');
    await fixture.exited;
    await new Promise((resolve) => file.end(resolve));
  }
}

function cleanup(): void {
  for (const child of children) child.kill('SIGKILL');
  for (const pid of serveBackends.values()) {
    if (!alive(pid)) continue;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // not a group leader any more
    }
  }
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
}

function crashRows(ours: CrashFigures, tuned: CrashFigures, peer: CrashFigures): boolean {
  const ms = (v: number) => `${v.toFixed(2).padStart(8)} ms`;
  const row = (label: string, values: number[]) =>
    log(`  ${label.padEnd(52)} ${ms(median(values))} ${ms(percentile(values, 0.95))}`);
  const ratio = (label: string, a: number[], b: number[]) =>
    log(`  ${label.padEnd(52)} ${`${(median(a) / median(b)).toFixed(2)}x`.padStart(11)}`);
  log(`crash to detected (${ROUNDS} crashes each)${' '.repeat(25)}median        p95`);
  row('ops-console BackendSupervisor onStatus(backoff)', ours.detect);
  row('raw child_process exit event', peer.detect);
  ratio('ratio ours / raw', ours.detect, peer.detect);
  log("  (both include the fixture's own teardown after its report: process.exit is not instant)");
  log();
  log(`crash to healthy again, backoff 0${' '.repeat(23)}median        p95`);
  row('ops-console, default probe interval (first at 250 ms)', ours.healthy);
  row(`ops-console, probeIntervalMs ${NAIVE_POLL_MS}`, tuned.healthy);
  row(`naive: respawn on exit, poll /health every ${NAIVE_POLL_MS} ms`, peer.healthy);
  ratio('ratio ours (default) / naive', ours.healthy, peer.healthy);
  ratio(`ratio ours (probe ${NAIVE_POLL_MS} ms) / naive`, tuned.healthy, peer.healthy);
  return median(ours.detect) < DETECTION_TARGET_MS;
}

/** Prints one flood run; true when every line was delivered or counted as dropped. */
function floodRows(run: FloodRun, peerRate: number): boolean {
  const { account: a } = run;
  const floodDropped = run.total - a.floodDelivered;
  const exact = a.delivered + a.dropped === run.sequenced && a.unaccounted === 0 && floodDropped <= a.dropped;
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
  log(`  lines/s into the supervisor (ring + file + push)     ${n0(run.ingestRate).padStart(10)}`);
  log(`  lines/s reaching the SSE client                      ${n0(run.clientRate).padStart(10)}`);
  log(`  lines/s, stdout piped to a file (peer)               ${n0(peerRate).padStart(10)}`);
  log(
    `  ratio ingest / pipe                                  ${`${(run.ingestRate / peerRate).toFixed(2)}x`.padStart(10)}`,
  );
  log(
    `  ratio reaching the client / pipe                     ${`${(run.clientRate / peerRate).toFixed(2)}x`.padStart(10)}`,
  );
  log(
    `  produced ${n0(run.total)} = delivered ${n0(a.floodDelivered)} + dropped (counted) ${n0(floodDropped)}` +
      ` (${exact ? 'exact' : `MISMATCH, ${n0(a.unaccounted)} flood lines unaccounted`})`,
  );
  log(
    `  with startup and health-check lines: ${n0(run.sequenced)} sequenced = ${n0(a.delivered)} delivered` +
      ` + ${n0(a.dropped)} in the batches' dropped`,
  );
  log(
    `  serve process memory after the flood                 ${
      run.memory ? `RSS ${mib(run.memory.rss)}, peak ${mib(run.memory.peak)}` : 'n/a (no /proc)'
    }`,
  );
  return exact;
}

export async function run(): Promise<void> {
  const interrupted = () => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  let serve: Serve | null = null;
  try {
    log(`fixture:  ${path.relative(repoRoot, FAKE_BACKEND)} under node ${process.version}`);
    log(
      `machine:  ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), load average ${os.loadavg()[0]?.toFixed(2)}`,
    );
    log(
      `crashes:  every ${CRASH_AFTER_MS} ms after listening, backoff 0; ${BLOCKS} interleaved blocks of ` +
        `${PER_BLOCK} measured crashes after a warm-up one`,
    );
    log();
    const ours: CrashFigures = { detect: [], healthy: [] };
    const tuned: CrashFigures = { detect: [], healthy: [] };
    const peer: CrashFigures = { detect: [], healthy: [] };
    const add = (to: CrashFigures, from: CrashFigures) => {
      to.detect.push(...from.detect);
      to.healthy.push(...from.healthy);
    };
    for (let block = 0; block < BLOCKS; block++) {
      add(ours, await supervisedCrashes());
      add(tuned, await supervisedCrashes(NAIVE_POLL_MS));
      add(peer, await naiveCrashes());
    }
    const detectionMet = crashRows(ours, tuned, peer);
    log();

    serve = await startServe();
    const idle = memoryOf(serve.child.pid!);
    log(
      `serve:    node bin/ops-console.js serve, pid ${serve.child.pid}` +
        (idle ? `, RSS before the floods ${(idle.rss / 1024 / 1024).toFixed(0)} MiB` : ''),
    );
    if (serve.stderr().includes('Building the UI'))
      log('          (it rebuilt the UI itself: its memory includes vite)');
    log();
    const paced: Record<number, FloodRun> = {};
    const pacedExact: Record<number, boolean> = {};
    for (const rate of [PUSH_RATE, UNDER_RATE]) {
      const run = await flood(serve, `paced-${rate}`, String(rate), rate * RATE_SECONDS);
      const peerRate = await pipeToFile(String(rate), rate * RATE_SECONDS);
      log(`log flood at ${n0(rate)} lines/s for ${RATE_SECONDS} s (${n0(run.total)} lines)`);
      pacedExact[rate] = floodRows(run, peerRate);
      paced[rate] = run;
      log();
    }
    const max = await flood(serve, 'max', 'max', MAX_TOTAL);
    const maxPeer = await pipeToFile('max', MAX_TOTAL);
    log(`log flood as fast as the fixture can print (${n0(MAX_TOTAL)} lines)`);
    log(
      '  (the live push carries up to 100 000 lines/s with bursts of 50 000; beyond that lines are counted as dropped, by design)',
    );
    const maxExact = floodRows(max, maxPeer);
    log();
    log(`target: crash detected in under ${DETECTION_TARGET_MS} ms (median): ${verdict(detectionMet)}`);
    for (const rate of [PUSH_RATE, UNDER_RATE]) {
      const dropped = paced[rate]?.account.dropped ?? NaN;
      log(
        `target: no line lost at ${n0(rate)} lines/s: ${verdict(pacedExact[rate] === true && dropped === 0)}` +
          (dropped > 0 ? ` (${n0(dropped)} dropped, counted)` : ''),
      );
    }
    log(`target: drops above it counted exactly, none silent: ${verdict(maxExact)}`);
  } finally {
    process.off('SIGINT', interrupted);
    if (serve) await stopServe(serve);
    cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
