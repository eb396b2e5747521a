import type { BackendConfig } from '../../../common/backend';
import { resolveHealthUrl } from './health-probe';

type RunTimer = 'probeTimer' | 'startTimer' | 'stableTimer' | 'statsTimer';

/** One spawned process (or one attempt at spawning it) and the timers that belong to it. */
export interface BackendRun {
  /** The settings it was started with (config updates apply to the next run). */
  config: BackendConfig;
  healthUrl: string;
  pid: number | null;
  startedAtMs: number | null;
  stopRequested: boolean;
  /** The exit was seen (its output may still be read). */
  exited: boolean;
  /** Settles when the spawn attempt is over (spawned, failed or abandoned). */
  launched: Promise<void>;
  settleLaunched: () => void;
  /** Settles once the exit was recorded. */
  exitHandled: Promise<void>;
  resolveExitHandled: () => void;
  /** Consecutive failed probes, and the last failure text (to log changes only). */
  failures: number;
  lastFailure: string | null;
  probeTimer: NodeJS.Timeout | null;
  startTimer: NodeJS.Timeout | null;
  stableTimer: NodeJS.Timeout | null;
  statsTimer: NodeJS.Timeout | null;
}

export function newRun(config: BackendConfig): BackendRun {
  let settleLaunched!: () => void;
  let resolveExitHandled!: () => void;
  const launched = new Promise<void>((resolve) => (settleLaunched = resolve));
  const exitHandled = new Promise<void>((resolve) => (resolveExitHandled = resolve));
  return {
    config,
    healthUrl: resolveHealthUrl(config),
    pid: null,
    startedAtMs: null,
    stopRequested: false,
    exited: false,
    launched,
    settleLaunched,
    exitHandled,
    resolveExitHandled,
    failures: 0,
    lastFailure: null,
    probeTimer: null,
    startTimer: null,
    stableTimer: null,
    statsTimer: null,
  };
}

export function clearRunTimer(run: BackendRun, name: RunTimer): void {
  const timer = run[name];
  if (timer !== null) clearTimeout(timer);
  run[name] = null;
}

export function clearRunTimers(run: BackendRun): void {
  for (const name of ['probeTimer', 'startTimer', 'stableTimer', 'statsTimer'] as const) clearRunTimer(run, name);
}
