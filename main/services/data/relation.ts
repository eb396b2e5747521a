import type pg from 'pg';
import { OpsError } from '../../../common/errors';

/** A column of a relation, as the catalog describes it. */
export interface ColumnInfo {
  name: string;
  /** Display type with modifiers, e.g. "numeric(30,10)". */
  type: string;
  /**
   * The type to cast parameters to when comparing with this column: the base
   * type of a domain, without modifiers (so a long value is never silently cut
   * to varchar(n) or char(1)). From format_type, i.e. from the catalog, never
   * from the user.
   */
  castType: string;
  /** OID of that type, as it appears in a RowDescription. */
  typeOid: number;
  notNull: boolean;
}

export interface RelationInfo {
  schema: string;
  name: string;
  /** r table, p partitioned table, v view, m materialized view, f foreign table. */
  relkind: 'r' | 'p' | 'v' | 'm' | 'f';
  columns: ColumnInfo[];
  /** Primary key columns in key order; empty when there is none. */
  primaryKey: string[];
}

const RELATION_SQL = `
SELECT c.relkind::pg_catalog.text AS relkind,
       COALESCE((
         SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                  'name', a.attname,
                  'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
                  'castType', pg_catalog.format_type(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END, -1),
                  'typeOid', (CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END)::pg_catalog.int8,
                  'notNull', a.attnotnull) ORDER BY a.attnum)
           FROM pg_catalog.pg_attribute a
           JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
       COALESCE((
         SELECT pg_catalog.json_agg(a.attname ORDER BY k.ord)
           FROM pg_catalog.pg_index i
           CROSS JOIN LATERAL pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
          WHERE i.indrelid = c.oid AND i.indisprimary), '[]') AS primary_key
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`;

/** Columns and primary key of a table or view; not_found when there is no such relation. */
export async function describeRelation(client: pg.ClientBase, schema: string, name: string): Promise<RelationInfo> {
  const { rows } = await client.query<{
    relkind: RelationInfo['relkind'];
    columns: ColumnInfo[];
    primary_key: string[];
  }>(RELATION_SQL, [schema, name]);
  const row = rows[0];
  if (!row) {
    throw new OpsError('not_found', `No table or view ${JSON.stringify(name)} in schema ${JSON.stringify(schema)}`, {
      hint: 'It may have been dropped or renamed: refresh the schema view.',
    });
  }
  return { schema, name, relkind: row.relkind, columns: row.columns, primaryKey: row.primary_key };
}

/** The named column, or invalid_input naming it. */
export function columnOf(relation: RelationInfo, column: string, purpose: 'sort' | 'filter'): ColumnInfo {
  const found = relation.columns.find((c) => c.name === column);
  if (!found) {
    throw new OpsError(
      'invalid_input',
      `Cannot ${purpose} by ${JSON.stringify(column)}: no such column in ${relation.schema}.${relation.name}`,
      { hint: 'The table may have changed: refresh the schema view.' },
    );
  }
  return found;
}
