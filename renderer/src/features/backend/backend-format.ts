/**
 * How the Backend section words and colours what main reports: states,
 * durations, memory, exits and probes. Pure, so it is tested without a DOM.
 */
import type { BackendExit, BackendState, BackendStatus, ProbeResult } from '../../../../common/backend';
import { backendStates } from '../../../../common/backend';
import type { BadgeTone } from '../../components/Badge';

export const stateTones: Readonly<Record<BackendState, BadgeTone>> = {
  stopped: 'neutral',
  starting: 'info',
  running: 'ok',
  unhealthy: 'warn',
  stopping: 'info',
  backoff: 'warn',
  crashed: 'danger',
  failed: 'danger',
};

/** What each state means to someone looking at the panel. */
export const stateDescriptions: Readonly<Record<BackendState, string>> = {
  stopped: 'Not running',
  starting: 'Started, waiting for the first successful health check',
  running: 'Running and healthy',
  unhealthy: 'Running, but health checks fail',
  stopping: 'Stopping: SIGTERM sent to its process group',
  backoff: 'Exited; waiting before the next restart',
  crashed: 'Exited on its own and will not be restarted',
  failed: 'Too many restarts, or the start itself failed; only a manual start leaves this state',
};

/** "1 h 02 min", "3 min 05 s", "12 s". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return m > 0 ? `${h} h ${pad(m)} min` : `${h} h`;
  if (m > 0) return s > 0 ? `${m} min ${pad(s)} s` : `${m} min`;
  return `${s} s`;
}

/** A countdown with a tenth of a second: "4.2 s", "1 min 05 s". */
export function formatCountdown(ms: number): string {
  const left = Math.max(0, ms);
  if (left >= 60_000) return formatDuration(left);
  return `${(Math.ceil(left / 100) / 10).toFixed(1)} s`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Local wall-clock time, "14:03:07". */
export function formatClock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

/** Local time with milliseconds for log lines, "14:03:07.120". */
export function formatLineTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${formatClock(iso)}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

export function describeExit(exit: Pick<BackendExit, 'code' | 'signal'>): string {
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return exit.code === null ? 'exited (code unknown)' : `exited with code ${exit.code}`;
}

export function describeProbe(probe: ProbeResult): string {
  const parts = [probe.ok ? 'ok' : 'failed', formatMs(probe.latencyMs)];
  if (probe.status !== null) parts.push(`HTTP ${probe.status}`);
  if (probe.error) parts.push(probe.error);
  return parts.join(' · ');
}

/**
 * One phrase for the status bar: "not configured", "Backend api: running",
 * "2 backends: 1 running, 1 crashed" (states in lifecycle order).
 */
export function backendSummary(statuses: readonly Pick<BackendStatus, 'name' | 'state'>[]): string {
  const [only] = statuses;
  if (!only) return 'Backend: not configured';
  if (statuses.length === 1) return `Backend ${only.name}: ${only.state}`;
  const counts = new Map<BackendState, number>();
  for (const s of statuses) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  const parts = backendStates.filter((state) => counts.has(state)).map((state) => `${counts.get(state)} ${state}`);
  return `${statuses.length} backends: ${parts.join(', ')}`;
}

const severity: Readonly<Record<BackendState, number>> = {
  stopped: 0,
  running: 1,
  starting: 2,
  stopping: 2,
  unhealthy: 3,
  backoff: 3,
  crashed: 4,
  failed: 4,
};

/** The state that deserves the status bar's dot: the worst one. */
export function worstState(statuses: readonly Pick<BackendStatus, 'state'>[]): BackendState | null {
  let worst: BackendState | null = null;
  for (const { state } of statuses) if (worst === null || severity[state] > severity[worst]) worst = state;
  return worst;
}
