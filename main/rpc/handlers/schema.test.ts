import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogModel } from '../../../common/catalog';
import { createTestDatabase, runSql, type TestDatabase } from '../../../test/helpers/postgres';
import type { App } from '../../app';
import { createApp } from '../../app';
import { STACK_CATALOG_SQL } from '../../services/catalog/test-support';

describe('schema.model and schema.count through the router', () => {
  let db: TestDatabase;
  let dir: string;
  let app: App;
  const call = (name: string, input: unknown) => app.router.call(name, input, { transport: 'cli' });

  beforeAll(async () => {
    db = await createTestDatabase('schema_rpc');
    await runSql(db.url, STACK_CATALOG_SQL);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-schema-rpc-'));
    app = createApp({ dataDir: dir, version: 'test', transport: 'cli' });
  });
  afterAll(async () => {
    await app?.shutdown();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('returns the catalog model of the connection and logs how long it took and what it found', async () => {
    const result = await call('schema.model', { connection: { url: db.url } });
    if (!result.ok) throw new Error(result.error.message);
    const model = result.value as CatalogModel;
    expect(model.database).toBe(db.name);
    expect(model.relations.map((r) => r.name)).toContain('BusinessSubscription');
    const log = fs.readFileSync(path.join(dir, 'logs', 'ops-console.log'), 'utf8');
    expect(log).toMatch(
      /\(catalog\) read the catalog of .* in \d+ ms \(queries \d+ ms\): 4 schemas, 14 relations, \d+ columns/,
    );
    expect(log).not.toContain(new URL(db.url).password);
  });

  it('counts rows exactly on demand', async () => {
    const result = await call('schema.count', { connection: { url: db.url }, schema: 'public', table: 'User' });
    expect(result).toEqual({ ok: true, value: { count: '500' } });
    const log = fs.readFileSync(path.join(dir, 'logs', 'ops-console.log'), 'utf8');
    expect(log).toMatch(/counted 500 rows of public\."User" on .* in \d+ ms/);
  });

  it('reads exact sizes of one table on demand, and the whole model with exact sizes when asked', async () => {
    const result = await call('schema.sizes', { connection: { url: db.url }, schema: 'public', table: 'User' });
    if (!result.ok) throw new Error(result.error.message);
    const sizes = result.value as { totalBytes: number; indexes: Array<{ name: string; sizeBytes: number }> };
    expect(sizes.totalBytes).toBeGreaterThan(0);
    expect(sizes.indexes.map((i) => i.name)).toContain('User_pkey');
    const log = fs.readFileSync(path.join(dir, 'logs', 'ops-console.log'), 'utf8');
    expect(log).toMatch(/read the exact sizes of public\."User" on .*: \d+ bytes/);
    const exact = await call('schema.model', { connection: { url: db.url }, exactSizes: true });
    if (!exact.ok) throw new Error(exact.error.message);
    const user = (exact.value as CatalogModel).relations.find((r) => r.schema === 'public' && r.name === 'User');
    expect((exact.value as CatalogModel).sizesEstimated).toBeUndefined();
    expect(user?.sizes.totalBytes).toBe(sizes.totalBytes);
    const missing = await call('schema.sizes', { connection: { url: db.url }, schema: 'public', table: 'nope' });
    expect(missing).toMatchObject({ ok: false, error: { kind: 'not_found' } });
    const bad = await call('schema.model', { connection: { url: db.url }, exactSizes: 'yes' });
    expect(bad).toMatchObject({ ok: false, error: { kind: 'invalid_input' } });
  });

  it('maps a missing table to not_found and bad input to invalid_input', async () => {
    const missing = await call('schema.count', { connection: { url: db.url }, schema: 'public', table: 'nope' });
    expect(missing).toMatchObject({ ok: false, error: { kind: 'not_found', hint: expect.any(String) } });
    const bad = await call('schema.count', { connection: { url: db.url }, schema: '', table: 'User' });
    expect(bad).toMatchObject({ ok: false, error: { kind: 'invalid_input' } });
  });
});
