import { describe, expect, it } from 'vitest';
import { backoffDelay, CrashWindow } from './restart-policy';

const policy = {
  restartPolicy: 'on-failure' as const,
  maxRestarts: 2,
  restartWindowMs: 10_000,
  backoffInitialMs: 1_000,
  backoffMultiplier: 2,
  backoffMaxMs: 5_000,
};

describe('restart policy', () => {
  it('computes min(max, initial × multiplier^(n-1))', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(backoffDelay({ ...policy, backoffMultiplier: 1.5 }, 2)).toBe(1_500);
    expect(backoffDelay({ ...policy, backoffInitialMs: 0 }, 3)).toBe(0);
  });

  it('fails on the crash past maxRestarts within the window, and forgets crashes older than the window', () => {
    const window = new CrashWindow();
    expect(window.decide(policy, 1, null, 0)).toMatchObject({ next: 'backoff', crashes: 1, delayMs: 1_000 });
    expect(window.decide(policy, null, 'SIGSEGV', 1_000)).toMatchObject({
      next: 'backoff',
      crashes: 2,
      delayMs: 2_000,
    });
    expect(window.decide(policy, 1, null, 2_000)).toEqual({
      next: 'failed',
      crashes: 3,
      reason: 'crashed 3 times within 10 s (last: exited with code 1)',
    });

    const sliding = new CrashWindow();
    sliding.decide(policy, 1, null, 0);
    sliding.decide(policy, 1, null, 5_000);
    // The crash at 0 has left the window by 10 000: two in the window, not three.
    expect(sliding.decide(policy, 1, null, 10_000)).toMatchObject({ next: 'backoff', crashes: 2 });
    expect(sliding.count(10_000, policy.restartWindowMs)).toBe(2);
    expect(sliding.reset()).toBe(true);
    expect(sliding.count(10_000, policy.restartWindowMs)).toBe(0);
  });

  it('applies the policy to clean and failed exits', () => {
    const window = new CrashWindow();
    expect(window.decide(policy, 0, null, 0)).toEqual({
      next: 'stopped',
      reason: 'exited with code 0; not restarted (restart policy: on-failure)',
    });
    expect(window.decide({ ...policy, restartPolicy: 'never' }, null, 'SIGKILL', 0)).toEqual({
      next: 'crashed',
      reason: 'killed by SIGKILL (restart policy: never)',
    });
    expect(window.decide({ ...policy, restartPolicy: 'always' }, 0, null, 0)).toMatchObject({ next: 'backoff' });
    expect(window.count(0, policy.restartWindowMs)).toBe(1);
  });
});
