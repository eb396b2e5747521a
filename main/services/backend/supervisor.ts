import { spawn as nodeSpawn } from 'node:child_process';
import type {
  BackendConfig,
  BackendExit,
  BackendLogLine,
  BackendState,
  BackendStatus,
  LogStream,
  ProbeResult,
} from '../../../common/backend';
import { OpsError } from '../../../common/errors';
import type { Logger } from '../logging/log-service';
import { clearRunTimer, clearRunTimers, newRun, type BackendRun as Run } from './backend-run';
import { clearGroup, stopGroup } from './group-shutdown';
import { probeHealth, resolveHealthUrl } from './health-probe';
import { processStartTime, processStats, removePidFile, writePidFile } from './process-tree';
import { CrashWindow, describeExit, seconds } from './restart-policy';
import { spawnBackend } from './spawn-backend';

export interface BackendSupervisorOptions {
  config: BackendConfig;
  /** The child's full environment, DATABASE_URL and PORT included (PORT defaults to config.port). May throw OpsError. */
  resolveEnv: () => Promise<NodeJS.ProcessEnv>;
  /** Throws OpsError when a pre-flight check fails; called before every spawn, restarts included. */
  preflight?: () => Promise<void>;
  pidDir: string;
  logger: Logger;
  onStatus: (status: BackendStatus) => void;
  onLine: (stream: LogStream, text: string) => void;
  /** The last log lines, attached to lastExit. */
  tailLines?: () => BackendLogLine[];
  clock?: () => number;
  fetchImpl?: typeof fetch;
  spawnImpl?: typeof nodeSpawn;
}

const FAST_PROBE_MS = 250;
const STATS_INTERVAL_MS = 2_000;
const ALIVE_STATES: readonly BackendState[] = ['starting', 'running', 'unhealthy', 'stopping'];

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Supervises one backend process: spawn in its own process group, health
 * probes, restart policy with exponential backoff and a crash-loop limit,
 * stop = SIGTERM to the group then SIGKILL, no orphan left behind.
 *
 * Unhealthy never kills the process: a backend whose database is briefly
 * down answers /health with errors but recovers on its own, and killing it
 * would turn a blip into a restart loop. Only an exit triggers the policy.
 */
export class BackendSupervisor {
  private config: BackendConfig;
  /** The config of the current or last run: what probes, policy and status follow. */
  private runConfig: BackendConfig;
  private state: BackendState = 'stopped';
  private reason: string | null = null;
  private run: Run | null = null;
  private lastExit: BackendExit | null = null;
  private lastProbe: ProbeResult | null = null;
  private restartAtMs: number | null = null;
  private cancelBackoff: (() => void) | null = null;
  private stats: { cpuPercent: number | null; memoryBytes: number | null } = { cpuPercent: null, memoryBytes: null };
  private readonly crashes = new CrashWindow();
  private stopping: Promise<BackendStatus> | null = null;
  /** Killing what an exited leader left in its group; the next spawn waits for it. */
  private cleanup: Promise<void> = Promise.resolve();
  private disposed = false;
  private readonly clock: () => number;
  private readonly fetchImpl: typeof fetch;
  private readonly spawnImpl: typeof nodeSpawn;

  constructor(private readonly options: BackendSupervisorOptions) {
    this.config = options.config;
    this.runConfig = options.config;
    this.clock = options.clock ?? Date.now;
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.spawnImpl = options.spawnImpl ?? nodeSpawn;
  }

  status(): BackendStatus {
    const idle = this.state === 'stopped' || this.state === 'crashed' || this.state === 'failed';
    const shown = idle ? this.config : this.runConfig;
    return {
      id: this.config.id,
      name: this.config.name,
      state: this.state,
      reason: this.reason,
      pid: this.run?.pid ?? null,
      startedAt: typeof this.run?.startedAtMs === 'number' ? new Date(this.run.startedAtMs).toISOString() : null,
      restarts: this.crashes.count(this.clock(), this.runConfig.restartWindowMs),
      lastExit: this.lastExit,
      lastProbe: this.lastProbe,
      restartAt:
        this.state === 'backoff' && this.restartAtMs !== null ? new Date(this.restartAtMs).toISOString() : null,
      cpuPercent: this.stats.cpuPercent,
      memoryBytes: this.stats.memoryBytes,
      healthUrl: resolveHealthUrl(shown),
      port: shown.port,
    };
  }

  /** Takes effect at the next start (a running process keeps the settings it was started with). */
  updateConfig(config: BackendConfig): void {
    if (config.id !== this.config.id) {
      throw new OpsError(
        'invalid_input',
        `Config for backend ${config.id} given to the supervisor of ${this.config.id}`,
      );
    }
    this.config = config;
  }

  /**
   * Manual start from stopped, crashed, failed (or backoff, which starts now).
   * Resets the crash count. Resolves once the process is spawned (state
   * `starting`); a failed pre-flight, environment or spawn rejects with an
   * OpsError and leaves the state `failed`.
   */
  async start(): Promise<BackendStatus> {
    if (this.disposed) throw new OpsError('unavailable', `Backend ${this.config.name} is shut down`);
    if (ALIVE_STATES.includes(this.state)) {
      throw new OpsError('conflict', `Backend ${this.config.name} is already ${this.state}`, {
        hint: this.state === 'stopping' ? 'Wait for it to stop, then start it.' : 'Stop or restart it instead.',
      });
    }
    this.clearBackoff();
    this.crashes.reset();
    await this.launch();
    return this.status();
  }

  /** Resolves when the process and everything in its group are gone. */
  stop(): Promise<BackendStatus> {
    if (this.stopping) return this.stopping;
    const run = this.run;
    this.stopping = (run ? this.stopRun(run) : this.stopIdle()).finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  /** Manual restart: stop (if needed), then start. Never counted as a crash. */
  async restart(): Promise<BackendStatus> {
    if (this.state !== 'stopped' && this.state !== 'crashed' && this.state !== 'failed') await this.stop();
    return this.start();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.clearBackoff();
    await this.stop();
    await this.cleanup;
  }

  private async stopIdle(): Promise<BackendStatus> {
    const wasBackoff = this.state === 'backoff';
    this.clearBackoff();
    await this.cleanup;
    if (wasBackoff && this.state === 'backoff') this.transition('stopped', 'restart cancelled');
    return this.status();
  }

  private clearBackoff(): void {
    this.cancelBackoff?.();
    this.cancelBackoff = null;
    this.restartAtMs = null;
  }

  private async launch(): Promise<void> {
    const config = this.config;
    const run = newRun(config);
    this.runConfig = config;
    this.run = run;
    this.lastProbe = null;
    this.stats = { cpuPercent: null, memoryBytes: null };
    this.transition('starting', null);
    try {
      await this.cleanup;
      await this.options.preflight?.();
      if (run.stopRequested) return;
      const env = await this.options.resolveEnv();
      if (run.stopRequested) return;
      await this.spawnChild(run, env);
    } catch (error) {
      if (run.stopRequested) return;
      const opsError = error instanceof OpsError ? error : new OpsError('internal', errorText(error), { cause: error });
      if (this.run === run) this.run = null;
      this.transition('failed', opsError.message);
      throw opsError;
    } finally {
      run.settleLaunched();
    }
  }

  private async spawnChild(run: Run, env: NodeJS.ProcessEnv): Promise<void> {
    const { config } = run;
    const { pid } = await spawnBackend({
      config,
      env: { ...env, PORT: env.PORT ?? String(config.port) },
      spawnImpl: this.spawnImpl,
      clock: this.clock,
      onLine: this.options.onLine,
      onExitNoticed: () => {
        run.exited = true;
        clearRunTimers(run);
      },
      onExit: (code, signal, atMs) => this.handleExit(run, code, signal, atMs),
      onError: (error) => this.system(`process error: ${error.message}`, 'warn'),
    });
    run.pid = pid;
    run.startedAtMs = this.clock();
    try {
      writePidFile(this.options.pidDir, config.id, {
        pid,
        startTime: processStartTime(pid),
        binaryPath: config.binaryPath,
        startedAt: new Date(run.startedAtMs).toISOString(),
      });
    } catch (error) {
      this.system(`could not write the pid file: ${errorText(error)}`, 'warn');
    }
    this.system(`spawned ${config.binaryPath} (pid ${pid})`);
    if (run.stopRequested || run.exited) return;
    this.emit();
    this.scheduleProbe(run, Math.min(FAST_PROBE_MS, config.probeIntervalMs));
    run.startTimer = setTimeout(() => {
      run.startTimer = null;
      if (!this.isCurrent(run) || this.state !== 'starting') return;
      const last = this.lastProbe?.error ? `; last: ${this.lastProbe.error}` : '';
      this.transition('unhealthy', `no successful health check within ${seconds(config.startTimeoutMs)}${last}`);
    }, config.startTimeoutMs);
    run.statsTimer = setInterval(() => void this.sampleStats(run), STATS_INTERVAL_MS);
  }

  private isCurrent(run: Run): boolean {
    return this.run === run && !run.exited && !run.stopRequested;
  }

  private scheduleProbe(run: Run, ms: number): void {
    run.probeTimer = setTimeout(() => void this.probe(run), ms);
  }

  private async probe(run: Run): Promise<void> {
    run.probeTimer = null;
    if (!this.isCurrent(run)) return;
    const { config } = run;
    const result = await probeHealth(run.healthUrl, config.probeTimeoutMs, this.fetchImpl, this.clock);
    if (!this.isCurrent(run)) return;
    this.lastProbe = result;
    if (result.ok) {
      run.failures = 0;
      run.lastFailure = null;
      if (this.state === 'starting' || this.state === 'unhealthy') this.enterRunning(run);
    } else {
      run.failures += 1;
      const why = result.error ?? 'failed';
      if (this.state === 'running') {
        this.system(`health check failed (${run.failures}/${config.failureThreshold}): ${why}`, 'warn');
        if (run.failures >= config.failureThreshold) {
          clearRunTimer(run, 'stableTimer');
          this.transition('unhealthy', `${run.failures} consecutive health checks failed; last: ${why}`);
        }
      } else if (this.state === 'unhealthy' && why !== run.lastFailure) {
        this.system(`health check failing: ${why}`, 'warn');
      }
      run.lastFailure = why;
    }
    const next = this.state === 'starting' ? Math.min(FAST_PROBE_MS, config.probeIntervalMs) : config.probeIntervalMs;
    this.scheduleProbe(run, next);
  }

  private enterRunning(run: Run): void {
    clearRunTimer(run, 'startTimer');
    this.transition('running', null);
    const reset = () => {
      run.stableTimer = null;
      if (!this.isCurrent(run) || this.state !== 'running') return;
      if (this.crashes.reset()) {
        this.system(`healthy for ${seconds(run.config.stableAfterMs)}; crash count reset`);
        this.emit();
      }
    };
    if (run.config.stableAfterMs === 0) reset();
    else run.stableTimer = setTimeout(reset, run.config.stableAfterMs);
  }

  private async sampleStats(run: Run): Promise<void> {
    if (!this.isCurrent(run) || run.pid === null) return;
    const stats = await processStats(run.pid);
    if (!this.isCurrent(run)) return;
    this.stats = stats;
    this.emit();
  }

  private handleExit(run: Run, code: number | null, signal: NodeJS.Signals | null, atMs: number): void {
    run.exited = true;
    clearRunTimers(run);
    this.lastExit = { code, signal, at: new Date(atMs).toISOString(), lastLines: this.options.tailLines?.() ?? [] };
    this.system(`process ${run.pid} ${describeExit(code, signal)}`, run.stopRequested ? 'info' : 'warn');
    run.resolveExitHandled();
    if (run.stopRequested || this.run !== run) return;

    this.run = null;
    this.stats = { cpuPercent: null, memoryBytes: null };
    this.cleanup = this.reapGroup(run);
    const decision = this.crashes.decide(run.config, code, signal, atMs);
    if (this.disposed) return this.transition('stopped', `${describeExit(code, signal)} while shutting down`);
    if (decision.next !== 'backoff') return this.transition(decision.next, decision.reason);
    this.restartAtMs = atMs + decision.delayMs;
    const restart = () => {
      this.cancelBackoff = null;
      if (this.state !== 'backoff' || this.disposed) return;
      this.launch().catch(() => undefined); // launch() already moved to `failed` with the reason
    };
    if (decision.delayMs === 0) {
      const immediate = setImmediate(restart);
      this.cancelBackoff = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(restart, decision.delayMs);
      this.cancelBackoff = () => clearTimeout(timer);
    }
    this.transition('backoff', decision.reason);
  }

  /** The leader exited on its own: anything it forked into its group goes too, then the pid file. */
  private async reapGroup(run: Run): Promise<void> {
    if (run.pid === null) return;
    await clearGroup(run.pid, run.config.stopTimeoutMs, this.say);
    this.removePidFile(run);
  }

  private async stopRun(run: Run): Promise<BackendStatus> {
    run.stopRequested = true;
    clearRunTimers(run);
    this.transition('stopping', 'stop requested');
    await run.launched;
    clearRunTimers(run);
    let reason: string | null = null;
    if (run.pid !== null) {
      reason = await stopGroup({
        pid: run.pid,
        exited: run.exitHandled,
        alreadyExited: run.exited,
        stopTimeoutMs: run.config.stopTimeoutMs,
        say: this.say,
      });
      this.removePidFile(run);
    }
    if (this.run === run) this.run = null;
    this.stats = { cpuPercent: null, memoryBytes: null };
    this.transition('stopped', reason);
    return this.status();
  }

  private removePidFile(run: Run): void {
    try {
      removePidFile(this.options.pidDir, run.config.id);
    } catch (error) {
      this.system(`could not remove the pid file: ${errorText(error)}`, 'warn');
    }
  }

  private transition(to: BackendState, reason: string | null): void {
    const from = this.state;
    this.state = to;
    this.reason = reason;
    const level = to === 'failed' || to === 'crashed' || to === 'unhealthy' ? 'warn' : 'info';
    this.system(`backend ${this.config.name}: ${from} -> ${to}${reason ? ` (${reason})` : ''}`, level);
    this.emit();
  }

  private system(text: string, level: 'error' | 'warn' | 'info' = 'info'): void {
    this.options.logger[level](text);
    this.options.onLine('system', text);
  }

  private readonly say = (text: string, level?: 'error' | 'warn' | 'info') => this.system(text, level);

  private emit(): void {
    this.options.onStatus(this.status());
  }
}
