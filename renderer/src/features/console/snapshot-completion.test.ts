import { describe, expect, it } from 'vitest';
import type { Completion } from '@codemirror/autocomplete';
import type { SQLNamespace } from '@codemirror/lang-sql';
import type { SqlResult } from '../../../../common/data';
import { buildSnapshotCompletion, parseSnapshotTables, qualifiedStart } from './snapshot-completion';

const result: Pick<SqlResult, 'columns' | 'rows'> = {
  columns: ['data_table', 'schema_name', 'table_name', 'columns_json'].map((name) => ({
    name,
    type: 'TEXT',
    tableColumn: name,
  })),
  rows: [
    [
      'd_1',
      'ai',
      'cache_entries',
      JSON.stringify([
        { name: 'id', type: 'bigint', storage: 'integer' },
        { name: 'model', type: 'text', storage: 'text' },
      ]),
    ],
    ['d_2', 'analytics', 'events', JSON.stringify([{ name: 'payload', type: 'jsonb', storage: 'text' }])],
    ['d_3', 'public', 'events', 'not json'],
    [null, 'x', 'y', '[]'],
  ],
};

type Entry = { self: Completion; children: SQLNamespace };
const entry = (ns: SQLNamespace, key: string) => (ns as Record<string, Entry>)[key];

describe('snapshot completion', () => {
  it('reads the mapping from snapshot_tables, leaving out rows it cannot read', () => {
    const tables = parseSnapshotTables(result);
    expect(tables.map((t) => `${t.dataTable}=${t.schema}.${t.name}`)).toEqual([
      'd_1=ai.cache_entries',
      'd_2=analytics.events',
      'd_3=public.events',
    ]);
    expect(tables[0]?.columns).toEqual([
      { name: 'id', type: 'bigint' },
      { name: 'model', type: 'text' },
    ]);
    expect(tables[2]?.columns).toEqual([]);
  });

  it('offers the d_<n> tables with their source names, and columns as c_<i> or by name', () => {
    const { namespace, relationCount, defaultSchema } = buildSnapshotCompletion(parseSnapshotTables(result));
    expect(relationCount).toBe(3);
    expect(defaultSchema).toBeUndefined();
    expect(entry(namespace, 'd_1')?.self).toMatchObject({ label: 'd_1', detail: '= ai.cache_entries' });
    const columns = entry(namespace, 'd_1')?.children as Completion[];
    expect(columns).toEqual([
      { label: 'c_0', type: 'property', detail: 'id · bigint' },
      { label: 'id', type: 'property', detail: '→ c_0 · bigint', apply: 'c_0' },
      { label: 'c_1', type: 'property', detail: 'model · text' },
      { label: 'model', type: 'property', detail: '→ c_1 · text', apply: 'c_1' },
    ]);
    expect(entry(namespace, 'snapshot_tables')).toBeDefined();
    expect(entry(namespace, 'meta')).toBeDefined();
  });

  it('offers the source schemas and names, which insert the data table', () => {
    const { namespace } = buildSnapshotCompletion(parseSnapshotTables(result));
    const ai = entry(namespace, 'ai');
    expect(ai?.self.label).toBe('ai');
    const cache = (ai?.children as Record<string, Entry>).cache_entries;
    expect(cache?.self).toMatchObject({ label: 'cache_entries', detail: '→ d_1' });
    expect(typeof cache?.self.apply).toBe('function');
    // A unique unqualified name inserts its table; a name two schemas share is left to the qualified form.
    expect(entry(namespace, 'cache_entries')?.self).toMatchObject({ apply: 'd_1' });
    expect(entry(namespace, 'events')).toBeUndefined();
  });

  it('replaces the schema qualifier along with the name', () => {
    expect(qualifiedStart('SELECT * FROM ai.cach', 'SELECT * FROM ai.'.length, 'ai')).toBe('SELECT * FROM '.length);
    expect(qualifiedStart('SELECT * FROM "My S".x', 'SELECT * FROM "My S".'.length, 'My S')).toBe(
      'SELECT * FROM '.length,
    );
    expect(qualifiedStart('SELECT cach', 'SELECT '.length, 'ai')).toBe('SELECT '.length);
  });
});
