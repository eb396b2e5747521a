import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OpsError } from '../../../common/errors';
import { createTestDatabase, runSql, type TestDatabase } from '../../../test/helpers/postgres';
import { CatalogReader } from './catalog-reader';
import { databaseDdl } from './ddl';
import { quoteIdent, quoteQualified } from './quote';
import { findRelation, memoryLogger } from './test-support';

function tablesSql(schema: string, from: number, to: number): string {
  const statements: string[] = [];
  for (let i = from; i < to; i++) {
    const name = quoteQualified(schema, `t_${i}`);
    statements.push(
      `CREATE TABLE ${name} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, parent bigint REFERENCES ${name} (id),
         doc jsonb, tags text[]);
       CREATE INDEX ${quoteIdent(`t_${i}_doc`)} ON ${name} USING gin (doc);
       COMMENT ON TABLE ${name} IS 'table ${i}';`,
    );
  }
  return statements.join('\n');
}

describe('catalog reads stay set-based', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('catalog_count');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  async function countQueries(): Promise<{ calls: number; relations: number }> {
    const spy = vi.spyOn(client, 'query');
    try {
      const model = await new CatalogReader().read(client);
      return { calls: spy.mock.calls.length, relations: model.relations.length };
    } finally {
      spy.mockRestore();
    }
  }

  it('runs the same few round trips for 5 tables as for 50', async () => {
    await runSql(db.url, `CREATE SCHEMA app; ${tablesSql('app', 0, 5)}`);
    const five = await countQueries();
    await runSql(db.url, tablesSql('app', 5, 50));
    const fifty = await countQueries();
    expect(five.relations).toBe(5);
    expect(fifty.relations).toBe(50);
    expect(fifty.calls).toBe(five.calls);
    expect(five.calls).toBeLessThanOrEqual(3);
  });

  it('rolls back and reports the error when a catalog query fails, leaving the client usable', async () => {
    const quick = new CatalogReader({ lockTimeoutMs: 1 });
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      // An ACCESS EXCLUSIVE lock makes the exact-size functions wait, and the 1 ms lock timeout fails the read.
      await locker.query('BEGIN; LOCK TABLE app.t_0 IN ACCESS EXCLUSIVE MODE');
      const exact = new CatalogReader({ lockTimeoutMs: 1, sizes: 'exact' });
      await expect(exact.read(client)).rejects.toThrow(/lock timeout/);
      await locker.query('ROLLBACK');
      const status = await client.query<{ ok: number }>('SELECT 1 AS ok');
      expect(status.rows).toEqual([{ ok: 1 }]);
      expect((await quick.read(client)).relations.length).toBe(50);
    } finally {
      await locker.end();
    }
  });
});

describe('server version', () => {
  it('refuses a server older than 13 before running any catalog query, and rolls back', async () => {
    // No PostgreSQL 12 runs here, so a stand-in answers the first round trip as one would.
    const sent: string[] = [];
    const info = { version_num: 120_017, version: '12.17', database: 'old', lock_slots: 6400, relation_opens: 10 };
    const oldServer = {
      query: async (query: string | { text: string }) => {
        const sql = typeof query === 'string' ? query : query.text;
        sent.push(sql);
        return sql.includes('BEGIN')
          ? [{ rows: [] }, { rows: [] }, { rows: [] }, { rows: [] }, { rows: [info] }]
          : { rows: [] };
      },
    } as unknown as pg.ClientBase;
    await expect(new CatalogReader().read(oldServer)).rejects.toMatchObject({
      kind: 'unavailable',
      message: 'The schema browser needs PostgreSQL 13 or newer; this is 12.17',
    });
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe('ROLLBACK');
  });
});

describe('exact counts and hostile names', () => {
  let db: TestDatabase;
  let client: pg.Client;
  const hostileTable = 'x"; DROP TABLE ai.t; --';
  const hostileSchema = `weird"; DROP TABLE ai.t; --`;

  beforeAll(async () => {
    db = await createTestDatabase('catalog_names');
    await runSql(
      db.url,
      `CREATE SCHEMA ai;
       CREATE TABLE ai.t (id int PRIMARY KEY);
       INSERT INTO ai.t SELECT generate_series(1, 7);
       CREATE TABLE ai.${quoteIdent(hostileTable)} (${quoteIdent('Col"umn')} int);
       INSERT INTO ai.${quoteIdent(hostileTable)} VALUES (1), (2), (3);
       CREATE SCHEMA ${quoteIdent(hostileSchema)};
       CREATE TABLE ${quoteQualified(hostileSchema, 'select')} (id int);
       INSERT INTO ${quoteQualified(hostileSchema, 'select')} VALUES (1);
       CREATE INDEX ${quoteIdent("i'dx")} ON ai.${quoteIdent(hostileTable)} (${quoteIdent('Col"umn')});
       COMMENT ON TABLE ai.${quoteIdent(hostileTable)} IS 'it''s \\ odd';`,
    );
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('counts the real object named like an injection, and nothing else happens', async () => {
    const reader = new CatalogReader();
    expect(await reader.exactCount(client, 'ai', hostileTable)).toBe('3');
    expect(await reader.exactCount(client, hostileSchema, 'select')).toBe('1');
    expect(await reader.exactCount(client, 'ai', 't')).toBe('7');
  });

  it('refuses names that are not a table, without running them', async () => {
    const reader = new CatalogReader();
    const error = await reader.exactCount(client, 'ai', 't; DROP TABLE ai.t').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpsError);
    expect(error).toMatchObject({ kind: 'not_found' });
    await expect(reader.exactCount(client, 'ai', 't_pkey')).rejects.toMatchObject({ kind: 'invalid_input' });
    expect(await reader.exactCount(client, 'ai', 't')).toBe('7');
  });

  it('keeps hostile names intact in the model and quoted in DDL that replays', async () => {
    const logger = memoryLogger();
    const detailed = await new CatalogReader({ logger }).readDetailed(client);
    const table = findRelation(detailed.model, 'ai', hostileTable);
    expect(table.columns[0]?.name).toBe('Col"umn');
    expect(table.indexes[0]?.columns).toEqual(['Col"umn']);
    expect(table.comment).toBe("it's \\ odd");
    expect(table.ddl).toContain('CREATE TABLE ai."x""; DROP TABLE ai.t; --" (\n    "Col""umn" integer\n);');
    expect(table.ddl).toContain(`COMMENT ON TABLE ai."x""; DROP TABLE ai.t; --" IS E'it''s \\\\ odd';`);
    expect(findRelation(detailed.model, hostileSchema, 'select').ddl).toContain(
      'CREATE TABLE "weird""; DROP TABLE ai.t; --"."select" (',
    );
    const copy = await createTestDatabase('catalog_names_copy');
    try {
      await runSql(copy.url, databaseDdl(detailed.plan));
      const other = new pg.Client({ connectionString: copy.url });
      await other.connect();
      try {
        const replayed = await new CatalogReader().read(other);
        expect(replayed.relations.map((r) => [r.schema, r.name])).toEqual(
          detailed.model.relations.map((r) => [r.schema, r.name]),
        );
        expect(findRelation(replayed, 'ai', hostileTable).comment).toBe("it's \\ odd");
      } finally {
        await other.end();
      }
    } finally {
      await copy.drop();
    }
  });
});
