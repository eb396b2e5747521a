/**
 * The catalog queries. Each one is set-based over the whole database (never
 * one query per table), reads pg_catalog only (information_schema is far
 * slower), and uses only columns that exist from PostgreSQL 13 to 18. They
 * take no parameters: nothing in them comes from a user.
 *
 * They run with search_path = pg_catalog, so format_type, pg_get_expr,
 * pg_get_viewdef, pg_get_indexdef and friends schema-qualify every user
 * object, which is what makes the reconstructed DDL replayable anywhere.
 */

/** Schemas that are the server's own: pg_catalog, pg_toast*, pg_temp*, information_schema. */
const USER_NAMESPACE = `n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'`;

/**
 * Objects created by CREATE EXTENSION are the extension's, not the user's.
 * Looked up from the extension side (pg_depend's reference index finds the
 * few member rows), the NOT IN becomes one small hashed subplan rather than
 * a scan of pg_depend or a probe per row.
 */
function notExtensionMember(catalog: 'pg_class' | 'pg_proc' | 'pg_type', oid: string): string {
  return `${oid} NOT IN (SELECT x.objid FROM pg_depend x
                     WHERE x.refclassid = 'pg_extension'::regclass AND x.deptype = 'e'
                       AND x.classid = '${catalog}'::regclass)`;
}

/** Relations the model lists: tables, views, materialized views, partitioned and foreign tables. */
const USER_RELATION = `c.relkind IN ('r', 'v', 'm', 'p', 'f') AND ${USER_NAMESPACE} AND ${notExtensionMember('pg_class', 'c.oid')}`;

/**
 * Opened in the same round trip as BEGIN. `lock_slots` and `relation_opens`
 * decide whether exact sizes are safe: pg_table_size and friends take an
 * AccessShareLock on every table, TOAST table and index until commit, and
 * tens of thousands of them overflow the server's shared lock table.
 */
export const INFO_SQL = `
SELECT current_setting('server_version_num')::int AS version_num,
       current_setting('server_version') AS version,
       current_database() AS database,
       current_setting('max_locks_per_transaction')::int
         * (current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int) AS lock_slots,
       (SELECT count(*) + 2 * count(*) FILTER (WHERE c.reltoastrelid <> 0)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'm', 'p', 'i', 'I') AND ${USER_NAMESPACE})::int AS relation_opens`;

export const SCHEMAS_SQL = `
SELECT n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner, d.description AS comment
  FROM pg_namespace n
  LEFT JOIN pg_description d ON d.objoid = n.oid AND d.classoid = 'pg_namespace'::regclass AND d.objsubid = 0
 WHERE ${USER_NAMESPACE}
 ORDER BY n.nspname`;

const EXACT_RELATION_SIZES = `
       CASE WHEN c.relkind IN ('r', 'm') THEN pg_table_size(c.oid) ELSE 0 END::float8 AS table_and_toast_bytes,
       CASE WHEN c.reltoastrelid <> 0 THEN pg_total_relation_size(c.reltoastrelid) ELSE 0 END::float8 AS toast_bytes`;

/** From relpages: as fresh as the last VACUUM, ANALYZE or CREATE INDEX, and takes no locks. */
const ESTIMATED_RELATION_SIZES = `
       ((c.relpages::float8 + coalesce(tc.relpages, 0) + coalesce(tic.relpages, 0))
         * current_setting('block_size')::float8) AS table_and_toast_bytes,
       ((coalesce(tc.relpages, 0) + coalesce(tic.relpages, 0))::float8
         * current_setting('block_size')::float8) AS toast_bytes`;

function relationsSql(exactSizes: boolean): string {
  return `
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind, pg_get_userbyid(c.relowner) AS owner,
       NULL::text AS comment, c.reltuples::float8 AS reltuples, c.relpersistence AS persistence,
       c.reloptions::text[] AS options, c.relispopulated AS populated,
       ${exactSizes ? EXACT_RELATION_SIZES : ESTIMATED_RELATION_SIZES},
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS view_definition,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       c.relispartition AS is_partition,
       ARRAY(SELECT ip.nspname::text FROM pg_inherits i JOIN pg_class ic ON ic.oid = i.inhparent
               JOIN pg_namespace ip ON ip.oid = ic.relnamespace WHERE i.inhrelid = c.oid ORDER BY i.inhseqno)
         AS parent_schemas,
       ARRAY(SELECT ic.relname::text FROM pg_inherits i JOIN pg_class ic ON ic.oid = i.inhparent
              WHERE i.inhrelid = c.oid ORDER BY i.inhseqno) AS parent_names,
       CASE WHEN c.relkind IN ('v', 'm') THEN
         ARRAY(SELECT DISTINCT dep.refobjid::int8
                 FROM pg_rewrite r
                 JOIN pg_depend dep ON dep.classid = 'pg_rewrite'::regclass AND dep.objid = r.oid
                WHERE r.ev_class = c.oid AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid <> c.oid)
       END AS view_depends_on,
       fs.srvname AS foreign_server, ft.ftoptions::text[] AS foreign_options
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class tc ON tc.oid = c.reltoastrelid
  LEFT JOIN pg_index ti ON ti.indrelid = c.reltoastrelid
  LEFT JOIN pg_class tic ON tic.oid = ti.indexrelid
  LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
  LEFT JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
 WHERE ${USER_RELATION}
 ORDER BY n.nspname, c.relname`;
}

/**
 * Columns, in no particular order (the reader sorts them): sorting 40 000
 * wide rows costs the server more than sorting them in the reader. Comments
 * come from COMMENTS_SQL (joining pg_description here means a probe per
 * column); the NULL placeholder gives every row the same shape to fill in.
 */
export const COLUMNS_SQL = `
SELECT a.attrelid AS relid, a.attnum AS position, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type, t.typtype, t.typcategory,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod)
            WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN format_type(t.typelem, a.atttypmod) END AS element_type,
       a.attnotnull AS not_null, a.attidentity AS identity, a.attgenerated AS generated, a.attislocal AS is_local,
       -- A default cannot refer to columns, so it needs no relation to deparse (which is
       -- several times faster); a generation expression does.
       CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid)
            WHEN a.atthasdef THEN pg_get_expr(ad.adbin, 0) END AS expression,
       CASE WHEN a.attcollation <> t.typcollation THEN
         (SELECT co.collname FROM pg_collation co WHERE co.oid = a.attcollation) END AS collation,
       CASE WHEN a.attcollation <> t.typcollation THEN
         (SELECT cn.nspname FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
           WHERE co.oid = a.attcollation) END AS collation_schema,
       NULL::text AS comment
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
 WHERE a.attnum > 0 AND NOT a.attisdropped AND ${USER_RELATION}`;

/** Comments on relations (position 0), their columns (position n), indexes and sequences. */
export const COMMENTS_SQL = `
SELECT d.objoid AS oid, d.objsubid AS position, d.description AS comment
  FROM pg_description d
  JOIN pg_class c ON c.oid = d.objoid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE d.classoid = 'pg_class'::regclass AND ${USER_NAMESPACE}`;

/**
 * Primary key, unique, check, exclusion and foreign-key constraints (not the
 * NOT NULL rows PostgreSQL 18 adds). Clones a partitioned parent pushes onto
 * the referenced side's partitions are left out: they are an implementation
 * detail of one foreign key, not constraints of the referencing table.
 */
export const CONSTRAINTS_SQL = `
SELECT con.conrelid AS relid, con.conname AS name, con.contype AS type,
       con.condeferrable AS deferrable, con.convalidated AS validated,
       (con.conislocal AND con.conparentid = 0) AS is_local,
       pg_get_constraintdef(con.oid) AS definition, con.conkey AS keys,
       CASE WHEN con.contype IN ('p', 'u', 'x') THEN con.conindid END AS index_oid,
       fn.nspname AS ref_schema, fc.relname AS ref_table,
       CASE WHEN con.contype = 'f' THEN
         ARRAY(SELECT fa.attname::text
                 FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.attnum
                ORDER BY k.ord)
       END AS ref_columns,
       con.confdeltype AS on_delete, con.confupdtype AS on_update
  FROM pg_constraint con
  JOIN pg_class c ON c.oid = con.conrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class fc ON fc.oid = con.confrelid
  LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
 WHERE con.contype IN ('p', 'u', 'c', 'x', 'f') AND ${USER_RELATION}
   AND (con.conparentid = 0 OR con.contype <> 'f' OR c.relispartition)
 ORDER BY con.conrelid, con.conname`;

function indexesSql(exactSizes: boolean): string {
  return `
SELECT i.indrelid AS relid, i.indexrelid AS oid, ic.relname AS name, am.amname AS method, pg_get_indexdef(i.indexrelid) AS definition,
       i.indkey::int2[] AS keys, i.indnkeyatts AS key_count,
       CASE WHEN 0 = ANY (i.indkey::int2[]) THEN
         ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts::int) k)
       END AS key_texts,
       i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS is_valid,
       CASE WHEN i.indpred IS NOT NULL THEN pg_get_expr(i.indpred, i.indrelid) END AS predicate, NULL::text AS comment,
       NULL::text AS constraint_name,
       ${exactSizes ? 'pg_total_relation_size(i.indexrelid)' : "ic.relpages * current_setting('block_size')::int8"}::float8
         AS size_bytes,
       CASE WHEN ic.relispartition THEN
         (SELECT pn.nspname FROM pg_inherits ih JOIN pg_class pc ON pc.oid = ih.inhparent
            JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE ih.inhrelid = i.indexrelid)
       END AS parent_index_schema,
       CASE WHEN ic.relispartition THEN
         (SELECT pc.relname FROM pg_inherits ih JOIN pg_class pc ON pc.oid = ih.inhparent
           WHERE ih.inhrelid = i.indexrelid)
       END AS parent_index_name
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_am am ON am.oid = ic.relam
  JOIN pg_class c ON c.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE ${USER_RELATION}
 ORDER BY i.indrelid, ic.relname`;
}

export const TRIGGERS_SQL = `
SELECT t.tgrelid AS relid, t.tgname AS name, t.tgtype AS type, t.tgenabled AS enabled,
       pn.nspname AS function_schema, p.proname AS function_name, pg_get_triggerdef(t.oid) AS definition,
       (t.tgparentid <> 0) AS is_clone
  FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_proc p ON p.oid = t.tgfoid
  JOIN pg_namespace pn ON pn.oid = p.pronamespace
 WHERE NOT t.tgisinternal AND ${USER_RELATION}
 ORDER BY t.tgrelid, t.tgname`;

export const FUNCTIONS_SQL = `
SELECT n.nspname AS schema, p.proname AS name, p.prokind AS kind,
       pg_get_function_identity_arguments(p.oid) AS arguments,
       CASE WHEN p.prokind <> 'p' THEN pg_get_function_result(p.oid) END AS result,
       l.lanname AS language, p.provolatile AS volatility, p.prosecdef AS security_definer,
       d.description AS comment,
       CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS ddl,
       (l.lanname = 'sql' AND p.prosrc = '') AS sql_standard_body
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_language l ON l.oid = p.prolang
  LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0
 WHERE ${USER_NAMESPACE} AND ${notExtensionMember('pg_proc', 'p.oid')}
 ORDER BY n.nspname, p.proname, 4`;

export const SEQUENCES_SQL = `
SELECT c.oid, n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS data_type,
       s.seqstart::text AS start, s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max,
       s.seqcache::text AS cache, s.seqcycle AS cycle, NULL::text AS comment,
       dn.nspname AS owner_schema, dc.relname AS owner_table, da.attname AS owner_column, dep.deptype AS owner_kind
  FROM pg_sequence s
  JOIN pg_class c ON c.oid = s.seqrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_depend dep ON dep.classid = 'pg_class'::regclass AND dep.objid = c.oid
                         AND dep.refclassid = 'pg_class'::regclass AND dep.refobjsubid > 0 AND dep.deptype IN ('a', 'i')
  LEFT JOIN pg_class dc ON dc.oid = dep.refobjid
  LEFT JOIN pg_namespace dn ON dn.oid = dc.relnamespace
  LEFT JOIN pg_attribute da ON da.attrelid = dep.refobjid AND da.attnum = dep.refobjsubid
 WHERE ${USER_NAMESPACE} AND ${notExtensionMember('pg_class', 'c.oid')}
 ORDER BY n.nspname, c.relname`;

/** Enums with their labels in order, and domains with their base type and checks. */
export const TYPES_SQL = `
SELECT n.nspname AS schema, t.typname AS name, t.typtype AS kind, d.description AS comment,
       CASE WHEN t.typtype = 'e' THEN
         ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
       END AS labels,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base_type,
       t.typnotnull AS not_null, pg_get_expr(t.typdefaultbin, 0) AS default_value,
       CASE WHEN t.typtype = 'd' THEN
         ARRAY(SELECT dc.conname::text FROM pg_constraint dc
                WHERE dc.contypid = t.oid AND dc.contype = 'c' ORDER BY dc.conname)
       END AS check_names,
       CASE WHEN t.typtype = 'd' THEN
         ARRAY(SELECT pg_get_constraintdef(dc.oid) FROM pg_constraint dc
                WHERE dc.contypid = t.oid AND dc.contype = 'c' ORDER BY dc.conname)
       END AS check_definitions
  FROM pg_type t
  JOIN pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_type'::regclass AND d.objsubid = 0
 WHERE t.typtype IN ('e', 'd') AND ${USER_NAMESPACE} AND ${notExtensionMember('pg_type', 't.oid')}
 ORDER BY n.nspname, t.typname`;

/** The catalog statements in the order the reader expects their results. */
export function catalogStatements(exactSizes: boolean) {
  return {
    schemas: SCHEMAS_SQL,
    relations: relationsSql(exactSizes),
    columns: COLUMNS_SQL,
    comments: COMMENTS_SQL,
    constraints: CONSTRAINTS_SQL,
    indexes: indexesSql(exactSizes),
    triggers: TRIGGERS_SQL,
    functions: FUNCTIONS_SQL,
    sequences: SEQUENCES_SQL,
    types: TYPES_SQL,
  } as const;
}

/** Exact sizes of one relation by schema and name ($1, $2), as the model's exact sizes count them. */
export const EXACT_SIZES_SQL = `
SELECT ${EXACT_RELATION_SIZES.trim()},
       coalesce((SELECT json_agg(json_build_object('name', ic.relname, 'bytes', pg_total_relation_size(i.indexrelid)::float8)
                                 ORDER BY ic.relname)
                   FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                  WHERE i.indrelid = c.oid), '[]') AS indexes
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'm', 'f', 'v')`;

/** What a schema.name is, looked up with parameters before counting its rows. */
export const RELATION_KIND_SQL = `
SELECT c.relkind AS kind
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2`;
