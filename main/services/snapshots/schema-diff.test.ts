import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogModel } from '../../../common/catalog';
import { createTestDatabase, runSql, type TestDatabase } from '../../../test/helpers/postgres';
import { CatalogReader } from '../catalog/catalog-reader';
import { STACK_CATALOG_SQL } from '../catalog/test-support';
import { argumentTypes, compareCodePoints, diffCatalogs } from './schema-diff';

async function readModel(url: string): Promise<CatalogModel> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await new CatalogReader({ sizes: 'estimated' }).read(client);
  } finally {
    await client.end();
  }
}

const BEFORE_SQL = `
  CREATE SCHEMA app;
  CREATE TYPE app.mood AS ENUM ('happy', 'sad');
  CREATE TABLE app.users (id bigint PRIMARY KEY, email text NOT NULL, status text DEFAULT 'new', mood app.mood);
  CREATE TABLE app.orders (
    id bigint PRIMARY KEY,
    user_id bigint CONSTRAINT orders_user_fk REFERENCES app.users (id) ON DELETE NO ACTION,
    total numeric(12,2) CHECK (total >= 0)
  );
  CREATE INDEX orders_total_idx ON app.orders (total);
  CREATE TABLE app.legacy (id integer PRIMARY KEY, note text UNIQUE);
  CREATE INDEX legacy_note_lower_idx ON app.legacy (lower(note));
  CREATE FUNCTION app.score(p_user bigint) RETURNS integer LANGUAGE sql AS 'SELECT 1';
  CREATE FUNCTION app.score(p_user bigint, p_bonus integer) RETURNS integer LANGUAGE sql AS 'SELECT 2';
  CREATE VIEW app.big_orders AS SELECT id, total FROM app.orders WHERE total > 100;
`;

const CHANGE_SQL = `
  ALTER TABLE app.users ADD COLUMN nickname text;
  DROP INDEX app.orders_total_idx;
  CREATE OR REPLACE FUNCTION app.score(p_user bigint) RETURNS integer LANGUAGE sql AS 'SELECT 42';
  CREATE OR REPLACE VIEW app.big_orders AS SELECT id, total FROM app.orders WHERE total > 1000;
  ALTER TABLE app.users ALTER COLUMN status SET DEFAULT 'active';
  ALTER TABLE app.orders DROP CONSTRAINT orders_user_fk,
    ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES app.users (id) ON DELETE CASCADE;
  ALTER TYPE app.mood ADD VALUE 'calm';
  DROP TABLE app.legacy;
`;

describe('diffCatalogs on one database read before and after DDL', () => {
  let db: TestDatabase;
  let before: CatalogModel;
  let after: CatalogModel;

  beforeAll(async () => {
    db = await createTestDatabase('schemadiff');
    await runSql(db.url, BEFORE_SQL);
    before = await readModel(db.url);
    await runSql(db.url, CHANGE_SQL);
    after = await readModel(db.url);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('reports each change once, with before and after', () => {
    const diff = diffCatalogs(before, after);
    expect(diff.added).toEqual([{ kind: 'column', name: 'app.users.nickname' }]);
    // The dropped table is one removal: not its columns, key, unique constraint or indexes.
    expect(diff.removed).toEqual([
      { kind: 'table', name: 'app.legacy' },
      { kind: 'index', name: 'app.orders_total_idx' },
    ]);
    expect(diff.changed).toEqual([
      {
        kind: 'view',
        name: 'app.big_orders',
        changes: [
          {
            what: 'definition',
            before: expect.stringContaining('> (100)::numeric'),
            after: expect.stringContaining('> (1000)::numeric'),
          },
        ],
      },
      {
        kind: 'column',
        name: 'app.users.status',
        changes: [{ what: 'default', before: "'new'::text", after: "'active'::text" }],
      },
      {
        kind: 'foreign key',
        name: 'app.orders.orders_user_fk',
        changes: [
          { what: 'on delete', before: 'no_action', after: 'cascade' },
          {
            what: 'definition',
            before: 'FOREIGN KEY (user_id) REFERENCES app.users(id)',
            after: 'FOREIGN KEY (user_id) REFERENCES app.users(id) ON DELETE CASCADE',
          },
        ],
      },
      {
        kind: 'function',
        name: 'app.score(bigint)',
        changes: [
          {
            what: 'definition',
            before: expect.stringContaining('AS $function$SELECT 1$function$'),
            after: expect.stringContaining('AS $function$SELECT 42$function$'),
          },
        ],
      },
      { kind: 'enum', name: 'app.mood', changes: [{ what: 'label added', before: null, after: 'calm' }] },
    ]);
  });

  it('reports the reverse diff as the mirror image', () => {
    const forward = diffCatalogs(before, after);
    const backward = diffCatalogs(after, before);
    expect(backward.added).toEqual(forward.removed);
    expect(backward.removed).toEqual(forward.added);
    const swapped = forward.changed.map((c) => ({
      ...c,
      changes: c.changes.map((x) => ({
        what: x.what === 'label added' ? 'label removed' : x.what,
        before: x.after,
        after: x.before,
      })),
    }));
    expect(backward.changed).toEqual(swapped);
  });

  it('finds nothing between a model and itself', () => {
    expect(diffCatalogs(after, after)).toEqual({ added: [], removed: [], changed: [] });
  });
});

describe('diffCatalogs between two databases', () => {
  let a: TestDatabase;
  let b: TestDatabase;
  let left: CatalogModel;
  let right: CatalogModel;

  beforeAll(async () => {
    [a, b] = await Promise.all([createTestDatabase('schemadiff_a'), createTestDatabase('schemadiff_b')]);
    await Promise.all([runSql(a.url, STACK_CATALOG_SQL), runSql(b.url, STACK_CATALOG_SQL)]);
    // Different sizes, estimates and statistics on the two sides, which the diff must not see.
    await runSql(
      b.url,
      `INSERT INTO ai.cache_entries (cache_key) SELECT 'k' || g FROM generate_series(1, 500) g; ANALYZE;`,
    );
    [left, right] = await Promise.all([readModel(a.url), readModel(b.url)]);
  });
  afterAll(async () => {
    await Promise.all([a?.drop(), b?.drop()]);
  });

  it('finds nothing between two databases built from the same DDL (names, sizes and times aside)', () => {
    expect(left.database).not.toBe(right.database);
    expect(diffCatalogs(left, right)).toEqual({ added: [], removed: [], changed: [] });
  });

  it('reports a table that became a view as one changed relation, its overloads apart and its labels reordered', async () => {
    await runSql(
      b.url,
      `CREATE TABLE public.kv (k text PRIMARY KEY, v text);
       CREATE FUNCTION public.f(a integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a';
       CREATE FUNCTION public.f(a text) RETURNS text LANGUAGE sql AS 'SELECT a';
       CREATE TYPE public.level AS ENUM ('low', 'high', 'mid');`,
    );
    const mid = await readModel(b.url);
    await runSql(
      b.url,
      `DROP TABLE public.kv;
       CREATE VIEW public.kv AS SELECT 'a'::text AS k, 'b'::text AS v;
       CREATE OR REPLACE FUNCTION public.f(a integer) RETURNS integer LANGUAGE sql STABLE AS 'SELECT a';
       DROP TYPE public.level; CREATE TYPE public.level AS ENUM ('low', 'mid', 'high', 'max');`,
    );
    const end = await readModel(b.url);
    const diff = diffCatalogs(mid, end);
    expect(diff.added).toEqual([]);
    // The table's key went with it; its columns stayed (as the view's).
    expect(diff.removed).toEqual([
      { kind: 'constraint', name: 'public.kv.kv_pkey' },
      { kind: 'index', name: 'public.kv_pkey' },
    ]);
    const names = diff.changed.map((c) => `${c.kind} ${c.name}`);
    expect(names).toEqual(['view public.kv', 'column public.kv.k', 'function public.f(integer)', 'enum public.level']);
    expect(diff.changed[0]?.changes.map((c) => [c.what, c.before, c.after])).toEqual([
      ['kind', 'table', 'view'],
      ['definition', null, expect.stringContaining("'a'::text AS k")],
    ]);
    expect(diff.changed[1]?.changes).toEqual([{ what: 'nullable', before: 'false', after: 'true' }]);
    expect(diff.changed[2]?.changes.map((c) => [c.what, c.before, c.after])).toEqual([
      ['volatility', 'immutable', 'stable'],
      ['definition', expect.stringContaining('IMMUTABLE'), expect.stringContaining('STABLE')],
    ]);
    expect(diff.changed[3]?.changes).toEqual([
      { what: 'label added', before: null, after: 'max' },
      { what: 'label order', before: "'low', 'high', 'mid'", after: "'low', 'mid', 'high'" },
    ]);
  });
});

describe('argumentTypes', () => {
  it.each([
    ['', ''],
    ['p_user uuid, p_limit integer', 'uuid, integer'],
    ['integer, text', 'integer, text'],
    ['double precision', 'double precision'],
    ['x double precision, y timestamp with time zone[]', 'double precision, timestamp with time zone[]'],
    ['character varying, bit varying', 'character varying, bit varying'],
    ['VARIADIC vals text[]', 'VARIADIC text[]'],
    ['IN a integer, OUT b bigint, INOUT c text', 'integer, OUT bigint, INOUT text'],
    ['"My Arg" public."My, Type"', 'public."My, Type"'],
    ['"select" integer, public."Mood"', 'integer, public."Mood"'],
    ['"Only Type"', '"Only Type"'],
  ])('%j → %j', (input, expected) => {
    expect(argumentTypes(input)).toBe(expected);
  });
});

describe('compareCodePoints', () => {
  it('orders by code point (UTF-8 byte order), not by UTF-16 unit', () => {
    const words = ['\u{1F600}', '\uFFFD', 'b', 'a', 'ab', '', 'é', 'B'];
    const bytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...words].sort(compareCodePoints)).toEqual(bytes);
    expect(bytes).toEqual(['', 'B', 'a', 'ab', 'b', 'é', '\uFFFD', '\u{1F600}']);
  });
});
