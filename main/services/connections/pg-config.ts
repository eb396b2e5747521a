import fs from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import type { SslMode } from '../../../common/profiles';
import { sslModes } from '../../../common/profiles';
import { OpsError } from '../../../common/errors';

/** Everything needed to open a connection; the password is resolved at connect time. */
export interface ConnectionTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  sslMode: SslMode;
  sslRootCert: string | null;
}

export interface ParsedUrl extends ConnectionTarget {
  password: string | null;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || host.startsWith('/') || /^127\./.test(host);
}

/** Parse a postgres:// URL the way libpq reads one (host, port, db, user, password, sslmode, sslrootcert). */
export function parseDatabaseUrl(url: string, env: NodeJS.ProcessEnv = process.env): ParsedUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OpsError('invalid_input', 'The database URL cannot be parsed', {
      hint: 'Use postgres://user:password@host:5432/database and percent-encode special characters in the password.',
    });
  }
  if (!/^postgres(ql)?:$/i.test(u.protocol)) {
    throw new OpsError('invalid_input', 'Expected a postgres:// or postgresql:// URL');
  }
  const decode = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  const query = u.searchParams;
  const host = decode(u.hostname.replace(/^\[|\]$/g, '')) || query.get('host') || env.PGHOST || 'localhost';
  const user = decode(u.username) || query.get('user') || env.PGUSER || os.userInfo().username;
  const database = decode(u.pathname.replace(/^\//, '')) || query.get('dbname') || env.PGDATABASE || user;
  const sslRaw = (query.get('sslmode') ?? env.PGSSLMODE ?? 'prefer').toLowerCase();
  if (!(sslModes as readonly string[]).includes(sslRaw)) {
    throw new OpsError('invalid_input', `Unsupported sslmode "${sslRaw}"`, {
      hint: `Use one of ${sslModes.join(', ')}.`,
    });
  }
  return {
    host,
    port: Number(u.port || query.get('port') || env.PGPORT || 5432),
    database,
    user,
    password: u.password ? decode(u.password) : null,
    sslMode: sslRaw as SslMode,
    sslRootCert: query.get('sslrootcert') ?? null,
  };
}

/** The URL of a target with the password masked, for display and logs. */
export function displayUrl(target: ConnectionTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const ssl = target.sslMode === 'prefer' ? '' : `?sslmode=${target.sslMode}`;
  return `postgres://${encodeURIComponent(target.user)}@${host}:${target.port}/${encodeURIComponent(target.database)}${ssl}`;
}

function pgpassPath(env: NodeJS.ProcessEnv): string {
  if (env.PGPASSFILE) return env.PGPASSFILE;
  if (process.platform === 'win32') return path.join(env.APPDATA ?? os.homedir(), 'postgresql', 'pgpass.conf');
  return path.join(os.homedir(), '.pgpass');
}

/** Split a .pgpass line on unescaped colons, unescaping \: and \\. */
function splitPgpassLine(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && i + 1 < line.length) {
      current += line[++i];
    } else if (ch === ':') {
      fields.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  fields.push(current);
  return fields;
}

/** Look a password up in a .pgpass file, with libpq's rules (first match wins, * matches anything). */
export function lookupPgpass(target: ConnectionTarget, file: string): string | null {
  let text: string;
  try {
    const stat = fs.statSync(file);
    // libpq ignores a password file that others can read; so do we.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) return null;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const host = isLoopbackHost(target.host) && target.host !== '127.0.0.1' ? 'localhost' : target.host;
  for (const raw of text.split(/\r?\n/)) {
    if (!raw.trim() || raw.trimStart().startsWith('#')) continue;
    const fields = splitPgpassLine(raw);
    if (fields.length < 5) continue;
    const [h, p, d, u, ...rest] = fields;
    const matches = (pattern: string | undefined, value: string) => pattern === '*' || pattern === value;
    if (
      (matches(h, host) || matches(h, target.host)) &&
      matches(p, String(target.port)) &&
      matches(d, target.database) &&
      matches(u, target.user)
    ) {
      return rest.join(':');
    }
  }
  return null;
}

/** Password precedence: explicit (URL or saved profile), then PGPASSWORD, then the password file. */
export function resolvePassword(
  target: ConnectionTarget,
  explicit: string | null,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (explicit !== null && explicit !== '') return explicit;
  if (env.PGPASSWORD) return env.PGPASSWORD;
  return lookupPgpass(target, pgpassPath(env)) ?? undefined;
}

/** node-postgres TLS options for an sslmode, with libpq's meaning of each mode. */
export function tlsOptions(target: ConnectionTarget): false | ConnectionOptions {
  switch (target.sslMode) {
    case 'disable':
      return false;
    case 'prefer':
      return { rejectUnauthorized: false };
    case 'require':
      // libpq: require with a root certificate behaves like verify-ca; without one, encrypt only.
      if (target.sslRootCert) return tlsOptions({ ...target, sslMode: 'verify-ca' });
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full': {
      const options: ConnectionOptions = { rejectUnauthorized: true };
      // SNI takes host names only; an IP address is checked against the certificate's IP SANs.
      if (!isIP(target.host)) options.servername = target.host;
      if (target.sslRootCert) {
        try {
          options.ca = fs.readFileSync(target.sslRootCert, 'utf8');
        } catch (error) {
          throw new OpsError('invalid_input', `Cannot read the CA file ${target.sslRootCert}`, {
            hint: 'Check the path of the CA certificate in the profile.',
            detail: error instanceof Error ? error.message : String(error),
          });
        }
      }
      // verify-ca checks the chain but not the host name.
      if (target.sslMode === 'verify-ca') options.checkServerIdentity = () => undefined;
      return options;
    }
  }
}

export function clientConfig(
  target: ConnectionTarget,
  password: string | undefined,
  options: { connectTimeoutMs?: number; ssl?: false | ConnectionOptions } = {},
): pg.ClientConfig {
  return {
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    ...(password !== undefined ? { password } : {}),
    ssl: options.ssl ?? tlsOptions(target),
    application_name: 'ops-console',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    keepAlive: true,
  };
}
