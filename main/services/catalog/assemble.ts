/**
 * Turns the catalog queries' rows into the CatalogModel and the whole-database
 * DDL plan. Pure: no I/O, so it is cheap to test and costs only linear time.
 */
import type {
  CatalogColumn,
  CatalogConstraint,
  CatalogEnum,
  CatalogForeignKey,
  CatalogFunction,
  CatalogIndex,
  CatalogRelation,
  CatalogSequence,
  CatalogTrigger,
  ConstraintType,
  ForeignKeyAction,
  RelationKind,
  TypeCategory,
} from '../../../common/catalog';
import type { DatabaseDdlPlan, RelationDdl } from './ddl';
import { buildPlan } from './plan';
import {
  createFunctionSql,
  createTypeSql,
  functionCommentSql,
  relationDdl,
  relationDdlText,
  sequenceDdl,
  typeCommentSql,
} from './ddl';
import { quoteQualified } from './quote';
import type {
  ColumnRow,
  CommentRow,
  ConstraintRow,
  FunctionRow,
  IndexRow,
  RelationRow,
  SchemaRow,
  SequenceRow,
  TriggerRow,
  TypeRow,
} from './rows';

export interface CatalogRows {
  database: string;
  serverVersion: string;
  schemas: SchemaRow[];
  relations: RelationRow[];
  columns: ColumnRow[];
  comments: CommentRow[];
  constraints: ConstraintRow[];
  indexes: IndexRow[];
  triggers: TriggerRow[];
  functions: FunctionRow[];
  sequences: SequenceRow[];
  types: TypeRow[];
}

/** A domain: not (yet) part of CatalogModel, but needed to rebuild columns that use it. */
export interface CatalogDomain {
  schema: string;
  name: string;
  baseType: string;
  notNull: boolean;
  default: string | null;
  checks: Array<{ name: string; definition: string }>;
  comment: string | null;
  ddl: string;
}

const RELATION_KINDS: Record<RelationRow['kind'], RelationKind> = {
  r: 'table',
  v: 'view',
  m: 'materialized_view',
  p: 'partitioned_table',
  f: 'foreign_table',
};

const CONSTRAINT_TYPES: Record<Exclude<ConstraintRow['type'], 'f'>, ConstraintType> = {
  p: 'primary_key',
  u: 'unique',
  c: 'check',
  x: 'exclusion',
};

const FK_ACTIONS: Record<string, ForeignKeyAction> = {
  a: 'no_action',
  r: 'restrict',
  c: 'cascade',
  n: 'set_null',
  d: 'set_default',
};

const FUNCTION_KINDS = { f: 'function', p: 'procedure', a: 'aggregate', w: 'window' } as const;
const VOLATILITY = { i: 'immutable', s: 'stable', v: 'volatile' } as const;

// pg_trigger.tgtype bits (catalog/pg_trigger.h).
const TRIGGER_ROW = 1;
const TRIGGER_BEFORE = 2;
const TRIGGER_INSERT = 4;
const TRIGGER_DELETE = 8;
const TRIGGER_UPDATE = 16;
const TRIGGER_TRUNCATE = 32;
const TRIGGER_INSTEAD = 64;

function typeCategory(row: ColumnRow): TypeCategory {
  switch (row.typtype) {
    case 'e':
      return 'enum';
    case 'd':
      return 'domain';
    case 'c':
      return 'composite';
    case 'r':
      return 'range';
    case 'm':
      return 'multirange';
    case 'p':
      return 'pseudo';
    default:
      return row.typcategory === 'A' ? 'array' : 'base';
  }
}

function groupBy<T>(rows: T[], key: (row: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

function toColumn(row: ColumnRow): CatalogColumn {
  return {
    name: row.name,
    position: row.position,
    type: row.type,
    typeCategory: typeCategory(row),
    elementType: row.element_type,
    nullable: !row.not_null,
    default: row.generated === '' && row.identity === '' ? row.expression : null,
    identity: row.identity === 'a' ? 'always' : row.identity === 'd' ? 'by_default' : null,
    generated: row.generated === 's' ? 'stored' : row.generated === 'v' ? 'virtual' : null,
    generationExpression: row.generated !== '' ? row.expression : null,
    comment: row.comment,
  };
}

function toTrigger(row: TriggerRow): CatalogTrigger {
  const events: CatalogTrigger['events'] = [];
  if (row.type & TRIGGER_INSERT) events.push('INSERT');
  if (row.type & TRIGGER_UPDATE) events.push('UPDATE');
  if (row.type & TRIGGER_DELETE) events.push('DELETE');
  if (row.type & TRIGGER_TRUNCATE) events.push('TRUNCATE');
  return {
    name: row.name,
    timing: row.type & TRIGGER_INSTEAD ? 'INSTEAD OF' : row.type & TRIGGER_BEFORE ? 'BEFORE' : 'AFTER',
    events,
    level: row.type & TRIGGER_ROW ? 'ROW' : 'STATEMENT',
    function: quoteQualified(row.function_schema, row.function_name),
    enabled: row.enabled !== 'D',
    definition: row.definition,
  };
}

export interface AssembledCatalog {
  relations: CatalogRelation[];
  functions: CatalogFunction[];
  sequences: CatalogSequence[];
  enums: CatalogEnum[];
  domains: CatalogDomain[];
  plan: DatabaseDdlPlan;
}

/** The queries leave comments out (a join per row costs more than this); fill in the few there are. */
function attachComments(rows: CatalogRows, columnsByRel: Map<number, ColumnRow[]>): void {
  if (rows.comments.length === 0) return;
  const byOid = new Map<number, Map<number, string>>();
  for (const c of rows.comments) {
    const entry = byOid.get(c.oid) ?? new Map<number, string>();
    entry.set(c.position, c.comment);
    byOid.set(c.oid, entry);
  }
  for (const r of rows.relations) {
    const entry = byOid.get(r.oid);
    if (!entry) continue;
    r.comment = entry.get(0) ?? null;
    for (const c of columnsByRel.get(r.oid) ?? []) c.comment = entry.get(c.position) ?? null;
  }
  for (const i of rows.indexes) i.comment = byOid.get(i.oid)?.get(0) ?? null;
  for (const s of rows.sequences) s.comment = byOid.get(s.oid)?.get(0) ?? null;
}

/** Which constraint each index implements; the index query leaves it to the constraints query. */
function attachIndexConstraints(rows: CatalogRows): void {
  const byIndex = new Map<number, string>();
  for (const c of rows.constraints) if (c.index_oid !== null) byIndex.set(c.index_oid, c.name);
  for (const i of rows.indexes) {
    const name = byIndex.get(i.oid);
    if (name !== undefined) i.constraint_name = name;
  }
}

export function assembleCatalog(rows: CatalogRows): AssembledCatalog {
  const columnsByRel = groupBy(rows.columns, (c) => c.relid);
  // The query returns columns unordered; attnum order is the model's.
  for (const columns of columnsByRel.values()) columns.sort((a, b) => a.position - b.position);
  attachComments(rows, columnsByRel);
  attachIndexConstraints(rows);
  const constraintsByRel = groupBy(rows.constraints, (c) => c.relid);
  const indexesByRel = groupBy(rows.indexes, (i) => i.relid);
  const triggersByRel = groupBy(rows.triggers, (t) => t.relid);
  // Keyed by schema, table and column joined with NULs, which no name can contain.
  const columnKey = (schema: string, table: string, column: string) => `${schema}\0${table}\0${column}`;
  const identitySequences = new Map<string, SequenceRow>();
  for (const seq of rows.sequences) {
    if (seq.owner_kind === 'i' && seq.owner_table !== null && seq.owner_column !== null) {
      identitySequences.set(columnKey(seq.owner_schema ?? '', seq.owner_table, seq.owner_column), seq);
    }
  }
  const identityKinds = new Map<string, 'a' | 'd'>();

  const relationParts = new Map<RelationRow, RelationDdl>();
  const relations: CatalogRelation[] = rows.relations.map((rel) => {
    const columnRows = columnsByRel.get(rel.oid) ?? [];
    const names: string[] = [];
    for (const c of columnRows) names[c.position] = c.name;
    const columnName = (attnum: number) => names[attnum] ?? `#${attnum}`;
    const constraintRows = constraintsByRel.get(rel.oid) ?? [];
    const indexRows = indexesByRel.get(rel.oid) ?? [];
    const triggerRows = triggersByRel.get(rel.oid) ?? [];
    const ownIdentity = new Map<string, SequenceRow>();
    for (const column of columnRows) {
      if (column.identity === '') continue;
      const key = columnKey(rel.schema, rel.name, column.name);
      const seq = identitySequences.get(key);
      if (seq) ownIdentity.set(column.name, seq);
      identityKinds.set(key, column.identity);
    }
    const parts = relationDdl({
      relation: rel,
      columns: columnRows,
      constraints: constraintRows,
      indexes: indexRows,
      triggers: triggerRows,
      identitySequences: ownIdentity,
    });
    relationParts.set(rel, parts);

    const constraints: CatalogConstraint[] = [];
    const foreignKeys: CatalogForeignKey[] = [];
    for (const c of constraintRows) {
      const columns = (c.keys ?? []).map(columnName);
      if (c.type === 'f') {
        foreignKeys.push({
          name: c.name,
          schema: rel.schema,
          table: rel.name,
          columns,
          referencedSchema: c.ref_schema ?? '',
          referencedTable: c.ref_table ?? '',
          referencedColumns: c.ref_columns ?? [],
          onDelete: FK_ACTIONS[c.on_delete] ?? 'no_action',
          onUpdate: FK_ACTIONS[c.on_update] ?? 'no_action',
          definition: c.definition,
          validated: c.validated,
        });
      } else {
        constraints.push({
          name: c.name,
          type: CONSTRAINT_TYPES[c.type],
          columns,
          definition: c.definition,
          deferrable: c.deferrable,
          validated: c.validated,
        });
      }
    }
    const indexes: CatalogIndex[] = indexRows.map((i) => ({
      name: i.name,
      method: i.method,
      definition: i.definition,
      columns: i.keys
        .slice(0, i.key_count)
        .map((attnum, k) => (attnum > 0 ? columnName(attnum) : (i.key_texts?.[k] ?? ''))),
      unique: i.is_unique,
      primary: i.is_primary,
      predicate: i.predicate,
      valid: i.is_valid,
      sizeBytes: i.size_bytes,
      comment: i.comment,
    }));
    const indexBytes = indexes.reduce((sum, i) => sum + i.sizeBytes, 0);
    const tableBytes = Math.max(0, rel.table_and_toast_bytes - rel.toast_bytes);
    const isView = rel.kind === 'v';
    return {
      schema: rel.schema,
      name: rel.name,
      kind: RELATION_KINDS[rel.kind],
      owner: rel.owner,
      comment: rel.comment,
      rowEstimate: isView || rel.reltuples < 0 ? null : rel.reltuples,
      sizes: {
        tableBytes,
        indexBytes,
        toastBytes: rel.toast_bytes,
        totalBytes: tableBytes + indexBytes + rel.toast_bytes,
      },
      columns: columnRows.map(toColumn),
      constraints,
      foreignKeys,
      indexes,
      triggers: triggerRows.map(toTrigger),
      primaryKey: constraintRows.find((c) => c.type === 'p')?.keys?.map(columnName) ?? [],
      viewDefinition: rel.view_definition,
      partitionOf:
        rel.is_partition && rel.parent_names[0] !== undefined
          ? quoteQualified(rel.parent_schemas[0] ?? rel.schema, rel.parent_names[0])
          : null,
      partitionKey: rel.partition_key,
      ddl: relationDdlText(parts),
    };
  });

  const functions: CatalogFunction[] = rows.functions.map((fn) => {
    const create = createFunctionSql(fn);
    return {
      schema: fn.schema,
      name: fn.name,
      kind: FUNCTION_KINDS[fn.kind],
      arguments: fn.arguments,
      result: fn.result,
      language: fn.language,
      volatility: VOLATILITY[fn.volatility],
      securityDefiner: fn.security_definer,
      comment: fn.comment,
      ddl: create === null ? null : [create, ...functionCommentSql(fn)].join('\n'),
    };
  });

  const sequences: CatalogSequence[] = rows.sequences.map((seq) => ({
    schema: seq.schema,
    name: seq.name,
    dataType: seq.data_type,
    start: seq.start,
    increment: seq.increment,
    min: seq.min,
    max: seq.max,
    cycle: seq.cycle,
    ownedBy:
      seq.owner_table !== null && seq.owner_column !== null
        ? quoteQualified(seq.owner_schema ?? seq.schema, seq.owner_table, seq.owner_column)
        : null,
    ddl: sequenceDdl(
      seq,
      identityKinds.get(columnKey(seq.owner_schema ?? '', seq.owner_table ?? '', seq.owner_column ?? '')) ?? null,
    ),
  }));

  const typeDdl = (type: TypeRow) => [createTypeSql(type), ...typeCommentSql(type)].join('\n');
  const enums: CatalogEnum[] = rows.types
    .filter((t) => t.kind === 'e')
    .map((t) => ({ schema: t.schema, name: t.name, labels: t.labels ?? [], comment: t.comment, ddl: typeDdl(t) }));
  const domains: CatalogDomain[] = rows.types
    .filter((t) => t.kind === 'd')
    .map((t) => ({
      schema: t.schema,
      name: t.name,
      baseType: t.base_type ?? '',
      notNull: t.not_null,
      default: t.default_value,
      checks: (t.check_names ?? []).map((name, i) => ({ name, definition: t.check_definitions?.[i] ?? '' })),
      comment: t.comment,
      ddl: typeDdl(t),
    }));

  return { relations, functions, sequences, enums, domains, plan: buildPlan(rows, relationParts) };
}
