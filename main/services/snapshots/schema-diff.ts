/**
 * The schema half of a diff: two catalog models (a snapshot's, or one read
 * from the live database) compared object by object. Pure: no I/O.
 *
 * Identity. Every object is keyed by its kind and qualified name: schemas;
 * relations by schema.name whatever their kind (a table that became a view is
 * a changed relation, not a removal plus an addition); columns, constraints,
 * foreign keys and triggers by schema.table.name (their names are unique per
 * table); indexes by schema.name (unique per schema); functions by
 * schema.name(argument types), so overloads are distinct and renaming an
 * argument is a change rather than a new function; sequences and enums by
 * schema.name.
 *
 * Each object is reported once. The parts of a relation (columns, indexes,
 * constraints, foreign keys, triggers) are compared only when the relation is
 * on both sides: a dropped table is one removal, not one per column.
 *
 * What counts. Everything a migration changes: types, nullability, defaults,
 * identity, generation, comments, definitions (pg_get_*def text), key and
 * reference columns, actions, validity, function signatures and bodies,
 * sequence parameters, enum labels. Left out as volatile or environmental:
 * sizes, row estimates, capturedAt/durationMs, database name, server version,
 * owners (roles differ between servers), column positions (a column re-added
 * lands last) and the reconstructed DDL (it repeats the fields compared).
 */
import type {
  CatalogColumn,
  CatalogConstraint,
  CatalogForeignKey,
  CatalogFunction,
  CatalogIndex,
  CatalogModel,
  CatalogRelation,
  CatalogTrigger,
  RelationKind,
} from '../../../common/catalog';
import type { DiffChange, DiffObject, DiffObjectKind, SnapshotDiff } from '../../../common/snapshots';

type SchemaDiff = SnapshotDiff['schema'];
type Change = DiffChange['changes'][number];
type Field = readonly [what: string, value: string | null];

interface Entry {
  kind: DiffObjectKind;
  name: string;
  /** The key of the relation this object belongs to, or null for top-level objects. */
  parent: string | null;
  fields: Field[];
  /** Enum labels, compared on their own (added, removed, reordered). */
  labels?: string[];
}

/** Report order of kinds: containers first, then their parts, then the rest. */
const KIND_ORDER: readonly DiffObjectKind[] = [
  'schema',
  'table',
  'view',
  'materialized view',
  'column',
  'constraint',
  'foreign key',
  'index',
  'trigger',
  'function',
  'sequence',
  'enum',
];

const RELATION_LABEL: Record<RelationKind, string> = {
  table: 'table',
  partitioned_table: 'partitioned table',
  foreign_table: 'foreign table',
  view: 'view',
  materialized_view: 'materialized view',
};

export function diffCatalogs(left: CatalogModel, right: CatalogModel): SchemaDiff {
  const before = entriesOf(left);
  const after = entriesOf(right);
  // A part is compared only when its relation is on both sides.
  const counts = (entry: Entry) => entry.parent === null || (before.has(entry.parent) && after.has(entry.parent));

  const added: DiffObject[] = [];
  const removed: DiffObject[] = [];
  const changed: DiffChange[] = [];
  for (const [key, entry] of before) {
    if (!counts(entry)) continue;
    const other = after.get(key);
    if (!other) {
      removed.push({ kind: entry.kind, name: entry.name });
      continue;
    }
    const changes = compareEntries(entry, other);
    if (changes.length > 0) changed.push({ kind: other.kind, name: other.name, changes });
  }
  for (const [key, entry] of after) {
    if (counts(entry) && !before.has(key)) added.push({ kind: entry.kind, name: entry.name });
  }
  return {
    added: added.sort(byKindAndName),
    removed: removed.sort(byKindAndName),
    changed: changed.sort(byKindAndName),
  };
}

function compareEntries(before: Entry, after: Entry): Change[] {
  const changes: Change[] = [];
  const afterFields = new Map(after.fields);
  for (const [what, value] of before.fields) {
    const next = afterFields.has(what) ? (afterFields.get(what) ?? null) : null;
    if (value !== next) changes.push({ what, before: value, after: next });
  }
  if (before.labels && after.labels) changes.push(...labelChanges(before.labels, after.labels));
  return changes;
}

/** One change per added and removed label, and one for a new order of the labels both sides share. */
function labelChanges(before: string[], after: string[]): Change[] {
  const changes: Change[] = [];
  const inAfter = new Set(after);
  const inBefore = new Set(before);
  for (const label of before)
    if (!inAfter.has(label)) changes.push({ what: 'label removed', before: label, after: null });
  for (const label of after)
    if (!inBefore.has(label)) changes.push({ what: 'label added', before: null, after: label });
  const sharedBefore = before.filter((label) => inAfter.has(label));
  const sharedAfter = after.filter((label) => inBefore.has(label));
  if (sharedBefore.some((label, i) => label !== sharedAfter[i])) {
    changes.push({ what: 'label order', before: labelList(sharedBefore), after: labelList(sharedAfter) });
  }
  return changes;
}

/** Labels as SQL literals, so a label holding a comma stays readable. */
function labelList(labels: string[]): string {
  return labels.map((label) => `'${label.replaceAll("'", "''")}'`).join(', ');
}

function byKindAndName(a: DiffObject, b: DiffObject): number {
  return KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || compareCodePoints(a.name, b.name);
}

/** Locale-free string order (by code point), so the report reads the same on every machine. */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** UTF-16 puts surrogates (U+D800–DFFF, astral characters) below U+E000–FFFF; code point order puts them above. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

function entriesOf(model: CatalogModel): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  const add = (key: unknown[], entry: Entry) => entries.set(JSON.stringify(key), entry);
  for (const schema of model.schemas) {
    add(['schema', schema.name], {
      kind: 'schema',
      name: schema.name,
      parent: null,
      fields: [['comment', schema.comment]],
    });
  }
  for (const relation of model.relations) {
    const parent = JSON.stringify(['relation', relation.schema, relation.name]);
    add(['relation', relation.schema, relation.name], relationEntry(relation));
    const part = (group: string, name: string, kind: DiffObjectKind, fields: Field[]) =>
      add([group, relation.schema, relation.name, name], {
        kind,
        name: `${relation.schema}.${relation.name}.${name}`,
        parent,
        fields,
      });
    for (const column of relation.columns) part('column', column.name, 'column', columnFields(column));
    for (const constraint of relation.constraints) {
      part('constraint', constraint.name, 'constraint', constraintFields(constraint));
    }
    for (const key of relation.foreignKeys) part('foreign key', key.name, 'foreign key', foreignKeyFields(key));
    for (const trigger of relation.triggers) part('trigger', trigger.name, 'trigger', triggerFields(trigger));
    for (const index of relation.indexes) {
      // Index names are unique per schema, and that is how PostgreSQL names them.
      add(['index', relation.schema, index.name], {
        kind: 'index',
        name: `${relation.schema}.${index.name}`,
        parent,
        fields: indexFields(index),
      });
    }
  }
  for (const fn of model.functions) {
    const signature = `${fn.name}(${argumentTypes(fn.arguments)})`;
    add(['function', fn.schema, signature], {
      kind: 'function',
      name: `${fn.schema}.${signature}`,
      parent: null,
      fields: functionFields(fn),
    });
  }
  for (const seq of model.sequences) {
    add(['sequence', seq.schema, seq.name], {
      kind: 'sequence',
      name: `${seq.schema}.${seq.name}`,
      parent: null,
      fields: [
        ['data type', seq.dataType],
        ['start', seq.start],
        ['increment', seq.increment],
        ['min', seq.min],
        ['max', seq.max],
        ['cycle', String(seq.cycle)],
        ['owned by', seq.ownedBy],
      ],
    });
  }
  for (const en of model.enums) {
    add(['enum', en.schema, en.name], {
      kind: 'enum',
      name: `${en.schema}.${en.name}`,
      parent: null,
      fields: [['comment', en.comment]],
      labels: en.labels,
    });
  }
  return entries;
}

function relationEntry(relation: CatalogRelation): Entry {
  const kind: DiffObjectKind =
    relation.kind === 'view' ? 'view' : relation.kind === 'materialized_view' ? 'materialized view' : 'table';
  return {
    kind,
    name: `${relation.schema}.${relation.name}`,
    parent: null,
    fields: [
      ['kind', RELATION_LABEL[relation.kind]],
      ['definition', relation.viewDefinition],
      ['partition of', relation.partitionOf],
      ['partition key', relation.partitionKey],
      ['comment', relation.comment],
    ],
  };
}

function columnFields(column: CatalogColumn): Field[] {
  return [
    ['type', column.type],
    ['nullable', String(column.nullable)],
    ['default', column.default],
    ['identity', column.identity],
    ['generated', column.generated],
    ['generation expression', column.generationExpression],
    ['comment', column.comment],
  ];
}

function constraintFields(constraint: CatalogConstraint): Field[] {
  return [
    ['type', constraint.type],
    ['definition', constraint.definition],
    ['deferrable', String(constraint.deferrable)],
    ['validated', String(constraint.validated)],
  ];
}

function foreignKeyFields(key: CatalogForeignKey): Field[] {
  return [
    ['columns', key.columns.join(', ')],
    ['references', `${key.referencedSchema}.${key.referencedTable} (${key.referencedColumns.join(', ')})`],
    ['on delete', key.onDelete],
    ['on update', key.onUpdate],
    ['validated', String(key.validated)],
    ['definition', key.definition],
  ];
}

function triggerFields(trigger: CatalogTrigger): Field[] {
  return [
    ['definition', trigger.definition],
    ['enabled', String(trigger.enabled)],
  ];
}

function indexFields(index: CatalogIndex): Field[] {
  return [
    ['definition', index.definition],
    ['unique', String(index.unique)],
    ['primary', String(index.primary)],
    ['predicate', index.predicate],
    ['valid', String(index.valid)],
    ['comment', index.comment],
  ];
}

function functionFields(fn: CatalogFunction): Field[] {
  return [
    ['kind', fn.kind],
    ['arguments', fn.arguments],
    ['result', fn.result],
    ['language', fn.language],
    ['volatility', fn.volatility],
    ['security definer', String(fn.securityDefiner)],
    ['definition', fn.ddl],
    ['comment', fn.comment],
  ];
}

/** Type names of more than one word, which a bare argument type may be (no name in front). */
const MULTI_WORD_TYPE =
  /^(double precision|character varying|bit varying|national character( varying)?|(timestamp|time)(\(\d+\))? with(out)? time zone)(\[\])*$/i;
const MODE = /^(IN|OUT|INOUT|VARIADIC)\s+/;

/**
 * The argument types of pg_get_function_identity_arguments' text, without the
 * argument names: "p_user uuid, VARIADIC p_tags text[]" → "uuid, VARIADIC text[]".
 * The model keeps only that text, so the names are taken off by its grammar:
 * [mode] [name] type, where a name is one (possibly quoted) identifier.
 */
export function argumentTypes(identityArguments: string): string {
  return splitTopLevel(identityArguments)
    .map((argument) => {
      let rest = argument.trim();
      const mode = MODE.exec(rest);
      rest = rest.slice(mode?.[0].length ?? 0);
      const prefix = mode && mode[1] !== 'IN' ? `${mode[1]} ` : '';
      if (MULTI_WORD_TYPE.test(rest)) return prefix + rest;
      const first = /^("(?:[^"]|"")*"|[^\s"]+)\s+(\S[\s\S]*)$/.exec(rest);
      return prefix + (first?.[2] ?? rest);
    })
    .filter((argument) => argument !== '')
    .join(', ');
}

/** Split at commas outside double quotes and brackets. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
