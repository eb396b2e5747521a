/**
 * Name completion for the SQL console over a snapshot. The SQL there is
 * SQLite's over the snapshot file, where a captured table `ai.cache_entries`
 * is a table `d_<n>` whose columns are `c_0, c_1, …` in the source's order,
 * and `snapshot_tables` holds the mapping. Completion offers both: the d_<n>
 * tables (with the source name beside them), and the source names, which
 * insert the d_<n> (or c_<i>) they stand for.
 */
import type { Completion } from '@codemirror/autocomplete';
import { insertCompletionText } from '@codemirror/autocomplete';
import type { SQLNamespace } from '@codemirror/lang-sql';
import type { CellValue, SqlResult } from '../../../../common/data';
import type { CompletionSchema } from './completion-schema';
import { quoteIdentifierIfNeeded } from './completion-schema';

/** One captured table: its data table and the source's schema, name and columns (c_<i> is column i). */
export interface SnapshotTableMapping {
  dataTable: string;
  schema: string;
  name: string;
  columns: Array<{ name: string; type: string }>;
}

/** What the console reads to build completion (snapshot_tables is part of the snapshot format). */
export const SNAPSHOT_TABLES_SQL =
  'SELECT data_table, schema_name, table_name, columns_json FROM snapshot_tables ORDER BY ord';

/** The query the "Show table mapping" button runs, for a person to read. */
export const TABLE_MAPPING_SQL = `SELECT data_table, schema_name || '.' || table_name AS source_table, row_count, truncated
FROM snapshot_tables
ORDER BY ord;`;

const text = (value: CellValue | undefined): string | null => (typeof value === 'string' ? value : null);

function parseColumns(json: string | null): Array<{ name: string; type: string }> {
  if (json === null) return [];
  try {
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((c: unknown) => {
      if (typeof c !== 'object' || c === null) return [];
      const { name, type } = c as { name?: unknown; type?: unknown };
      return typeof name === 'string' ? [{ name, type: typeof type === 'string' ? type : '' }] : [];
    });
  } catch {
    return [];
  }
}

/** The rows of SNAPSHOT_TABLES_SQL as mappings; rows that do not read as one are left out. */
export function parseSnapshotTables(result: Pick<SqlResult, 'columns' | 'rows'>): SnapshotTableMapping[] {
  const index = (name: string) => result.columns.findIndex((c) => c.name === name);
  const [dataTable, schema, table, columns] = ['data_table', 'schema_name', 'table_name', 'columns_json'].map(index);
  if ([dataTable, schema, table, columns].some((i) => i === undefined || i < 0)) return [];
  return result.rows.flatMap((row) => {
    const d = text(row[dataTable!]);
    const s = text(row[schema!]);
    const n = text(row[table!]);
    if (d === null || s === null || n === null) return [];
    return [{ dataTable: d, schema: s, name: n, columns: parseColumns(text(row[columns!])) }];
  });
}

/**
 * Where a source name picked after `schema.` starts being replaced: the
 * qualifier goes too, since the snapshot's SQL names the data table alone.
 */
export function qualifiedStart(doc: string, from: number, schema: string): number {
  for (const prefix of new Set([
    `${schema}.`,
    `${quoteIdentifierIfNeeded(schema)}.`,
    `"${schema.replace(/"/g, '""')}".`,
  ])) {
    if (from >= prefix.length && doc.slice(from - prefix.length, from) === prefix) return from - prefix.length;
  }
  return from;
}

/** lang-sql splits namespace keys on dots; a dot inside a name is escaped. */
const key = (name: string) => name.replace(/\./g, '\\.');

const SYSTEM_TABLES: Array<{ name: string; detail: string; columns: string[] }> = [
  {
    name: 'snapshot_tables',
    detail: 'd_<n> → source table',
    columns: [
      'ord',
      'schema_name',
      'table_name',
      'data_table',
      'row_count',
      'duration_ms',
      'truncated',
      'columns_json',
      'key_columns_json',
    ],
  },
  { name: 'meta', detail: 'snapshot metadata', columns: ['key', 'value'] },
];

export function buildSnapshotCompletion(tables: readonly SnapshotTableMapping[]): CompletionSchema {
  const namespace: Record<string, SQLNamespace> = {};
  for (const system of SYSTEM_TABLES) {
    namespace[system.name] = {
      self: { label: system.name, type: 'type', detail: system.detail },
      children: system.columns.map((c) => ({ label: c, type: 'property' })),
    };
  }
  for (const t of tables) {
    const columns: Completion[] = [];
    t.columns.forEach((column, i) => {
      const stored = `c_${i}`;
      columns.push({ label: stored, type: 'property', detail: `${column.name} · ${column.type}` });
      if (column.name !== stored) {
        columns.push({ label: column.name, type: 'property', detail: `→ ${stored} · ${column.type}`, apply: stored });
      }
    });
    namespace[key(t.dataTable)] = {
      self: { label: t.dataTable, type: 'type', detail: `= ${t.schema}.${t.name}` },
      children: columns,
    };
  }
  // The source names: "ai." lists the captured tables of ai, each inserting its d_<n> in place of "ai.<name>".
  const bySchema = new Map<string, SnapshotTableMapping[]>();
  for (const t of tables) bySchema.set(t.schema, [...(bySchema.get(t.schema) ?? []), t]);
  const nameCounts = new Map<string, number>();
  for (const t of tables) nameCounts.set(t.name, (nameCounts.get(t.name) ?? 0) + 1);
  for (const [schema, list] of bySchema) {
    if (namespace[key(schema)] !== undefined) continue;
    const children: Record<string, SQLNamespace> = {};
    for (const t of list) {
      children[key(t.name)] = {
        self: {
          label: t.name,
          type: 'type',
          detail: `→ ${t.dataTable}`,
          apply: (view, _completion, from, to) =>
            view.dispatch(
              insertCompletionText(
                view.state,
                t.dataTable,
                qualifiedStart(view.state.doc.toString(), from, schema),
                to,
              ),
            ),
        },
        children: [],
      };
    }
    namespace[key(schema)] = { self: { label: schema, type: 'namespace', detail: 'schema → d_<n>' }, children };
  }
  // An unqualified source name that is unique and free inserts its d_<n> too.
  for (const t of tables) {
    if (nameCounts.get(t.name) !== 1 || namespace[key(t.name)] !== undefined) continue;
    namespace[key(t.name)] = {
      self: { label: t.name, type: 'type', detail: `→ ${t.dataTable} (${t.schema}.${t.name})`, apply: t.dataTable },
      children: [],
    };
  }
  return { namespace, defaultSchema: undefined, relationCount: tables.length };
}
