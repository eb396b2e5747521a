/**
 * The shapes of the catalog queries' rows (queries.ts), as node-postgres
 * returns them: oids and int2 as numbers, int8 and numeric as strings,
 * "char" columns as one-character strings.
 */

export interface InfoRow {
  version_num: number;
  version: string;
  database: string;
  lock_slots: number;
  relation_opens: number;
}

export interface SchemaRow {
  name: string;
  owner: string;
  comment: string | null;
}

/** pg_class comments: position 0 for the object itself, n for its column n. */
export interface CommentRow {
  oid: number;
  position: number;
  comment: string;
}

export type RelkindChar = 'r' | 'v' | 'm' | 'p' | 'f';

export interface RelationRow {
  oid: number;
  schema: string;
  name: string;
  kind: RelkindChar;
  owner: string;
  /** Filled in from CommentRow. */
  comment: string | null;
  reltuples: number;
  persistence: string;
  options: string[] | null;
  populated: boolean;
  table_and_toast_bytes: number;
  toast_bytes: number;
  view_definition: string | null;
  partition_key: string | null;
  partition_bound: string | null;
  is_partition: boolean;
  parent_schemas: string[];
  parent_names: string[];
  /** int8[] of the relations a view's query reads (strings, as node-postgres returns int8). */
  view_depends_on: string[] | null;
  foreign_server: string | null;
  foreign_options: string[] | null;
}

export interface ColumnRow {
  relid: number;
  position: number;
  name: string;
  type: string;
  typtype: string;
  typcategory: string;
  element_type: string | null;
  not_null: boolean;
  identity: '' | 'a' | 'd';
  generated: '' | 's' | 'v';
  is_local: boolean;
  expression: string | null;
  collation: string | null;
  collation_schema: string | null;
  /** Filled in from CommentRow. */
  comment: string | null;
}

export interface ConstraintRow {
  relid: number;
  name: string;
  type: 'p' | 'u' | 'c' | 'x' | 'f';
  deferrable: boolean;
  validated: boolean;
  /** Declared on this relation, not inherited from a parent or cloned from a partitioned one. */
  is_local: boolean;
  definition: string;
  keys: number[] | null;
  /** The index that implements a primary key, unique or exclusion constraint. */
  index_oid: number | null;
  ref_schema: string | null;
  ref_table: string | null;
  ref_columns: string[] | null;
  on_delete: string;
  on_update: string;
}

export interface IndexRow {
  relid: number;
  oid: number;
  name: string;
  method: string;
  definition: string;
  keys: number[];
  key_count: number;
  /** pg_get_indexdef per key column; only fetched for indexes with expressions. */
  key_texts: string[] | null;
  is_unique: boolean;
  is_primary: boolean;
  is_valid: boolean;
  predicate: string | null;
  size_bytes: number;
  /** Filled in from CommentRow. */
  comment: string | null;
  /** Filled in from ConstraintRow.index_oid: the constraint this index implements (which creates it). */
  constraint_name: string | null;
  parent_index_schema: string | null;
  parent_index_name: string | null;
}

export interface TriggerRow {
  relid: number;
  name: string;
  type: number;
  enabled: string;
  function_schema: string;
  function_name: string;
  definition: string;
  /** Cloned onto a partition from its partitioned parent's trigger. */
  is_clone: boolean;
}

export interface FunctionRow {
  schema: string;
  name: string;
  kind: 'f' | 'p' | 'a' | 'w';
  arguments: string;
  result: string | null;
  language: string;
  volatility: 'i' | 's' | 'v';
  security_definer: boolean;
  comment: string | null;
  ddl: string | null;
  /** BEGIN ATOMIC / RETURN bodies are parsed at creation, so they must follow the tables they use. */
  sql_standard_body: boolean;
}

export interface SequenceRow {
  oid: number;
  schema: string;
  name: string;
  data_type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /** Filled in from CommentRow. */
  comment: string | null;
  owner_schema: string | null;
  owner_table: string | null;
  owner_column: string | null;
  /** 'a': owned by a column (serial, OWNED BY); 'i': the sequence of an identity column. */
  owner_kind: 'a' | 'i' | null;
}

export interface TypeRow {
  schema: string;
  name: string;
  kind: 'e' | 'd';
  comment: string | null;
  labels: string[] | null;
  base_type: string | null;
  not_null: boolean;
  default_value: string | null;
  check_names: string[] | null;
  check_definitions: string[] | null;
}
