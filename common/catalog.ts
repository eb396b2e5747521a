/**
 * The catalog model: everything the schema browser shows about a database,
 * produced by a handful of set-based catalog queries (main/services/catalog).
 * Snapshots store this model too, so it is plain JSON.
 */

export type RelationKind = 'table' | 'view' | 'materialized_view' | 'partitioned_table' | 'foreign_table';

export interface CatalogSchema {
  name: string;
  owner: string;
  comment: string | null;
  isSystem: boolean;
}

export type TypeCategory = 'base' | 'array' | 'enum' | 'domain' | 'composite' | 'range' | 'multirange' | 'pseudo';

export interface CatalogColumn {
  name: string;
  /** 1-based attnum order. */
  position: number;
  /** Full type text as PostgreSQL prints it: numeric(10,2), character varying(255), text[], ai."Mood". */
  type: string;
  typeCategory: TypeCategory;
  /** For arrays, the element type text; for domains, the base type text. */
  elementType: string | null;
  nullable: boolean;
  default: string | null;
  identity: 'always' | 'by_default' | null;
  generated: 'stored' | 'virtual' | null;
  /** The expression of a generated column. */
  generationExpression: string | null;
  comment: string | null;
}

export type ConstraintType = 'primary_key' | 'unique' | 'check' | 'exclusion';

export interface CatalogConstraint {
  name: string;
  type: ConstraintType;
  columns: string[];
  /** pg_get_constraintdef, e.g. "PRIMARY KEY (id)", "CHECK ((amount > 0))". */
  definition: string;
  deferrable: boolean;
  validated: boolean;
}

export type ForeignKeyAction = 'no_action' | 'restrict' | 'cascade' | 'set_null' | 'set_default';

export interface CatalogForeignKey {
  name: string;
  /** The referencing side (this relation). */
  schema: string;
  table: string;
  columns: string[];
  referencedSchema: string;
  referencedTable: string;
  referencedColumns: string[];
  onDelete: ForeignKeyAction;
  onUpdate: ForeignKeyAction;
  definition: string;
  validated: boolean;
}

export interface CatalogIndex {
  name: string;
  /** btree, gin, gist, hash, brin, spgist, … */
  method: string;
  /** pg_get_indexdef. */
  definition: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
  /** The WHERE clause of a partial index. */
  predicate: string | null;
  valid: boolean;
  sizeBytes: number;
  comment: string | null;
}

export interface CatalogTrigger {
  name: string;
  timing: 'BEFORE' | 'AFTER' | 'INSTEAD OF';
  events: Array<'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE'>;
  level: 'ROW' | 'STATEMENT';
  /** Schema-qualified function name, quoted as PostgreSQL prints it. */
  function: string;
  enabled: boolean;
  /** pg_get_triggerdef. */
  definition: string;
}

export interface CatalogRelation {
  schema: string;
  name: string;
  kind: RelationKind;
  owner: string;
  comment: string | null;
  /** reltuples; null when never analysed. */
  rowEstimate: number | null;
  /** Exact, or estimated from relpages when the model says sizesEstimated. */
  sizes: RelationSizes;
  columns: CatalogColumn[];
  constraints: CatalogConstraint[];
  /** Outgoing foreign keys (this relation references another). Incoming ones are found by scanning all relations. */
  foreignKeys: CatalogForeignKey[];
  indexes: CatalogIndex[];
  triggers: CatalogTrigger[];
  /** Column names of the primary key, in key order; empty when there is none. */
  primaryKey: string[];
  /** View and materialized view query (pg_get_viewdef). */
  viewDefinition: string | null;
  /** The parent of a partition, schema-qualified and quoted as PostgreSQL prints it (public."Parent"). */
  partitionOf: string | null;
  /** Partition key for partitioned tables (pg_get_partkeydef). */
  partitionKey: string | null;
  /** Reconstructed DDL: CREATE statement, constraints, indexes, triggers, comments. */
  ddl: string;
}

export interface CatalogFunction {
  schema: string;
  name: string;
  kind: 'function' | 'procedure' | 'aggregate' | 'window';
  /** pg_get_function_identity_arguments, e.g. "p_user uuid, p_limit integer". */
  arguments: string;
  /** pg_get_function_result; null for procedures. */
  result: string | null;
  language: string;
  volatility: 'immutable' | 'stable' | 'volatile';
  securityDefiner: boolean;
  comment: string | null;
  /** pg_get_functiondef (CREATE OR REPLACE …); null for aggregates. */
  ddl: string | null;
}

export interface CatalogSequence {
  schema: string;
  name: string;
  dataType: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cycle: boolean;
  /** The owning column (serial/identity), quoted as PostgreSQL prints it: public."User".id. */
  ownedBy: string | null;
  ddl: string;
}

export interface CatalogEnum {
  schema: string;
  name: string;
  labels: string[];
  comment: string | null;
  ddl: string;
}

export interface RelationSizes {
  tableBytes: number;
  indexBytes: number;
  toastBytes: number;
  totalBytes: number;
}

/** Exact sizes of one table, read on demand (schema.sizes). */
export interface ExactSizes extends RelationSizes {
  indexes: Array<{ name: string; sizeBytes: number }>;
}

export interface CatalogModel {
  database: string;
  serverVersion: string;
  capturedAt: string;
  /** Milliseconds spent in the catalog queries. */
  durationMs: number;
  /**
   * The sizes come from relpages (as fresh as the last VACUUM, ANALYZE or
   * CREATE INDEX) rather than from the files: so it is for big catalogs,
   * where exact sizes would open every relation, and in snapshots. Exact
   * sizes of a table are read on demand (schema.sizes). Absent: exact.
   */
  sizesEstimated?: boolean;
  schemas: CatalogSchema[];
  relations: CatalogRelation[];
  functions: CatalogFunction[];
  sequences: CatalogSequence[];
  enums: CatalogEnum[];
}
