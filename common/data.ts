import { z } from 'zod';
import { dataSourceRef } from './profiles';

/**
 * Values cross transports as JSON: every PostgreSQL value is sent as its text
 * form (exact: numeric digits, bigint, timestamps with microseconds, bytea as
 * \x hex), except json/jsonb which arrive parsed, bool which arrives as
 * true/false, and NULL which is null.
 */
export type CellValue = string | number | boolean | null | JsonValue;
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ResultColumn {
  name: string;
  /** Type text, e.g. "integer", "jsonb", "character varying". */
  type: string;
  /** The relation column this comes from, when PostgreSQL says so. */
  tableColumn: string | null;
}

export const filterOperators = [
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'contains',
  'starts_with',
  'is_null',
  'is_not_null',
] as const;
export type FilterOperator = (typeof filterOperators)[number];

const identifier = z.string().min(1).max(255);

export const dataPageInput = z
  .object({
    connection: dataSourceRef,
    schema: identifier,
    table: identifier,
    sort: z
      .array(z.object({ column: identifier, direction: z.enum(['asc', 'desc']) }).strict())
      .max(8)
      .optional(),
    filters: z
      .array(
        z
          .object({
            column: identifier,
            operator: z.enum(filterOperators),
            /** Always sent as a parameter, never spliced into SQL. */
            value: z.string().max(10_000).optional(),
          })
          .strict(),
      )
      .max(20)
      .optional(),
    /** Opaque cursor from the previous page (keyset mode). */
    cursor: z.string().max(100_000).nullable().optional(),
    /** Page number from 0 (offset mode, or to jump). */
    page: z.number().int().min(0).max(10_000_000).optional(),
    pageSize: z.number().int().min(1).max(5000).optional(),
  })
  .strict();
export type DataPageInput = z.input<typeof dataPageInput>;

export interface DataPage {
  columns: ResultColumn[];
  rows: CellValue[][];
  /** keyset when the table has a primary key and the sort allows it; offset otherwise. */
  mode: 'keyset' | 'offset';
  /** Why offset mode was used, shown to the user. */
  note: string | null;
  nextCursor: string | null;
  hasMore: boolean;
  page: number;
  pageSize: number;
  durationMs: number;
}

export interface SqlResult {
  /** The command tag: SELECT, INSERT, UPDATE, … */
  command: string;
  columns: ResultColumn[];
  rows: CellValue[][];
  /** Rows affected or returned as PostgreSQL reports them. */
  rowCount: number | null;
  /** True when more rows existed than maxRows. */
  truncated: boolean;
  durationMs: number;
  notices: string[];
  /** Whether the statement ran in a read-only transaction. */
  readOnly: boolean;
}

export interface ExplainNode {
  nodeType: string;
  relation: string | null;
  startupCost: number;
  totalCost: number;
  planRows: number;
  actualRows: number | null;
  actualTimeMs: number | null;
  details: Record<string, string>;
  children: ExplainNode[];
}

export interface ExplainResult {
  plan: ExplainNode;
  planningTimeMs: number | null;
  executionTimeMs: number | null;
  analyzed: boolean;
  raw: JsonValue;
}
