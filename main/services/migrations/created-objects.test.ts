import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres';
import { createdObjects, describeObject, type CreatedObject } from './created-objects';
import { splitSql } from './split';

const described = (sql: string) => createdObjects(sql)?.map(describeObject) ?? null;

describe('createdObjects', () => {
  it.each<[string, CreatedObject[]]>([
    ['CREATE SCHEMA ai', [{ kind: 'schema', schema: null, name: 'ai' }]],
    ['create schema if not exists "AI"', [{ kind: 'schema', schema: null, name: 'AI' }]],
    ['CREATE SCHEMA reports AUTHORIZATION app', [{ kind: 'schema', schema: null, name: 'reports' }]],
    ['CREATE SCHEMA AUTHORIZATION app_owner', [{ kind: 'schema', schema: null, name: 'app_owner' }]],
    ['CREATE EXTENSION pgcrypto', [{ kind: 'extension', schema: null, name: 'pgcrypto' }]],
    [
      'CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA ext VERSION \'1.1\' CASCADE',
      [{ kind: 'extension', schema: 'ext', name: 'uuid-ossp' }],
    ],
    ['CREATE EXTENSION vector VERSION "0.7" SCHEMA public', [{ kind: 'extension', schema: 'public', name: 'vector' }]],
    ['CREATE TABLE ai.cache_entries (id bigserial)', [{ kind: 'table', schema: 'ai', name: 'cache_entries' }]],
    ['CREATE TABLE IF NOT EXISTS Events(id int)', [{ kind: 'table', schema: null, name: 'events' }]],
    ['CREATE UNLOGGED TABLE "Ai"."Cache" (k text)', [{ kind: 'table', schema: 'Ai', name: 'Cache' }]],
    ['CREATE TABLE db.ai.t (a int)', [{ kind: 'table', schema: 'ai', name: 't' }]],
    ['CREATE TABLE ai . t (a int)', [{ kind: 'table', schema: 'ai', name: 't' }]],
    ['CREATE TABLE ai.t2 PARTITION OF ai.t FOR VALUES IN (1)', [{ kind: 'table', schema: 'ai', name: 't2' }]],
    ['CREATE TABLE t_copy AS SELECT * FROM t', [{ kind: 'table', schema: null, name: 't_copy' }]],
    ['CREATE FOREIGN TABLE remote.t (a int) SERVER s', [{ kind: 'table', schema: 'remote', name: 't' }]],
    ['CREATE VIEW analytics.v AS SELECT 1', [{ kind: 'view', schema: 'analytics', name: 'v' }]],
    ['CREATE OR REPLACE RECURSIVE VIEW v2 (n) AS SELECT 1', [{ kind: 'view', schema: null, name: 'v2' }]],
    [
      'CREATE MATERIALIZED VIEW IF NOT EXISTS analytics.daily AS SELECT 1',
      [{ kind: 'materialized view', schema: 'analytics', name: 'daily' }],
    ],
    ['CREATE INDEX idx_x ON ai.cache_entries (cache_key)', [{ kind: 'index', schema: 'ai', name: 'idx_x' }]],
    [
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "Idx_Key" ON ONLY "Ai".t USING btree (k)',
      [{ kind: 'index', schema: 'Ai', name: 'Idx_Key' }],
    ],
    ['CREATE INDEX i2 ON t (a)', [{ kind: 'index', schema: null, name: 'i2' }]],
    ['CREATE INDEX ON ai.t (a)', []],
    ['CREATE UNIQUE INDEX CONCURRENTLY ON ai.t (a)', []],
    ['CREATE SEQUENCE IF NOT EXISTS ai.seq START 10', [{ kind: 'sequence', schema: 'ai', name: 'seq' }]],
    ['CREATE UNLOGGED SEQUENCE s2', [{ kind: 'sequence', schema: null, name: 's2' }]],
    [
      'CREATE OR REPLACE FUNCTION ai.touch_updated_at() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql',
      [{ kind: 'function', schema: 'ai', name: 'touch_updated_at' }],
    ],
    ['CREATE FUNCTION "Score"(x int) RETURNS int RETURN x', [{ kind: 'function', schema: null, name: 'Score' }]],
    [
      'CREATE PROCEDURE ops.refresh() LANGUAGE sql BEGIN ATOMIC SELECT 1; END',
      [{ kind: 'procedure', schema: 'ops', name: 'refresh' }],
    ],
    [
      'CREATE TRIGGER trg BEFORE UPDATE ON ai.memory_facts FOR EACH ROW EXECUTE FUNCTION ai.touch()',
      [{ kind: 'trigger', schema: 'ai', name: 'trg', table: { schema: 'ai', name: 'memory_facts' } }],
    ],
    [
      'CREATE OR REPLACE CONSTRAINT TRIGGER "Check" AFTER INSERT OR UPDATE OF a, "on" OR DELETE ON t DEFERRABLE FOR EACH ROW EXECUTE FUNCTION f()',
      [{ kind: 'trigger', schema: null, name: 'Check', table: { schema: null, name: 't' } }],
    ],
    [
      'CREATE TRIGGER v_ins INSTEAD OF INSERT ON reports.v FOR EACH ROW EXECUTE FUNCTION f()',
      [{ kind: 'trigger', schema: 'reports', name: 'v_ins', table: { schema: 'reports', name: 'v' } }],
    ],
    ["CREATE TYPE ai.mood AS ENUM ('sad', 'ok')", [{ kind: 'type', schema: 'ai', name: 'mood' }]],
    ['CREATE TYPE shell', [{ kind: 'type', schema: null, name: 'shell' }]],
  ])('reads %s', (sql, expected) => {
    expect(createdObjects(sql)).toEqual(expected);
  });

  it('skips leading comments and reads across line breaks and comments between tokens', () => {
    expect(createdObjects('-- the cache\n/* v2 */ CREATE\n  TABLE /* here */ ai.\n"Cache" (id int)')).toEqual([
      { kind: 'table', schema: 'ai', name: 'Cache' },
    ]);
  });

  it('folds only ASCII letters of unquoted names, as PostgreSQL does', () => {
    expect(createdObjects('CREATE TABLE ÉTÉ_Stats (a int)')).toEqual([
      { kind: 'table', schema: null, name: 'ÉtÉ_stats' },
    ]);
    expect(createdObjects('CREATE TABLE a$B (x int)')).toEqual([{ kind: 'table', schema: null, name: 'a$b' }]);
  });

  it('unescapes doubled quotes and Unicode escapes in quoted names', () => {
    expect(createdObjects('CREATE TABLE "say ""hi""" (a int)')?.[0]?.name).toBe('say "hi"');
    expect(createdObjects('CREATE TABLE U&"d\\0061t\\+000061" (a int)')?.[0]?.name).toBe('data');
    expect(createdObjects('CREATE TABLE U&"d!0061t!!" UESCAPE \'!\' (a int)')?.[0]?.name).toBe('dat!');
    expect(createdObjects('CREATE TABLE U&"\\D83D\\DE00" (a int)')?.[0]?.name).toBe('😀');
    // A malformed escape: the name cannot be read.
    expect(createdObjects('CREATE TABLE U&"\\12" (a int)')).toBeNull();
  });

  it.each([
    'GRANT USAGE ON SCHEMA ai TO app',
    'ALTER TABLE ai.t ADD COLUMN b int',
    "COMMENT ON TABLE ai.t IS 'x'",
    'INSERT INTO ai.t VALUES (1)',
    'DO $$ BEGIN CREATE TABLE x (a int); END $$',
    'SET search_path = ai, public',
    'DROP TABLE ai.t',
    'CREATE ROLE app',
    'CREATE POLICY p ON ai.t USING (true)',
    'CREATE DOMAIN ai.email AS text',
    'CREATE TEMP TABLE scratch (a int)',
    'CREATE GLOBAL TEMPORARY TABLE scratch (a int)',
    'CREATE TEMPORARY VIEW v AS SELECT 1',
    'CREATE OR REPLACE TEMP VIEW v AS SELECT 1',
    'CREATE TABLE pg_temp.scratch (a int)',
    'SELECT 1',
    '',
    '-- only a comment',
    "CREATE TABLE 'oops",
  ])('answers null for %j', (sql) => {
    expect(createdObjects(sql)).toBeNull();
  });

  it('answers [] for a schema named after the current role: its name is not in the text', () => {
    expect(createdObjects('CREATE SCHEMA IF NOT EXISTS AUTHORIZATION CURRENT_USER')).toEqual([]);
    expect(createdObjects('CREATE SCHEMA AUTHORIZATION "current_user"')).toEqual([
      { kind: 'schema', schema: null, name: 'current_user' },
    ]);
  });
});

describe('describeObject', () => {
  it.each([
    ['CREATE TABLE ai.cache_entries (id int)', 'table ai.cache_entries'],
    ['CREATE INDEX idx_x ON ai.t (a)', 'index ai.idx_x'],
    ['CREATE SCHEMA ai', 'schema ai'],
    ['CREATE EXTENSION pgcrypto WITH SCHEMA ext', 'extension pgcrypto'],
    ['CREATE EXTENSION "uuid-ossp"', 'extension "uuid-ossp"'],
    [
      'CREATE TRIGGER trg AFTER INSERT ON ai.memory_facts FOR EACH ROW EXECUTE FUNCTION f()',
      'trigger trg on ai.memory_facts',
    ],
    ['CREATE MATERIALIZED VIEW "Reports"."Daily Totals" AS SELECT 1', 'materialized view "Reports"."Daily Totals"'],
    ['CREATE TABLE "user" (id int)', 'table "user"'],
    ['CREATE FUNCTION "a""b"() RETURNS int RETURN 1', 'function "a""b"'],
    ['CREATE PROCEDURE ops.p() BEGIN ATOMIC SELECT 1; END', 'procedure ops.p'],
    ["CREATE TYPE ai.mood AS ENUM ('ok')", 'type ai.mood'],
    ['CREATE SEQUENCE s', 'sequence s'],
  ])('describes %s as %s', (sql, description) => {
    expect(described(sql)).toEqual([description]);
  });

  it('describes a trigger without its table by name only', () => {
    expect(describeObject({ kind: 'trigger', schema: null, name: 'T' })).toBe('trigger "T"');
  });
});

// The names read from the text are the names PostgreSQL stores: create the
// objects on a real server and look each one up in the catalog by those names.
describe('createdObjects against PostgreSQL', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('created_objects');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  const script = `
    CREATE SCHEMA IF NOT EXISTS "Ai";
    CREATE SCHEMA Reports;
    CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
    CREATE TABLE "Ai".Cache_Entries (id bigserial PRIMARY KEY, "Key" text, ÉTÉ int);
    CREATE UNLOGGED TABLE reports."Daily ""Totals""" (d date);
    CREATE TABLE U&"d\\0061ta" (x int);
    CREATE VIEW Reports.Recent AS SELECT * FROM "Ai".cache_entries;
    CREATE MATERIALIZED VIEW reports.mv AS SELECT 1 AS one;
    CREATE UNIQUE INDEX IF NOT EXISTS Idx_Key ON ONLY "Ai".cache_entries ("Key");
    CREATE INDEX ON "Ai".cache_entries (ÉTÉ);
    CREATE SEQUENCE reports.Seq1;
    CREATE FUNCTION "Ai".Touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE PROCEDURE reports.refresh() LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;
    CREATE TRIGGER Trg_Touch BEFORE INSERT OR UPDATE OF "Key" ON "Ai".cache_entries
      FOR EACH ROW EXECUTE FUNCTION "Ai".touch();
    CREATE TYPE reports."Mood" AS ENUM ('ok');
    COMMENT ON SCHEMA reports IS 'not checkable';
  `;

  async function exists(o: CreatedObject): Promise<boolean> {
    const schema = o.schema ?? 'public';
    const queries: Record<CreatedObject['kind'], [string, unknown[]]> = {
      schema: ['SELECT 1 FROM pg_namespace WHERE nspname = $1', [o.name]],
      extension: ['SELECT 1 FROM pg_extension WHERE extname = $1', [o.name]],
      table: [
        `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
        [schema, o.name],
      ],
      view: [
        `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'v'`,
        [schema, o.name],
      ],
      'materialized view': [
        `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'm'`,
        [schema, o.name],
      ],
      index: [
        `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'i'`,
        [schema, o.name],
      ],
      sequence: [
        `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'S'`,
        [schema, o.name],
      ],
      function: [
        `SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = $2 AND p.prokind = 'f'`,
        [schema, o.name],
      ],
      procedure: [
        `SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = $2 AND p.prokind = 'p'`,
        [schema, o.name],
      ],
      trigger: [
        `SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE t.tgname = $1 AND c.relname = $2 AND n.nspname = $3`,
        [o.name, o.table?.name, o.table?.schema ?? 'public'],
      ],
      type: [
        'SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = $2',
        [schema, o.name],
      ],
    };
    const [sql, params] = queries[o.kind];
    return (await client.query(sql, params)).rowCount === 1;
  }

  it('finds every object it reads in the catalog after running the statements', async () => {
    const statements = splitSql(script);
    const objects: CreatedObject[] = [];
    const unverifiable: string[] = [];
    for (const statement of statements) {
      await client.query(statement.text);
      const created = createdObjects(statement.text);
      if (created === null) unverifiable.push(statement.text);
      else objects.push(...created);
    }
    expect(unverifiable).toEqual(["COMMENT ON SCHEMA reports IS 'not checkable'"]);
    expect(objects.map(describeObject)).toEqual([
      'schema "Ai"',
      'schema reports',
      'extension pgcrypto',
      'table "Ai".cache_entries',
      'table reports."Daily ""Totals"""',
      'table data',
      'view reports.recent',
      'materialized view reports.mv',
      'index "Ai".idx_key',
      'sequence reports.seq1',
      'function "Ai".touch',
      'procedure reports.refresh',
      'trigger trg_touch on "Ai".cache_entries',
      'type reports."Mood"',
    ]);
    const missing: string[] = [];
    for (const o of objects) if (!(await exists(o))) missing.push(describeObject(o));
    expect(missing).toEqual([]);
    // The lookups can fail: a name the server does not hold is reported missing.
    expect(await exists({ kind: 'table', schema: 'Ai', name: 'Cache_Entries' })).toBe(false);
  });
});
