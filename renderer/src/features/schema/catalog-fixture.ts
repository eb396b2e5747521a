/** Small catalog models for the schema browser's tests, shaped like the stack (mixed-case names included). */
import type {
  CatalogColumn,
  CatalogForeignKey,
  CatalogFunction,
  CatalogModel,
  CatalogRelation,
  RelationKind,
} from '../../../../common/catalog';

export function column(name: string, position: number, type = 'bigint'): CatalogColumn {
  return {
    name,
    position,
    type,
    typeCategory: 'base',
    elementType: null,
    nullable: true,
    default: null,
    identity: null,
    generated: null,
    generationExpression: null,
    comment: null,
  };
}

export function fk(
  from: [schema: string, table: string],
  to: [schema: string, table: string],
  name: string,
  columns = ['userId'],
): CatalogForeignKey {
  return {
    name,
    schema: from[0],
    table: from[1],
    columns,
    referencedSchema: to[0],
    referencedTable: to[1],
    referencedColumns: ['id'],
    onDelete: 'cascade',
    onUpdate: 'no_action',
    definition: `FOREIGN KEY ("${columns.join('", "')}") REFERENCES ${to[0]}."${to[1]}"(id) ON DELETE CASCADE`,
    validated: true,
  };
}

export function relation(
  schema: string,
  name: string,
  kind: RelationKind = 'table',
  patch: Partial<CatalogRelation> = {},
): CatalogRelation {
  return {
    schema,
    name,
    kind,
    owner: 'postgres',
    comment: null,
    rowEstimate: 0,
    sizes: { tableBytes: 8192, indexBytes: 16384, toastBytes: 0, totalBytes: 24576 },
    columns: [column('id', 1)],
    constraints: [],
    foreignKeys: [],
    indexes: [],
    triggers: [],
    primaryKey: ['id'],
    viewDefinition: null,
    partitionOf: null,
    partitionKey: null,
    ddl: `CREATE TABLE ${schema}."${name}" (id bigint);`,
    ...patch,
  };
}

export function fn(
  schema: string,
  name: string,
  args = '',
  kind: CatalogFunction['kind'] = 'function',
): CatalogFunction {
  return {
    schema,
    name,
    kind,
    arguments: args,
    result: kind === 'procedure' ? null : 'integer',
    language: 'plpgsql',
    volatility: 'volatile',
    securityDefiner: false,
    comment: null,
    ddl: `CREATE OR REPLACE FUNCTION ${schema}.${name}(${args}) ...`,
  };
}

const schema = (name: string, isSystem = false) => ({ name, owner: 'postgres', comment: null, isSystem });

/** The stack in miniature: "User" and "BusinessSubscription" in public, ai/blockchain/analytics beside it. */
export function stackModel(): CatalogModel {
  return {
    database: 'app',
    serverVersion: '18.1',
    capturedAt: '2026-01-02T03:04:05.000Z',
    durationMs: 42,
    schemas: [
      schema('public'),
      schema('ai'),
      schema('analytics'),
      schema('blockchain'),
      schema('pg_catalog', true),
      schema('empty'),
    ],
    relations: [
      relation('public', 'User', 'table', { columns: [column('id', 1), column('displayName', 2, 'text')] }),
      relation('public', 'BusinessSubscription', 'table', {
        foreignKeys: [fk(['public', 'BusinessSubscription'], ['public', 'User'], 'BusinessSubscription_userId_fkey')],
      }),
      relation('public', 'business_notes', 'table', {
        foreignKeys: [
          fk(['public', 'business_notes'], ['public', 'BusinessSubscription'], 'business_notes_subscription_fkey', [
            'subscriptionId',
          ]),
        ],
      }),
      // A lower-case twin: "user" is a different table from "User".
      relation('public', 'user', 'table'),
      relation('analytics', 'events', 'table', {
        foreignKeys: [fk(['analytics', 'events'], ['public', 'User'], 'events_userId_fkey')],
      }),
      relation('analytics', 'daily_events', 'materialized_view'),
      relation('analytics', 'event_types', 'view'),
      relation('ai', 'cache_entries', 'table'),
      relation('ai', 'embeddings', 'partitioned_table'),
      relation('ai', 'embeddings_2026', 'table', { partitionOf: 'ai.embeddings' }),
      relation('blockchain', 'wallets', 'table'),
      relation('pg_catalog', 'pg_class', 'table'),
    ],
    functions: [
      fn('ai', 'cleanup_expired_cache'),
      fn('ai', 'similar', 'p_query text, p_limit integer'),
      fn('ai', 'similar', 'p_query text'),
      fn('analytics', 'rollup', 'p_day date', 'procedure'),
    ],
    sequences: [
      {
        schema: 'public',
        name: 'User_id_seq',
        dataType: 'bigint',
        start: '1',
        increment: '1',
        min: '1',
        max: '9223372036854775807',
        cycle: false,
        ownedBy: 'public.User.id',
        ddl: 'CREATE SEQUENCE public."User_id_seq";',
      },
    ],
    enums: [
      {
        schema: 'blockchain',
        name: 'ChainKind',
        labels: ['Solana', 'Ethereum'],
        comment: null,
        ddl: `CREATE TYPE blockchain."ChainKind" AS ENUM ('Solana', 'Ethereum');`,
      },
    ],
  };
}

/** A benchmark-sized catalog: `schemas` x `tables`. */
export function bigModel(schemas: number, tables: number): CatalogModel {
  const base = stackModel();
  const names = Array.from({ length: schemas }, (_, i) => `s${String(i).padStart(2, '0')}`);
  return {
    ...base,
    schemas: names.map((n) => schema(n)),
    relations: names.flatMap((s) => Array.from({ length: tables }, (_, t) => relation(s, `t${t}`))),
    functions: [],
    sequences: [],
    enums: [],
  };
}
