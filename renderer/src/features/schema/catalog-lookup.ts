/** Finding things in a catalog model, and formatting what the detail pane shows. */
import type {
  CatalogEnum,
  CatalogForeignKey,
  CatalogFunction,
  CatalogModel,
  CatalogRelation,
  CatalogSequence,
} from '../../../../common/catalog';
import type { SchemaSummary } from '../../../../common/domain';
import type { ObjectRef } from './catalog-tree';
import { isRelationKind } from './catalog-tree';

export type CatalogObject =
  | { type: 'relation'; relation: CatalogRelation }
  | { type: 'function'; fn: CatalogFunction }
  | { type: 'sequence'; sequence: CatalogSequence }
  | { type: 'enum'; enumType: CatalogEnum };

/** The object a reference names, or null when the model no longer has it. */
export function findObject(model: CatalogModel, ref: ObjectRef): CatalogObject | null {
  if (isRelationKind(ref.kind)) {
    const relation = model.relations.find((r) => r.schema === ref.schema && r.name === ref.name);
    return relation ? { type: 'relation', relation } : null;
  }
  if (ref.kind === 'function' || ref.kind === 'procedure') {
    const fn = model.functions.find(
      (f) =>
        f.schema === ref.schema &&
        f.name === ref.name &&
        (ref.arguments === undefined || f.arguments === ref.arguments) &&
        (f.kind === 'procedure') === (ref.kind === 'procedure'),
    );
    return fn ? { type: 'function', fn } : null;
  }
  if (ref.kind === 'sequence') {
    const sequence = model.sequences.find((s) => s.schema === ref.schema && s.name === ref.name);
    return sequence ? { type: 'sequence', sequence } : null;
  }
  const enumType = model.enums.find((e) => e.schema === ref.schema && e.name === ref.name);
  return enumType ? { type: 'enum', enumType } : null;
}

/** Foreign keys of other relations (or this one, self-references) that point at `schema.table`. */
export function incomingForeignKeys(model: CatalogModel, schema: string, table: string): CatalogForeignKey[] {
  const incoming: CatalogForeignKey[] = [];
  for (const relation of model.relations) {
    for (const fk of relation.foreignKeys) {
      if (fk.referencedSchema === schema && fk.referencedTable === table) incoming.push(fk);
    }
  }
  return incoming.sort(
    (a, b) => a.schema.localeCompare(b.schema) || a.table.localeCompare(b.table) || a.name.localeCompare(b.name),
  );
}

/** Whether a function can be run from the UI: a plain function with no arguments. */
export function isRunnableFunction(fn: CatalogFunction): boolean {
  return fn.kind === 'function' && fn.arguments.trim() === '';
}

/** The Schema overview table rows, from the model: what the quick-connect listing showed, for any connection. */
export function schemaSummaries(model: CatalogModel, includeSystem = false): SchemaSummary[] {
  const relationCounts = new Map<string, number>();
  for (const r of model.relations) relationCounts.set(r.schema, (relationCounts.get(r.schema) ?? 0) + 1);
  return model.schemas
    .filter((s) => includeSystem || !s.isSystem)
    .map((s) => ({
      name: s.name,
      owner: s.owner,
      comment: s.comment,
      relationCount: relationCounts.get(s.name) ?? 0,
      isSystem: s.isSystem,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const integer = new Intl.NumberFormat('en-US');

export function formatInteger(value: number | bigint): string {
  return integer.format(value);
}

/** "~12,345 rows (estimate)"; the planner's number, never a count. */
export function formatRowEstimate(estimate: number | null): string {
  if (estimate === null || estimate < 0) return 'No row estimate (never analysed)';
  const rounded = Math.round(estimate);
  return `~${formatInteger(rounded)} ${rounded === 1 ? 'row' : 'rows'} (estimate)`;
}

/** An exact count as main sends it (a bigint in text). */
export function formatExactCount(count: string): string {
  if (!/^\d+$/.test(count)) return count;
  const value = BigInt(count);
  return `${formatInteger(value)} ${value === 1n ? 'row' : 'rows'}`;
}

const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** Sizes the way pg_size_pretty shows them: 1024-based, whole numbers below 10 of a unit get one decimal. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value < 10 ? 1 : 0;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
