import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallInput, CallName, CallOutput } from '../../../common/contract';
import type { ExplainNode } from '../../../common/data';
import { RemoteError } from '../../../common/errors';
import type { ConnectionRef } from '../../../common/profiles';
import { createTestDatabase, runSql, type TestDatabase } from '../../../test/helpers/postgres';
import type { App } from '../../app';
import { createApp } from '../../app';

function flatten(node: ExplainNode): ExplainNode[] {
  return [node, ...node.children.flatMap(flatten)];
}

describe('sql.explain against a real PostgreSQL', () => {
  let db: TestDatabase;
  let app: App;
  let dir: string;
  let direct: pg.Client;
  let writable: ConnectionRef;
  let readOnly: ConnectionRef;

  async function call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
    const result = await app.router.call(name, input, { transport: 'cli' });
    if (!result.ok) throw new RemoteError(result.error);
    return result.value as CallOutput<N>;
  }

  async function count(): Promise<number> {
    const r = await direct.query<{ n: string }>('SELECT count(*) AS n FROM orders');
    return Number(r.rows[0]?.n);
  }

  beforeAll(async () => {
    db = await createTestDatabase('explain');
    await runSql(
      db.url,
      `CREATE TABLE customers (id int PRIMARY KEY, name text);
       CREATE TABLE orders (id int PRIMARY KEY, customer int REFERENCES customers, total numeric);
       INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 100) g;
       INSERT INTO orders SELECT g, 1 + g % 100, g * 1.5 FROM generate_series(1, 1000) g;
       ANALYZE;`,
    );
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-explain-'));
    app = createApp({
      dataDir: dir,
      version: 'test',
      transport: 'cli',
      env: { PGPASSWORD: decodeURIComponent(new URL(db.url).password) },
    });
    const plain = new URL(db.url);
    plain.searchParams.set('sslmode', 'disable');
    writable = { url: plain.toString() };
    const u = new URL(db.url);
    u.password = '';
    u.searchParams.set('sslmode', 'disable');
    const profile = await call('profiles.save', { name: 'ro', url: u.toString(), readOnly: true });
    readOnly = { profileId: profile.id };
    direct = new pg.Client({ connectionString: db.url });
    await direct.connect();
  });

  afterAll(async () => {
    await direct?.end();
    await app?.shutdown();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('returns the plan as a tree, without ANALYZE by default', async () => {
    const result = await call('sql.explain', {
      connection: writable,
      sql: 'SELECT c.name, sum(o.total) FROM orders o JOIN customers c ON c.id = o.customer GROUP BY c.name',
    });
    expect(result.analyzed).toBe(false);
    expect(result.planningTimeMs).toBeNull();
    expect(result.executionTimeMs).toBeNull();
    const nodes = flatten(result.plan);
    expect(nodes.length).toBeGreaterThan(2);
    expect(nodes.map((n) => n.relation)).toEqual(expect.arrayContaining(['orders', 'customers']));
    for (const node of nodes) {
      expect(node.actualRows).toBeNull();
      expect(node.actualTimeMs).toBeNull();
      expect(node.totalCost).toBeGreaterThanOrEqual(node.startupCost);
    }
    expect(result.plan.details).not.toHaveProperty('Node Type');
    expect(Array.isArray(result.raw)).toBe(true);
  });

  it('with ANALYZE runs a DELETE for real but rolls it back', async () => {
    const result = await call('sql.explain', {
      connection: writable,
      sql: 'DELETE FROM orders WHERE id <= 500',
      analyze: true,
    });
    expect(result.analyzed).toBe(true);
    expect(result.executionTimeMs).not.toBeNull();
    expect(result.plan.nodeType).toBe('ModifyTable');
    expect(result.plan.details.Operation).toBe('Delete');
    const scan = flatten(result.plan).find((n) => n.relation === 'orders' && n !== result.plan);
    expect(scan?.actualRows).toBe(500);
    expect(scan?.actualTimeMs).not.toBeNull();
    expect(await count()).toBe(1000);
  });

  it('refuses ANALYZE of a write on a read-only profile', async () => {
    await expect(
      call('sql.explain', { connection: readOnly, sql: 'DELETE FROM orders', analyze: true }),
    ).rejects.toMatchObject({ kind: 'database_error', message: expect.stringMatching(/read-only transaction/) });
    expect(await count()).toBe(1000);
  });

  it('explains one statement only, so nothing can ride along after the EXPLAIN', async () => {
    await expect(
      call('sql.explain', { connection: writable, sql: 'SELECT 1; DELETE FROM orders' }),
    ).rejects.toMatchObject({ kind: 'invalid_input', message: 'EXPLAIN takes one statement' });
    expect(await count()).toBe(1000);
  });

  it('cancels an EXPLAIN ANALYZE by its run id', async () => {
    const runId = 'explain-run';
    const running = call('sql.explain', {
      connection: writable,
      sql: 'SELECT pg_sleep(30)',
      analyze: true,
      runId,
    }).then(
      () => null,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expect(call('sql.cancel', { runId })).resolves.toEqual({ cancelled: true });
    // pg_sleep(30) ends with this error only when it was cancelled (no timing assertion on a shared machine).
    expect(await running).toMatchObject({ kind: 'database_error', message: 'Query cancelled' });
  });

  it('points an error position into the user’s text, not the EXPLAIN prefix', async () => {
    const sql = 'SELECT * FROM nope';
    const error = (await call('sql.explain', { connection: writable, sql }).catch((e: unknown) => e)) as RemoteError;
    expect(error).toMatchObject({ kind: 'database_error', message: 'relation "nope" does not exist' });
    expect(sql.slice((error.position ?? 0) - 1)).toBe('nope');
  });
});
