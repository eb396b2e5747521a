/**
 * The catalog model as @codemirror/lang-sql's completion namespace: schema →
 * table → columns, with names that need it inserted quoted ("User").
 */
import type { Completion } from '@codemirror/autocomplete';
import type { SQLNamespace } from '@codemirror/lang-sql';
import type { CatalogModel, RelationKind } from '../../../../common/catalog';

/** PostgreSQL's reserved key words: as identifiers they must be quoted. */
const reserved = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate ' +
    'collation column concurrently constraint create cross current_catalog current_date current_role ' +
    'current_schema current_time current_timestamp current_user default deferrable desc distinct do else end ' +
    'except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into ' +
    'is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on ' +
    'only or order outer overlaps placing primary references returning right select session_user similar some ' +
    'symmetric system_user table tablesample then to trailing true union unique user using variadic verbose ' +
    'when where window with'
  ).split(' '),
);

/** The identifier as it must be typed: bare when PostgreSQL would fold it to itself, else double-quoted. */
export function quoteIdentifierIfNeeded(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !reserved.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

/** lang-sql splits namespace keys on dots; a dot inside a name is escaped. */
function namespaceKey(name: string): string {
  return name.replace(/\./g, '\\.');
}

function completion(name: string, type: string, detail: string): Completion {
  const typed = quoteIdentifierIfNeeded(name);
  return typed === name ? { label: name, type, detail } : { label: name, type, detail, apply: typed };
}

const kindLabels: Record<RelationKind, string> = {
  table: 'table',
  view: 'view',
  materialized_view: 'materialized view',
  partitioned_table: 'partitioned table',
  foreign_table: 'foreign table',
};

interface TableEntry {
  self: Completion;
  children: Completion[];
}
interface SchemaEntry {
  self: Completion;
  children: Record<string, TableEntry>;
}

export interface CompletionSchema {
  namespace: SQLNamespace;
  /** Tables of this schema complete without a prefix. */
  defaultSchema: string | undefined;
  relationCount: number;
}

/** System schemas are left out: they would drown the user's own names. */
export function buildCompletionSchema(model: CatalogModel): CompletionSchema {
  const schemas: Record<string, SchemaEntry> = {};
  for (const schema of model.schemas) {
    if (schema.isSystem) continue;
    schemas[namespaceKey(schema.name)] = { self: completion(schema.name, 'namespace', 'schema'), children: {} };
  }
  let relationCount = 0;
  for (const relation of model.relations) {
    const schema = schemas[namespaceKey(relation.schema)];
    if (!schema) continue;
    relationCount++;
    schema.children[namespaceKey(relation.name)] = {
      self: completion(relation.name, 'type', kindLabels[relation.kind]),
      children: relation.columns.map((column) => completion(column.name, 'property', column.type)),
    };
  }
  return {
    namespace: schemas,
    defaultSchema: schemas.public ? 'public' : undefined,
    relationCount,
  };
}
