import type pg from 'pg';
import type { ResultColumn } from '../../../common/data';
import type { WireField } from './wire-query';

/**
 * Type names (format_type) and source columns of a result, in one catalog
 * query. Everything is schema-qualified because the user's SQL may have
 * changed search_path on this session.
 */
export async function describeColumns(client: pg.ClientBase, fields: readonly WireField[]): Promise<ResultColumn[]> {
  if (fields.length === 0) return [];
  const { rows } = await client.query<{ ord: number; type: string; column: string | null }>({
    text: `SELECT f.ord::pg_catalog.int4 AS ord,
                  pg_catalog.format_type(f.typ, NULLIF(f.mod, -1)) AS type,
                  a.attname::pg_catalog.text AS column
             FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.oid[]), pg_catalog.unnest($2::pg_catalog.int4[]),
                             pg_catalog.unnest($3::pg_catalog.oid[]), pg_catalog.unnest($4::pg_catalog.int2[]))
                  WITH ORDINALITY AS f(typ, mod, rel, att, ord)
             LEFT JOIN pg_catalog.pg_attribute a
               ON a.attrelid = f.rel AND a.attnum = f.att AND f.att > 0 AND NOT a.attisdropped
            ORDER BY f.ord`,
    values: [
      fields.map((f) => f.dataTypeID),
      fields.map((f) => f.dataTypeModifier),
      fields.map((f) => f.tableID),
      fields.map((f) => f.columnID),
    ],
  });
  return fields.map((field, i) => {
    const row = rows[i];
    return { name: field.name, type: row?.type ?? 'unknown', tableColumn: row?.column ?? null };
  });
}
