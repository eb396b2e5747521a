import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, runSql, type TestDatabase } from '../../../test/helpers/postgres';
import { CatalogReader } from './catalog-reader';
import { STACK_CATALOG_SQL } from './test-support';

describe('CatalogReader with helper connections', () => {
  let db: TestDatabase;
  const clients: pg.Client[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('catalog_par');
    await runSql(db.url, STACK_CATALOG_SQL);
    await runSql(db.url, 'ANALYZE');
    for (let i = 0; i < 3; i++) {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      clients.push(client);
    }
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end()));
    await db?.drop();
  });

  it('reads the same model in parallel as on one connection, and leaves no transaction open', async () => {
    const [lead, a, b] = clients as [pg.Client, pg.Client, pg.Client];
    const reader = new CatalogReader({ sizes: 'exact' });
    const alone = await reader.read(lead);
    const parallel = await reader.read(lead, [a, b]);
    const strip = (m: typeof alone) => ({ ...m, capturedAt: '', durationMs: 0 });
    expect(strip(parallel)).toEqual(strip(alone));
    expect(parallel.relations.length).toBeGreaterThan(5);
    for (const client of clients) {
      const state = await client.query<{ s: string }>(`SELECT txid_current_if_assigned() IS NULL AS s`);
      expect(state.rows[0]?.s).toBe(true);
    }
  });

  it('rolls helpers back and reports the error when a query fails', async () => {
    const [lead, a] = clients as [pg.Client, pg.Client];
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE ai.cache_entries IN ACCESS EXCLUSIVE MODE');
      await expect(new CatalogReader({ sizes: 'exact', lockTimeoutMs: 50 }).read(lead, [a])).rejects.toThrow(/lock/i);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    // Both connections are usable again.
    expect((await lead.query('SELECT 1 AS x')).rows[0]).toEqual({ x: 1 });
    expect((await a.query('SELECT 1 AS x')).rows[0]).toEqual({ x: 1 });
  });
});
