/**
 * Profiles through a real PgBouncer in transaction mode. A profile's session
 * settings (read-only, statement timeout) travel in the start-up packet: a
 * pooler that refuses them fails the connection with a clear error, one that
 * drops them is caught before any query runs, and in neither case does a
 * setting land on a pooled server session where the pooler's other clients
 * would get it (as a SET after connecting would).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OpsError } from '../../../common/errors';
import { startBouncer, type Bouncer } from '../../../test/helpers/pgbouncer';
import { createTestDatabase, runSql, type TestDatabase } from '../../../test/helpers/postgres';
import { toOpsError } from '../postgres/pg-errors';
import { SchemaLister } from '../postgres/schema-lister';
import { AppStore } from '../store/app-store';
import { ConnectionManager } from './connection-manager';
import { ProfileStore } from './profile-store';
import { NoSecretStore } from './secret-store';

const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() };

let db: TestDatabase;
let refusing: Bouncer;
let dropping: Bouncer;
let dir: string;
let store: AppStore;
let profiles: ProfileStore;
let manager: ConnectionManager;

function withoutPassword(url: string): { url: string; password: string } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { url: u.toString(), password };
}

/** What the pooler's other clients see: the session default, from a transaction of a plain client. */
async function otherClientsDefault(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = (await client.query<{ ro: string }>("SELECT current_setting('default_transaction_read_only') AS ro"))
      .rows;
    await client.query('INSERT INTO t VALUES (1)');
    await client.query('DELETE FROM t');
    return rows[0]!.ro;
  } finally {
    await client.end();
  }
}

async function rejection(promise: Promise<unknown>): Promise<OpsError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpsError);
  return error as OpsError;
}

beforeAll(async () => {
  db = await createTestDatabase('connpool');
  await runSql(db.url, 'CREATE TABLE t (id int)');
  // One server session each, so whatever a profile's connection did to a session is what the next client gets.
  refusing = await startBouncer(db.url, { poolSize: 1, ignoreOptions: false });
  dropping = await startBouncer(db.url, { poolSize: 1, ignoreOptions: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-conn-pooler-'));
  store = new AppStore({ file: path.join(dir, 'ops-console.db') });
  profiles = new ProfileStore({ db: store.database, secrets: new NoSecretStore(), logger });
  manager = new ConnectionManager({
    profiles,
    logger,
    env: { PGPASSWORD: withoutPassword(db.url).password },
  });
});

afterAll(async () => {
  await manager?.closeAll();
  store?.close();
  await refusing?.stop();
  await dropping?.stop();
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a profile through PgBouncer in transaction mode', () => {
  it('read-only, through a pooler that refuses start-up options: the connection fails, saying why', async () => {
    const p = profiles.save({
      name: 'ro-refused',
      url: withoutPassword(refusing.transactionUrl).url,
      sslMode: 'disable',
      readOnly: true,
    });
    const error = await rejection(manager.connect({ profileId: p.id }));
    expect(error.kind).toBe('connection_failed');
    expect(error.message).toContain('refused a start-up parameter: unsupported startup parameter: options');
    expect(error.hint).toContain('Connect to the database directly, not through the pooler');
    expect(await otherClientsDefault(refusing.transactionUrl)).toBe('off');
  });

  it('read-only, through a pooler that drops start-up options: refused before any query, and nothing reaches the pooled session', async () => {
    const p = profiles.save({
      name: 'ro-dropped',
      url: withoutPassword(dropping.transactionUrl).url,
      sslMode: 'disable',
      readOnly: true,
    });
    const ran = vi.fn();
    const error = await rejection(manager.withClient({ profileId: p.id }, async () => ran()));
    expect(ran).not.toHaveBeenCalled();
    expect(error.kind).toBe('conflict');
    expect(error.message).toMatch(
      /^The session on .+ does not have this connection's settings \(read-only\): something between ops-console and the server, such as a connection pooler, dropped them$/,
    );
    expect(error.hint).toContain('Connect to the database directly, not through a connection pooler');
    expect(await otherClientsDefault(dropping.transactionUrl)).toBe('off');
  });

  it('with a statement timeout, through a pooler that drops start-up options: refused the same way', async () => {
    const p = profiles.save({
      name: 'timeout-dropped',
      url: withoutPassword(dropping.transactionUrl).url,
      sslMode: 'disable',
      statementTimeoutMs: 1500,
    });
    const error = await rejection(manager.connect({ profileId: p.id }));
    expect(error.message).toContain("does not have this connection's settings (a statement timeout of 1500 ms)");
    const client = new pg.Client({ connectionString: dropping.transactionUrl });
    await client.connect();
    try {
      expect((await client.query("SELECT current_setting('statement_timeout') AS v")).rows[0].v).toBe('0');
    } finally {
      await client.end();
    }
  });

  it('without session settings: connects through the pooler and runs queries', async () => {
    const p = profiles.save({
      name: 'plain',
      url: withoutPassword(refusing.transactionUrl).url,
      sslMode: 'disable',
    });
    const status = await manager.connect({ profileId: p.id });
    expect(status.state).toBe('connected');
    const count = await manager.withClient({ profileId: p.id }, (client) =>
      client.query<{ n: number }>('SELECT count(*)::int AS n FROM t'),
    );
    expect(count.rows[0]).toEqual({ n: 0 });
  });

  it('a quick schema listing through the pooler fails the same clear way (its statement timeout is a start-up parameter)', async () => {
    const lister = new SchemaLister({ logger, connectTimeoutMs: 3000 });
    const error = await rejection(lister.listSchemas(refusing.transactionUrl));
    expect(error.kind).toBe('connection_failed');
    expect(error.message).toMatch(
      /refused a start-up parameter: unsupported startup parameter: (statement_timeout|options)/,
    );
    expect(error.hint).toContain("Neon's pooled endpoint");
    expect(await otherClientsDefault(refusing.transactionUrl)).toBe('off');
  });
});

describe("Neon's pooled endpoint refusing a start-up option", () => {
  it('gets the same hint (its wording of the error, as Neon documents it)', () => {
    const neon = Object.assign(
      new Error(
        'unsupported startup parameter in options: default_transaction_read_only. Please use unpooled connection or remove this parameter from the startup package.',
      ),
      { code: '08P01' },
    );
    const error = toOpsError(neon, 'postgres://app@ep-cool-darkness-123456-pooler.eu-central-1.aws.neon.tech/neondb');
    expect(error.kind).toBe('connection_failed');
    expect(error.message).toContain('refused a start-up parameter: unsupported startup parameter in options');
    expect(error.hint).toContain(
      'Connect to the database directly, not through the pooler (for Neon, the host without -pooler)',
    );
  });
});
