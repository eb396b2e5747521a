/**
 * Pure helpers behind ResultGrid: how a cell value is shown and how a header
 * click changes the sort. No DOM, so they run under unit tests as they are.
 */
import type { CellValue, ResultColumn } from '../../../common/data';

export type SortDirection = 'asc' | 'desc';
export interface SortSpec {
  column: string;
  direction: SortDirection;
}

/** Cells longer than this show a prefix and an expand button. */
export const TRUNCATE_AT = 200;

export function isJsonType(type: string): boolean {
  const t = type.toLowerCase();
  return t === 'json' || t === 'jsonb';
}

const numericTypes = new Set([
  'smallint',
  'integer',
  'bigint',
  'int2',
  'int4',
  'int8',
  'real',
  'double precision',
  'float4',
  'float8',
  'numeric',
  'decimal',
  'money',
  'oid',
]);

/** Right-aligned columns. `numeric(30,10)` counts as numeric. */
export function isNumericType(type: string): boolean {
  return numericTypes.has(
    type
      .toLowerCase()
      .replace(/\(.*\)$/, '')
      .trim(),
  );
}

export type CellDisplay =
  | { kind: 'null' }
  | { kind: 'empty' }
  /** text: the (possibly shortened) one-line text; full: the whole value when shortened. */
  | { kind: 'text'; text: string; truncated: boolean }
  | { kind: 'json'; text: string; truncated: boolean };

/** One line for the cell: line breaks shown as ↵ so a row keeps its fixed height. */
function oneLine(text: string): string {
  return text.replace(/\r\n|\r|\n/g, '↵');
}

function shorten(text: string): { text: string; truncated: boolean } {
  if (text.length <= TRUNCATE_AT) return { text: oneLine(text), truncated: false };
  // Counted in code points, so a surrogate pair is never cut in half. 2× covers TRUNCATE_AT of them.
  const points = Array.from(text.slice(0, TRUNCATE_AT * 2));
  if (points.length <= TRUNCATE_AT && text.length <= TRUNCATE_AT * 2) return { text: oneLine(text), truncated: false };
  return { text: `${oneLine(points.slice(0, TRUNCATE_AT).join(''))}…`, truncated: true };
}

/**
 * How a value is shown in a cell. Values arrive as PostgreSQL's text form
 * (numbers and bigints included, never converted to JS numbers), json/jsonb as
 * parsed JSON, NULL as null.
 */
export function displayCell(value: CellValue, column: Pick<ResultColumn, 'type'>): CellDisplay {
  if (value === null) return { kind: 'null' };
  if (isJsonType(column.type)) return { kind: 'json', ...shorten(JSON.stringify(value)) };
  if (typeof value === 'string') return value === '' ? { kind: 'empty' } : { kind: 'text', ...shorten(value) };
  if (typeof value === 'object') return { kind: 'json', ...shorten(JSON.stringify(value)) };
  return { kind: 'text', text: String(value), truncated: false };
}

/** The full value as the side panel shows it: JSON pretty-printed, text as is. */
export function fullValueText(value: CellValue, json: boolean): string {
  if (value === null) return 'NULL';
  if (json || typeof value === 'object') return JSON.stringify(value, null, 2);
  return String(value);
}

/**
 * A header click. Plain click: this column only, asc → desc → unsorted.
 * Shift-click: adds the column as a further key, or cycles it in place.
 */
export function cycleSort(current: readonly SortSpec[], column: string, additive: boolean): SortSpec[] {
  const existing = current.find((s) => s.column === column);
  const next: SortDirection | null = !existing ? 'asc' : existing.direction === 'asc' ? 'desc' : null;
  if (!additive) return next ? [{ column, direction: next }] : [];
  if (!existing) return [...current, { column, direction: 'asc' }];
  return next
    ? current.map((s) => (s.column === column ? { column, direction: next } : s))
    : current.filter((s) => s.column !== column);
}

const CHAR_PX = 7.3;
const MIN_WIDTH = 72;
const MAX_WIDTH = 440;

/** Display length of a value in characters, as the cell shows it (capped: wide values truncate). */
function shownLength(value: CellValue, column: Pick<ResultColumn, 'type'>): number {
  const shown = displayCell(value, column);
  if (shown.kind === 'null') return 4;
  if (shown.kind === 'empty') return 2;
  return Math.min(60, shown.text.length) + (shown.kind === 'json' || shown.truncated ? 5 : 0);
}

/**
 * Starting width of a column, before the user resizes it: wide enough for its
 * header (name and type) and for the values of the first rows, within bounds.
 */
export function initialColumnWidth(
  column: Pick<ResultColumn, 'name' | 'type'>,
  sample: readonly (readonly CellValue[])[] = [],
  index = 0,
): number {
  const header = column.name.length * 8.4 + column.type.length * 6.4 + 92;
  let chars = 0;
  for (const row of sample) chars = Math.max(chars, shownLength(row[index] ?? null, column));
  const data = sample.length > 0 ? chars * CHAR_PX + 28 : isJsonType(column.type) ? 260 : 140;
  return Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, header, data)));
}
