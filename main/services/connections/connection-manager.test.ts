import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inject } from 'vitest';
import type { ConnectionStatus } from '../../../common/profiles';
import { createTestDatabase, runSql, type TestDatabase } from '../../../test/helpers/postgres';
import { AppStore } from '../store/app-store';
import { ConnectionManager } from './connection-manager';
import { ProfileStore } from './profile-store';
import { NoSecretStore } from './secret-store';

const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() };

describe('ConnectionManager against a real PostgreSQL', () => {
  let db: TestDatabase;
  let dir: string;
  let store: AppStore;
  let profiles: ProfileStore;
  let manager: ConnectionManager;
  const statuses: ConnectionStatus[] = [];
  const password = new URL(inject('pgAdminUrl')).password;

  beforeAll(async () => {
    db = await createTestDatabase('conn');
    await runSql(db.url, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-conn-'));
    store = new AppStore({ file: path.join(dir, 'ops-console.db') });
    profiles = new ProfileStore({ db: store.database, secrets: new NoSecretStore(), logger });
    manager = new ConnectionManager({
      profiles,
      logger,
      onStatus: (s) => statuses.push(s),
      env: { PGPASSWORD: password },
    });
  });
  afterAll(async () => {
    await manager?.closeAll();
    store?.close();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const urlWithoutPassword = () => {
    const u = new URL(db.url);
    u.password = '';
    return u.toString();
  };

  it('connects a profile on demand, using PGPASSWORD, and reports version and pool stats', async () => {
    const p = profiles.save({ name: 'writable', url: urlWithoutPassword(), sslMode: 'disable', poolSize: 3 });
    expect(p.readOnly).toBe(false);
    const status = await manager.connect({ profileId: p.id });
    expect(status).toMatchObject({ key: p.id, label: 'writable', state: 'connected', database: db.name });
    expect(status.serverVersion).toMatch(/^\d+/);
    expect(status.pool).toMatchObject({ max: 3 });
    expect(status.pool.total).toBeGreaterThanOrEqual(1);
    expect(status.target).not.toContain(password);
    expect(statuses.some((s) => s.key === p.id && s.state === 'connected')).toBe(true);
  });

  it('enforces a read-only profile in the session, whatever the SQL', async () => {
    const p = profiles.save({ name: 'ro', url: urlWithoutPassword(), sslMode: 'disable', readOnly: true });
    const error = await manager
      .withClient({ profileId: p.id }, (client) => client.query("INSERT INTO t VALUES (1, 'x')"))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'database_error' });
    expect(String((error as Error).message)).toMatch(/read-only transaction/);
    const rows = await manager.withClient({ profileId: p.id }, (client) =>
      client.query('SELECT count(*)::int AS n FROM t'),
    );
    expect(rows.rows[0]).toEqual({ n: 0 });
    const setting = await manager.withClient({ profileId: p.id }, (client) =>
      client.query<{ v: string }>("SELECT current_setting('default_transaction_read_only') AS v"),
    );
    expect(setting.rows[0]?.v).toBe('on');
  });

  it('applies the statement timeout of a profile', async () => {
    const p = profiles.save({ name: 'slow', url: urlWithoutPassword(), sslMode: 'disable', statementTimeoutMs: 200 });
    await expect(
      manager.withClient({ profileId: p.id }, (client) => client.query('SELECT pg_sleep(2)')),
    ).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('works with an ad-hoc URL, keyed without the password', async () => {
    const status = await manager.connect({ url: db.url });
    expect(status.key).toMatch(/^url:[0-9a-f]{16}$/);
    expect(JSON.stringify(status)).not.toContain(password);
    expect(manager.status().map((s) => s.key)).toContain(status.key);
    await manager.disconnect({ url: db.url });
    expect(manager.status().map((s) => s.key)).not.toContain(status.key);
  });

  it('turns a wrong password into auth_failed with a hint and an error state', async () => {
    const p = profiles.save({ name: 'bad', url: urlWithoutPassword(), sslMode: 'disable' });
    const wrong = new ConnectionManager({ profiles, logger, env: { PGPASSWORD: 'wrong-one' } });
    await expect(wrong.connect({ profileId: p.id })).rejects.toMatchObject({ kind: 'auth_failed' });
    expect(wrong.status().find((s) => s.key === p.id)?.state).toBe('error');
    await wrong.closeAll();
  });

  it('cancels a running query by backend pid, also after sslmode=prefer fell back to plain', async () => {
    const p = profiles.save({ name: 'cancel', url: urlWithoutPassword(), sslMode: 'prefer' });
    const running = manager.withClient({ profileId: p.id }, async (client) => {
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      setTimeout(() => void manager.cancel({ profileId: p.id }, pid), 200);
      return client.query('SELECT pg_sleep(20)');
    });
    // pg_sleep(20) would succeed; a cancel is the only way this rejects with query_canceled.
    await expect(running).rejects.toMatchObject({ kind: 'timeout', message: expect.stringMatching(/cancel/i) });
  });
});
