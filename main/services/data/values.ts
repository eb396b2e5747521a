import type pg from 'pg';
import type { CellValue, JsonValue } from '../../../common/data';

const BOOL_OID = 16;
const JSON_OID = 114;
const JSONB_OID = 3802;

export function isJsonType(typeOid: number): boolean {
  return typeOid === JSON_OID || typeOid === JSONB_OID;
}

/**
 * How a PostgreSQL value (in its text form, as the server sends it) becomes a
 * cell: json and jsonb are parsed, bool becomes true/false, NULL is null, and
 * everything else stays PostgreSQL's exact text — numeric digits, bigint past
 * 2^53, timestamps with microseconds, uuid, arrays ('{a,b}'), bytea ('\x…').
 * Nothing is converted through a JavaScript number or Date, so nothing is
 * rounded or shifted into another time zone.
 */
export function parseCell(typeOid: number, text: string | null): CellValue {
  if (text === null) return null;
  if (typeOid === JSON_OID || typeOid === JSONB_OID) return JSON.parse(text) as JsonValue;
  if (typeOid === BOOL_OID) return text === 't';
  return text;
}

const identity = (text: string): string => text;
const parseJson = (text: string): JsonValue => JSON.parse(text) as JsonValue;
const parseBool = (text: string): boolean => text === 't';

/**
 * Per-query type parsers for node-postgres (`types: exactTypes`), so a query's
 * rows follow parseCell without touching the process-wide pg.types registry.
 */
export const exactTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number) => {
    if (oid === JSON_OID || oid === JSONB_OID) return parseJson;
    if (oid === BOOL_OID) return parseBool;
    return identity;
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * The text PostgreSQL accepts back for a cell, e.g. to compare against it in
 * a keyset cursor: the inverse of parseCell for the types it changes.
 */
export function cellToText(typeOid: number, value: CellValue): string | null {
  if (value === null) return null;
  // A jsonb string value arrives parsed ("a" -> a) and must go back as JSON.
  if (typeOid === JSON_OID || typeOid === JSONB_OID) return JSON.stringify(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value);
}
