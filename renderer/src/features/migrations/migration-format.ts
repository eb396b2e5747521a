/** How the Migrations view writes versions, checksums, times and states. Pure functions. */
import type { MigrationState } from '../../../../common/migrations';
import type { BadgeTone } from '../../components/Badge';

/** The version as its file spells it ("004" for 004_analytics.sql), else the number. */
export function versionLabel(version: number, fileName: string | null): string {
  const prefix = fileName ? /^(\d+)_/.exec(fileName)?.[1] : undefined;
  return prefix !== undefined && Number(prefix) === version ? prefix : String(version);
}

/** The first characters of a hex checksum, enough to tell two apart at a glance. */
export function shortChecksum(hex: string, length = 8): string {
  return hex.length > length ? hex.slice(0, length) : hex;
}

/** sqlx's execution_time (nanoseconds, a BIGINT as text) as ms or s; '—' when unknown. */
export function formatExecutionTime(ns: string | null): string {
  if (ns === null || !/^\d+$/.test(ns)) return '—';
  // BigInt first: a BIGINT in nanoseconds passes 2^53 after about 104 days.
  const micros = Number(BigInt(ns) / 1000n);
  return formatMs(micros / 1000);
}

/** A duration in milliseconds, with more precision for short ones. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO time as local "YYYY-MM-DD HH:MM:SS"; '—' when absent or unreadable. */
export function formatInstalledOn(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export const stateLabels: Record<MigrationState, string> = {
  applied: 'applied',
  pending: 'pending',
  out_of_order: 'out of order',
  changed: 'changed',
  missing: 'missing',
  failed: 'failed',
};

export const stateTones: Record<MigrationState, BadgeTone> = {
  applied: 'ok',
  pending: 'info',
  out_of_order: 'warn',
  changed: 'warn',
  missing: 'neutral',
  failed: 'danger',
};

export const stateDescriptions: Record<MigrationState, string> = {
  applied: 'Recorded as applied, and the file still has the checksum that ran',
  pending: 'Not applied yet; the next Apply runs it',
  out_of_order: 'Not applied, but a later version already is: runs only with “Allow out-of-order”',
  changed: 'Applied, but the file was edited since: its checksum differs from the recorded one',
  missing: 'Recorded as applied, but no file has this version any more',
  failed: 'Recorded as failed midway (a no-transaction migration): blocks every run until resolved',
};

/** "3 migrations", "1 migration". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}
