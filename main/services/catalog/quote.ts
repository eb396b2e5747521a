/**
 * Identifier and literal quoting with PostgreSQL's own rules, for the DDL and
 * the few statements the catalog service builds. Values never go through
 * here when they can be query parameters; identifiers cannot be parameters.
 */

/**
 * Every keyword that quote_ident quotes (reserved, column-name and
 * type/function-name keywords: pg_get_keywords() WHERE catcode <> 'U' on
 * PostgreSQL 18, a superset of 13–17's lists).
 */
const NON_UNRESERVED_KEYWORDS: ReadonlySet<string> = new Set([
  'all',
  'analyse',
  'analyze',
  'and',
  'any',
  'array',
  'as',
  'asc',
  'asymmetric',
  'authorization',
  'between',
  'bigint',
  'binary',
  'bit',
  'boolean',
  'both',
  'case',
  'cast',
  'char',
  'character',
  'check',
  'coalesce',
  'collate',
  'collation',
  'column',
  'concurrently',
  'constraint',
  'create',
  'cross',
  'current_catalog',
  'current_date',
  'current_role',
  'current_schema',
  'current_time',
  'current_timestamp',
  'current_user',
  'dec',
  'decimal',
  'default',
  'deferrable',
  'desc',
  'distinct',
  'do',
  'else',
  'end',
  'except',
  'exists',
  'extract',
  'false',
  'fetch',
  'float',
  'for',
  'foreign',
  'freeze',
  'from',
  'full',
  'grant',
  'greatest',
  'group',
  'grouping',
  'having',
  'ilike',
  'in',
  'initially',
  'inner',
  'inout',
  'int',
  'integer',
  'intersect',
  'interval',
  'into',
  'is',
  'isnull',
  'join',
  'json',
  'json_array',
  'json_arrayagg',
  'json_exists',
  'json_object',
  'json_objectagg',
  'json_query',
  'json_scalar',
  'json_serialize',
  'json_table',
  'json_value',
  'lateral',
  'leading',
  'least',
  'left',
  'like',
  'limit',
  'localtime',
  'localtimestamp',
  'merge_action',
  'national',
  'natural',
  'nchar',
  'none',
  'normalize',
  'not',
  'notnull',
  'null',
  'nullif',
  'numeric',
  'offset',
  'on',
  'only',
  'or',
  'order',
  'out',
  'outer',
  'overlaps',
  'overlay',
  'placing',
  'position',
  'precision',
  'primary',
  'real',
  'references',
  'returning',
  'right',
  'row',
  'select',
  'session_user',
  'setof',
  'similar',
  'smallint',
  'some',
  'substring',
  'symmetric',
  'system_user',
  'table',
  'tablesample',
  'then',
  'time',
  'timestamp',
  'to',
  'trailing',
  'treat',
  'trim',
  'true',
  'union',
  'unique',
  'user',
  'using',
  'values',
  'varchar',
  'variadic',
  'verbose',
  'when',
  'where',
  'window',
  'with',
  'xmlattributes',
  'xmlconcat',
  'xmlelement',
  'xmlexists',
  'xmlforest',
  'xmlnamespaces',
  'xmlparse',
  'xmlpi',
  'xmlroot',
  'xmlserialize',
  'xmltable',
]);

const SAFE_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

// The same few thousand names come back again and again in a catalog (every
// table has an id); remembering them keeps DDL for big catalogs cheap.
const CACHE_LIMIT = 20_000;
const quoted = new Map<string, string>();

/** Quote an identifier exactly as PostgreSQL's quote_ident does. */
export function quoteIdent(name: string): string {
  const cached = quoted.get(name);
  if (cached !== undefined) return cached;
  if (name.includes('\0')) throw new Error('An identifier cannot contain a NUL character');
  const result =
    SAFE_IDENTIFIER.test(name) && !NON_UNRESERVED_KEYWORDS.has(name) ? name : `"${name.replaceAll('"', '""')}"`;
  if (quoted.size >= CACHE_LIMIT) quoted.clear();
  quoted.set(name, result);
  return result;
}

/** schema.name, each part quoted as needed. */
export function quoteQualified(...parts: string[]): string {
  return parts.map(quoteIdent).join('.');
}

/** A string literal as quote_literal writes it: E'…' when it holds a backslash. */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('A string literal cannot contain a NUL character');
  const body = value.replaceAll("'", "''");
  return value.includes('\\') ? `E'${body.replaceAll('\\', '\\\\')}'` : `'${body}'`;
}
