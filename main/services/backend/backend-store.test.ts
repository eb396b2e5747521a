import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { OpsError } from '../../../common/errors';
import type { SecretStore } from '../connections/secret-store';
import { NoSecretStore } from '../connections/secret-store';
import { AppStore } from '../store/app-store';
import { BackendStore } from './backend-store';
import { FakeKeychain } from '../../../test/helpers/fake-keychain';

const dirs: string[] = [];
function open(secrets: SecretStore = new FakeKeychain()) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-backends-'));
  dirs.push(dir);
  const file = path.join(dir, 'ops-console.db');
  const store = new AppStore({ file });
  return { file, store, backends: new BackendStore({ db: store.database, secrets }) };
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const base = { name: 'api', binaryPath: '/srv/bin/server' };

describe('BackendStore (real SQLite file)', () => {
  it('saves a backend with the defaults a Go backend needs', () => {
    const { backends } = open();
    const saved = backends.save(base);
    expect(saved).toMatchObject({
      name: 'api',
      port: 8080,
      healthUrl: '',
      restartPolicy: 'on-failure',
      probeIntervalMs: 2000,
      failureThreshold: 3,
      backoffInitialMs: 1000,
      backoffMultiplier: 2,
      stopTimeoutMs: 10_000,
      autoStart: false,
      args: [],
      env: [],
    });
    expect(saved.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(backends.list().map((b) => b.name)).toEqual(['api']);
  });

  it('keeps secret values encrypted, never returns them, and keeps them when an edit leaves them blank', () => {
    const { backends, file, store } = open();
    const saved = backends.save({
      ...base,
      env: [
        { key: 'JWT_SECRET', value: 'very-secret-jwt-key', secret: true },
        { key: 'LOG_LEVEL', value: 'debug', secret: false },
      ],
    });
    expect(saved.env).toEqual([
      { key: 'JWT_SECRET', value: null, secret: true },
      { key: 'LOG_LEVEL', value: 'debug', secret: false },
    ]);
    expect(JSON.stringify(backends.list())).not.toContain('very-secret-jwt-key');
    expect(backends.secretValues(saved.id)).toEqual({ JWT_SECRET: 'very-secret-jwt-key' });
    // Edit without retyping the secret: it stays.
    backends.save({ ...saved, port: 9090, env: saved.env });
    expect(backends.secretValues(saved.id)).toEqual({ JWT_SECRET: 'very-secret-jwt-key' });
    expect(backends.get(saved.id).port).toBe(9090);
    store.close();
    const raw = fs.readFileSync(file);
    expect(raw.includes(Buffer.from('very-secret-jwt-key'))).toBe(false);
    const db = new Database(file, { readonly: true });
    const row = db.prepare('SELECT config_json FROM backends').get() as { config_json: string };
    expect(row.config_json).not.toContain('very-secret');
    db.close();
  });

  it('refuses what cannot work: a secret without a value, PORT as a variable, a variable twice, a taken name', () => {
    const { backends } = open();
    const fails = (input: Parameters<BackendStore['save']>[0], message: RegExp) => {
      let error: unknown;
      try {
        backends.save(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(OpsError);
      expect((error as OpsError).message).toMatch(message);
      expect((error as OpsError).hint).toBeTruthy();
    };
    fails({ ...base, env: [{ key: 'JWT_SECRET', value: null, secret: true }] }, /has no value/);
    fails({ ...base, env: [{ key: 'PORT', value: '1', secret: false }] }, /PORT is set by the port field/);
    fails(
      {
        ...base,
        env: [
          { key: 'A', value: '1', secret: false },
          { key: 'A', value: '2', secret: false },
        ],
      },
      /set twice/,
    );
    backends.save(base);
    fails({ ...base, name: 'API' }, /already exists/);
    fails({ ...base, id: 'no-such-id' }, /no backend with id/);
  });

  it('refuses to store a secret where no secret store exists (CLI, serve)', () => {
    const { backends } = open(new NoSecretStore());
    expect(() => backends.save({ ...base, env: [{ key: 'JWT_SECRET', value: 'x', secret: true }] })).toThrow(
      /cannot be saved here/,
    );
    expect(backends.save({ ...base, env: [{ key: 'LOG_LEVEL', value: 'info', secret: false }] }).env).toHaveLength(1);
  });

  it('deletes', () => {
    const { backends } = open();
    const saved = backends.save(base);
    backends.delete(saved.id);
    expect(backends.list()).toEqual([]);
    expect(() => backends.get(saved.id)).toThrow(/no backend/);
  });
});
