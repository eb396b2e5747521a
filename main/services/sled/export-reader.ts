/**
 * Streaming readers of the two Sled export formats (see the README, "Sled
 * import"). Neither ever holds a whole file: format A is split into lines
 * over the file's byte chunks and each line parsed with JSON.parse; format B
 * goes through @streamparser/json, which hands over one [key, value] pair at
 * a time and keeps none of them (a file of exactly serde_json's shape, all
 * arrays of byte numbers, is read by export-canonical.ts instead: the same
 * entries, without a token per byte). Both hash the file as they read it.
 *
 * A reader reports, it does not judge: every line or pair becomes exactly one
 * entry (blank lines and header lines aside), with a problem and a reason
 * when it cannot be read. Reasons never quote the input: a line may hold a
 * wallet secret.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import { JSONParser, TokenType, type ParsedElementInfo, type ParsedTokenInfo } from '@streamparser/json';
import { OpsError } from '../../../common/errors';
import { isWellFormed } from './decode';
import { CanonicalScanner, canonicalExport } from './export-canonical';

export type ExportFormat = 'jsonl' | 'export-json';
export type ReaderProblem = 'invalid_json' | 'bad_header' | 'bad_base64' | 'bad_entry';

export interface ExportSource {
  name: string;
  exportedAt: string | null;
  /** 'line 1' (a format A header) or 'file' (format B). */
  origin: string;
}

/** One entry as read: the bytes that could be read, and the problem if some could not. */
export interface RawEntry {
  /** 'line 12' (format A) or 'collection 0, pair 41' (format B, both 0-based). */
  origin: string;
  /** Format A: the line number in origin. */
  line: number | null;
  tree: string | null;
  key: Buffer | null;
  /** The key as text when it came as a JSON string (so valid UTF-8). */
  keyText: string | null;
  value: Buffer | null;
  valueText: string | null;
  problem: ReaderProblem | null;
  reason: string | null;
}

export interface ExportVisitor {
  /**
   * A source begins: a format A header, or a format B file. null: the entries
   * after an unsupported header have none; `unread` says which header and why.
   */
  source(source: ExportSource | null, unread?: { line: number; problem: string }): void;
  /** Called synchronously for every entry, in file order. */
  entry(entry: RawEntry): void;
  /** After each chunk read, with the bytes read so far; may throw (cancel) or wait. */
  chunk?(bytesDone: number): void | Promise<void>;
}

export interface ExportReadResult {
  format: ExportFormat;
  bytes: number;
  sha256: string;
  entries: number;
}

export const CHUNK_BYTES = 1 << 20;
/** A format A line longer than this is reported, not read (a JS string holds at most ~512 MiB). */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

const BOM = [0xef, 0xbb, 0xbf];

/** Compressed files an export is often shipped in, by their magic bytes. */
const COMPRESSIONS = [
  { name: 'gzip', magic: [0x1f, 0x8b], command: 'gunzip -k' },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd], command: 'zstd -d' },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], command: 'xz -dk' },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68], command: 'bunzip2 -k' },
  { name: 'zip', magic: [0x50, 0x4b, 0x03, 0x04], command: 'unzip' },
];

function compressionOf(head: Buffer): { name: string; command: string } | null {
  return COMPRESSIONS.find((c) => c.magic.every((byte, i) => head[i] === byte)) ?? null;
}

/** The format of an export file, from its first byte that is not whitespace (or a UTF-8 BOM). */
export async function detectExportFormat(file: string): Promise<ExportFormat> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) {
        const byte = buffer[i]!;
        if (position + i < 3 && byte === BOM[position + i]) continue;
        if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
        if (byte === 0x7b) return 'jsonl';
        if (byte === 0x5b) return 'export-json';
        const compression = position + i === 0 ? compressionOf(buffer.subarray(0, bytesRead)) : null;
        if (compression) {
          throw new OpsError('invalid_input', `${file} is ${compression.name}-compressed, not a Sled export as such`, {
            hint: `Decompress it first (${compression.command} ${path.basename(file)}) and import the file that makes.`,
          });
        }
        throw new OpsError('invalid_input', `${file} is not a Sled export`, {
          detail: `Its first character (byte 0x${byte.toString(16).padStart(2, '0')} at offset ${position + i}) is neither "{" nor "[".`,
          hint: 'Format A (JSON Lines) starts with a {"format":"sled-export",…} header; format B (sled::Db::export() as JSON) with "[".',
        });
      }
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
  throw new OpsError('invalid_input', `${file} is empty`, { hint: 'An export file has at least a header line.' });
}

/** Reads an export file, reporting every source and entry to `visitor`. */
export async function readExport(
  file: string,
  visitor: ExportVisitor,
  knownFormat?: ExportFormat,
  options: FormatBOptions = {},
): Promise<ExportReadResult> {
  const format = knownFormat ?? (await detectExportFormat(file));
  return format === 'jsonl' ? readJsonl(file, visitor) : readExportJson(file, visitor, options);
}

export interface FormatBOptions {
  /** Tests: false reads even serde_json's own shape through the library (default true: export-canonical.ts). */
  canonical?: boolean;
}

// ---------------------------------------------------------------- base64

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64_VALUE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard padded base64, strictly: Buffer.from(s, 'base64') alone skips garbage and accepts the URL alphabet. */
export function decodeBase64Strict(text: string): Buffer | { error: string } {
  const length = text.length;
  if (length % 4 === 0) {
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    const bytes = Buffer.from(text, 'base64');
    // Node skips characters outside the alphabet (each one costs output bytes) and stops at an inner '=';
    // it accepts '-' and '_' (URL alphabet), which standard base64 does not.
    if (bytes.length === (length / 4) * 3 - padding && !text.includes('-') && !text.includes('_')) {
      // Canonical: the bits the padding leaves unused must be zero, as strict decoders require.
      const last =
        padding === 0 ? 0 : BASE64_VALUE.indexOf(text[length - 1 - padding]!) & (padding === 2 ? 0x0f : 0x03);
      if (last !== 0) return { error: 'has non-zero padding bits' };
      return bytes;
    }
  }
  const bad = /[^A-Za-z0-9+/=]/.exec(text);
  if (bad) return { error: `has a character outside the base64 alphabet at position ${bad.index}` };
  if (!BASE64.test(text)) return { error: 'has "=" before its end (padding goes only at the end)' };
  return { error: `has length ${length}, which is not a multiple of 4 (bad padding)` };
}

// ---------------------------------------------------------------- format A

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A JSON.parse message without the piece of the line V8 quotes. */
function syntaxReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message)?.[1];
  if (/Unexpected end of JSON input/.test(message)) return 'it ends in the middle of a value';
  if (position !== undefined) return `${message.replace(/ in JSON at position \d+.*$/s, '')} at character ${position}`;
  if (/Unexpected token/.test(message)) return 'it has an unexpected character';
  return 'it does not parse';
}

interface Field {
  bytes: Buffer | null;
  text: string | null;
  problem: ReaderProblem | null;
  reason: string | null;
}

/**
 * key/key_b64 (or value/value_b64) of an entry line: exactly one, a string,
 * valid. `escapes`: whether the line has a \u escape at all; without one, its
 * strings (read from valid UTF-8) cannot hold a lone surrogate.
 */
function readField(name: 'key' | 'value', plain: unknown, b64: unknown, escapes: boolean): Field {
  if (plain !== undefined && b64 !== undefined) {
    return { bytes: null, text: null, problem: 'bad_entry', reason: `it has both ${name} and ${name}_b64` };
  }
  if (plain === undefined && b64 === undefined) {
    return { bytes: null, text: null, problem: 'bad_entry', reason: `it has neither ${name} nor ${name}_b64` };
  }
  if (plain !== undefined) {
    if (typeof plain !== 'string') {
      return { bytes: null, text: null, problem: 'bad_entry', reason: `its ${name} is ${kindOf(plain)}, not a string` };
    }
    if (escapes && !isWellFormed(plain)) {
      return {
        bytes: null,
        text: null,
        problem: 'bad_entry',
        reason: `its ${name} has a lone surrogate escape, so it is not UTF-8 text (bytes that are not UTF-8 go in ${name}_b64)`,
      };
    }
    return { bytes: Buffer.from(plain, 'utf8'), text: plain, problem: null, reason: null };
  }
  if (typeof b64 !== 'string') {
    return { bytes: null, text: null, problem: 'bad_entry', reason: `its ${name}_b64 is ${kindOf(b64)}, not a string` };
  }
  const decoded = decodeBase64Strict(b64);
  if (!Buffer.isBuffer(decoded)) {
    return { bytes: null, text: null, problem: 'bad_base64', reason: `its ${name}_b64 ${decoded.error}` };
  }
  return { bytes: decoded, text: null, problem: null, reason: null };
}

/** Why a header cannot be read, or null when it is a supported one. */
function headerProblem(header: Record<string, unknown>): string | null {
  if (header.format !== 'sled-export') {
    return `its format ${typeof header.format === 'string' ? JSON.stringify(header.format.slice(0, 40)) : kindOf(header.format)} is not "sled-export"`;
  }
  if (header.version !== 1) {
    return `its version ${typeof header.version === 'number' ? header.version : kindOf(header.version)} is not supported (this reads version 1)`;
  }
  if (typeof header.source !== 'string' || header.source === '') return 'it has no source name';
  if (header.exported_at !== undefined && header.exported_at !== null && typeof header.exported_at !== 'string') {
    return `its exported_at is ${kindOf(header.exported_at)}, not a string`;
  }
  return null;
}

/** Why entries after an unsupported header are not read. */
export function badHeaderReason(lineNo: number, problem: string): string {
  return `it follows the header at line ${lineNo}, which is not read: ${problem}`;
}

/** Whether a parsed line is a header (format A): it has a format and no tree. */
function isHeader(parsed: Record<string, unknown>): boolean {
  return parsed.format !== undefined && parsed.tree === undefined;
}

/**
 * Format A's lines → entries. Given whole lines (block), by the splitter
 * (splitJsonl); the staging may run one per block on other threads, each
 * starting from the line number and header state the splitter saw there.
 */
export class JsonlReader {
  private lineNo = 0;
  entries = 0;

  /** badHeader: set after an unsupported header, the reason its entries carry (badHeaderAfter). */
  constructor(
    private readonly visitor: ExportVisitor,
    private badHeader: string | null = null,
  ) {}

  private emit(
    lineNo: number,
    tree: string | null,
    key: Field | null,
    value: Field | null,
    problem: ReaderProblem | null,
    reason: string | null,
  ): void {
    this.entries += 1;
    this.visitor.entry({
      origin: `line ${lineNo}`,
      line: lineNo,
      tree,
      key: key?.bytes ?? null,
      keyText: key?.text ?? null,
      value: value?.bytes ?? null,
      valueText: value?.text ?? null,
      problem,
      reason,
    });
  }

  private invalid(lineNo: number, reason: string): void {
    this.emit(lineNo, null, null, null, 'invalid_json', reason);
  }

  /** The header state here: an unsupported header's reason, or null. */
  get badHeaderState(): string | null {
    return this.badHeader;
  }

  /** A header line: a new source, or none (its entries then carry why). */
  header(parsed: Record<string, unknown>, lineNo: number): void {
    const problem = headerProblem(parsed);
    if (problem === null) {
      this.badHeader = null;
      const exportedAt = typeof parsed.exported_at === 'string' ? parsed.exported_at : null;
      this.visitor.source({ name: parsed.source as string, exportedAt, origin: `line ${lineNo}` });
    } else {
      this.badHeader = badHeaderReason(lineNo, problem);
      this.visitor.source(null, { line: lineNo, problem });
    }
  }

  line(text: string, lineNo: number): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      if (/^[ \t\r]*$/.test(text)) return;
      this.invalid(lineNo, `line ${lineNo} is not valid JSON: ${syntaxReason(error)}`);
      return;
    }
    if (!isObject(parsed)) {
      this.invalid(lineNo, `line ${lineNo} is ${kindOf(parsed)} in JSON, not an entry or header object`);
      return;
    }
    if (isHeader(parsed)) {
      this.header(parsed, lineNo);
      return;
    }
    let problem: ReaderProblem | null = null;
    let reason: string | null = null;
    const escapes = text.includes('\\u');
    const tree = typeof parsed.tree === 'string' && (!escapes || isWellFormed(parsed.tree)) ? parsed.tree : null;
    if (tree === null) {
      problem = 'bad_entry';
      reason = parsed.tree === undefined ? 'it has no tree' : `its tree is ${kindOf(parsed.tree)}, not a UTF-8 string`;
    }
    const key = readField('key', parsed.key, parsed.key_b64, escapes);
    const value = readField('value', parsed.value, parsed.value_b64, escapes);
    for (const field of [key, value]) {
      if (problem === null && field.problem !== null) {
        problem = field.problem;
        reason = field.reason;
      }
    }
    if (problem === null && this.badHeader !== null) {
      problem = 'bad_header';
      reason = this.badHeader;
    }
    this.emit(lineNo, tree, key, value, problem, reason === null ? null : `line ${lineNo}: ${reason}`);
  }

  /** Whole lines (each ending in \n, but maybe the file's last), the first of them line `firstLine`. */
  block(bytes: Buffer, firstLine: number): void {
    this.lineNo = firstLine - 1;
    let pos = 0;
    // Line by line, not the block at once: one non-ASCII character would make the
    // whole block's string two-byte, and JSON.parse of every line slower.
    while (pos < bytes.length) {
      let nl = bytes.indexOf(0x0a, pos);
      if (nl < 0) nl = bytes.length;
      this.lineNo += 1;
      if (nl > pos) {
        const line = bytes.subarray(pos, nl);
        if (isUtf8(line)) this.line(bytes.toString('utf8', pos, nl), this.lineNo);
        else this.invalid(this.lineNo, `line ${this.lineNo} is not valid UTF-8`);
      }
      pos = nl + 1;
    }
  }

  tooLong(lineNo: number): void {
    this.lineNo = lineNo;
    this.invalid(lineNo, `line ${lineNo} is longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB and was not read`);
  }
}

/** What splitJsonl finds in a format A file, in file order. */
export interface JsonlParts {
  /** Whole lines without a header among them; the first is line `firstLine`. The bytes are only valid during the call. */
  block(bytes: Buffer, firstLine: number): void;
  /** A header line (parsed: it has a format and no tree). */
  header(parsed: Record<string, unknown>, lineNo: number): void;
  /** A line too long to read. */
  tooLong(lineNo: number): void;
  /** After each chunk read, with the bytes read so far; may throw (cancel) or wait. */
  chunk?(bytesDone: number): void | Promise<void>;
}

/** `{"tree":` — a line that starts so is an entry, whatever follows, never a header. */
const ENTRY_PREFIX = Buffer.from('{"tree":');

function startsAsEntry(bytes: Buffer, pos: number, end: number): boolean {
  if (end - pos < ENTRY_PREFIX.length) return false;
  for (let i = 0; i < ENTRY_PREFIX.length; i++) if (bytes[pos + i] !== ENTRY_PREFIX[i]) return false;
  return true;
}

/** The header a line holds, or null (any other line, readable or not). */
function headerOf(bytes: Buffer, pos: number, end: number): Record<string, unknown> | null {
  if (startsAsEntry(bytes, pos, end) || !isUtf8(bytes.subarray(pos, end))) return null;
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8', pos, end));
    return isObject(parsed) && isHeader(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * Splits a format A file into blocks of whole lines and its header lines,
 * hashing it as it goes: the cheap half of reading it (JsonlReader reads the
 * blocks). A line that does not start as an entry does is parsed here to see
 * whether it is a header, so a block never holds one.
 */
export async function splitJsonl(file: string, parts: JsonlParts): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let lineNo = 0;
  let carry: Buffer | null = null;
  let skipping = false;
  let bytes = 0;
  let first = true;
  const scan = (whole: Buffer, from: number) => {
    let start = from;
    let firstLine = lineNo + 1;
    let pos = from;
    while (pos < whole.length) {
      let nl = whole.indexOf(0x0a, pos);
      if (nl < 0) nl = whole.length;
      lineNo += 1;
      if (!startsAsEntry(whole, pos, nl)) {
        const header = headerOf(whole, pos, nl);
        if (header !== null) {
          if (pos > start) parts.block(whole.subarray(start, pos), firstLine);
          parts.header(header, lineNo);
          start = nl + 1;
          firstLine = lineNo + 1;
        }
      }
      pos = nl + 1;
    }
    if (start < whole.length) parts.block(whole.subarray(start), firstLine);
  };
  for await (const data of fs.createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
    const chunk = data as Buffer;
    hash.update(chunk);
    bytes += chunk.length;
    let from = 0;
    if (first && chunk[0] === BOM[0] && chunk[1] === BOM[1] && chunk[2] === BOM[2]) from = 3;
    first = false;
    if (skipping) {
      // The rest of an overlong line.
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        await parts.chunk?.(bytes);
        continue;
      }
      skipping = false;
      from = nl + 1;
    }
    const last = chunk.lastIndexOf(0x0a);
    if (last < from) {
      carry = carry ? Buffer.concat([carry, chunk.subarray(from)]) : Buffer.from(chunk.subarray(from));
      if (carry.length > MAX_LINE_BYTES) {
        lineNo += 1;
        parts.tooLong(lineNo);
        carry = null;
        skipping = true;
      }
    } else {
      const whole = carry ? Buffer.concat([carry, chunk.subarray(from, last + 1)]) : chunk.subarray(from, last + 1);
      scan(whole, 0);
      // A copy, so the chunk it came from can be freed.
      carry = last + 1 < chunk.length ? Buffer.from(chunk.subarray(last + 1)) : null;
    }
    await parts.chunk?.(bytes);
  }
  if (carry && carry.length > 0) scan(carry, 0);
  return { bytes, sha256: hash.digest('hex') };
}

async function readJsonl(file: string, visitor: ExportVisitor): Promise<ExportReadResult> {
  const reader = new JsonlReader(visitor);
  const { bytes, sha256 } = await splitJsonl(file, {
    block: (block, firstLine) => reader.block(block, firstLine),
    header: (parsed, lineNo) => reader.header(parsed, lineNo),
    tooLong: (lineNo) => reader.tooLong(lineNo),
    ...(visitor.chunk ? { chunk: visitor.chunk } : {}),
  });
  return { format: 'jsonl', bytes, sha256, entries: reader.entries };
}

// ---------------------------------------------------------------- format B

/** Bytes from a JSON array of numbers 0..255, or why it is not one. */
function byteString(value: unknown, what: string): Buffer | string {
  if (!Array.isArray(value)) return `its ${what} is ${kindOf(value)}, not an array of bytes`;
  for (let i = 0; i < value.length; i++) {
    const n: unknown = value[i];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 255) {
      return `its ${what} has ${typeof n === 'number' ? n : kindOf(n)} at index ${i}, not a byte (0–255)`;
    }
  }
  return Buffer.from(value as number[]);
}

/** A collection (tree) name as text: UTF-8 when it is, else 0x-hex. */
function treeName(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString('utf8') : `0x${bytes.toString('hex')}`;
}

/**
 * Format B: `[[type, name, [[key, value], ...]], ...]`. The library parses;
 * the token hook only checks the outer shape (an array of 3-element arrays),
 * which the path-filtered values alone cannot show.
 */
async function readExportJson(
  file: string,
  visitor: ExportVisitor,
  options: FormatBOptions,
): Promise<ExportReadResult> {
  const hash = createHash('sha256');
  let entries = 0;
  let bytes = 0;
  // An error of the visitor (a failed insert) must not pass for a syntax error of the file.
  let visitorError: unknown = null;
  const emit = (entry: RawEntry) => {
    entries += 1;
    try {
      visitor.entry(entry);
    } catch (error) {
      visitorError ??= error;
    }
  };
  const bad = (origin: string, problem: ReaderProblem, reason: string) =>
    emit({ origin, line: null, tree: null, key: null, keyText: null, value: null, valueText: null, problem, reason });

  visitor.source({ name: path.basename(file, path.extname(file)), exportedAt: null, origin: 'file' });

  // serde_json's own shape, and nothing else, is read without the library (export-canonical.ts).
  // While it is checked, progress stays at 0 bytes; a cancel still stops it between chunks.
  if (options.canonical !== false && (await canonicalExport(file, CHUNK_BYTES, () => visitor.chunk?.(0)))) {
    let tree: string | null = null;
    const scanner = new CanonicalScanner({
      collection() {
        tree = null;
      },
      header(element, name) {
        if (element === 1) tree = treeName(name);
      },
      pair(collection, pair, key, value) {
        emit({
          origin: `collection ${collection}, pair ${pair}`,
          line: null,
          tree,
          key,
          keyText: null,
          value,
          valueText: null,
          problem: null,
          reason: null,
        });
      },
    });
    const stream = fs.createReadStream(file, { highWaterMark: CHUNK_BYTES });
    for await (const data of stream) {
      const chunk = data as Buffer;
      hash.update(chunk);
      bytes += chunk.length;
      // The file changed since it was checked: say so rather than read it half one way.
      if (!scanner.write(chunk)) throw changedWhileRead(file);
      if (visitorError !== null) throw visitorError;
      await visitor.chunk?.(bytes);
    }
    if (!scanner.end()) throw changedWhileRead(file);
    return { format: 'export-json', bytes, sha256: hash.digest('hex'), entries };
  }

  // Per collection: its tree name (null until read or when unreadable) and why it is unreadable.
  let tree: string | null = null;
  let treeProblem: string | null = null;

  // Outer shape, from the tokens: depth, the open containers' kinds and the element counts at depth 1 and 2.
  let depth = 0;
  const kinds: Array<'array' | 'object'> = [];
  let collection = -1;
  let elements = 0;
  let lastOffset = 0;
  const valueStarts = (token: TokenType) =>
    token === TokenType.LEFT_BRACKET ||
    token === TokenType.LEFT_BRACE ||
    token === TokenType.STRING ||
    token === TokenType.NUMBER ||
    token === TokenType.TRUE ||
    token === TokenType.FALSE ||
    token === TokenType.NULL;

  const parser = new JSONParser({ paths: ['$.*.0', '$.*.1', '$.*.2.*'], keepStack: false });
  let afterColon = false;
  parser.onToken = ({ token, offset }: ParsedTokenInfo) => {
    lastOffset = offset;
    const inArray = kinds[kinds.length - 1] === 'array';
    if (valueStarts(token) && !afterColon && inArray) {
      if (depth === 1) {
        collection += 1;
        tree = null;
        treeProblem = null;
        elements = 0;
        if (token !== TokenType.LEFT_BRACKET) {
          bad(`collection ${collection}`, 'bad_entry', `collection ${collection} is not a [type, name, pairs] array`);
        }
      } else if (depth === 2) {
        elements += 1;
      }
    }
    afterColon = token === TokenType.COLON;
    if (token === TokenType.LEFT_BRACKET || token === TokenType.LEFT_BRACE) {
      kinds.push(token === TokenType.LEFT_BRACKET ? 'array' : 'object');
      depth += 1;
    } else if (token === TokenType.RIGHT_BRACKET || token === TokenType.RIGHT_BRACE) {
      kinds.pop();
      depth -= 1;
      if (depth === 1 && token === TokenType.RIGHT_BRACKET && elements !== 3) {
        bad(
          `collection ${collection}`,
          'bad_entry',
          `collection ${collection} has ${elements} elements, not the 3 of [type, name, pairs]`,
        );
      }
    }
  };
  // Values arrive with stack = [root, collection's slot, …]: stack[1].key is the collection's index.
  parser.onValue = ({ value, key, parent, stack }: ParsedElementInfo) => {
    const c = stack[1]?.key;
    if (stack.length === 2) {
      // $.*.0 (collection type: only checked to be bytes) or $.*.1 (the tree name).
      if (!Array.isArray(parent)) return;
      const read = byteString(value, key === 0 ? 'collection type' : 'collection name');
      if (key === 1 && Buffer.isBuffer(read)) tree = treeName(read);
      else if (!Buffer.isBuffer(read)) treeProblem = `collection ${String(c)}: ${read}`;
      return;
    }
    // $.*.2.*: a pair, inside the pairs array (element 2) of a collection array.
    if (stack.length !== 3 || !Array.isArray(parent) || !Array.isArray(stack[2]?.value) || stack[2]?.key !== 2) return;
    const origin = `collection ${String(c)}, pair ${String(key)}`;
    const pair = Array.isArray(value) && value.length === 2 ? value : null;
    const k = pair ? byteString(pair[0], 'key') : `it is ${kindOf(value)}, not a [key, value] pair`;
    const v = pair ? byteString(pair[1], 'value') : null;
    const problem = !Buffer.isBuffer(k) ? k : typeof v === 'string' ? v : treeProblem;
    emit({
      origin,
      line: null,
      tree: treeProblem === null ? tree : null,
      key: Buffer.isBuffer(k) ? k : null,
      keyText: null,
      value: Buffer.isBuffer(v) ? v : null,
      valueText: null,
      problem: problem === null ? null : 'bad_entry',
      reason: problem === null ? null : `${origin}: ${problem}`,
    });
  };

  let broken: { at: number; reason: string } | null = null;
  const stream = fs.createReadStream(file, { highWaterMark: CHUNK_BYTES });
  for await (const data of stream) {
    const chunk = data as Buffer;
    hash.update(chunk);
    bytes += chunk.length;
    if (broken === null) {
      try {
        parser.write(chunk);
      } catch (error) {
        if (visitorError === null) broken = syntaxError(error, lastOffset, false);
      }
    }
    if (visitorError !== null) throw visitorError;
    await visitor.chunk?.(bytes);
  }
  if (broken === null) {
    try {
      if (!parser.isEnded) parser.end();
    } catch (error) {
      if (visitorError === null) broken = syntaxError(error, lastOffset, true);
    }
    if (visitorError !== null) throw visitorError;
  }
  if (broken !== null) bad(`byte ${broken.at}`, 'invalid_json', broken.reason);
  return { format: 'export-json', bytes, sha256: hash.digest('hex'), entries };
}

function changedWhileRead(file: string): OpsError {
  return new OpsError('conflict', `${file} changed while it was being imported`, {
    hint: 'Import it again once nothing writes to it.',
  });
}

/** Where and why format B stops parsing; the library's message may quote input, so only the offset is used. */
function syntaxError(error: unknown, lastTokenOffset: number, atEnd: boolean): { at: number; reason: string } {
  if (!(error instanceof Error)) throw error;
  const at = Math.max(lastTokenOffset, 0);
  return {
    at,
    reason: atEnd
      ? `the file ends before its JSON does (cut short?): what followed byte ${at} is missing`
      : `the file is not valid JSON after byte ${at}; the rest of it was not read`,
  };
}
