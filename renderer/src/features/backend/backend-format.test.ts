import { describe, expect, it } from 'vitest';
import {
  backendSummary,
  describeExit,
  describeProbe,
  formatBytes,
  formatCountdown,
  formatDuration,
  worstState,
} from './backend-format';
import type { BackendState } from '../../../../common/backend';
import { canRestart, canStart, canStop } from './backends-state';

const states = (...list: BackendState[]) => list;

describe('backend formats', () => {
  it('words durations and countdowns', () => {
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(3_725_000)).toBe('1 h 02 min');
    expect(formatDuration(60_000)).toBe('1 min');
    expect(formatDuration(7_200_000)).toBe('2 h');
    expect(formatCountdown(4_210)).toBe('4.3 s');
    expect(formatCountdown(-5)).toBe('0.0 s');
  });

  it('formats memory in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(45.25 * 1024 * 1024)).toBe('45.3 MiB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB');
  });

  it('words exits and probes', () => {
    expect(describeExit({ code: 2, signal: null })).toBe('exited with code 2');
    expect(describeExit({ code: null, signal: 'SIGKILL' })).toBe('killed by SIGKILL');
    expect(describeProbe({ ok: true, at: '', latencyMs: 3.2, status: 200, error: null })).toBe('ok · 3 ms · HTTP 200');
    expect(describeProbe({ ok: false, at: '', latencyMs: 1000, status: null, error: 'timed out' })).toBe(
      'failed · 1.00 s · timed out',
    );
  });
});

describe('backendSummary', () => {
  it('says not configured when there is none', () => {
    expect(backendSummary([])).toBe('Backend: not configured');
    expect(worstState([])).toBeNull();
  });

  it('names a single backend', () => {
    expect(backendSummary([{ name: 'api', state: 'running' }])).toBe('Backend api: running');
  });

  it('counts several by state in lifecycle order', () => {
    const statuses = [
      { name: 'b', state: 'crashed' as const },
      { name: 'a', state: 'running' as const },
      { name: 'c', state: 'running' as const },
    ];
    expect(backendSummary(statuses)).toBe('3 backends: 2 running, 1 crashed');
    expect(worstState(statuses)).toBe('crashed');
  });
});

describe('which buttons apply', () => {
  it('starts from stopped, crashed, failed and backoff only', () => {
    expect(states('stopped', 'crashed', 'failed', 'backoff').every(canStart)).toBe(true);
    expect(states('starting', 'running', 'unhealthy', 'stopping').some(canStart)).toBe(false);
  });

  it('stops what is alive or waiting to restart, but not what is already stopping', () => {
    expect(states('starting', 'running', 'unhealthy', 'backoff').every(canStop)).toBe(true);
    expect(states('stopped', 'stopping', 'crashed', 'failed').some(canStop)).toBe(false);
  });

  it('restarts a process that exists', () => {
    expect(states('running', 'unhealthy', 'starting').every(canRestart)).toBe(true);
    expect(states('stopped', 'stopping', 'backoff', 'crashed', 'failed').some(canRestart)).toBe(false);
  });
});
