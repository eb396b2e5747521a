/** How the Sled import section writes amounts, rates, families, problems and outcomes. Pure functions. */
import type {
  SledEntryOutcome,
  SledFamily,
  SledImportState,
  SledProblemKind,
  SledProgress,
  SledRunPhase,
} from '../../../../common/sled';
import type { BadgeTone } from '../../components/Badge';

export { formatBytes, formatCount, formatEta, plural } from '../snapshots/snapshot-format';

/** Units of 1e-9 FODI in one FODI. */
const FODI_DECIMALS = 9;

/**
 * An amount in units of 1e-9 FODI (a decimal string, u64 sums pass 2^53) as FODI with exactly nine
 * decimals and thousands separators: "1234567890123" → "1,234.567890123". Worked on the digits, never
 * through a float. Anything that is not an integer is returned as it is.
 */
export function formatFodi(units: string): string {
  const match = /^(-?)(\d+)$/.exec(units.trim());
  if (!match) return units;
  const sign = match[1] ?? '';
  const digits = (match[2] ?? '0').replace(/^0+(?=\d)/, '').padStart(FODI_DECIMALS + 1, '0');
  const whole = digits.slice(0, -FODI_DECIMALS);
  const fraction = digits.slice(-FODI_DECIMALS);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const zero = /^0+$/.test(digits);
  return `${zero ? '' : sign}${grouped}.${fraction}`;
}

/** Entries per second, rounded to what a person reads: "850 entries/s", "12.4k entries/s", "1.2M entries/s". */
export function formatEntryRate(perSecond: number, unit = 'entries'): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return `0 ${unit}/s`;
  if (perSecond < 1000) return `${Math.round(perSecond)} ${unit}/s`;
  if (perSecond < 1_000_000) return `${(perSecond / 1000).toFixed(perSecond < 10_000 ? 1 : 0)}k ${unit}/s`;
  return `${(perSecond / 1_000_000).toFixed(1)}M ${unit}/s`;
}

/** A cache TTL in seconds as "7 days", "1 day 6 hours", "90 seconds". */
export function formatTtl(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const rest = seconds % 3600;
  const parts: string[] = [];
  if (days > 0) parts.push(`${days} ${days === 1 ? 'day' : 'days'}`);
  if (hours > 0) parts.push(`${hours} ${hours === 1 ? 'hour' : 'hours'}`);
  if (rest > 0 || parts.length === 0) parts.push(`${rest} ${rest === 1 ? 'second' : 'seconds'}`);
  return parts.join(' ');
}

export const familyLabels: Record<SledFamily, string> = {
  balance: 'Balances',
  wallet: 'Wallets',
  ai_cache: 'AI cache',
  conversation: 'Conversations',
  memory: 'Agent memories',
  preference: 'Preferences',
};

/** The key pattern each family is recognised by, as the README documents it. */
export const familyKeys: Record<SledFamily, string> = {
  balance: 'balance:{user_id}',
  wallet: 'wallet:{user_id}',
  ai_cache: '64 hex characters',
  conversation: 'ctx:{user_id}:{unix_ts}',
  memory: 'pref:memory:memory:{agent}:{category}:{key}',
  preference: 'pref:{user_id}:{key}',
};

export const problemLabels: Record<SledProblemKind, string> = {
  invalid_json: 'Not valid JSON',
  bad_header: 'Bad or missing header',
  bad_base64: 'Bad base64',
  bad_entry: 'Malformed entry',
  unknown_key: 'Unknown key pattern',
  decode_error: 'Value does not decode',
  out_of_range: 'Value out of range',
};

export const importStateLabels: Record<SledImportState, string> = {
  staging: 'staging',
  staged: 'staged',
  failed: 'failed',
  cancelled: 'cancelled',
};

export const importStateTones: Record<SledImportState, BadgeTone> = {
  staging: 'info',
  staged: 'ok',
  failed: 'danger',
  cancelled: 'neutral',
};

export const outcomeLabels: Record<SledEntryOutcome, string> = {
  loaded: 'Loaded',
  skipped: 'Skipped',
  failed: 'Failed',
  pending: 'Pending',
};

export const phaseLabels: Record<SledRunPhase, string> = {
  reading: 'Reading the export',
  planning: 'Counting the plan',
  loading: 'Loading rows',
  verifying: 'Reconciling',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** How far a run is, 0..1, from its last progress event; null when main cannot tell (no total yet). */
export function progressFraction(progress: Pick<SledProgress, 'phase' | 'done' | 'total'>): number | null {
  if (progress.phase === 'done') return 1;
  if (progress.total === null || progress.total <= 0) return progress.phase === 'verifying' ? 1 : null;
  return Math.max(0, Math.min(1, progress.done / progress.total));
}

/** The file name at the end of a path (either separator). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** "2026-11-26T19:05:54.000Z" → local "2026-11-26 19:05:54"; the text as it is when unreadable. */
export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
