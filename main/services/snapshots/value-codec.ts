import type { SnapshotStorage } from '../../../common/snapshots';
import { OpsError } from '../../../common/errors';

/**
 * A value as the capture binds it into the snapshot file (and feeds it to the
 * ContentHasher): integers as number when exact, bigint beyond 2^53 (SQLite
 * INTEGER either way), booleans as 0/1, bytea as a Buffer, the rest as text.
 */
export type CapturedValue = string | number | bigint | Buffer | null;

export type FieldDecoder = (field: string) => CapturedValue;

/** Up to 15 digits is always below 2^53, so Number() is exact. */
const SAFE_DIGITS = 15;

function invalid(what: string, field: string): OpsError {
  const shown = field.length > 40 ? `${field.slice(0, 40)}…` : field;
  return new OpsError('database_error', `The server sent ${what} the snapshot cannot store: "${shown}"`);
}

function decodeInteger(field: string): number | bigint {
  const digits = field.charCodeAt(0) === 0x2d ? field.length - 1 : field.length;
  if (digits <= SAFE_DIGITS) {
    const value = Number(field);
    if (field.length === 0 || !Number.isInteger(value)) throw invalid('an integer', field);
    return value;
  }
  try {
    return BigInt(field);
  } catch {
    throw invalid('an integer', field);
  }
}

function decodeBoolean(field: string): number {
  if (field === 't') return 1;
  if (field === 'f') return 0;
  throw invalid('a boolean', field);
}

/** bytea in hex output (bytea_output = 'hex', which the capture sets): \x then two digits per byte. */
function decodeBytea(field: string): Buffer {
  if (!field.startsWith('\\x') || field.length % 2 !== 0) throw invalid('a bytea value', field);
  const bytes = Buffer.from(field.slice(2), 'hex');
  if (bytes.length * 2 !== field.length - 2) throw invalid('a bytea value', field);
  return bytes;
}

function decodeText(field: string): string {
  return field;
}

/** The decoder of one column's COPY text fields (already unescaped; NULL never reaches it). */
export function decoderFor(storage: SnapshotStorage): FieldDecoder {
  switch (storage) {
    case 'integer':
      return decodeInteger;
    case 'boolean':
      return decodeBoolean;
    case 'blob':
      return decodeBytea;
    case 'text':
      return decodeText;
  }
}

/** One field, NULL included. */
export function decodeValue(storage: SnapshotStorage, field: string | null): CapturedValue {
  return field === null ? null : decoderFor(storage)(field);
}
