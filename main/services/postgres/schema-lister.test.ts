import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpsError } from '../../../common/errors';
import { createTestDatabase, runSql, STACK_SCHEMAS_SQL, type TestDatabase } from '../../../test/helpers/postgres';
import type { Logger } from '../logging/log-service';
import { SchemaLister } from './schema-lister';

const lines: string[] = [];
const logger: Logger = {
  error: (...p) => lines.push(p.join(' ')),
  warn: (...p) => lines.push(p.join(' ')),
  info: (...p) => lines.push(p.join(' ')),
  debug: (...p) => lines.push(p.join(' ')),
};

describe('SchemaLister against a real PostgreSQL', () => {
  let db: TestDatabase;
  const lister = new SchemaLister({ logger, connectTimeoutMs: 3000 });

  beforeAll(async () => {
    db = await createTestDatabase('schemas');
    await runSql(db.url, STACK_SCHEMAS_SQL);
  });
  afterAll(async () => db?.drop());

  it('lists the stack schemas with owners, comments and relation counts', async () => {
    const listing = await lister.listSchemas(db.url);
    const names = listing.schemas.map((s) => s.name);
    expect(names).toEqual(['ai', 'analytics', 'blockchain', 'public']);
    const analytics = listing.schemas.find((s) => s.name === 'analytics');
    expect(analytics).toMatchObject({ comment: 'metrics and events', relationCount: 2, isSystem: false });
    expect(listing.schemas.find((s) => s.name === 'ai')?.relationCount).toBe(1);
    expect(listing.database).toBe(db.name);
    expect(listing.serverVersion).toMatch(/^\d+/);
  });

  it('never returns the password in the target it reports', async () => {
    const listing = await lister.listSchemas(db.url);
    const password = new URL(db.url).password;
    expect(password.length).toBeGreaterThan(0);
    expect(listing.target).not.toContain(password);
    expect(listing.target).toContain('***');
  });

  it('includes system schemas only when asked', async () => {
    const listing = await lister.listSchemas(db.url, { includeSystem: true });
    expect(listing.schemas.map((s) => s.name)).toEqual(expect.arrayContaining(['pg_catalog', 'information_schema']));
    expect(listing.schemas.filter((s) => s.isSystem).length).toBeGreaterThan(0);
  });

  it('reports a wrong password as auth_failed with a hint and without the password', async () => {
    const u = new URL(db.url);
    u.password = 'definitely-wrong-pw';
    const error = await lister.listSchemas(u.toString()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpsError);
    expect((error as OpsError).kind).toBe('auth_failed');
    expect((error as OpsError).hint).toMatch(/password/i);
    expect(JSON.stringify({ m: (error as OpsError).message, h: (error as OpsError).hint })).not.toContain(
      'definitely-wrong-pw',
    );
  });

  it('reports a missing database as not_found', async () => {
    const u = new URL(db.url);
    u.pathname = '/no_such_db_here';
    await expect(lister.listSchemas(u.toString())).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('refuses an unparseable URL as invalid_input without echoing it', async () => {
    const error = await lister.listSchemas('postgres://user:pw-9z@[not-a-host/db').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'invalid_input', hint: expect.stringMatching(/percent-encode/) });
    expect((error as Error).message).not.toContain('pw-9z');
  });

  it('reports a closed port as connection_failed', async () => {
    await expect(lister.listSchemas('postgres://u:p@127.0.0.1:1/x')).rejects.toMatchObject({
      kind: 'connection_failed',
      hint: expect.stringMatching(/running/),
    });
  });
});
