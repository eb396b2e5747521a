import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallInput, CallName, CallOutput } from '../../../common/contract';
import type { CellValue, DataPageInput } from '../../../common/data';
import { RemoteError } from '../../../common/errors';
import { createTestDatabase, runSql, type TestDatabase } from '../../../test/helpers/postgres';
import type { App } from '../../app';
import { createApp } from '../../app';

const FIXTURE = `
  CREATE TABLE items (id int PRIMARY KEY, grp int NOT NULL, score int, name text NOT NULL);
  INSERT INTO items
    SELECT g, g % 7, CASE WHEN g % 5 = 0 THEN NULL ELSE (g * 37) % 101 END, 'item ' || g
      FROM generate_series(1, 2345) g;

  CREATE TABLE pairs (a int, b text, val int NOT NULL, PRIMARY KEY (a, b));
  INSERT INTO pairs SELECT g % 50, 'k' || (g / 50), (g * 13) % 97 FROM generate_series(0, 1199) g;

  CREATE TABLE "User" ("Id" int PRIMARY KEY, "Order Total" numeric(10,2), "BusinessSubscription" text);
  INSERT INTO "User" SELECT g, (g % 40) * 1.25, CASE WHEN g % 3 = 0 THEN 'pro' ELSE 'free' END
    FROM generate_series(1, 1300) g;
  CREATE TABLE "BusinessSubscription" ("Id" int PRIMARY KEY, "User" int REFERENCES "User" ("Id"));
  INSERT INTO "BusinessSubscription" SELECT g, g FROM generate_series(1, 10) g;

  CREATE TABLE nokey (x int, y text);
  INSERT INTO nokey SELECT g % 300, 'v' || (g % 11) FROM generate_series(1, 1234) g;
  CREATE VIEW item_view AS SELECT id, name, score FROM items WHERE id <= 1100;

  CREATE TABLE y (id int);
  INSERT INTO y VALUES (1), (2);
  CREATE TABLE "x""; DROP TABLE y; --" (id int PRIMARY KEY, v text);
  INSERT INTO "x""; DROP TABLE y; --" VALUES (1, 'one'), (2, 'two'), (3, 'three');

  CREATE TABLE f (id int PRIMARY KEY, label text, amount numeric(8,2), day date);
  INSERT INTO f VALUES
    (1, '50% off', 10.50, '2024-01-01'), (2, '500 off', 20, '2024-01-02'), (3, 'a_b', 30, '2024-01-03'),
    (4, 'axb', NULL, '2024-01-04'), (5, 'back\\slash', 50, '2024-01-05'), (6, 'BACKxslash', 60, NULL),
    (7, NULL, 70, '2024-01-07'), (8, '''; DROP TABLE y; --', 80, '2024-01-08');

  CREATE TABLE typed (id int PRIMARY KEY, n numeric(30,10), big bigint, ts timestamptz, u uuid, tags text[],
    doc jsonb, flag boolean, raw bytea, c char(3), vc varchar(5));
  INSERT INTO typed VALUES (1, 12345678901234567890.0123456789, 9223372036854775807,
    '2024-03-01 12:34:56.123456+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{a,"b c",NULL}',
    '{"k": [1, "x", {"z": null}], "n": null}', true, '\\x00ff', 'ab', 'abcde');

  CREATE TABLE times (id int PRIMARY KEY, ts timestamptz);
  INSERT INTO times VALUES (1, '2024-01-01 00:00:00.000001+00'), (2, '2024-01-01 00:00:00.000002+00'),
    (3, '2024-01-01 00:00:00.000001+00'), (4, NULL), (5, '2024-01-01 00:00:00.000003+00');
  CREATE TABLE jkeys (id int PRIMARY KEY, doc jsonb);
  INSERT INTO jkeys VALUES (1, '"b"'), (2, '"a"'), (3, '1'), (4, 'null'), (5, NULL), (6, '{"x": 1}'), (7, '"a"');
`;

describe('data.page against a real PostgreSQL', () => {
  let db: TestDatabase;
  let app: App;
  let dir: string;
  let direct: pg.Client;

  async function call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
    const result = await app.router.call(name, input, { transport: 'cli' });
    if (!result.ok) throw new RemoteError(result.error);
    return result.value as CallOutput<N>;
  }

  const connection = () => ({ url: db.url });
  const page = (input: Omit<DataPageInput, 'connection'>) => call('data.page', { connection: connection(), ...input });

  /** Follow nextCursor (keyset) or page numbers (offset) to the end; return every row. */
  async function walk(input: Omit<DataPageInput, 'connection'>): Promise<{ rows: CellValue[][]; pages: number }> {
    const rows: CellValue[][] = [];
    let cursor: string | null = null;
    for (let n = 0; n < 1000; n++) {
      const p = await page({ ...input, cursor, page: n });
      rows.push(...p.rows);
      if (!p.hasMore) return { rows, pages: n + 1 };
      cursor = p.nextCursor;
      if (p.mode === 'keyset') expect(cursor).not.toBeNull();
    }
    throw new Error('did not finish');
  }

  async function ids(sql: string): Promise<string[]> {
    const result = await direct.query<{ id: string }>(sql);
    return result.rows.map((r) => String(r.id));
  }

  async function schemaFingerprint(): Promise<string> {
    const r = await direct.query<{ f: string }>(
      `SELECT string_agg(relname || ':' || reltuples::bigint, ',' ORDER BY relname) AS f
         FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v')`,
    );
    const counts = await direct.query<{ n: string }>('SELECT count(*) AS n FROM y');
    return `${r.rows[0]?.f}|y=${counts.rows[0]?.n}`;
  }

  beforeAll(async () => {
    db = await createTestDatabase('data');
    await runSql(db.url, FIXTURE);
    await runSql(db.url, 'ANALYZE');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-data-'));
    app = createApp({ dataDir: dir, version: 'test', transport: 'cli' });
    direct = new pg.Client({ connectionString: db.url });
    await direct.connect();
  });

  afterAll(async () => {
    await direct?.end();
    await app?.shutdown();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('keyset paging', () => {
    it('walks 2 345 rows in pages of 500 by primary key with none missing or repeated', async () => {
      const first = await page({ schema: 'public', table: 'items' });
      expect(first).toMatchObject({ mode: 'keyset', note: null, hasMore: true, page: 0, pageSize: 500 });
      expect(first.rows).toHaveLength(500);
      expect(first.columns.map((c) => [c.name, c.type])).toEqual([
        ['id', 'integer'],
        ['grp', 'integer'],
        ['score', 'integer'],
        ['name', 'text'],
      ]);
      const { rows, pages } = await walk({ schema: 'public', table: 'items' });
      expect(pages).toBe(5);
      expect(rows.map((r) => r[0])).toEqual(await ids('SELECT id FROM items ORDER BY id'));
    });

    it('walks descending', async () => {
      const { rows } = await walk({ schema: 'public', table: 'items', sort: [{ column: 'id', direction: 'desc' }] });
      expect(rows.map((r) => r[0])).toEqual(await ids('SELECT id FROM items ORDER BY id DESC'));
    });

    it('walks a NOT NULL multi-column sort (row comparison)', async () => {
      const { rows } = await walk({ schema: 'public', table: 'items', sort: [{ column: 'grp', direction: 'asc' }] });
      expect(rows.map((r) => r[0])).toEqual(await ids('SELECT id FROM items ORDER BY grp, id'));
    });

    it('walks a multi-column sort with mixed directions and a nullable column', async () => {
      const sort = [
        { column: 'grp', direction: 'asc' as const },
        { column: 'score', direction: 'desc' as const },
      ];
      const { rows } = await walk({ schema: 'public', table: 'items', sort });
      expect(rows.map((r) => r[0])).toEqual(
        await ids('SELECT id FROM items ORDER BY grp ASC, score DESC NULLS FIRST, id DESC'),
      );
    });

    it('walks a nullable sort column in both directions, NULLs included once', async () => {
      for (const direction of ['asc', 'desc'] as const) {
        const { rows } = await walk({ schema: 'public', table: 'items', sort: [{ column: 'score', direction }] });
        const expected = await ids(
          direction === 'asc'
            ? 'SELECT id FROM items ORDER BY score ASC NULLS LAST, id ASC'
            : 'SELECT id FROM items ORDER BY score DESC NULLS FIRST, id DESC',
        );
        expect(rows.map((r) => r[0])).toEqual(expected);
        expect(rows.filter((r) => r[2] === null)).toHaveLength(469);
      }
    });

    it('pages with a cursor across NULLs and microsecond timestamps one row at a time', async () => {
      for (const direction of ['asc', 'desc'] as const) {
        const { rows } = await walk({
          schema: 'public',
          table: 'times',
          sort: [{ column: 'ts', direction }],
          pageSize: 1,
        });
        const expected = await ids(
          `SELECT id FROM times ORDER BY ts ${direction === 'asc' ? 'ASC NULLS LAST, id ASC' : 'DESC NULLS FIRST, id DESC'}`,
        );
        expect(rows.map((r) => r[0])).toEqual(expected);
      }
    });

    it('pages by a jsonb column whose values are strings, numbers, JSON null and SQL NULL', async () => {
      const { rows } = await walk({
        schema: 'public',
        table: 'jkeys',
        sort: [{ column: 'doc', direction: 'asc' }],
        pageSize: 1,
      });
      expect(rows.map((r) => r[0])).toEqual(await ids('SELECT id FROM jkeys ORDER BY doc ASC NULLS LAST, id'));
      expect(rows.map((r) => r[1])).toContain('a');
    });

    it('uses a composite primary key as the tie-breaker', async () => {
      const plain = await walk({ schema: 'public', table: 'pairs' });
      expect(plain.rows).toHaveLength(1200);
      const expected = await direct.query<{ k: string }>(`SELECT a || '/' || b AS k FROM pairs ORDER BY a, b`);
      expect(plain.rows.map((r) => `${r[0]}/${r[1]}`)).toEqual(expected.rows.map((r) => r.k));

      const sorted = await walk({ schema: 'public', table: 'pairs', sort: [{ column: 'val', direction: 'desc' }] });
      const expectedSorted = await direct.query<{ k: string }>(
        `SELECT a || '/' || b AS k FROM pairs ORDER BY val DESC, a DESC, b DESC`,
      );
      expect(sorted.rows.map((r) => `${r[0]}/${r[1]}`)).toEqual(expectedSorted.rows.map((r) => r.k));
    });

    it('handles quoted mixed-case names and a column with a space', async () => {
      const result = await walk({
        schema: 'public',
        table: 'User',
        sort: [{ column: 'Order Total', direction: 'desc' }],
        filters: [{ column: 'BusinessSubscription', operator: 'eq', value: 'pro' }],
      });
      expect(result.rows.map((r) => r[0])).toEqual(
        await ids(
          `SELECT "Id" AS id FROM "User" WHERE "BusinessSubscription" = 'pro' ORDER BY "Order Total" DESC, "Id" DESC`,
        ),
      );
      expect(result.rows).toHaveLength(433);
      const other = await page({ schema: 'public', table: 'BusinessSubscription' });
      expect(other.columns.map((c) => c.name)).toEqual(['Id', 'User']);
      expect(other.rows).toHaveLength(10);
    });

    it('jumps to a page number with OFFSET and continues by key', async () => {
      const jumped = await page({ schema: 'public', table: 'items', page: 3 });
      expect(jumped.mode).toBe('keyset');
      expect(jumped.note).toMatch(/OFFSET/);
      expect(jumped.rows[0]?.[0]).toBe('1501');
      const next = await page({ schema: 'public', table: 'items', page: 4, cursor: jumped.nextCursor });
      expect(next.rows[0]?.[0]).toBe('2001');
      expect(next.hasMore).toBe(false);
    });

    it('refuses a cursor made for another sort order', async () => {
      const first = await page({ schema: 'public', table: 'items' });
      await expect(
        page({
          schema: 'public',
          table: 'items',
          cursor: first.nextCursor,
          sort: [{ column: 'id', direction: 'desc' }],
        }),
      ).rejects.toMatchObject({ kind: 'invalid_input', message: expect.stringMatching(/cursor/) });
    });
  });

  describe('offset fallback', () => {
    it('pages a table without a primary key with OFFSET and says why', async () => {
      const first = await page({ schema: 'public', table: 'nokey' });
      expect(first.mode).toBe('offset');
      expect(first.note).toMatch(/no primary key.*OFFSET/);
      expect(first.nextCursor).toBeNull();
      const { rows } = await walk({ schema: 'public', table: 'nokey' });
      const all = await direct.query<{ x: string; y: string }>('SELECT x::text, y FROM nokey');
      const key = (r: readonly unknown[]) => r.join('|');
      expect(rows.map(key).sort()).toEqual(all.rows.map((r) => key([r.x, r.y])).sort());
    });

    it('pages a view with OFFSET, sorted, and says why', async () => {
      const first = await page({ schema: 'public', table: 'item_view', sort: [{ column: 'score', direction: 'asc' }] });
      expect(first.mode).toBe('offset');
      expect(first.note).toMatch(/view has no primary key/);
      const { rows } = await walk({
        schema: 'public',
        table: 'item_view',
        sort: [{ column: 'score', direction: 'asc' }],
      });
      expect(rows).toHaveLength(1100);
      expect(new Set(rows.map((r) => r[0])).size).toBe(1100);
      const scores = rows.map((r) => (r[2] === null ? Infinity : Number(r[2])));
      expect(scores).toEqual([...scores].sort((a, b) => a - b));
    });
  });

  describe('filters', () => {
    const labels = async (filters: NonNullable<DataPageInput['filters']>) => {
      const p = await page({ schema: 'public', table: 'f', filters });
      return p.rows.map((r) => r[0]);
    };

    it('compares against the column type: eq, ne (keeps NULLs), lt, le, gt, ge', async () => {
      expect(await labels([{ column: 'id', operator: 'eq', value: '3' }])).toEqual(['3']);
      expect(await labels([{ column: 'label', operator: 'ne', value: '50% off' }])).toEqual([
        '2',
        '3',
        '4',
        '5',
        '6',
        '7',
        '8',
      ]);
      expect(await labels([{ column: 'amount', operator: 'lt', value: '30' }])).toEqual(['1', '2']);
      expect(await labels([{ column: 'amount', operator: 'le', value: '30.00' }])).toEqual(['1', '2', '3']);
      expect(await labels([{ column: 'amount', operator: 'gt', value: '60' }])).toEqual(['7', '8']);
      expect(await labels([{ column: 'day', operator: 'ge', value: '2024-01-05' }])).toEqual(['5', '7', '8']);
      // A numeric comparison, not a text one: '100' > '60' as text is false.
      expect(await labels([{ column: 'amount', operator: 'lt', value: '100' }])).toHaveLength(7);
    });

    it('matches contains and starts_with literally, case-insensitively, LIKE metacharacters included', async () => {
      expect(await labels([{ column: 'label', operator: 'contains', value: '%' }])).toEqual(['1']);
      expect(await labels([{ column: 'label', operator: 'contains', value: '_' }])).toEqual(['3']);
      expect(await labels([{ column: 'label', operator: 'contains', value: '\\' }])).toEqual(['5']);
      expect(await labels([{ column: 'label', operator: 'starts_with', value: '50%' }])).toEqual(['1']);
      expect(await labels([{ column: 'label', operator: 'starts_with', value: '50' }])).toEqual(['1', '2']);
      expect(await labels([{ column: 'label', operator: 'contains', value: 'BACK' }])).toEqual(['5', '6']);
      expect(await labels([{ column: 'amount', operator: 'contains', value: '.5' }])).toEqual(['1']);
    });

    it('filters on NULL and NOT NULL without a value, and combines filters with AND', async () => {
      expect(await labels([{ column: 'label', operator: 'is_null' }])).toEqual(['7']);
      expect(await labels([{ column: 'amount', operator: 'is_not_null' }])).toHaveLength(7);
      expect(
        await labels([
          { column: 'amount', operator: 'is_not_null' },
          { column: 'day', operator: 'is_null' },
        ]),
      ).toEqual(['6']);
    });

    it('reports a value of the wrong type, or a missing value, as invalid_input', async () => {
      await expect(labels([{ column: 'id', operator: 'eq', value: 'abc' }])).rejects.toMatchObject({
        kind: 'invalid_input',
        message: expect.stringMatching(/invalid input syntax for type integer/),
      });
      await expect(labels([{ column: 'id', operator: 'gt' }])).rejects.toMatchObject({ kind: 'invalid_input' });
    });
  });

  describe('SQL injection is inert', () => {
    it('through filter values, column names, sort columns, table and schema names and cursors', async () => {
      const before = await schemaFingerprint();
      const evil = `'; DROP TABLE y; --`;
      expect(await labels([{ column: 'label', operator: 'eq', value: evil }])).toEqual(['8']);
      expect(await labels([{ column: 'label', operator: 'contains', value: evil }])).toEqual(['8']);

      const badColumn = 'a"; DROP TABLE y; --';
      await expect(
        page({ schema: 'public', table: 'f', sort: [{ column: badColumn, direction: 'asc' }] }),
      ).rejects.toMatchObject({
        kind: 'invalid_input',
        message: expect.stringContaining(JSON.stringify(badColumn)),
      });
      await expect(
        page({ schema: 'public', table: 'f', filters: [{ column: badColumn, operator: 'eq', value: '1' }] }),
      ).rejects.toMatchObject({ kind: 'invalid_input', message: expect.stringContaining('no such column') });
      await expect(page({ schema: 'public', table: 'y; DROP TABLE y' })).rejects.toMatchObject({ kind: 'not_found' });
      await expect(page({ schema: 'public"; DROP TABLE y; --', table: 'f' })).rejects.toMatchObject({
        kind: 'not_found',
      });

      // A hand-made cursor whose key value is SQL: it is a parameter, so it only fails to parse as an integer.
      const first = await page({ schema: 'public', table: 'f', pageSize: 2 });
      const decoded = JSON.parse(Buffer.from(first.nextCursor ?? '', 'base64url').toString()) as {
        s: string[];
        v: string[];
      };
      const forged = Buffer.from(JSON.stringify({ s: decoded.s, v: ['1) OR TRUE; DROP TABLE y; --'] })).toString(
        'base64url',
      );
      await expect(page({ schema: 'public', table: 'f', pageSize: 2, cursor: forged })).rejects.toMatchObject({
        kind: 'invalid_input',
      });

      const weird = await walk({ schema: 'public', table: 'x"; DROP TABLE y; --', pageSize: 2 });
      expect(weird.rows).toEqual([
        ['1', 'one'],
        ['2', 'two'],
        ['3', 'three'],
      ]);
      expect(await schemaFingerprint()).toBe(before);

      async function labels(filters: NonNullable<DataPageInput['filters']>) {
        const p = await page({ schema: 'public', table: 'f', filters });
        return p.rows.map((r) => r[0]);
      }
    });

    it('never writes, even through a view that calls a writing function', async () => {
      await runSql(
        db.url,
        `CREATE TABLE audit (n int);
         CREATE FUNCTION touch() RETURNS int LANGUAGE sql VOLATILE AS 'INSERT INTO audit VALUES (1) RETURNING 1';
         CREATE VIEW touching AS SELECT touch() AS t;`,
      );
      await expect(page({ schema: 'public', table: 'touching' })).rejects.toMatchObject({
        kind: 'database_error',
        message: expect.stringMatching(/read-only transaction/),
      });
      const n = await direct.query<{ n: string }>('SELECT count(*) AS n FROM audit');
      expect(n.rows[0]?.n).toBe('0');
    });
  });

  describe('values', () => {
    it('come back as PostgreSQL’s exact text, json parsed, bool as boolean', async () => {
      const p = await page({ schema: 'public', table: 'typed' });
      const byName = Object.fromEntries(p.columns.map((c, i) => [c.name, { type: c.type, value: p.rows[0]?.[i] }]));
      const ts = await direct.query<{ ts: string }>('SELECT ts::text AS ts FROM typed');
      expect(byName).toEqual({
        id: { type: 'integer', value: '1' },
        n: { type: 'numeric(30,10)', value: '12345678901234567890.0123456789' },
        big: { type: 'bigint', value: '9223372036854775807' },
        ts: { type: 'timestamp with time zone', value: ts.rows[0]?.ts },
        u: { type: 'uuid', value: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
        tags: { type: 'text[]', value: '{a,"b c",NULL}' },
        doc: { type: 'jsonb', value: { k: [1, 'x', { z: null }], n: null } },
        flag: { type: 'boolean', value: true },
        raw: { type: 'bytea', value: '\\x00ff' },
        c: { type: 'character(3)', value: 'ab ' },
        vc: { type: 'character varying(5)', value: 'abcde' },
      });
      expect(String(byName.ts?.value)).toMatch(/:34:56\.123456/);
    });

    it('filters by a long value on a varchar(5) column without silently cutting it', async () => {
      const p = await page({
        schema: 'public',
        table: 'typed',
        filters: [{ column: 'vc', operator: 'eq', value: 'abcdefgh' }],
      });
      expect(p.rows).toHaveLength(0);
    });
  });

  it('reports an unknown relation as not_found', async () => {
    await expect(page({ schema: 'public', table: 'nope' })).rejects.toMatchObject({ kind: 'not_found' });
  });
});
