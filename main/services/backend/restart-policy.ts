import type { BackendConfig } from '../../../common/backend';

type BackoffConfig = Pick<BackendConfig, 'backoffInitialMs' | 'backoffMultiplier' | 'backoffMaxMs'>;

/** Delay before crash restart number `n` (1-based): min(max, initial × multiplier^(n-1)). */
export function backoffDelay(config: BackoffConfig, n: number): number {
  const raw = config.backoffInitialMs * config.backoffMultiplier ** Math.max(0, n - 1);
  return Math.round(Math.min(config.backoffMaxMs, raw));
}

export function describeExit(code: number | null, signal: string | null): string {
  if (signal !== null) return `killed by ${signal}`;
  return `exited with code ${code ?? 'unknown'}`;
}

/** Seconds for messages: "60 s", "0.5 s". */
export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

export type ExitDecision =
  | { next: 'stopped' | 'crashed'; reason: string }
  | { next: 'failed'; reason: string; crashes: number }
  | { next: 'backoff'; reason: string; crashes: number; delayMs: number };

/**
 * Crash restarts within a sliding window. Only exits the supervisor did not
 * ask for are recorded; manual starts and a stable run reset it.
 */
export class CrashWindow {
  private times: number[] = [];

  count(now: number, windowMs: number): number {
    return this.times.filter((t) => now - t < windowMs).length;
  }

  reset(): boolean {
    const had = this.times.length > 0;
    this.times = [];
    return had;
  }

  /** What follows an exit nobody asked for, recording it as a crash when the policy restarts. */
  decide(
    config: Pick<BackendConfig, 'restartPolicy' | 'maxRestarts' | 'restartWindowMs'> & BackoffConfig,
    code: number | null,
    signal: string | null,
    now: number,
  ): ExitDecision {
    const described = describeExit(code, signal);
    if (config.restartPolicy === 'never') return { next: 'crashed', reason: `${described} (restart policy: never)` };
    const clean = code === 0 && signal === null;
    if (config.restartPolicy === 'on-failure' && clean) {
      return { next: 'stopped', reason: `${described}; not restarted (restart policy: on-failure)` };
    }
    this.times = this.times.filter((t) => now - t < config.restartWindowMs);
    this.times.push(now);
    const crashes = this.times.length;
    if (crashes > config.maxRestarts) {
      return {
        next: 'failed',
        crashes,
        reason: `crashed ${crashes} times within ${seconds(config.restartWindowMs)} (last: ${described})`,
      };
    }
    const delayMs = backoffDelay(config, crashes);
    return {
      next: 'backoff',
      crashes,
      delayMs,
      reason: `${described}; restart ${crashes} of ${config.maxRestarts} in ${delayMs} ms`,
    };
  }
}
