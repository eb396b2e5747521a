import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { displayUrl, lookupPgpass, parseDatabaseUrl, resolvePassword, tlsOptions } from './pg-config';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function pgpass(content: string, mode = 0o600): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-pgpass-'));
  dirs.push(dir);
  const file = path.join(dir, '.pgpass');
  fs.writeFileSync(file, content, { mode });
  fs.chmodSync(file, mode);
  return file;
}
const target = {
  host: 'db.example.com',
  port: 5432,
  database: 'app',
  user: 'alice',
  sslMode: 'require' as const,
  sslRootCert: null,
};

describe('parseDatabaseUrl', () => {
  it('reads every part, decoding percent-escapes', () => {
    expect(parseDatabaseUrl('postgresql://al%40ce:p%3Aw@db.example.com:6543/my%20db?sslmode=verify-full', {})).toEqual({
      host: 'db.example.com',
      port: 6543,
      database: 'my db',
      user: 'al@ce',
      password: 'p:w',
      sslMode: 'verify-full',
      sslRootCert: null,
    });
  });

  it('falls back to PG* variables and libpq defaults', () => {
    const parsed = parseDatabaseUrl('postgres:///', {
      PGHOST: 'h',
      PGPORT: '5555',
      PGUSER: 'bob',
      PGSSLMODE: 'disable',
    });
    expect(parsed).toMatchObject({ host: 'h', port: 5555, user: 'bob', database: 'bob', sslMode: 'disable' });
  });

  it('refuses unsupported sslmodes and unparseable URLs with hints', () => {
    expect(() => parseDatabaseUrl('postgres://h/d?sslmode=allowish', {})).toThrow(/Unsupported sslmode/);
    expect(() => parseDatabaseUrl('postgres://u:p@[bad/d', {})).toThrow(/cannot be parsed/);
  });

  it('displays a URL without the password', () => {
    expect(displayUrl(target)).toBe('postgres://alice@db.example.com:5432/app?sslmode=require');
  });
});

describe('.pgpass', () => {
  it('matches with wildcards and escapes, first match wins', () => {
    const file = pgpass(
      ['# comment', 'other:5432:app:alice:nope', 'db.example.com:*:app:alice:pa\\:ss\\\\word', '*:*:*:*:fallback'].join(
        '\n',
      ),
    );
    expect(lookupPgpass(target, file)).toBe('pa:ss\\word');
    expect(lookupPgpass({ ...target, user: 'zed' }, file)).toBe('fallback');
  });

  it('ignores a password file that others can read, as libpq does', () => {
    const file = pgpass('*:*:*:*:secret', 0o644);
    expect(lookupPgpass(target, file)).toBeNull();
  });

  it('resolves passwords in libpq order: explicit, PGPASSWORD, then the file', () => {
    const file = pgpass('*:*:*:*:from-file');
    expect(resolvePassword(target, 'explicit', { PGPASSWORD: 'env', PGPASSFILE: file })).toBe('explicit');
    expect(resolvePassword(target, null, { PGPASSWORD: 'env', PGPASSFILE: file })).toBe('env');
    expect(resolvePassword(target, null, { PGPASSFILE: file })).toBe('from-file');
    expect(resolvePassword(target, null, { PGPASSFILE: path.join(os.tmpdir(), 'missing-pgpass') })).toBeUndefined();
  });
});

describe('tlsOptions', () => {
  it('maps sslmodes to TLS settings with libpq semantics', () => {
    expect(tlsOptions({ ...target, sslMode: 'disable' })).toBe(false);
    expect(tlsOptions({ ...target, sslMode: 'require' })).toEqual({ rejectUnauthorized: false });
    const full = tlsOptions({ ...target, sslMode: 'verify-full' });
    expect(full).toMatchObject({ rejectUnauthorized: true, servername: 'db.example.com' });
    expect(full && full.checkServerIdentity).toBeUndefined();
    const ca = tlsOptions({ ...target, sslMode: 'verify-ca' });
    expect(ca && typeof ca.checkServerIdentity).toBe('function');
  });

  it('reports an unreadable CA file clearly', () => {
    expect(() => tlsOptions({ ...target, sslMode: 'verify-full', sslRootCert: '/nonexistent/ca.pem' })).toThrow(
      /Cannot read the CA file/,
    );
  });
});
