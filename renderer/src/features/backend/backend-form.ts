/**
 * The backend configuration form as the user edits it (numbers as typed, the
 * arguments one per line, secrets write-only) and its conversion into the
 * `backend.save` input. Pure, so the rules are tested without a DOM.
 */
import type { BackendConfigInput, BackendConfigView, BackendEnvVar, RestartPolicy } from '../../../../common/backend';
import { backendConfigInput } from '../../../../common/backend';
import type { ErrorInfo } from '../../api/error-info';

export interface EnvRow {
  /** Identifies the row while editing (keys may be empty or repeated). */
  rowId: string;
  key: string;
  /** The typed value; for a stored secret that is not being replaced, empty and unused. */
  value: string;
  secret: boolean;
  /** A secret whose value main keeps encrypted: sent as null unless replaced. */
  stored: boolean;
}

export const numberFields = [
  'port',
  'probeIntervalMs',
  'probeTimeoutMs',
  'failureThreshold',
  'startTimeoutMs',
  'backoffInitialMs',
  'backoffMaxMs',
  'backoffMultiplier',
  'maxRestarts',
  'restartWindowMs',
  'stableAfterMs',
  'stopTimeoutMs',
] as const;
export type NumberField = (typeof numberFields)[number];

export type BackendForm = {
  /** null while creating a backend. */
  id: string | null;
  name: string;
  binaryPath: string;
  /** One argument per line. */
  argsText: string;
  cwd: string;
  /** '' for none. */
  databaseProfileId: string;
  env: EnvRow[];
  healthUrl: string;
  restartPolicy: RestartPolicy;
  autoStart: boolean;
} & Record<NumberField, string>;

/** Every field that can be wrong, for inline marks. */
export type BackendFormField = Exclude<keyof BackendForm, 'id' | 'env'> | `env.${number}`;

export const fieldLabels: Readonly<Record<Exclude<BackendFormField, `env.${number}`>, string>> = {
  name: 'Name',
  binaryPath: 'Binary path',
  argsText: 'Arguments',
  cwd: 'Working directory',
  databaseProfileId: 'DATABASE_URL profile',
  port: 'Port',
  healthUrl: 'Health URL',
  probeIntervalMs: 'Probe interval',
  probeTimeoutMs: 'Probe timeout',
  failureThreshold: 'Failure threshold',
  startTimeoutMs: 'Start timeout',
  restartPolicy: 'Restart policy',
  backoffInitialMs: 'Initial backoff',
  backoffMaxMs: 'Maximum backoff',
  backoffMultiplier: 'Backoff multiplier',
  maxRestarts: 'Maximum restarts',
  restartWindowMs: 'Restart window',
  stableAfterMs: 'Stable after',
  stopTimeoutMs: 'Stop timeout',
  autoStart: 'Start with the app',
};

/** The defaults main applies, read from the schema itself so they never drift. */
const defaults = backendConfigInput.parse({ name: 'x', binaryPath: 'x' });

export function defaultHealthUrl(port: string): string {
  const p = port.trim() === '' ? String(defaults.port) : port.trim();
  return `http://127.0.0.1:${p}/health`;
}

let nextRow = 0;
export function newRowId(): string {
  nextRow += 1;
  return `env-${nextRow}`;
}

export function emptyEnvRow(): EnvRow {
  return { rowId: newRowId(), key: '', value: '', secret: false, stored: false };
}

function numbersOf(config: Pick<BackendConfigView, NumberField>): Record<NumberField, string> {
  return Object.fromEntries(numberFields.map((f) => [f, String(config[f])])) as Record<NumberField, string>;
}

export function emptyBackendForm(): BackendForm {
  return {
    id: null,
    name: '',
    binaryPath: '',
    argsText: '',
    cwd: '',
    databaseProfileId: '',
    env: [],
    healthUrl: '',
    restartPolicy: defaults.restartPolicy,
    autoStart: false,
    ...numbersOf(defaults),
  };
}

export function formFromConfig(config: BackendConfigView): BackendForm {
  return {
    id: config.id,
    name: config.name,
    binaryPath: config.binaryPath,
    argsText: config.args.join('\n'),
    cwd: config.cwd,
    databaseProfileId: config.databaseProfileId ?? '',
    env: config.env.map((v) => ({
      rowId: newRowId(),
      key: v.key,
      value: v.secret ? '' : (v.value ?? ''),
      secret: v.secret,
      stored: v.secret && v.value === null,
    })),
    healthUrl: config.healthUrl,
    restartPolicy: config.restartPolicy,
    autoStart: config.autoStart,
    ...numbersOf(config),
  };
}

/**
 * Edit one variable. A stored secret stays stored only while it keeps its key
 * and stays secret: main finds the stored value by key, and a plain variable
 * needs its value typed.
 */
export function updateEnvRow(row: EnvRow, patch: Partial<Omit<EnvRow, 'rowId' | 'stored'>>): EnvRow {
  const next = { ...row, ...patch };
  if (row.stored && ((patch.key !== undefined && patch.key !== row.key) || patch.secret === false)) {
    next.stored = false;
  }
  return next;
}

/** "Replace" on a stored secret: type a new value; it is sent instead of null. */
export function replaceSecret(row: EnvRow): EnvRow {
  return { ...row, stored: false, value: '' };
}

export function parseArgs(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '');
}

export interface FormError {
  error: ErrorInfo;
  field: BackendFormField | null;
}

export type BackendFormResult = { ok: true; input: BackendConfigInput } | { ok: false; error: FormError };

function invalid(field: BackendFormField | null, message: string, hint?: string): { ok: false; error: FormError } {
  return { ok: false, error: { field, error: { kind: 'invalid_input', message, ...(hint ? { hint } : {}) } } };
}

function fieldOfPath(path: readonly PropertyKey[]): BackendFormField | null {
  const [first, second] = path;
  if (first === 'env' && typeof second === 'number') return `env.${second}`;
  if (first === 'args') return 'argsText';
  if (typeof first === 'string' && first in fieldLabels) return first as BackendFormField;
  return null;
}

/** The `backend.save` input for a form, or the first thing wrong with it (with the field to mark). */
export function backendFormToInput(form: BackendForm): BackendFormResult {
  const numbers: Partial<Record<NumberField, number>> = {};
  for (const field of numberFields) {
    const text = form[field].trim();
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) {
      return invalid(field, `${fieldLabels[field]} must be a number`);
    }
    numbers[field] = value;
  }

  const env: BackendEnvVar[] = [];
  const seen = new Set<string>();
  for (const [index, row] of form.env.entries()) {
    const key = row.key.trim();
    if (key === '' && row.value === '' && !row.stored) continue;
    const field: BackendFormField = `env.${index}`;
    if (key === '') return invalid(field, 'An environment variable needs a name');
    if (seen.has(key)) return invalid(field, `The variable ${key} is set twice`, 'Keep one entry per variable.');
    seen.add(key);
    if (key === 'PORT') return invalid(field, 'PORT is set by the port field', 'Remove PORT from the extra variables.');
    if (row.secret && !row.stored && row.value === '') {
      return invalid(
        field,
        `Type the value of the secret ${key}`,
        'Secrets are stored encrypted and never shown again.',
      );
    }
    env.push({ key, value: row.secret && row.stored ? null : row.value, secret: row.secret });
  }

  const input: BackendConfigInput = {
    ...(form.id ? { id: form.id } : {}),
    name: form.name,
    binaryPath: form.binaryPath,
    args: parseArgs(form.argsText),
    cwd: form.cwd,
    databaseProfileId: form.databaseProfileId === '' ? null : form.databaseProfileId,
    env,
    healthUrl: form.healthUrl,
    restartPolicy: form.restartPolicy,
    autoStart: form.autoStart,
    ...numbers,
  };

  // The schema main validates with, so the limits and messages are the same.
  const parsed = backendConfigInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? fieldOfPath(issue.path) : null;
    const label =
      field === null ? null : field.startsWith('env.') ? 'Environment' : fieldLabels[field as keyof typeof fieldLabels];
    const message = issue?.message ?? 'The configuration is not valid';
    return invalid(field, label ? `${label}: ${message}` : message);
  }
  if (numbers.backoffMaxMs !== undefined && numbers.backoffInitialMs !== undefined) {
    if (numbers.backoffMaxMs < numbers.backoffInitialMs) {
      return invalid('backoffMaxMs', 'Maximum backoff must not be less than the initial backoff');
    }
  }
  return { ok: true, input };
}
