import type pg from 'pg';
import type { z } from 'zod';
import type { CellValue, DataPage, dataPageInput, FilterOperator } from '../../../common/data';
import { OpsError } from '../../../common/errors';
import { rollbackQuietly } from './client-source';
import type { SortKey } from './keyset';
import { afterCursorCondition, cursorSignature, decodeCursor, encodeCursor, orderByClause, Params } from './keyset';
import { escapeLike, qualifiedName, quoteIdent } from './quote';
import type { ColumnInfo, RelationInfo } from './relation';
import { columnOf, describeRelation } from './relation';
import { mapSqlError, sqlState } from './sql-errors';
import { cellToText, exactTypes, isJsonType } from './values';

export const DEFAULT_PAGE_SIZE = 500;

/** data.page input without the connection (the caller has already picked the client). */
export type PageRequest = Omit<z.output<typeof dataPageInput>, 'connection'>;
type Filter = NonNullable<PageRequest['filters']>[number];

const COMPARISONS: Partial<Record<FilterOperator, string>> = {
  eq: '=',
  // "not equal" keeps the NULL rows, as a user reading the grid expects.
  ne: 'IS DISTINCT FROM',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

function filterCondition(relation: RelationInfo, filter: Filter, params: Params): string {
  const column = columnOf(relation, filter.column, 'filter');
  const name = quoteIdent(column.name);
  if (filter.operator === 'is_null') return `${name} IS NULL`;
  if (filter.operator === 'is_not_null') return `${name} IS NOT NULL`;
  if (filter.value === undefined) {
    throw new OpsError(
      'invalid_input',
      `The ${filter.operator} filter on ${JSON.stringify(column.name)} needs a value`,
    );
  }
  if (filter.operator === 'contains' || filter.operator === 'starts_with') {
    const pattern = filter.operator === 'contains' ? `%${escapeLike(filter.value)}%` : `${escapeLike(filter.value)}%`;
    return `${name}::pg_catalog.text ILIKE ${params.add(pattern, 'pg_catalog.text')}`;
  }
  const op = COMPARISONS[filter.operator];
  if (!op) throw new OpsError('invalid_input', `Unknown filter operator ${JSON.stringify(filter.operator)}`);
  return `${name} ${op} ${params.add(filter.value, column.castType)}`;
}

/** User sort columns, then the primary key columns not already there as the tie-breaker. */
function sortKeys(relation: RelationInfo, request: PageRequest, withPrimaryKey: boolean): SortKey[] {
  const keys: SortKey[] = [];
  for (const s of request.sort ?? []) {
    const column = columnOf(relation, s.column, 'sort');
    if (!keys.some((k) => k.column.name === column.name)) keys.push({ column, direction: s.direction });
  }
  if (withPrimaryKey) {
    // Same direction as the last user key, so a one-direction sort keeps the fast row comparison.
    const direction = keys[keys.length - 1]?.direction ?? 'asc';
    for (const name of relation.primaryKey) {
      if (!keys.some((k) => k.column.name === name)) keys.push({ column: columnOf(relation, name, 'sort'), direction });
    }
  }
  return keys;
}

function offsetNote(relation: RelationInfo): string {
  const what = relation.relkind === 'v' ? 'view' : relation.relkind === 'm' ? 'materialized view' : 'table';
  const why =
    relation.relkind === 'r' || relation.relkind === 'p' || relation.relkind === 'f'
      ? `This ${what} has no primary key`
      : `A ${what} has no primary key`;
  return `${why}, so pages are read with OFFSET: deep pages are slower and rows can shift between pages if the data changes.`;
}

/** A stable order for OFFSET paging without a key: the physical row id, or the whole row as text. */
function offsetTieBreaker(relation: RelationInfo): string {
  // ctid cannot be a user column name, and is unique in a plain table or materialized view.
  if (relation.relkind === 'r' || relation.relkind === 'm') return 'ctid';
  return `ROW(${qualifiedName(relation.schema, relation.name)}.*)::pg_catalog.text`;
}

/**
 * The data grid's pages. Keyset pagination on the primary key (with the
 * user's sort columns in front), OFFSET where there is no key. Identifiers
 * come from the catalog and are always quoted; every value is a parameter
 * cast to the column's own type.
 */
export class DataBrowser {
  async page(client: pg.ClientBase, request: PageRequest): Promise<DataPage> {
    await client.query('BEGIN TRANSACTION READ ONLY');
    try {
      const page = await this.pageInTransaction(client, request);
      await client.query('COMMIT');
      return page;
    } catch (error) {
      await rollbackQuietly(client);
      const mapped = mapSqlError(error);
      const code = sqlState(error);
      if (code?.startsWith('22') && mapped instanceof OpsError) {
        // Data exceptions here come from filter values: "invalid input syntax for type integer".
        throw new OpsError('invalid_input', mapped.message, {
          hint: 'Check the filter values against the column types.',
          ...(mapped.detail ? { detail: mapped.detail } : {}),
        });
      }
      throw mapped;
    }
  }

  private async pageInTransaction(client: pg.ClientBase, request: PageRequest): Promise<DataPage> {
    const pageSize = request.pageSize ?? DEFAULT_PAGE_SIZE;
    const pageNumber = request.page ?? 0;
    const relation = await describeRelation(client, request.schema, request.table);
    const keyset = relation.primaryKey.length > 0;
    const keys = sortKeys(relation, request, keyset);
    const params = new Params();
    const conditions = (request.filters ?? []).map((f) => filterCondition(relation, f, params));
    const signature = cursorSignature(relation.schema, relation.name, keys);

    let offset = 0;
    let note: string | null = null;
    if (keyset && request.cursor) {
      conditions.push(afterCursorCondition(keys, decodeCursor(request.cursor, signature, keys), params));
    } else {
      offset = pageNumber * pageSize;
      if (!keyset) note = offsetNote(relation);
      else if (offset > 0) note = `Jumped to page ${pageNumber + 1} with OFFSET; the next pages continue by key.`;
    }

    const from = qualifiedName(relation.schema, relation.name);
    const order = keyset
      ? orderByClause(keys, from)
      : [orderByClause(keys, from), offsetTieBreaker(relation)].filter((part) => part !== '').join(', ');
    // json/jsonb keys also come back as text: parsed, a JSON null would read as SQL NULL in the cursor.
    const textKeys = keys.filter((k) => isJsonType(k.column.typeOid));
    const selectList = [
      ...relation.columns.map((c) => quoteIdent(c.name)),
      ...textKeys.map((k, i) => `${quoteIdent(k.column.name)}::pg_catalog.text AS "key:${i}"`),
    ];
    const text = [
      `SELECT ${selectList.join(', ')}`,
      `FROM ${from}`,
      conditions.length ? `WHERE ${conditions.join(' AND ')}` : '',
      `ORDER BY ${order}`,
      `LIMIT ${params.add(pageSize + 1)}`,
      offset > 0 ? `OFFSET ${params.add(offset)}` : '',
    ]
      .filter((line) => line !== '')
      .join('\n');

    const started = performance.now();
    const result = await client.query<CellValue[]>({
      text,
      values: params.values,
      rowMode: 'array',
      types: exactTypes,
    });
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;

    const hasMore = result.rows.length > pageSize;
    const width = relation.columns.length;
    const fetched = hasMore ? result.rows.slice(0, pageSize) : result.rows;
    const last = fetched[fetched.length - 1];
    const nextCursor =
      keyset && hasMore && last ? encodeCursor(signature, keyValues(relation, keys, textKeys, last)) : null;
    const rows = textKeys.length > 0 ? fetched.map((row) => row.slice(0, width)) : fetched;
    return {
      columns: relation.columns.map((c) => ({ name: c.name, type: c.type, tableColumn: c.name })),
      rows,
      mode: keyset ? 'keyset' : 'offset',
      note,
      nextCursor,
      hasMore,
      page: pageNumber,
      pageSize,
      durationMs,
    };
  }
}

function keyValues(
  relation: RelationInfo,
  keys: readonly SortKey[],
  textKeys: readonly SortKey[],
  row: readonly CellValue[],
): (string | null)[] {
  return keys.map((key) => {
    const asText = textKeys.indexOf(key);
    if (asText >= 0) return cellToText(0, row[relation.columns.length + asText] ?? null);
    const index = relation.columns.findIndex((c: ColumnInfo) => c.name === key.column.name);
    return cellToText(key.column.typeOid, row[index] ?? null);
  });
}
