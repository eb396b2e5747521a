import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppStore } from '../store/app-store';
import { ProfileStore } from './profile-store';
import type { SecretStore } from './secret-store';
import { NoSecretStore } from './secret-store';
import { FakeKeychain } from '../../../test/helpers/fake-keychain';

const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() };

const dirs: string[] = [];
function open(secrets: SecretStore = new FakeKeychain()) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-profiles-'));
  dirs.push(dir);
  const file = path.join(dir, 'ops-console.db');
  const store = new AppStore({ file });
  return { file, store, profiles: new ProfileStore({ db: store.database, secrets, logger }) };
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('ProfileStore', () => {
  it('always has the built-in Local profile, which cannot be edited or deleted', () => {
    const { profiles } = open();
    const local = profiles.list().find((p) => p.kind === 'local');
    expect(local).toMatchObject({ id: 'local', name: 'Local', readOnly: false, production: false });
    expect(() => profiles.save({ id: 'local', name: 'x', url: 'postgres://a@b/c' })).toThrow(/cannot be edited/);
    expect(() => profiles.delete('local')).toThrow(/cannot be deleted/);
  });

  it('saves a profile from a URL, splitting off and encrypting the password', () => {
    const { profiles, store, file } = open();
    const saved = profiles.save({
      name: 'Neon prod',
      url: 'postgresql://app_user:Sup3r%2Fsecret@ep-cool.neon.tech:5433/appdb?sslmode=verify-full',
      production: true,
    });
    expect(saved).toMatchObject({
      host: 'ep-cool.neon.tech',
      port: 5433,
      database: 'appdb',
      user: 'app_user',
      sslMode: 'verify-full',
      readOnly: true,
      production: true,
      poolSize: 10,
      hasStoredPassword: true,
    });
    expect(profiles.storedPassword(saved.id)).toBe('Sup3r/secret');
    store.close();
    const bytes = fs.readFileSync(file);
    const wal = fs.existsSync(`${file}-wal`) ? fs.readFileSync(`${file}-wal`) : Buffer.alloc(0);
    expect(bytes.includes('Sup3r/secret')).toBe(false);
    expect(wal.includes('Sup3r/secret')).toBe(false);
    const raw = new Database(file, { readonly: true });
    const row = raw.prepare('SELECT * FROM connection_profiles WHERE id = ?').get(saved.id) as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain('Sup3r');
    raw.close();
  });

  it('defaults read-only on for remote hosts and off for loopback', () => {
    const { profiles } = open();
    expect(profiles.save({ name: 'a', host: 'db.example.com', database: 'd', user: 'u' }).readOnly).toBe(true);
    expect(profiles.save({ name: 'b', host: 'localhost', database: 'd', user: 'u' }).readOnly).toBe(false);
    expect(profiles.save({ name: 'c', host: '127.0.0.1', database: 'd', user: 'u', readOnly: true }).readOnly).toBe(
      true,
    );
  });

  it('keeps the stored password when the field is omitted, removes it on null', () => {
    const { profiles } = open();
    const p = profiles.save({ name: 'p', host: 'h', database: 'd', user: 'u', password: 'pw1' });
    const renamed = profiles.save({ id: p.id, name: 'p2' });
    expect(renamed.name).toBe('p2');
    expect(profiles.storedPassword(p.id)).toBe('pw1');
    expect(profiles.save({ id: p.id, name: 'p2', password: null }).hasStoredPassword).toBe(false);
    expect(profiles.storedPassword(p.id)).toBeNull();
  });

  it('refuses to save a password without secure storage, with a hint', () => {
    const { profiles } = open(new NoSecretStore());
    expect(() => profiles.save({ name: 'p', url: 'postgres://u:pw@h/d' })).toThrowError(
      /Refusing to save the password/,
    );
    try {
      profiles.save({ name: 'p', url: 'postgres://u:pw@h/d' });
    } catch (error) {
      expect((error as { hint: string }).hint).toMatch(/PGPASSWORD/);
    }
    // Without a password it saves fine.
    expect(profiles.save({ name: 'p', url: 'postgres://u@h/d' }).hasStoredPassword).toBe(false);
  });

  it('rejects duplicate names, a CA file without verification, and unknown ids', () => {
    const { profiles } = open();
    profiles.save({ name: 'same', host: 'h', database: 'd', user: 'u' });
    expect(() => profiles.save({ name: 'SAME', host: 'h', database: 'd', user: 'u' })).toThrow(/already exists/);
    expect(() =>
      profiles.save({ name: 'ca', host: 'h', database: 'd', user: 'u', sslMode: 'disable', sslRootCert: '/x.pem' }),
    ).toThrow(/CA file/);
    expect(() => profiles.get('nope')).toThrow(/No connection profile/);
  });

  it('finds a profile by id or by name, and deletes it', () => {
    const { profiles } = open();
    const p = profiles.save({ name: 'Staging', host: 'h', database: 'd', user: 'u' });
    expect(profiles.get('Staging').id).toBe(p.id);
    profiles.delete(p.id);
    expect(profiles.list().map((x) => x.name)).toEqual(['Local']);
  });
});
