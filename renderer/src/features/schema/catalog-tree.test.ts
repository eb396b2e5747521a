import { describe, expect, it } from 'vitest';
import { bigModel, stackModel } from './catalog-fixture';
import type { TreeRow } from './catalog-tree';
import {
  buildCatalogTree,
  COLLAPSE_ABOVE,
  countObjects,
  filterCatalogTree,
  flattenCatalogTree,
  groupNodeKey,
  initialCollapsed,
  objectKey,
  schemaNodeKey,
} from './catalog-tree';
import {
  findObject,
  formatBytes,
  formatExactCount,
  formatRowEstimate,
  incomingForeignKeys,
  isRunnableFunction,
  schemaSummaries,
} from './catalog-lookup';

const describeRow = (row: TreeRow) =>
  row.type === 'object'
    ? `${'  '.repeat(row.depth)}${row.object.ref.name}`
    : `${'  '.repeat(row.depth)}[${row.type === 'schema' ? row.name : row.label}]`;

describe('building the tree', () => {
  it('groups objects by schema and kind, in a fixed group order, names exactly as in the database', () => {
    const tree = buildCatalogTree(stackModel());
    expect(tree.map((s) => s.name)).toEqual(['ai', 'analytics', 'blockchain', 'empty', 'public']);
    const pub = tree.find((s) => s.name === 'public');
    expect(pub?.groups.map((g) => g.label)).toEqual(['Tables', 'Sequences']);
    // Case-insensitive order, but "User" and "user" are two objects with their own names.
    expect(pub?.groups[0]?.objects.map((o) => o.ref.name)).toEqual([
      'business_notes',
      'BusinessSubscription',
      'User',
      'user',
    ]);
    const ai = tree.find((s) => s.name === 'ai');
    expect(ai?.groups.map((g) => g.id)).toEqual(['table', 'partitioned_table', 'function']);
    expect(ai?.count).toBe(6);
    const analytics = tree.find((s) => s.name === 'analytics');
    expect(analytics?.groups.map((g) => g.label)).toEqual(['Tables', 'Views', 'Materialized views', 'Procedures']);
  });

  it('keeps overloaded functions apart by their arguments', () => {
    const ai = buildCatalogTree(stackModel()).find((s) => s.name === 'ai');
    const functions = ai?.groups.find((g) => g.id === 'function')?.objects ?? [];
    expect(functions.map((o) => o.detail)).toEqual(['()', '(p_query text)', '(p_query text, p_limit integer)']);
    expect(new Set(functions.map((o) => o.key)).size).toBe(3);
  });

  it('marks partitions and hides system schemas unless asked', () => {
    const tree = buildCatalogTree(stackModel());
    expect(tree.some((s) => s.name === 'pg_catalog')).toBe(false);
    const partition = tree
      .find((s) => s.name === 'ai')
      ?.groups.flatMap((g) => g.objects)
      .find((o) => o.ref.name === 'embeddings_2026');
    expect(partition?.detail).toBe('partition');
    const withSystem = buildCatalogTree(stackModel(), { includeSystem: true });
    expect(withSystem.find((s) => s.name === 'pg_catalog')?.count).toBe(1);
  });

  it('keeps an empty schema, with no groups', () => {
    const empty = buildCatalogTree(stackModel()).find((s) => s.name === 'empty');
    expect(empty).toMatchObject({ count: 0, groups: [] });
  });

  it('makes object keys that a dot or quote in a name cannot confuse', () => {
    expect(objectKey({ kind: 'table', schema: 'a.b', name: 'c' })).not.toBe(
      objectKey({ kind: 'table', schema: 'a', name: 'b.c' }),
    );
  });
});

describe('searching the tree', () => {
  const tree = buildCatalogTree(stackModel());

  it('matches object names ignoring case and drops schemas and groups without a match', () => {
    const found = filterCatalogTree(tree, 'business');
    expect(found.map((s) => s.name)).toEqual(['public']);
    expect(found[0]?.groups.flatMap((g) => g.objects.map((o) => o.ref.name))).toEqual([
      'business_notes',
      'BusinessSubscription',
    ]);
    expect(countObjects(found)).toBe(2);
  });

  it('finds "User" and "user" with any case of the search', () => {
    for (const search of ['user', 'USER', 'User']) {
      const names = filterCatalogTree(tree, search).flatMap((s) =>
        s.groups.flatMap((g) => g.objects.map((o) => o.ref.name)),
      );
      expect(names, search).toEqual(['User', 'user', 'User_id_seq']);
    }
  });

  it('matches a qualified name when the search has a dot', () => {
    const found = filterCatalogTree(tree, 'ai.cache');
    expect(
      found.flatMap((s) => s.groups.flatMap((g) => g.objects.map((o) => `${o.ref.schema}.${o.ref.name}`))),
    ).toEqual(['ai.cache_entries']);
  });

  it('returns the same tree for an empty search and nothing for no match', () => {
    expect(filterCatalogTree(tree, '   ')).toBe(tree);
    expect(filterCatalogTree(tree, 'no-such-thing')).toEqual([]);
  });

  it('shows every match expanded while searching, even under collapsed nodes', () => {
    const collapsed = new Set([schemaNodeKey('public'), groupNodeKey('public', 'table')]);
    const rows = flattenCatalogTree(filterCatalogTree(tree, 'business'), collapsed, true);
    expect(rows.map(describeRow)).toEqual(['[public]', '  [Tables]', '    business_notes', '    BusinessSubscription']);
    expect(rows.every((r) => r.type === 'object' || r.expanded)).toBe(true);
  });
});

describe('flattening for the virtual list', () => {
  const tree = buildCatalogTree(stackModel());

  it('hides the children of collapsed schemas and groups', () => {
    const rows = flattenCatalogTree(tree, new Set([schemaNodeKey('ai'), groupNodeKey('public', 'table')]), false);
    const text = rows.map(describeRow);
    expect(text.slice(0, 2)).toEqual(['[ai]', '[analytics]']);
    expect(text).toContain('  [Tables]');
    expect(text).not.toContain('    BusinessSubscription');
    expect(text).toContain('    User_id_seq');
    expect(rows.find((r) => r.key === schemaNodeKey('ai'))).toMatchObject({ expanded: false, count: 6 });
  });

  it('opens small catalogs fully and collapses big ones to their schemas', () => {
    expect(initialCollapsed(tree).size).toBe(0);
    const big = buildCatalogTree(bigModel(40, 50));
    expect(countObjects(big)).toBe(2000);
    expect(countObjects(big)).toBeGreaterThan(COLLAPSE_ABOVE);
    const collapsed = initialCollapsed(big);
    expect(flattenCatalogTree(big, collapsed, false)).toHaveLength(40);
    expect(flattenCatalogTree(big, new Set(), false)).toHaveLength(40 + 40 + 2000);
    // A search over the big catalog finds across all schemas: t1, t10..t19 in each of 40.
    expect(countObjects(filterCatalogTree(big, 't1'))).toBe(40 * 11);
  });
});

describe('catalog lookups', () => {
  const model = stackModel();

  it('computes incoming foreign keys by scanning every relation', () => {
    const intoUser = incomingForeignKeys(model, 'public', 'User');
    expect(intoUser.map((f) => `${f.schema}.${f.table}.${f.name}`)).toEqual([
      'analytics.events.events_userId_fkey',
      'public.BusinessSubscription.BusinessSubscription_userId_fkey',
    ]);
    // Exact names: nothing points at the lower-case "user".
    expect(incomingForeignKeys(model, 'public', 'user')).toEqual([]);
    expect(incomingForeignKeys(model, 'public', 'BusinessSubscription').map((f) => f.table)).toEqual([
      'business_notes',
    ]);
  });

  it('finds each kind of object, overloads by their arguments', () => {
    expect(findObject(model, { kind: 'table', schema: 'public', name: 'User' })).toMatchObject({ type: 'relation' });
    expect(findObject(model, { kind: 'table', schema: 'public', name: 'USER' })).toBeNull();
    const overload = findObject(model, { kind: 'function', schema: 'ai', name: 'similar', arguments: 'p_query text' });
    expect(overload?.type === 'function' && overload.fn.arguments).toBe('p_query text');
    expect(
      findObject(model, { kind: 'procedure', schema: 'analytics', name: 'rollup', arguments: 'p_day date' }),
    ).not.toBeNull();
    expect(findObject(model, { kind: 'sequence', schema: 'public', name: 'User_id_seq' })).not.toBeNull();
    expect(findObject(model, { kind: 'enum', schema: 'blockchain', name: 'ChainKind' })).not.toBeNull();
  });

  it('runs only plain functions without arguments', () => {
    const [cleanup, similar, , rollup] = model.functions;
    expect(cleanup && isRunnableFunction(cleanup)).toBe(true);
    expect(similar && isRunnableFunction(similar)).toBe(false);
    expect(rollup && isRunnableFunction({ ...rollup, arguments: '' })).toBe(false);
  });

  it('summarises the non-system schemas for the overview', () => {
    expect(schemaSummaries(model).map((s) => `${s.name}:${s.relationCount}`)).toEqual([
      'ai:3',
      'analytics:3',
      'blockchain:1',
      'empty:0',
      'public:4',
    ]);
  });

  it('formats estimates, counts and sizes', () => {
    expect(formatRowEstimate(12345)).toBe('~12,345 rows (estimate)');
    expect(formatRowEstimate(1)).toBe('~1 row (estimate)');
    expect(formatRowEstimate(null)).toMatch(/never analysed/);
    expect(formatExactCount('9007199254740993')).toBe('9,007,199,254,740,993 rows');
    expect(formatExactCount('1')).toBe('1 row');
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(8192)).toBe('8.0 kB');
    expect(formatBytes(24576)).toBe('24 kB');
    expect(formatBytes(5 * 1024 * 1024 * 1024)).toBe('5.0 GB');
  });
});
