import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogModel } from '../../../common/catalog';
import type { DiffSide, SnapshotDiff } from '../../../common/snapshots';
import { createTestDatabase, runSql, type TestDatabase } from '../../../test/helpers/postgres';
import { CatalogReader } from '../catalog/catalog-reader';
import { diffSnapshotSources, type DiffTable } from './diff';
import { copyLiveTable, tempSqlite } from './diff-test-support';
import { storageFor } from './format';
import { liveRowSource, snapshotRowSource, type SourceColumn } from './row-sources';

const SCHEMA_SQL = `
  CREATE SCHEMA shop;
  CREATE TABLE shop.products (id integer PRIMARY KEY, sku text NOT NULL, price numeric(10,2), active boolean DEFAULT true);
  CREATE INDEX products_sku_idx ON shop.products (sku);
  CREATE TABLE shop.events (at timestamptz, kind text);
  CREATE TABLE shop.big (id integer PRIMARY KEY);
  CREATE TABLE shop.archive (code text PRIMARY KEY, payload bytea);
  CREATE TABLE shop.gone (id integer PRIMARY KEY);
  CREATE FUNCTION shop.price_with_tax(p numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT p * 1.2';
  INSERT INTO shop.products VALUES (1, 'A-1', 10.00, true), (2, 'B-2', 20.50, false), (3, 'C-3', NULL, true);
  INSERT INTO shop.events VALUES ('2025-01-01 00:00:00+00', 'sale'), ('2025-01-02 00:00:00+00', 'refund');
  INSERT INTO shop.big SELECT g FROM generate_series(1, 50) g;
  INSERT INTO shop.archive VALUES ('a', '\\x01'), ('b', '\\x02'), ('c', NULL);
  INSERT INTO shop.gone VALUES (1);
`;

const CHANGE_SQL = `
  ALTER TABLE shop.products ADD COLUMN stock integer DEFAULT 0;
  DROP INDEX shop.products_sku_idx;
  CREATE OR REPLACE FUNCTION shop.price_with_tax(p numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT p * 1.25';
  DROP TABLE shop.gone;
  CREATE TABLE shop.fresh (id integer PRIMARY KEY);
  UPDATE shop.products SET price = 21.00 WHERE id = 2;
  DELETE FROM shop.products WHERE id = 3;
  INSERT INTO shop.products VALUES (4, 'D-4', 5.00, true, 7);
`;

interface TableShape {
  schema: string;
  name: string;
  columns: SourceColumn[];
  keyColumns: string[];
}

function tablesOf(model: CatalogModel): TableShape[] {
  return model.relations
    .filter((relation) => relation.kind === 'table')
    .map((relation) => ({
      schema: relation.schema,
      name: relation.name,
      columns: relation.columns.map((column) => ({ name: column.name, storage: storageFor(column.type) })),
      keyColumns: relation.primaryKey,
    }));
}

async function readModel(client: pg.Client): Promise<CatalogModel> {
  return new CatalogReader({ sizes: 'estimated' }).read(client);
}

describe('diffSnapshotSources: a snapshot against the live database', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let sqlite: ReturnType<typeof tempSqlite>;
  let diff: SnapshotDiff;
  const mismatches: string[] = [];
  const snapshotSide: DiffSide = { kind: 'snapshot', id: 's1', name: 'before', capturedAt: '2025-01-01T00:00:00.000Z' };
  const liveSide: DiffSide = { kind: 'live', database: 'shop', at: '2025-01-02T00:00:00.000Z' };

  beforeAll(async () => {
    db = await createTestDatabase('diff');
    await runSql(db.url, SCHEMA_SQL);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();

    // The "capture": the catalog and every table's rows, copied into a SQLite file.
    const before = await readModel(client);
    sqlite = tempSqlite();
    const snapshotTables: DiffTable[] = [];
    let ord = 0;
    for (const table of tablesOf(before)) {
      const dataTable = await copyLiveTable(client, sqlite.db, ++ord, table);
      const truncated = table.name === 'archive';
      snapshotTables.push({
        schema: table.schema,
        name: table.name,
        rows: truncated ? 2 : Number(sqlite.db.prepare(`SELECT count(*) FROM ${dataTable}`).pluck().get()),
        truncated,
        keyColumns: table.keyColumns,
        columns: table.columns.map((c) => c.name),
        source: snapshotRowSource(sqlite.db, dataTable, table.columns, table.keyColumns),
      });
    }

    await runSql(db.url, CHANGE_SQL);
    const after = await readModel(client);
    const liveTables: DiffTable[] = tablesOf(after).map((table) => ({
      schema: table.schema,
      name: table.name,
      rows: null,
      truncated: false,
      keyColumns: table.keyColumns,
      columns: table.columns.map((c) => c.name),
      source: liveRowSource(client, table.schema, table.name, table.columns, table.keyColumns),
    }));

    diff = await diffSnapshotSources(
      { side: snapshotSide, catalog: before, tables: snapshotTables },
      { side: liveSide, catalog: after, tables: liveTables },
      { rowLimit: 20, onOrderMismatch: (table, detail) => mismatches.push(`${table}: ${detail}`) },
    );
  });
  afterAll(async () => {
    sqlite?.close();
    await client?.end();
    await db?.drop();
  });

  it('names both sides', () => {
    expect(diff.left).toEqual(snapshotSide);
    expect(diff.right).toEqual(liveSide);
  });

  it('finds the added column, the dropped index, the changed function and the tables added and removed', () => {
    expect(diff.schema.added).toEqual([
      { kind: 'table', name: 'shop.fresh' },
      { kind: 'column', name: 'shop.products.stock' },
    ]);
    expect(diff.schema.removed).toEqual([
      { kind: 'table', name: 'shop.gone' },
      { kind: 'index', name: 'shop.products_sku_idx' },
    ]);
    expect(diff.schema.changed).toEqual([
      {
        kind: 'function',
        name: 'shop.price_with_tax(numeric)',
        changes: [
          {
            what: 'definition',
            before: expect.stringContaining('SELECT p * 1.2$function$'),
            after: expect.stringContaining('SELECT p * 1.25$function$'),
          },
        ],
      },
    ]);
  });

  it('counts the rows of every table on either side', () => {
    expect(diff.rowCounts).toEqual([
      { table: 'shop.archive', left: 2, right: 3 },
      { table: 'shop.big', left: 50, right: 50 },
      { table: 'shop.events', left: 2, right: 2 },
      { table: 'shop.fresh', left: null, right: 0 },
      { table: 'shop.gone', left: 1, right: null },
      { table: 'shop.products', left: 3, right: 3 },
    ]);
  });

  it('finds the changed rows on the columns both sides have, in key order', () => {
    const products = diff.rows.find((r) => r.table === 'shop.products');
    expect(products).toEqual({
      table: 'shop.products',
      keyColumns: ['id'],
      columns: ['id', 'sku', 'price', 'active'],
      added: [['4', 'D-4', '5.00', 't']],
      removed: [['3', 'C-3', null, 't']],
      changed: [{ key: ['2'], before: ['2', 'B-2', '20.50', 'f'], after: ['2', 'B-2', '21.00', 'f'] }],
      skipped: null,
      addedCount: 1,
      removedCount: 1,
      changedCount: 1,
    });
    expect(mismatches).toEqual([]);
  });

  it('says why the other tables on both sides were not compared, and leaves one-sided tables out', () => {
    expect(diff.rows.map((r) => [r.table, r.skipped])).toEqual([
      ['shop.archive', 'the left side holds only part of the table (a row limit cut the capture short)'],
      ['shop.big', '50 rows on the left, over the row limit of 20'],
      ['shop.events', 'no primary key'],
      ['shop.products', null],
    ]);
    for (const skipped of diff.rows.filter((r) => r.skipped !== null)) {
      expect([skipped.added, skipped.removed, skipped.changed]).toEqual([[], [], []]);
    }
  });
});
