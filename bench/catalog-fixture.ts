import type pg from 'pg';
import { quoteIdent, quoteQualified } from '../main/services/catalog/quote';

export interface BenchCatalogShape {
  schemas: number;
  tablesPerSchema: number;
}

/**
 * One table of the benchmark catalog: 20 columns, an identity primary key,
 * a btree and a GIN index, and one foreign key (to the schema's first table).
 */
function tableSql(schema: string, table: string, parent: string): string {
  const name = quoteQualified(schema, table);
  return `
CREATE TABLE ${name} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES ${quoteQualified(schema, parent)} (id) ON DELETE SET NULL,
  name varchar(255) NOT NULL,
  "displayName" text,
  status smallint NOT NULL DEFAULT 0,
  amount numeric(10,2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
  quantity integer,
  ratio double precision,
  active boolean NOT NULL DEFAULT true,
  tags text[] NOT NULL DEFAULT '{}',
  scores integer[],
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  external_id uuid,
  note varchar(1000),
  starts_on date,
  ends_on date,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  checksum bytea,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX ${quoteIdent(`${table}_name_idx`)} ON ${name} (name);
CREATE INDEX ${quoteIdent(`${table}_payload_gin`)} ON ${name} USING gin (payload);`;
}

export function schemaName(i: number): string {
  return `bench_${String(i).padStart(2, '0')}`;
}

/** Builds schemas x tables in the connected (empty) database, one round trip per schema. */
export async function buildBenchCatalog(client: pg.ClientBase, shape: BenchCatalogShape): Promise<void> {
  for (let s = 0; s < shape.schemas; s++) {
    const schema = schemaName(s);
    const tables = Array.from({ length: shape.tablesPerSchema }, (_, t) => `t_${String(t).padStart(3, '0')}`);
    const first = tables[0] ?? 't_000';
    const sql = [`CREATE SCHEMA ${quoteIdent(schema)};`, ...tables.map((table) => tableSql(schema, table, first))];
    await client.query(sql.join('\n'));
  }
}
