/**
 * Reconstructed DDL. The server deparses what it can (pg_get_indexdef,
 * pg_get_constraintdef, pg_get_triggerdef, pg_get_viewdef,
 * pg_get_functiondef, format_type, pg_get_expr, all run with search_path =
 * pg_catalog so every user object comes out schema-qualified); this file
 * assembles the statements around them, quoting every identifier it adds.
 */
import type { ColumnRow, ConstraintRow, FunctionRow, IndexRow, RelationRow, SequenceRow, TypeRow } from './rows';
import { quoteIdent, quoteLiteral, quoteQualified } from './quote';

/** The statements that rebuild one relation, kept apart so a whole-database script can order them. */
export interface RelationDdl {
  /** CREATE TABLE / VIEW / MATERIALIZED VIEW / FOREIGN TABLE (a partition: PARTITION OF). */
  create: string;
  /** Constraints that cannot be written inline: NOT VALID checks, a partition's own constraints. */
  constraints: string[];
  indexes: string[];
  /** ALTER INDEX … ATTACH PARTITION, once both indexes exist. */
  attachIndexes: string[];
  foreignKeys: string[];
  triggers: string[];
  comments: string[];
}

const INDENT = '    ';

function commentOn(target: string, comment: string | null): string[] {
  return comment === null ? [] : [`COMMENT ON ${target} IS ${quoteLiteral(comment)};`];
}

/** reloptions / ftoptions entries are "name=value". */
function splitOption(option: string): [string, string] {
  const at = option.indexOf('=');
  return at < 0 ? [option, ''] : [option.slice(0, at), option.slice(at + 1)];
}

function withOptions(options: string[] | null): string {
  if (!options || options.length === 0) return '';
  const list = options.map((option) => {
    const [name, value] = splitOption(option);
    return `${/^[a-z_][a-z0-9_.]*$/.test(name) ? name : quoteIdent(name)}=${quoteLiteral(value)}`;
  });
  return ` WITH (${list.join(', ')})`;
}

function foreignOptions(options: string[] | null): string {
  if (!options || options.length === 0) return '';
  const list = options.map((option) => {
    const [name, value] = splitOption(option);
    return `${quoteIdent(name)} ${quoteLiteral(value)}`;
  });
  return ` OPTIONS (${list.join(', ')})`;
}

const TYPE_BOUNDS: Record<string, { min: string; max: string }> = {
  smallint: { min: '-32768', max: '32767' },
  integer: { min: '-2147483648', max: '2147483647' },
  bigint: { min: '-9223372036854775808', max: '9223372036854775807' },
};

/** Sequence options that differ from what CREATE SEQUENCE … AS type would pick by itself. */
function nonDefaultSequenceOptions(seq: SequenceRow): string[] {
  const bounds = TYPE_BOUNDS[seq.data_type] ?? TYPE_BOUNDS.bigint!;
  const descending = seq.increment.startsWith('-');
  const min = descending ? bounds.min : '1';
  const max = descending ? '-1' : bounds.max;
  const options: string[] = [];
  if (seq.start !== (descending ? max : min)) options.push(`START WITH ${seq.start}`);
  if (seq.increment !== '1') options.push(`INCREMENT BY ${seq.increment}`);
  if (seq.min !== min) options.push(`MINVALUE ${seq.min}`);
  if (seq.max !== max) options.push(`MAXVALUE ${seq.max}`);
  if (seq.cache !== '1') options.push(`CACHE ${seq.cache}`);
  if (seq.cycle) options.push('CYCLE');
  return options;
}

function identityClause(kind: 'a' | 'd', seq: SequenceRow | undefined, table: RelationRow, column: string): string {
  const head = `GENERATED ${kind === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`;
  if (!seq) return head;
  const options = nonDefaultSequenceOptions(seq);
  if (seq.schema !== table.schema || seq.name !== `${table.name}_${column}_seq`) {
    options.unshift(`SEQUENCE NAME ${quoteQualified(seq.schema, seq.name)}`);
  }
  return options.length ? `${head} (${options.join(' ')})` : head;
}

function columnDefinition(column: ColumnRow, table: RelationRow, identity: SequenceRow | undefined): string {
  let sql = `${quoteIdent(column.name)} ${column.type}`;
  if (column.collation !== null) {
    sql += ` COLLATE ${quoteQualified(column.collation_schema ?? 'pg_catalog', column.collation)}`;
  }
  if (column.generated !== '' && column.expression !== null) {
    sql += ` GENERATED ALWAYS AS (${column.expression}) ${column.generated === 'v' ? 'VIRTUAL' : 'STORED'}`;
  } else if (column.identity !== '') {
    sql += ` ${identityClause(column.identity, identity, table, column.name)}`;
  } else if (column.expression !== null) {
    sql += ` DEFAULT ${column.expression}`;
  }
  if (column.not_null) sql += ' NOT NULL';
  return sql;
}

function relationKeyword(kind: RelationRow['kind']): string {
  switch (kind) {
    case 'v':
      return 'VIEW';
    case 'm':
      return 'MATERIALIZED VIEW';
    case 'f':
      return 'FOREIGN TABLE';
    default:
      return 'TABLE';
  }
}

function viewBody(definition: string | null): string {
  return (definition ?? '').trim().replace(/;$/, '');
}

export interface RelationDdlInput {
  relation: RelationRow;
  columns: ColumnRow[];
  constraints: ConstraintRow[];
  indexes: IndexRow[];
  triggers: Array<{ name: string; enabled: string; definition: string; is_clone: boolean }>;
  /** Identity sequences of this relation's columns, by column name. */
  identitySequences: Map<string, SequenceRow>;
}

function createStatement(input: RelationDdlInput, inline: ConstraintRow[]): string {
  const rel = input.relation;
  const name = quoteQualified(rel.schema, rel.name);
  if (rel.kind === 'v' || rel.kind === 'm') {
    const head = `CREATE ${relationKeyword(rel.kind)} ${name}${withOptions(rel.options)} AS\n ${viewBody(rel.view_definition)}`;
    return rel.kind === 'v' ? `${head};` : `${head}\n  WITH ${rel.populated ? '' : 'NO '}DATA;`;
  }
  const partitionBy = rel.partition_key !== null ? ` PARTITION BY ${rel.partition_key}` : '';
  if (rel.is_partition) {
    const parent = quoteQualified(rel.parent_schemas[0] ?? rel.schema, rel.parent_names[0] ?? '');
    return `CREATE TABLE ${name} PARTITION OF ${parent}\n${INDENT}${rel.partition_bound ?? 'DEFAULT'}${partitionBy}${withOptions(rel.options)};`;
  }
  const lines: string[] = [];
  for (const column of input.columns) {
    if (!column.is_local) continue;
    const identity = column.identity === '' ? undefined : input.identitySequences.get(column.name);
    lines.push(INDENT + columnDefinition(column, rel, identity));
  }
  // The primary key first, as people write it; the rest in name order.
  for (const pass of [true, false]) {
    for (const constraint of inline) {
      if ((constraint.type === 'p') !== pass) continue;
      lines.push(`${INDENT}CONSTRAINT ${quoteIdent(constraint.name)} ${constraint.definition}`);
    }
  }
  const body = lines.length ? `(\n${lines.join(',\n')}\n)` : '()';
  if (rel.kind === 'f') {
    return `CREATE FOREIGN TABLE ${name} ${body}\n${INDENT}SERVER ${quoteIdent(rel.foreign_server ?? '')}${foreignOptions(rel.foreign_options)};`;
  }
  const inherits = rel.parent_names.length
    ? ` INHERITS (${rel.parent_names.map((parent, i) => quoteQualified(rel.parent_schemas[i] ?? rel.schema, parent)).join(', ')})`
    : '';
  const unlogged = rel.persistence === 'u' ? 'UNLOGGED ' : '';
  return `CREATE ${unlogged}TABLE ${name} ${body}${inherits}${partitionBy}${withOptions(rel.options)};`;
}

const ENABLE_TRIGGER: Record<string, string> = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' };

/** Every statement that rebuilds one relation and what hangs off it. */
export function relationDdl(input: RelationDdlInput): RelationDdl {
  const rel = input.relation;
  const name = quoteQualified(rel.schema, rel.name);
  const own = input.constraints.filter((c) => c.is_local);
  const canInline = (c: ConstraintRow) => c.type !== 'f' && c.validated && !rel.is_partition;
  const inline = own.filter(canInline);
  const constraints = own
    .filter((c) => c.type !== 'f' && !canInline(c))
    .map((c) => `ALTER TABLE ${name} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.definition};`);
  const foreignKeys = own
    .filter((c) => c.type === 'f')
    .map((c) => `ALTER TABLE ${name} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.definition};`);
  const standalone = input.indexes.filter((index) => index.constraint_name === null);
  const indexes = standalone.map((index) => `${index.definition};`);
  const attachIndexes = standalone
    .filter((index) => index.parent_index_name !== null)
    .map(
      (index) =>
        `ALTER INDEX ${quoteQualified(index.parent_index_schema ?? rel.schema, index.parent_index_name ?? '')} ` +
        `ATTACH PARTITION ${quoteQualified(rel.schema, index.name)};`,
    );
  const triggers: string[] = [];
  for (const trigger of input.triggers) {
    if (trigger.is_clone) continue;
    triggers.push(`${trigger.definition};`);
    const toggle = ENABLE_TRIGGER[trigger.enabled];
    if (toggle) triggers.push(`ALTER TABLE ${name} ${toggle} TRIGGER ${quoteIdent(trigger.name)};`);
  }
  const comments = commentOn(`${relationKeyword(rel.kind)} ${name}`, rel.comment);
  for (const column of input.columns) {
    if (column.comment !== null)
      comments.push(...commentOn(`COLUMN ${name}.${quoteIdent(column.name)}`, column.comment));
  }
  for (const index of input.indexes) {
    if (index.comment !== null)
      comments.push(...commentOn(`INDEX ${quoteQualified(rel.schema, index.name)}`, index.comment));
  }
  return {
    create: createStatement(input, inline),
    constraints,
    indexes,
    attachIndexes,
    foreignKeys,
    triggers,
    comments,
  };
}

/** One relation's DDL as a single script, in a replayable order. */
export function relationDdlText(parts: RelationDdl): string {
  return [
    parts.create,
    ...parts.constraints,
    ...parts.foreignKeys,
    ...parts.indexes,
    ...parts.attachIndexes,
    ...parts.triggers,
    ...parts.comments,
  ].join('\n');
}

export function createSequenceSql(seq: SequenceRow): string {
  return (
    `CREATE SEQUENCE ${quoteQualified(seq.schema, seq.name)} AS ${seq.data_type}\n` +
    `${INDENT}START WITH ${seq.start} INCREMENT BY ${seq.increment}\n` +
    `${INDENT}MINVALUE ${seq.min} MAXVALUE ${seq.max}\n` +
    `${INDENT}CACHE ${seq.cache}${seq.cycle ? ' CYCLE' : ' NO CYCLE'};`
  );
}

export function sequenceOwnershipSql(seq: SequenceRow): string | null {
  if (seq.owner_kind !== 'a' || seq.owner_table === null || seq.owner_column === null) return null;
  const owner = quoteQualified(seq.owner_schema ?? seq.schema, seq.owner_table, seq.owner_column);
  return `ALTER SEQUENCE ${quoteQualified(seq.schema, seq.name)} OWNED BY ${owner};`;
}

/**
 * A sequence's own DDL. An identity column's sequence is made by the column,
 * so its DDL is the ALTER TABLE that would give a plain column that identity.
 */
export function sequenceDdl(seq: SequenceRow, identityKind: 'a' | 'd' | null): string {
  const comment = commentOn(`SEQUENCE ${quoteQualified(seq.schema, seq.name)}`, seq.comment);
  if (seq.owner_kind === 'i' && seq.owner_table !== null && seq.owner_column !== null) {
    const table = quoteQualified(seq.owner_schema ?? seq.schema, seq.owner_table);
    const options = [`SEQUENCE NAME ${quoteQualified(seq.schema, seq.name)}`, ...nonDefaultSequenceOptions(seq)];
    const kind = identityKind === 'd' ? 'BY DEFAULT' : 'ALWAYS';
    return [
      `ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(seq.owner_column)} ADD GENERATED ${kind} AS IDENTITY (${options.join(' ')});`,
      ...comment,
    ].join('\n');
  }
  const ownership = sequenceOwnershipSql(seq);
  return [createSequenceSql(seq), ...(ownership ? [ownership] : []), ...comment].join('\n');
}

export function sequenceCommentSql(seq: SequenceRow): string[] {
  return commentOn(`SEQUENCE ${quoteQualified(seq.schema, seq.name)}`, seq.comment);
}

export function createTypeSql(type: TypeRow): string {
  const name = quoteQualified(type.schema, type.name);
  if (type.kind === 'e') {
    return `CREATE TYPE ${name} AS ENUM (${(type.labels ?? []).map(quoteLiteral).join(', ')});`;
  }
  let sql = `CREATE DOMAIN ${name} AS ${type.base_type ?? 'text'}`;
  if (type.default_value !== null) sql += ` DEFAULT ${type.default_value}`;
  if (type.not_null) sql += ' NOT NULL';
  const later: string[] = [];
  (type.check_names ?? []).forEach((check, i) => {
    const definition = type.check_definitions?.[i] ?? '';
    // CREATE DOMAIN has no NOT VALID; such a check is added afterwards, as it was.
    if (/ NOT VALID$/.test(definition)) {
      later.push(`ALTER DOMAIN ${name} ADD CONSTRAINT ${quoteIdent(check)} ${definition};`);
    } else {
      sql += `\n${INDENT}CONSTRAINT ${quoteIdent(check)} ${definition}`;
    }
  });
  return [`${sql};`, ...later].join('\n');
}

export function typeCommentSql(type: TypeRow): string[] {
  return commentOn(`${type.kind === 'e' ? 'TYPE' : 'DOMAIN'} ${quoteQualified(type.schema, type.name)}`, type.comment);
}

export function functionCommentSql(fn: FunctionRow): string[] {
  const keyword = fn.kind === 'p' ? 'PROCEDURE' : fn.kind === 'a' ? 'AGGREGATE' : 'FUNCTION';
  return commentOn(`${keyword} ${quoteQualified(fn.schema, fn.name)}(${fn.arguments})`, fn.comment);
}

/** pg_get_functiondef ends in a newline and no semicolon. */
export function createFunctionSql(fn: FunctionRow): string | null {
  return fn.ddl === null ? null : `${fn.ddl.trimEnd()};`;
}

export function createSchemaSql(name: string): string {
  return `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(name)};`;
}

export function schemaCommentSql(name: string, comment: string | null): string[] {
  return commentOn(`SCHEMA ${quoteIdent(name)}`, comment);
}

/** The whole database's statements, section by section, in the order they can be replayed. */
export interface DatabaseDdlPlan {
  database: string;
  serverVersion: string;
  schemas: string[];
  types: string[];
  sequences: string[];
  /** Functions whose bodies are not checked at creation (check_function_bodies is off). */
  functions: string[];
  tables: string[];
  sequenceOwnership: string[];
  constraints: string[];
  indexes: string[];
  foreignKeys: string[];
  /** Views and materialized views in dependency order, each followed by its indexes. */
  views: string[];
  /** SQL-standard bodies (BEGIN ATOMIC, RETURN), parsed at creation, so after what they read. */
  lateFunctions: string[];
  triggers: string[];
  comments: string[];
}

const SECTIONS: Array<[keyof DatabaseDdlPlan, string]> = [
  ['schemas', 'Schemas'],
  ['types', 'Enum types and domains'],
  ['sequences', 'Sequences'],
  ['functions', 'Functions and procedures'],
  ['tables', 'Tables'],
  ['sequenceOwnership', 'Sequence ownership'],
  ['constraints', 'Constraints added after the tables'],
  ['indexes', 'Indexes'],
  ['foreignKeys', 'Foreign keys'],
  ['views', 'Views and materialized views'],
  ['lateFunctions', 'Functions with SQL-standard bodies'],
  ['triggers', 'Triggers'],
  ['comments', 'Comments'],
];

/**
 * The whole-database script: schemas, types, sequences, functions, tables,
 * indexes, foreign keys, views, triggers, comments. Functions come before the
 * tables because defaults, checks, generated columns and index expressions
 * may call them; their bodies are not checked then, as pg_dump does.
 */
export function databaseDdl(plan: DatabaseDdlPlan): string {
  const out = [
    `-- Reconstructed by ops-console from the catalog of database ${plan.database} (PostgreSQL ${plan.serverVersion}).`,
    'SET check_function_bodies = false;',
    "SELECT pg_catalog.set_config('search_path', '', false);",
  ];
  for (const [key, title] of SECTIONS) {
    const statements = plan[key];
    if (!Array.isArray(statements) || statements.length === 0) continue;
    out.push('', `-- ${title}`, ...statements);
  }
  return `${out.join('\n')}\n`;
}
