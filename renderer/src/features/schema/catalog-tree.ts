/**
 * The schema browser's tree: schema -> kind group -> object, built from the
 * catalog model, filtered by a search and flattened into rows for a
 * virtualised list. Names are kept exactly as PostgreSQL has them ("User",
 * "BusinessSubscription"); only the search ignores case.
 */
import type { CatalogModel, RelationKind } from '../../../../common/catalog';

export type ObjectKind = RelationKind | 'function' | 'procedure' | 'sequence' | 'enum';

/** Names one object of the catalog. Functions carry their identity arguments, so overloads stay apart. */
export interface ObjectRef {
  kind: ObjectKind;
  schema: string;
  name: string;
  arguments?: string;
}

export type GroupId =
  | 'table'
  | 'view'
  | 'materialized_view'
  | 'partitioned_table'
  | 'foreign_table'
  | 'function'
  | 'procedure'
  | 'sequence'
  | 'enum';

/** Tree groups in the order they are shown. */
export const groups: ReadonlyArray<{ id: GroupId; label: string }> = [
  { id: 'table', label: 'Tables' },
  { id: 'view', label: 'Views' },
  { id: 'materialized_view', label: 'Materialized views' },
  { id: 'partitioned_table', label: 'Partitioned tables' },
  { id: 'foreign_table', label: 'Foreign tables' },
  { id: 'function', label: 'Functions' },
  { id: 'procedure', label: 'Procedures' },
  { id: 'sequence', label: 'Sequences' },
  { id: 'enum', label: 'Enums' },
];

export const kindLabels: Record<ObjectKind, string> = {
  table: 'table',
  view: 'view',
  materialized_view: 'materialized view',
  partitioned_table: 'partitioned table',
  foreign_table: 'foreign table',
  function: 'function',
  procedure: 'procedure',
  sequence: 'sequence',
  enum: 'enum',
};

export interface TreeObject {
  ref: ObjectRef;
  key: string;
  /** Extra text after the name: a function's arguments, "partition". */
  detail: string | null;
}

export interface TreeGroup {
  id: GroupId;
  label: string;
  objects: TreeObject[];
}

export interface TreeSchema {
  name: string;
  isSystem: boolean;
  groups: TreeGroup[];
  /** Objects under this schema, across groups. */
  count: number;
}

/** A stable key for an object; JSON so a dot or quote in a name cannot collide. */
export function objectKey(ref: ObjectRef): string {
  return JSON.stringify([ref.kind, ref.schema, ref.name, ref.arguments ?? null]);
}

export const schemaNodeKey = (schema: string) => JSON.stringify(['schema', schema]);
export const groupNodeKey = (schema: string, group: GroupId) => JSON.stringify(['group', schema, group]);

export function isRelationKind(kind: ObjectKind): kind is RelationKind {
  return (
    kind === 'table' ||
    kind === 'view' ||
    kind === 'materialized_view' ||
    kind === 'partitioned_table' ||
    kind === 'foreign_table'
  );
}

// One collator for every comparison: localeCompare with options builds one per call, which is slow for 2000 names.
const collator = new Intl.Collator('en', { sensitivity: 'base' });
const compareNames = (a: string, b: string) => {
  const folded = collator.compare(a, b);
  return folded !== 0 ? folded : a < b ? -1 : a > b ? 1 : 0;
};

function groupOfFunction(kind: 'function' | 'procedure' | 'aggregate' | 'window'): GroupId {
  return kind === 'procedure' ? 'procedure' : 'function';
}

/** Build the full tree; system schemas (pg_catalog, information_schema, …) only when asked. */
export function buildCatalogTree(model: CatalogModel, options: { includeSystem?: boolean } = {}): TreeSchema[] {
  const includeSystem = options.includeSystem ?? false;
  const bySchema = new Map<string, Map<GroupId, TreeObject[]>>();
  const visible = model.schemas.filter((s) => includeSystem || !s.isSystem);
  for (const schema of visible) bySchema.set(schema.name, new Map());

  const add = (schema: string, group: GroupId, object: TreeObject) => {
    const schemaGroups = bySchema.get(schema);
    if (!schemaGroups) return;
    const list = schemaGroups.get(group);
    if (list) list.push(object);
    else schemaGroups.set(group, [object]);
  };

  for (const r of model.relations) {
    const ref: ObjectRef = { kind: r.kind, schema: r.schema, name: r.name };
    add(r.schema, r.kind, { ref, key: objectKey(ref), detail: r.partitionOf ? 'partition' : null });
  }
  for (const f of model.functions) {
    const kind = f.kind === 'procedure' ? 'procedure' : 'function';
    const ref: ObjectRef = { kind, schema: f.schema, name: f.name, arguments: f.arguments };
    const tag = f.kind === 'aggregate' || f.kind === 'window' ? ` ${f.kind}` : '';
    add(f.schema, groupOfFunction(f.kind), { ref, key: objectKey(ref), detail: `(${f.arguments})${tag}` });
  }
  for (const s of model.sequences) {
    const ref: ObjectRef = { kind: 'sequence', schema: s.schema, name: s.name };
    add(s.schema, 'sequence', { ref, key: objectKey(ref), detail: null });
  }
  for (const e of model.enums) {
    const ref: ObjectRef = { kind: 'enum', schema: e.schema, name: e.name };
    add(e.schema, 'enum', { ref, key: objectKey(ref), detail: null });
  }

  return visible
    .map((schema) => {
      const schemaGroups = bySchema.get(schema.name) ?? new Map<GroupId, TreeObject[]>();
      const built: TreeGroup[] = [];
      for (const g of groups) {
        const objects = schemaGroups.get(g.id);
        if (!objects || objects.length === 0) continue;
        objects.sort(
          (a, b) => compareNames(a.ref.name, b.ref.name) || compareNames(a.ref.arguments ?? '', b.ref.arguments ?? ''),
        );
        built.push({ id: g.id, label: g.label, objects });
      }
      return {
        name: schema.name,
        isSystem: schema.isSystem,
        groups: built,
        count: built.reduce((n, g) => n + g.objects.length, 0),
      };
    })
    .sort((a, b) => compareNames(a.name, b.name));
}

/**
 * Keep only objects whose name contains the search, ignoring case. A search
 * with a dot ("ai.cache") also matches the qualified name. Schemas and groups
 * without a match drop out.
 */
export function filterCatalogTree(tree: readonly TreeSchema[], search: string): readonly TreeSchema[] {
  const needle = search.trim().toLowerCase();
  if (needle === '') return tree;
  const qualified = needle.includes('.');
  const matches = (o: TreeObject) =>
    o.ref.name.toLowerCase().includes(needle) ||
    (qualified && `${o.ref.schema}.${o.ref.name}`.toLowerCase().includes(needle));
  const result: TreeSchema[] = [];
  for (const schema of tree) {
    const kept: TreeGroup[] = [];
    for (const group of schema.groups) {
      const objects = group.objects.filter(matches);
      if (objects.length > 0) kept.push({ ...group, objects });
    }
    if (kept.length > 0) {
      result.push({ ...schema, groups: kept, count: kept.reduce((n, g) => n + g.objects.length, 0) });
    }
  }
  return result;
}

export function countObjects(tree: readonly TreeSchema[]): number {
  return tree.reduce((n, s) => n + s.count, 0);
}

export type TreeRow =
  | { type: 'schema'; key: string; depth: 0; name: string; count: number; expanded: boolean }
  | {
      type: 'group';
      key: string;
      depth: 1;
      schema: string;
      group: GroupId;
      label: string;
      count: number;
      expanded: boolean;
    }
  | { type: 'object'; key: string; depth: 2; object: TreeObject };

/**
 * The rows on screen. While searching every match is shown (collapsing is
 * ignored) so the user never has to open nodes to see what matched.
 */
export function flattenCatalogTree(
  tree: readonly TreeSchema[],
  collapsed: ReadonlySet<string>,
  searching: boolean,
): TreeRow[] {
  const rows: TreeRow[] = [];
  for (const schema of tree) {
    const sKey = schemaNodeKey(schema.name);
    const sOpen = searching || !collapsed.has(sKey);
    rows.push({ type: 'schema', key: sKey, depth: 0, name: schema.name, count: schema.count, expanded: sOpen });
    if (!sOpen) continue;
    for (const group of schema.groups) {
      const gKey = groupNodeKey(schema.name, group.id);
      const gOpen = searching || !collapsed.has(gKey);
      rows.push({
        type: 'group',
        key: gKey,
        depth: 1,
        schema: schema.name,
        group: group.id,
        label: group.label,
        count: group.objects.length,
        expanded: gOpen,
      });
      if (!gOpen) continue;
      for (const object of group.objects) rows.push({ type: 'object', key: object.key, depth: 2, object });
    }
  }
  return rows;
}

/** Above this many objects the tree opens with schemas collapsed, so the first screen is an overview. */
export const COLLAPSE_ABOVE = 300;

export function initialCollapsed(tree: readonly TreeSchema[]): ReadonlySet<string> {
  if (countObjects(tree) <= COLLAPSE_ABOVE) return new Set();
  return new Set(tree.map((s) => schemaNodeKey(s.name)));
}

export function sameObject(a: ObjectRef | null, b: ObjectRef | null): boolean {
  if (!a || !b) return a === b;
  return objectKey(a) === objectKey(b);
}
