/** Shapes main would send, for the backend feature's tests. */
import type {
  BackendConfigView,
  BackendLogLine,
  BackendLogPage,
  BackendStatus,
  LogStream,
} from '../../../../common/backend';
import { backendConfigInput } from '../../../../common/backend';

export function config(overrides: Partial<BackendConfigView> & { id: string; name: string }): BackendConfigView {
  const parsed = backendConfigInput.parse({ name: overrides.name, binaryPath: '/opt/api/bin/server' });
  return { ...parsed, ...overrides };
}

export function status(overrides: Partial<BackendStatus> & { id: string }): BackendStatus {
  return {
    name: overrides.id,
    state: 'stopped',
    reason: null,
    pid: null,
    startedAt: null,
    restarts: 0,
    lastExit: null,
    lastProbe: null,
    restartAt: null,
    cpuPercent: null,
    memoryBytes: null,
    healthUrl: 'http://127.0.0.1:8080/health',
    port: 8080,
    ...overrides,
  };
}

export function entry(id: string, name: string, overrides: Partial<BackendStatus> = {}) {
  return { config: config({ id, name }), status: status({ id, name, ...overrides }) };
}

export function logLine(seq: number, stream: LogStream = 'stdout', text = `line ${seq}`): BackendLogLine {
  return { seq, at: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, seq % 1000)).toISOString(), stream, text };
}

export function range(from: number, to: number, stream: LogStream = 'stdout'): BackendLogLine[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => logLine(from + i, stream));
}

export function page(id: string, lines: BackendLogLine[], ring: { lastSeq?: number } = {}): BackendLogPage {
  return {
    id,
    lines,
    size: lines.length,
    firstSeq: lines[0]?.seq ?? null,
    lastSeq: ring.lastSeq ?? lines.at(-1)?.seq ?? null,
    droppedFromPush: 0,
    evicted: 0,
    logFile: `/data/logs/backends/${id}.log`,
  };
}

export const seqs = (lines: readonly BackendLogLine[]) => lines.map((l) => l.seq);
