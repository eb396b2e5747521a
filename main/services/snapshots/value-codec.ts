import type { SnapshotStorage } from '../../../common/snapshots';
import { OpsError } from '../../../common/errors';

/**
 * A value as the capture binds it into the snapshot file (and feeds it to the
 * ContentHasher): integers as number when exact, bigint beyond 2^53 (SQLite
 * INTEGER either way), booleans as 0/1, bytea as a Buffer, the rest as text:
 * a string, or, straight from COPY, its UTF-8 bytes, which the writer binds
 * as TEXT (see TableSink) so they are never decoded into a JavaScript string.
 */
export type CapturedValue = string | number | bigint | Uint8Array | null;

/** Decodes one COPY field (already unescaped, as bytes; NULL never reaches it). */
export type FieldDecoder = (field: Uint8Array) => CapturedValue;

/** Up to 15 digits is always below 2^53, so the sum is exact. */
const SAFE_DIGITS = 15;
const MINUS = 0x2d;
const ZERO = 0x30;

function asBuffer(field: Uint8Array): Buffer {
  return Buffer.from(field.buffer, field.byteOffset, field.byteLength);
}

function invalid(what: string, field: Uint8Array): OpsError {
  const text = asBuffer(field).toString('utf8');
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return new OpsError('database_error', `The server sent ${what} the snapshot cannot store: "${shown}"`);
}

function decodeInteger(field: Uint8Array): number | bigint {
  const negative = field[0] === MINUS;
  const first = negative ? 1 : 0;
  const digits = field.length - first;
  if (digits === 0) throw invalid('an integer', field);
  if (digits <= SAFE_DIGITS) {
    let value = 0;
    for (let i = first; i < field.length; i++) {
      const digit = field[i]! - ZERO;
      if (digit < 0 || digit > 9) throw invalid('an integer', field);
      value = value * 10 + digit;
    }
    return negative ? -value : value;
  }
  const text = asBuffer(field).toString('latin1');
  if (!/^-?[0-9]+$/.test(text)) throw invalid('an integer', field);
  return BigInt(text);
}

function decodeBoolean(field: Uint8Array): number {
  if (field.length === 1) {
    if (field[0] === 0x74) return 1; // t
    if (field[0] === 0x66) return 0; // f
  }
  throw invalid('a boolean', field);
}

/** bytea in hex output (bytea_output = 'hex', which the capture sets): \x then two digits per byte. */
function decodeBytea(field: Uint8Array): Buffer {
  if (field.length < 2 || field[0] !== 0x5c || field[1] !== 0x78 || field.length % 2 !== 0) {
    throw invalid('a bytea value', field);
  }
  const bytes = Buffer.from(asBuffer(field).toString('latin1', 2), 'hex');
  if (bytes.length * 2 !== field.length - 2) throw invalid('a bytea value', field);
  return bytes;
}

function decodeText(field: Uint8Array): Uint8Array {
  return field;
}

/** The decoder of one column's COPY text fields. */
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

/** One field, NULL included (a string is taken as its UTF-8 bytes). */
export function decodeValue(storage: SnapshotStorage, field: Uint8Array | string | null): CapturedValue {
  if (field === null) return null;
  return decoderFor(storage)(typeof field === 'string' ? Buffer.from(field, 'utf8') : field);
}
