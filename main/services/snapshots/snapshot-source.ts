import type Database from 'better-sqlite3';
import type { CellValue, DataPage, FilterOperator, ResultColumn, SqlResult } from '../../../common/data';
import { OpsError } from '../../../common/errors';
import type { SnapshotColumn } from '../../../common/snapshots';
import type { PageRequest } from '../data/data-browser';
import { DEFAULT_PAGE_SIZE } from '../data/data-browser';
import { dataColumnName } from './format';
import type { SnapshotFile } from './snapshot-file';

/** Types whose text sorts and compares as a number (stored as TEXT to keep every digit). */
const NUMERIC_TEXT = /^(numeric|decimal|real|double precision|float[48]?|money)\b/;
const JSON_TYPES = new Set(['json', 'jsonb']);

function quoteSqlite(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A stored value as the live data grid sends it: text forms, parsed JSON, booleans, null. */
export function storedToCell(column: SnapshotColumn, value: unknown): CellValue {
  if (value === null || value === undefined) return null;
  switch (column.storage) {
    case 'integer':
      return typeof value === 'bigint' ? value.toString() : String(value);
    case 'boolean':
      return value === 1 || value === 1n || value === true;
    case 'blob':
      return `\\x${Buffer.from(value as Uint8Array).toString('hex')}`;
    case 'text': {
      const text = String(value);
      if (JSON_TYPES.has(column.type)) {
        try {
          return JSON.parse(text) as CellValue;
        } catch {
          return text;
        }
      }
      return text;
    }
  }
}

const COMPARISONS: Partial<Record<FilterOperator, string>> = {
  eq: '=',
  ne: 'IS NOT',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The same data-source surface the live browser has (catalog model, pages of
 * rows with sort and filters, SQL), over one snapshot file opened read-only.
 * The SQL is SQLite's, and the UI says so.
 */
export class SnapshotDataSource {
  constructor(private readonly file: SnapshotFile) {}

  private db(): Database.Database {
    return this.file.database;
  }

  private table(schema: string, name: string) {
    const found = this.file.dataTable(schema, name);
    if (!found) {
      throw new OpsError('not_found', `The snapshot has no rows for ${schema}.${name}`, {
        hint: 'Views and tables outside the capture pattern keep only their definition in a snapshot.',
      });
    }
    return found;
  }

  private expression(
    columns: SnapshotColumn[],
    name: string,
    purpose: 'sort' | 'filter',
  ): { sql: string; column: SnapshotColumn } {
    const index = columns.findIndex((c) => c.name === name);
    const column = columns[index];
    if (!column) {
      throw new OpsError('invalid_input', `There is no column ${JSON.stringify(name)} to ${purpose} by`, {
        hint: 'Reload the snapshot: the column list may have changed.',
      });
    }
    const raw = quoteSqlite(dataColumnName(index));
    return { sql: NUMERIC_TEXT.test(column.type) ? `CAST(${raw} AS REAL)` : raw, column };
  }

  page(request: PageRequest): DataPage {
    const started = performance.now();
    const { table, columns } = this.table(request.schema, request.table);
    const pageSize = request.pageSize ?? DEFAULT_PAGE_SIZE;
    const page = request.page ?? 0;
    const params: unknown[] = [];
    const where: string[] = [];
    for (const filter of request.filters ?? []) {
      const index = columns.findIndex((c) => c.name === filter.column);
      const { sql, column } = this.expression(columns, filter.column, 'filter');
      const raw = quoteSqlite(dataColumnName(index));
      if (filter.operator === 'is_null') {
        where.push(`${raw} IS NULL`);
        continue;
      }
      if (filter.operator === 'is_not_null') {
        where.push(`${raw} IS NOT NULL`);
        continue;
      }
      if (filter.value === undefined) {
        throw new OpsError(
          'invalid_input',
          `The ${filter.operator} filter on ${JSON.stringify(filter.column)} needs a value`,
        );
      }
      if (filter.operator === 'contains' || filter.operator === 'starts_with') {
        const pattern =
          filter.operator === 'contains' ? `%${escapeLike(filter.value)}%` : `${escapeLike(filter.value)}%`;
        where.push(`CAST(${raw} AS TEXT) LIKE ? ESCAPE '\\'`);
        params.push(pattern);
        continue;
      }
      const op = COMPARISONS[filter.operator];
      if (!op) throw new OpsError('invalid_input', `Unknown filter operator ${JSON.stringify(filter.operator)}`);
      let value: unknown = filter.value;
      if (column.storage === 'integer' && /^-?\d+$/.test(filter.value)) value = BigInt(filter.value);
      else if (column.storage === 'boolean') value = /^(t|true|1|yes|on)$/i.test(filter.value) ? 1 : 0;
      else if (NUMERIC_TEXT.test(column.type) && op !== '=' && op !== 'IS NOT') value = Number(filter.value);
      where.push(`${op === '=' || op === 'IS NOT' ? raw : sql} ${op} ?`);
      params.push(value);
    }
    const order = (request.sort ?? []).map(
      (s) => `${this.expression(columns, s.column, 'sort').sql} ${s.direction === 'desc' ? 'DESC' : 'ASC'}`,
    );
    order.push('rid ASC');
    const sql =
      `SELECT ${columns.map((_, i) => quoteSqlite(dataColumnName(i))).join(', ')} FROM ${quoteSqlite(table)}` +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`;
    const statement = this.db().prepare(sql).raw(true).safeIntegers(true);
    const rows = statement.all(...params, pageSize + 1, page * pageSize) as unknown[][];
    const hasMore = rows.length > pageSize;
    return {
      columns: columns.map((c): ResultColumn => ({ name: c.name, type: c.type, tableColumn: c.name })),
      rows: rows
        .slice(0, pageSize)
        .map((row) => row.map((value, i) => storedToCell(columns[i] as SnapshotColumn, value))),
      mode: 'offset',
      note: null,
      nextCursor: null,
      hasMore,
      page,
      pageSize,
      durationMs: Math.round(performance.now() - started),
    };
  }

  count(schema: string, name: string): string {
    const { table } = this.table(schema, name);
    const row = this.db()
      .prepare(`SELECT count(*) AS n FROM ${quoteSqlite(table)}`)
      .get() as { n: number };
    return String(row.n);
  }

  /**
   * SQLite SQL over the snapshot's own tables (d_<n>, snapshot_tables, meta),
   * read-only: the file is opened read-only, and ATTACH (which could reach other
   * files) is refused.
   */
  sql(text: string, maxRows = 1000): SqlResult {
    const started = performance.now();
    const stripped = text.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ').trim();
    if (/^(attach|detach)\b/i.test(stripped) || /\bvacuum\s+into\b/i.test(stripped)) {
      throw new OpsError('invalid_input', 'ATTACH, DETACH and VACUUM INTO are not allowed on a snapshot', {
        hint: 'The SQL console over a snapshot reads this snapshot only.',
      });
    }
    let statement: Database.Statement;
    try {
      statement = this.db().prepare(stripped);
    } catch (error) {
      throw new OpsError('invalid_input', error instanceof Error ? error.message : String(error), {
        hint: 'This console runs SQLite SQL over the snapshot file: tables are d_<n> (see snapshot_tables).',
      });
    }
    if (!statement.reader) {
      throw new OpsError('invalid_input', 'A snapshot is read-only: only statements that return rows run here', {
        hint: 'Use SELECT (or PRAGMA table_info(...)). The data is a capture, never changed.',
      });
    }
    const columns = statement
      .columns()
      .map((c): ResultColumn => ({ name: c.name, type: c.type ?? '', tableColumn: c.column }));
    const rows: CellValue[][] = [];
    let truncated = false;
    for (const row of statement.raw(true).safeIntegers(true).iterate() as Iterable<unknown[]>) {
      if (rows.length >= maxRows) {
        truncated = true;
        break;
      }
      rows.push(
        row.map((value) =>
          value === null
            ? null
            : typeof value === 'bigint'
              ? value.toString()
              : value instanceof Uint8Array
                ? `\\x${Buffer.from(value).toString('hex')}`
                : (value as CellValue),
        ),
      );
    }
    return {
      command: 'SELECT',
      columns,
      rows,
      rowCount: rows.length,
      truncated,
      durationMs: Math.round(performance.now() - started),
      notices: [],
      readOnly: true,
    };
  }
}
