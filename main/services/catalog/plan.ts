/**
 * The whole-database DDL plan: every statement of the catalog, sorted into
 * the sections of databaseDdl, with relations in dependency order.
 */
import type { DatabaseDdlPlan, RelationDdl } from './ddl';
import {
  createFunctionSql,
  createSchemaSql,
  createSequenceSql,
  createTypeSql,
  functionCommentSql,
  schemaCommentSql,
  sequenceCommentSql,
  sequenceOwnershipSql,
  typeCommentSql,
} from './ddl';
import { quoteQualified } from './quote';
import type { FunctionRow, RelationRow, SchemaRow, SequenceRow, TypeRow } from './rows';

export interface PlanRows {
  database: string;
  serverVersion: string;
  schemas: SchemaRow[];
  relations: RelationRow[];
  functions: FunctionRow[];
  sequences: SequenceRow[];
  types: TypeRow[];
}

/** Parents (partition parents, inheritance parents) first, then views after what they read. */
function dependencyOrder(relations: RelationRow[]): RelationRow[] {
  const byKey = new Map(relations.map((r) => [quoteQualified(r.schema, r.name), r]));
  const byOid = new Map(relations.map((r) => [String(r.oid), r]));
  const done = new Set<RelationRow>();
  const visiting = new Set<RelationRow>();
  const out: RelationRow[] = [];
  const visit = (relation: RelationRow) => {
    if (done.has(relation) || visiting.has(relation)) return;
    visiting.add(relation);
    relation.parent_names.forEach((parent, i) => {
      const found = byKey.get(quoteQualified(relation.parent_schemas[i] ?? relation.schema, parent));
      if (found) visit(found);
    });
    for (const oid of relation.view_depends_on ?? []) {
      const found = byOid.get(oid);
      if (found) visit(found);
    }
    visiting.delete(relation);
    done.add(relation);
    out.push(relation);
  };
  relations.forEach(visit);
  return out;
}

export function buildPlan(rows: PlanRows, relationParts: Map<RelationRow, RelationDdl>): DatabaseDdlPlan {
  const plan: DatabaseDdlPlan = {
    database: rows.database,
    serverVersion: rows.serverVersion,
    schemas: rows.schemas.map((s) => createSchemaSql(s.name)),
    // Domains may be built on enums: enums first.
    types: [...rows.types].sort((a, b) => Number(a.kind === 'd') - Number(b.kind === 'd')).map(createTypeSql),
    sequences: rows.sequences.filter((s) => s.owner_kind !== 'i').map(createSequenceSql),
    functions: [],
    tables: [],
    sequenceOwnership: rows.sequences.map(sequenceOwnershipSql).filter((s): s is string => s !== null),
    constraints: [],
    indexes: [],
    foreignKeys: [],
    views: [],
    lateFunctions: [],
    triggers: [],
    comments: [
      ...rows.schemas.flatMap((s) => schemaCommentSql(s.name, s.comment)),
      ...rows.types.flatMap(typeCommentSql),
      ...rows.sequences.flatMap(sequenceCommentSql),
      ...rows.functions.flatMap(functionCommentSql),
    ],
  };
  for (const fn of rows.functions) {
    const create = createFunctionSql(fn);
    if (create !== null) (fn.sql_standard_body ? plan.lateFunctions : plan.functions).push(create);
  }
  const attach: string[] = [];
  for (const rel of dependencyOrder(rows.relations)) {
    const parts = relationParts.get(rel);
    if (!parts) continue;
    if (rel.kind === 'v' || rel.kind === 'm') {
      plan.views.push(parts.create, ...parts.indexes);
    } else {
      plan.tables.push(parts.create);
      plan.indexes.push(...parts.indexes);
      attach.push(...parts.attachIndexes);
    }
    plan.constraints.push(...parts.constraints);
    plan.foreignKeys.push(...parts.foreignKeys);
    plan.triggers.push(...parts.triggers);
    plan.comments.push(...parts.comments);
  }
  plan.indexes.push(...attach);
  return plan;
}
