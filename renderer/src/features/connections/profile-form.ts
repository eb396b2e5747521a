/**
 * The connection profile form as the user edits it (every field a string or a
 * flag) and its conversion into the `profiles.save` input. Pure, so the rules
 * (default read-only, write-only password, CA file only for verify-*) are
 * tested without a DOM.
 */
import type { ConnectionProfile, ProfileInput, SslMode } from '../../../../common/profiles';
import { profileInput } from '../../../../common/profiles';
import type { ErrorInfo } from '../../api/error-info';

export type ProfileFormMode = 'url' | 'fields';

export interface ProfileForm {
  /** null while creating a new profile. */
  id: string | null;
  name: string;
  mode: ProfileFormMode;
  url: string;
  host: string;
  port: string;
  database: string;
  user: string;
  /** '' leaves the choice to main: the URL's sslmode, else prefer. */
  sslMode: SslMode | '';
  sslRootCert: string;
  poolSize: string;
  statementTimeoutMs: string;
  readOnly: boolean;
  /** Until the user ticks or unticks read-only, it follows the host (on for anything not loopback). */
  readOnlyTouched: boolean;
  production: boolean;
  /** Write-only: empty keeps the stored password. */
  password: string;
  removePassword: boolean;
  hasStoredPassword: boolean;
}

export const DEFAULT_POOL_SIZE = 10;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** The same rule main applies: loopback hosts and Unix sockets are local, everything else is not. */
export function isLocalHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  return LOOPBACK_HOSTS.has(h) || h.startsWith('/') || /^127\./.test(h);
}

export function sslModeNeedsCa(mode: SslMode | ''): boolean {
  return mode === 'verify-ca' || mode === 'verify-full';
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The host a postgres:// URL points at, or null when it cannot be read (treated as remote). */
export function hostOfUrl(url: string): string | null {
  const text = url.trim();
  if (!/^postgres(ql)?:\/\//i.test(text)) return null;
  // libpq also takes the host as a query parameter (a Unix socket folder, e.g. ?host=/var/run/postgresql).
  const query = /[?&]host=([^&#]+)/i.exec(text)?.[1];
  try {
    const parsed = new URL(text);
    const host = safeDecode(parsed.hostname) || (query ? safeDecode(query) : '');
    return host === '' ? null : host;
  } catch {
    // An empty authority ("postgres://user@/db?host=…") is not a WHATWG URL.
    return query ? safeDecode(query) : null;
  }
}

/** The host the form currently points at (from the URL or the host field). */
export function formHost(form: ProfileForm): string | null {
  if (form.mode === 'url') return hostOfUrl(form.url);
  return form.host.trim() === '' ? null : form.host.trim();
}

/** Read-only is on by default for every profile that is not on this machine (an unknown host is remote). */
export function defaultReadOnly(host: string | null): boolean {
  return host === null || !isLocalHost(host);
}

export function emptyProfileForm(): ProfileForm {
  return {
    id: null,
    name: '',
    mode: 'url',
    url: '',
    host: '',
    port: '5432',
    database: '',
    user: '',
    sslMode: '',
    sslRootCert: '',
    poolSize: String(DEFAULT_POOL_SIZE),
    statementTimeoutMs: '0',
    readOnly: true,
    readOnlyTouched: false,
    production: false,
    password: '',
    removePassword: false,
    hasStoredPassword: false,
  };
}

export function formFromProfile(profile: ConnectionProfile): ProfileForm {
  return {
    id: profile.id,
    name: profile.name,
    mode: 'fields',
    url: '',
    host: profile.host,
    port: String(profile.port),
    database: profile.database,
    user: profile.user,
    sslMode: profile.sslMode,
    sslRootCert: profile.sslRootCert ?? '',
    poolSize: String(profile.poolSize),
    statementTimeoutMs: String(profile.statementTimeoutMs),
    readOnly: profile.readOnly,
    // A saved choice is the user's, not a default.
    readOnlyTouched: true,
    production: profile.production,
    password: '',
    removePassword: false,
    hasStoredPassword: profile.hasStoredPassword,
  };
}

/** Apply an edit, keeping the read-only default in step with the host until the user decides. */
export function updateProfileForm(form: ProfileForm, patch: Partial<ProfileForm>): ProfileForm {
  const next: ProfileForm = { ...form, ...patch };
  if ('readOnly' in patch) next.readOnlyTouched = true;
  else if (!next.readOnlyTouched) next.readOnly = defaultReadOnly(formHost(next));
  return next;
}

function invalid(message: string, hint?: string): { ok: false; error: ErrorInfo } {
  return { ok: false, error: { kind: 'invalid_input', message, ...(hint ? { hint } : {}) } };
}

function parseInteger(text: string, label: string, min: number, max: number): number | string {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return `${label} must be a whole number`;
  const value = Number(t);
  if (value < min || value > max) return `${label} must be between ${min} and ${max}`;
  return value;
}

export type ProfileFormResult = { ok: true; input: ProfileInput } | { ok: false; error: ErrorInfo };

/** The `profiles.save` input for a form, or the first thing that is wrong with it. */
export function profileFormToInput(form: ProfileForm): ProfileFormResult {
  const name = form.name.trim();
  if (name === '') return invalid('A profile needs a name');

  const input: ProfileInput = { name };
  if (form.id) input.id = form.id;

  const url = form.url.trim();
  // Editing a saved profile in URL mode with the URL left empty keeps the saved host, port, database and user.
  const useUrl = form.mode === 'url' && !(form.id && url === '');
  if (useUrl) {
    if (url === '') return invalid('A database URL is required', 'Use the form postgres://user@host:5432/database');
    input.url = url;
  } else {
    const host = form.host.trim();
    const database = form.database.trim();
    const user = form.user.trim();
    if (host === '' || database === '' || user === '') {
      return invalid('A profile needs a host, a database and a user', 'Fill them in, or paste a postgres:// URL.');
    }
    const port = parseInteger(form.port === '' ? '5432' : form.port, 'Port', 1, 65535);
    if (typeof port === 'string') return invalid(port);
    Object.assign(input, { host, port, database, user });
  }

  if (form.sslMode !== '') input.sslMode = form.sslMode;
  if (sslModeNeedsCa(form.sslMode)) {
    const ca = form.sslRootCert.trim();
    input.sslRootCert = ca === '' ? null : ca;
  } else {
    // Switching away from verify-* drops a CA file saved earlier; main rejects one with other modes.
    input.sslRootCert = null;
  }

  const poolSize = parseInteger(form.poolSize === '' ? String(DEFAULT_POOL_SIZE) : form.poolSize, 'Pool size', 1, 100);
  if (typeof poolSize === 'string') return invalid(poolSize);
  input.poolSize = poolSize;

  const timeout = parseInteger(
    form.statementTimeoutMs === '' ? '0' : form.statementTimeoutMs,
    'Statement timeout',
    0,
    24 * 3600 * 1000,
  );
  if (typeof timeout === 'string') return invalid(timeout, '0 means no statement timeout.');
  input.statementTimeoutMs = timeout;

  input.readOnly = form.readOnlyTouched ? form.readOnly : defaultReadOnly(formHost(form));
  input.production = form.production;

  if (form.removePassword) input.password = null;
  else if (form.password !== '') input.password = form.password;

  // The same schema main validates with, so the message matches what main would say.
  const parsed = profileInput.safeParse(input);
  if (!parsed.success) return invalid(parsed.error.issues[0]?.message ?? 'The profile is not valid');
  return { ok: true, input };
}
