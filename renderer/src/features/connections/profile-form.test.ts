import { describe, expect, it } from 'vitest';
import type { ConnectionProfile } from '../../../../common/profiles';
import type { ProfileForm } from './profile-form';
import {
  defaultReadOnly,
  emptyProfileForm,
  formFromProfile,
  hostOfUrl,
  profileFormToInput,
  updateProfileForm,
} from './profile-form';

const form = (patch: Partial<ProfileForm>): ProfileForm => updateProfileForm(emptyProfileForm(), patch);

function ok(f: ProfileForm) {
  const result = profileFormToInput(f);
  if (!result.ok) throw new Error(`expected a valid form, got: ${result.error.message}`);
  return result.input;
}

function problem(f: ProfileForm) {
  const result = profileFormToInput(f);
  if (result.ok) throw new Error('expected an invalid form');
  return result.error;
}

describe('default read-only rule', () => {
  it('is off for loopback hosts and on for everything else', () => {
    for (const host of ['localhost', '127.0.0.1', '::1', '[::1]', 'LOCALHOST', '127.0.0.2', '/var/run/postgresql']) {
      expect(defaultReadOnly(host), host).toBe(false);
    }
    for (const host of ['db.example.com', '10.0.0.5', 'ep-cool-name.neon.tech', 'localhost.evil.com', null]) {
      expect(defaultReadOnly(host), String(host)).toBe(true);
    }
  });

  it('reads the host of a postgres URL, IPv6 included', () => {
    expect(hostOfUrl('postgres://ops@127.0.0.1:5432/app')).toBe('127.0.0.1');
    expect(hostOfUrl('postgresql://ops:pw@[::1]:5432/app')).toBe('[::1]');
    expect(hostOfUrl('postgres://ops@Db.Example.com/app')).toBe('Db.Example.com');
    expect(hostOfUrl('postgres://ops@/app?host=%2Fvar%2Frun%2Fpostgresql')).toBe('/var/run/postgresql');
    expect(hostOfUrl('mysql://localhost/app')).toBeNull();
  });

  it('follows the host as it is typed until the user ticks or unticks read-only', () => {
    let f = form({ url: 'postgres://ops@localhost/app' });
    expect(f.readOnly).toBe(false);
    f = updateProfileForm(f, { url: 'postgres://ops@prod.example.com/app' });
    expect(f.readOnly).toBe(true);
    f = updateProfileForm(f, { readOnly: false });
    f = updateProfileForm(f, { url: 'postgres://ops@other.example.com/app' });
    expect(f.readOnly).toBe(false);
    expect(f.readOnlyTouched).toBe(true);
  });

  it('uses the host field in field mode', () => {
    const f = form({ mode: 'fields', host: '127.0.0.1' });
    expect(f.readOnly).toBe(false);
    expect(updateProfileForm(f, { host: 'db.internal' }).readOnly).toBe(true);
  });

  it('sends the default explicitly, so the profile says what the user saw', () => {
    expect(ok(form({ name: 'Remote', url: 'postgres://ops@db.example.com/app' })).readOnly).toBe(true);
    expect(ok(form({ name: 'Here', url: 'postgres://ops@localhost/app' })).readOnly).toBe(false);
  });
});

describe('profile form -> profiles.save input', () => {
  it('sends a URL profile with defaults: pool 10, no timeout, SSL left to the URL', () => {
    const input = ok(form({ name: '  Staging ', url: ' postgres://ops@staging.internal:6432/app?sslmode=require ' }));
    expect(input).toEqual({
      name: 'Staging',
      url: 'postgres://ops@staging.internal:6432/app?sslmode=require',
      sslRootCert: null,
      poolSize: 10,
      statementTimeoutMs: 0,
      readOnly: true,
      production: false,
    });
    expect(input).not.toHaveProperty('password');
    expect(input).not.toHaveProperty('host');
  });

  it('sends host, port, database and user in field mode, with mixed-case names untouched', () => {
    const input = ok(
      form({
        name: 'Neon',
        mode: 'fields',
        host: 'ep-x.neon.tech',
        port: '5433',
        database: 'AppDb',
        user: 'Ops',
        sslMode: 'verify-full',
        sslRootCert: ' /etc/ssl/neon.crt ',
        poolSize: '4',
        statementTimeoutMs: '30000',
        production: true,
      }),
    );
    expect(input).toMatchObject({
      host: 'ep-x.neon.tech',
      port: 5433,
      database: 'AppDb',
      user: 'Ops',
      sslMode: 'verify-full',
      sslRootCert: '/etc/ssl/neon.crt',
      poolSize: 4,
      statementTimeoutMs: 30000,
      production: true,
      readOnly: true,
    });
    expect(input).not.toHaveProperty('url');
  });

  it('sends a CA file only for verify-ca and verify-full', () => {
    expect(
      ok(form({ name: 'a', url: 'postgres://u@h/d', sslMode: 'verify-ca', sslRootCert: '' })).sslRootCert,
    ).toBeNull();
    expect(
      ok(form({ name: 'a', url: 'postgres://u@h/d', sslMode: 'require', sslRootCert: '/ca.crt' })).sslRootCert,
    ).toBeNull();
    expect(
      ok(form({ name: 'a', url: 'postgres://u@h/d', sslMode: 'verify-ca', sslRootCert: '/ca.crt' })).sslRootCert,
    ).toBe('/ca.crt');
  });

  it('treats the password as write-only: empty keeps it, a value replaces it, remove sends null', () => {
    const base = { name: 'a', url: 'postgres://u@h/d' };
    expect(ok(form(base))).not.toHaveProperty('password');
    expect(ok(form({ ...base, password: 's3cret' })).password).toBe('s3cret');
    expect(ok(form({ ...base, password: 's3cret', removePassword: true })).password).toBeNull();
  });

  it('reports the first problem in words a user can act on', () => {
    expect(problem(form({ name: ' ', url: 'postgres://u@h/d' })).message).toMatch(/name/);
    expect(problem(form({ name: 'a', url: '' })).message).toMatch(/URL is required/);
    expect(problem(form({ name: 'a', url: 'mysql://h/d' })).message).toMatch(/postgres:\/\//);
    expect(problem(form({ name: 'a', mode: 'fields', host: 'h', database: '', user: 'u' })).message).toMatch(
      /host, a database and a user/,
    );
    expect(
      problem(form({ name: 'a', mode: 'fields', host: 'h', database: 'd', user: 'u', port: '70000' })).message,
    ).toMatch(/Port must be between 1 and 65535/);
    expect(problem(form({ name: 'a', url: 'postgres://u@h/d', poolSize: '0' })).message).toMatch(/Pool size/);
    expect(problem(form({ name: 'a', url: 'postgres://u@h/d', statementTimeoutMs: '-5' })).message).toMatch(
      /Statement timeout/,
    );
  });
});

describe('editing a saved profile', () => {
  const saved: ConnectionProfile = {
    id: 'abc',
    name: 'Dev box',
    kind: 'remote',
    host: 'localhost',
    port: 5432,
    database: 'app',
    user: 'ops',
    sslMode: 'disable',
    sslRootCert: null,
    poolSize: 5,
    statementTimeoutMs: 1000,
    readOnly: true,
    production: false,
    hasStoredPassword: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };

  it('keeps the saved read-only choice even for a local host, and keeps the stored password', () => {
    const f = formFromProfile(saved);
    expect(f.hasStoredPassword).toBe(true);
    const input = ok(updateProfileForm(f, { host: '127.0.0.1' }));
    expect(input).toMatchObject({ id: 'abc', readOnly: true, host: '127.0.0.1', sslMode: 'disable', poolSize: 5 });
    expect(input).not.toHaveProperty('password');
  });

  it('keeps the saved target when the URL is left empty, and replaces it when one is given', () => {
    const f = updateProfileForm(formFromProfile(saved), { mode: 'url' });
    expect(ok(f)).toMatchObject({ host: 'localhost', port: 5432, database: 'app', user: 'ops' });
    const replaced = ok(updateProfileForm(f, { url: 'postgres://ops@db2.internal/app' }));
    expect(replaced.url).toBe('postgres://ops@db2.internal/app');
    expect(replaced).not.toHaveProperty('host');
  });
});
