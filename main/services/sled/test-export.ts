/**
 * Test and benchmark support: writes exactly the bytes the Rust bot and a
 * Sled exporter write, without using this module's decoders (a decoder bug
 * must not be hidden by an encoder that shares it).
 *
 * - bincode 1.x, legacy configuration (`bincode::serialize`): fixed-width
 *   little-endian integers, String = u64 length + UTF-8 bytes, Option = one
 *   tag byte (0 None, 1 Some) then the value, Vec = u64 count then the items.
 * - serde_json (`serde_json::to_vec`): compact, fields in struct order, u64 as
 *   bare digits, None as null, strings escaped as serde_json does.
 * - Format A (our JSON Lines) and format B (serde_json of the Vecs collected
 *   from `sled::Db::export()`), written line by line / pair by pair so a
 *   generated export of millions of entries takes bounded memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import type { SledFamily } from '../../../common/sled';

export const DEFAULT_TREE = '__sled__default';

// ---------------------------------------------------------------- bincode

export interface CachedResponseFields {
  query: string;
  response: string;
  model: string;
  cached_at: bigint;
  hit_count: number;
  quality_score: number | null;
}

export interface ConversationEntryFields {
  user_id: string;
  message: string;
  intent: string;
  timestamp: bigint;
  entities: string[];
}

function u64le(value: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(value);
  return out;
}

function bincodeString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([u64le(BigInt(bytes.length)), bytes]);
}

/** bincode legacy of `CachedResponse { query, response, model, cached_at: u64, hit_count: u32, quality_score: Option<u8> }`. */
export function encodeCachedResponse(c: CachedResponseFields): Buffer {
  const hit = Buffer.alloc(4);
  hit.writeUInt32LE(c.hit_count);
  const quality = c.quality_score === null ? Buffer.from([0]) : Buffer.from([1, c.quality_score]);
  return Buffer.concat([
    bincodeString(c.query),
    bincodeString(c.response),
    bincodeString(c.model),
    u64le(c.cached_at),
    hit,
    quality,
  ]);
}

/** bincode legacy of `ConversationEntry { user_id, message, intent, timestamp: i64, entities: Vec<String> }`. */
export function encodeConversationEntry(c: ConversationEntryFields): Buffer {
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigInt64LE(c.timestamp);
  return Buffer.concat([
    bincodeString(c.user_id),
    bincodeString(c.message),
    bincodeString(c.intent),
    timestamp,
    u64le(BigInt(c.entities.length)),
    ...c.entities.map(bincodeString),
  ]);
}

// ---------------------------------------------------------------- serde_json

const HEX = '0123456789abcdef';

/** A string as serde_json writes it: " \ and control characters escaped, everything else (non-ASCII too) as is. */
export function serdeJsonString(value: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x20 && code !== 0x22 && code !== 0x5c) continue;
    out += value.slice(start, i);
    start = i + 1;
    switch (code) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      default:
        out += `\\u00${HEX[code >> 4]}${HEX[code & 15]}`;
    }
  }
  return `${out}${value.slice(start)}"`;
}

/**
 * An f64 as serde_json writes it (ryu): integral values keep ".0", and very
 * small magnitudes use an exponent ("1e-6"). Enough for the values the tests
 * and the generator use (finite, |x| < 1e16).
 */
export function serdeJsonF64(value: number): string {
  if (!Number.isFinite(value)) throw new Error('serde_json writes no NaN or infinity');
  if (Number.isInteger(value)) return value.toFixed(1);
  const text = String(value);
  if (text.includes('e')) return text.replace('e+', 'e');
  const magnitude = Math.abs(value);
  if (magnitude < 1e-5) {
    // JS writes 0.000001…; ryu switches to the exponent form below 1e-5.
    const [mantissa, exponent] = value.toExponential().split('e');
    return `${mantissa}e${Number(exponent)}`;
  }
  return text;
}

export interface BalanceFields {
  total: bigint;
  locked: bigint;
  available: bigint;
}

/** serde_json of `Balance { total: u64, locked: u64, available: u64 }`. */
export function encodeBalance(b: BalanceFields): Buffer {
  return Buffer.from(`{"total":${b.total},"locked":${b.locked},"available":${b.available}}`, 'utf8');
}

export interface WalletInfoFields {
  user_id: string;
  pubkey: string;
  secret: string | null;
  chain: string;
  created_at: bigint;
  wallet_type: 'Managed' | 'External';
}

/** serde_json of `WalletInfo { user_id, pubkey, secret: Option<String>, chain, created_at: u64, wallet_type }`. */
export function encodeWalletInfo(w: WalletInfoFields): Buffer {
  const secret = w.secret === null ? 'null' : serdeJsonString(w.secret);
  return Buffer.from(
    `{"user_id":${serdeJsonString(w.user_id)},"pubkey":${serdeJsonString(w.pubkey)},"secret":${secret},` +
      `"chain":${serdeJsonString(w.chain)},"created_at":${w.created_at},"wallet_type":${serdeJsonString(w.wallet_type)}}`,
    'utf8',
  );
}

export interface MemoryEntryFields {
  id: string;
  agent_id: string;
  category: string;
  key: string;
  value: string;
  created_at: string;
  last_accessed: string;
  access_count: number;
  importance: number;
  tags: string[];
  related_memories: string[];
}

const stringArray = (values: readonly string[]) => `[${values.map(serdeJsonString).join(',')}]`;

/** serde_json of `MemoryEntry` (the timestamps already in chrono's RFC 3339 form). */
export function encodeMemoryEntry(m: MemoryEntryFields): Buffer {
  return Buffer.from(
    `{"id":${serdeJsonString(m.id)},"agent_id":${serdeJsonString(m.agent_id)},` +
      `"category":${serdeJsonString(m.category)},"key":${serdeJsonString(m.key)},` +
      `"value":${serdeJsonString(m.value)},"created_at":${serdeJsonString(m.created_at)},` +
      `"last_accessed":${serdeJsonString(m.last_accessed)},"access_count":${m.access_count},` +
      `"importance":${serdeJsonF64(m.importance)},"tags":${stringArray(m.tags)},` +
      `"related_memories":${stringArray(m.related_memories)}}`,
    'utf8',
  );
}

/** A `pref:{user_id}:{key}` value: the string's UTF-8 bytes, nothing around them. */
export function encodePreference(value: string): Buffer {
  return Buffer.from(value, 'utf8');
}

// ---------------------------------------------------------------- export files

/** Appends text to a file through a 1 MiB buffer (synchronous, bounded memory). */
class FileSink {
  private readonly fd: number;
  private parts: string[] = [];
  private pending = 0;
  bytes = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'wx');
  }

  write(text: string): void {
    this.parts.push(text);
    this.pending += text.length;
    if (this.pending >= 1 << 20) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    const chunk = Buffer.from(this.parts.join(''), 'utf8');
    fs.writeSync(this.fd, chunk);
    this.bytes += chunk.length;
    this.parts = [];
    this.pending = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

export interface ExportHeader {
  source: string;
  exportedAt: string;
  /** Written instead of 1 to make an unsupported header. */
  version?: number;
  format?: string;
}

/** One format A line for an entry: a string when the bytes are valid UTF-8, else base64. */
export function jsonlEntryLine(tree: string, key: Buffer, value: Buffer): string {
  const k = isUtf8(key) ? `"key":${serdeJsonString(key.toString('utf8'))}` : `"key_b64":"${key.toString('base64')}"`;
  const v = isUtf8(value)
    ? `"value":${serdeJsonString(value.toString('utf8'))}`
    : `"value_b64":"${value.toString('base64')}"`;
  return `{"tree":${serdeJsonString(tree)},${k},${v}}`;
}

export function jsonlHeaderLine(header: ExportHeader): string {
  return (
    `{"format":${serdeJsonString(header.format ?? 'sled-export')},"version":${header.version ?? 1},` +
    `"source":${serdeJsonString(header.source)},"exported_at":${serdeJsonString(header.exportedAt)}}`
  );
}

/** Format A, written as an exporter would: a header per source, then one line per entry. */
export class JsonlExportWriter {
  private readonly sink: FileSink;

  constructor(file: string) {
    this.sink = new FileSink(file);
  }

  header(header: ExportHeader): void {
    this.sink.write(`${jsonlHeaderLine(header)}\n`);
  }

  entry(key: Buffer, value: Buffer, tree = DEFAULT_TREE): void {
    this.sink.write(`${jsonlEntryLine(tree, key, value)}\n`);
  }

  /** Any text (a broken line in a test). */
  raw(text: string): void {
    this.sink.write(text);
  }

  close(): number {
    this.sink.close();
    return this.sink.bytes;
  }
}

const byteArray = (bytes: Uint8Array) => `[${bytes.join(',')}]`;

/**
 * Format B: serde_json of `Vec<(Vec<u8>, Vec<u8>, Vec<Vec<Vec<u8>>>)>`, the
 * collections of `sled::Db::export()` with every byte string an array of numbers.
 */
export class ExportJsonWriter {
  private readonly sink: FileSink;
  private collections = 0;
  private pairs = 0;

  constructor(file: string) {
    this.sink = new FileSink(file);
    this.sink.write('[');
  }

  collection(name: string, type = 'tree'): void {
    if (this.collections > 0) this.sink.write(']],');
    this.sink.write(`[${byteArray(Buffer.from(type))},${byteArray(Buffer.from(name))},[`);
    this.collections += 1;
    this.pairs = 0;
  }

  entry(key: Uint8Array, value: Uint8Array): void {
    if (this.collections === 0) this.collection(DEFAULT_TREE);
    this.sink.write(`${this.pairs > 0 ? ',' : ''}[${byteArray(key)},${byteArray(value)}]`);
    this.pairs += 1;
  }

  close(): number {
    this.sink.write(this.collections > 0 ? ']]]' : ']');
    this.sink.close();
    return this.sink.bytes;
  }
}

// ---------------------------------------------------------------- generated exports

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const WORDS = [
  'order',
  'pizza',
  'delivery',
  'menu',
  'price',
  'table',
  'booking',
  'café',
  'crème brûlée',
  'sushi',
  'вкусно',
  'tonight',
  'vegan',
  'spicy',
  'refund',
  'wallet',
  'balance',
  'FODI',
  'reward',
  'loyalty',
  '🍕',
  'thanks',
  'where',
  'when',
  'how much',
  'is',
  'the',
  'a',
  'open',
  'closed',
];
const INTENTS = ['order_food', 'check_balance', 'book_table', 'ask_menu', 'small_talk', 'complaint'];
const MODELS = ['gpt-4o-mini', 'llama-3.1-8b-instruct', 'claude-3-haiku', 'mistral-small'];
const CATEGORIES = ['preference', 'allergy', 'habit', 'address', 'feedback'];

export interface GenerateOptions {
  entries: number;
  seed?: number;
  /** 'jsonl' = format A (default), 'export-json' = format B. */
  format?: 'jsonl' | 'export-json';
}

export interface GeneratedExport {
  file: string;
  bytes: number;
  entries: number;
  byFamily: Record<SledFamily, number>;
  /** Sum of the balances' totals (units of 1e-9 FODI). */
  balanceTotal: bigint;
  /** Wallets with a plaintext secret (the Managed half). */
  walletsWithSecret: number;
  /** Format A: the headers written, in order (fodi_ledger, wallets, ai_cache, local_agents, those with entries). */
  sources: string[];
}

/** Entries of each family for a total, in the mix of the benchmark (10/10/30/30/10/10 %). */
function familyCounts(entries: number): Record<SledFamily, number> {
  const balance = Math.round(entries * 0.1);
  const wallet = Math.min(balance, Math.round(entries * 0.1));
  const ai_cache = Math.round(entries * 0.3);
  const conversation = Math.round(entries * 0.3);
  const memory = Math.round(entries * 0.1);
  const rest = entries - balance - wallet - ai_cache - conversation - memory;
  // Small totals: rounding may overshoot; take the difference from the largest families.
  const counts = { balance, wallet, ai_cache, conversation, memory, preference: Math.max(0, rest) };
  let over = Math.max(0, -rest);
  for (const family of ['conversation', 'ai_cache', 'memory', 'wallet', 'balance'] as const) {
    const take = Math.min(over, counts[family]);
    counts[family] -= take;
    over -= take;
  }
  counts.wallet = Math.min(counts.wallet, counts.balance);
  counts.preference = entries - counts.balance - counts.wallet - counts.ai_cache - counts.conversation - counts.memory;
  return counts;
}

/**
 * Writes a realistic export of `entries` entries to `file` (which must not
 * exist) and returns what a correct staging must find. Wallet i belongs to
 * the user of balance i; half the wallets are Managed with a base58 secret,
 * half External without. Format A writes one source per Sled database
 * (fodi_ledger, wallets, ai_cache, local_agents); format B one collection.
 */
export function generateExport(file: string, options: GenerateOptions): GeneratedExport {
  const random = prng(options.seed ?? 1);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const base58 = (length: number) => {
    let out = '';
    for (let i = 0; i < length; i++) out += BASE58[int(58)];
    return out;
  };
  const sentence = (words: number) => {
    const out: string[] = [];
    for (let i = 0; i < words; i++) out.push(pick(WORDS));
    return out.join(' ');
  };
  const userId = (n: number) => (n % 7 === 0 ? `INV-LOCAL-${String(n).padStart(3, '0')}` : `user_${n}`);
  const baseTime = 1_700_000_000;

  const counts = familyCounts(options.entries);
  const format = options.format ?? 'jsonl';
  let balanceTotal = 0n;
  let walletsWithSecret = 0;
  const sources: string[] = [];

  const jsonl = format === 'jsonl' ? new JsonlExportWriter(file) : null;
  const exportJson = format === 'export-json' ? new ExportJsonWriter(file) : null;
  exportJson?.collection(DEFAULT_TREE);
  const source = (name: string, entries: number) => {
    if (entries === 0 || !jsonl) return;
    sources.push(name);
    jsonl.header({ source: name, exportedAt: '2024-06-01T12:00:00Z' });
  };
  const put = (key: string | Buffer, value: Buffer) => {
    const keyBytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    if (jsonl) jsonl.entry(keyBytes, value);
    else exportJson!.entry(keyBytes, value);
  };

  source('fodi_ledger', counts.balance);
  for (let i = 0; i < counts.balance; i++) {
    const locked = BigInt(int(1000)) * 1_000_000n;
    const available = BigInt(int(1_000_000)) * 1_000_000_000n + BigInt(int(1_000_000_000));
    const total = locked + available;
    balanceTotal += total;
    put(`balance:${userId(i)}`, encodeBalance({ total, locked, available }));
  }

  source('wallets', counts.wallet);
  for (let i = 0; i < counts.wallet; i++) {
    const managed = i % 2 === 0;
    if (managed) walletsWithSecret += 1;
    put(
      `wallet:${userId(i)}`,
      encodeWalletInfo({
        user_id: userId(i),
        pubkey: base58(44),
        secret: managed ? base58(88) : null,
        chain: 'solana',
        created_at: BigInt(baseTime + int(10_000_000)),
        wallet_type: managed ? 'Managed' : 'External',
      }),
    );
  }

  source('ai_cache', counts.ai_cache);
  for (let i = 0; i < counts.ai_cache; i++) {
    let cacheKey = '';
    for (let j = 0; j < 64; j++) cacheKey += HEX[int(16)];
    put(
      cacheKey,
      encodeCachedResponse({
        query: sentence(3 + int(8)),
        response: sentence(10 + int(25)),
        model: pick(MODELS),
        cached_at: BigInt(baseTime + int(10_000_000)),
        hit_count: int(50),
        quality_score: int(3) === 0 ? null : int(101),
      }),
    );
  }

  source('local_agents', counts.conversation + counts.memory + counts.preference);
  for (let i = 0; i < counts.conversation; i++) {
    const user = userId(int(Math.max(1, counts.balance)));
    const ts = baseTime + i;
    put(
      `ctx:${user}:${ts}`,
      encodeConversationEntry({
        user_id: user,
        message: sentence(4 + int(12)),
        intent: pick(INTENTS),
        timestamp: BigInt(ts),
        entities: int(3) === 0 ? [] : [pick(WORDS), pick(WORDS)],
      }),
    );
  }
  for (let i = 0; i < counts.memory; i++) {
    const agent = `agent-${int(5)}`;
    const category = pick(CATEGORIES);
    const key = `fact_${i}`;
    const created = new Date((baseTime + int(10_000_000)) * 1000).toISOString().replace('.000Z', 'Z');
    put(
      `pref:memory:memory:${agent}:${category}:${key}`,
      encodeMemoryEntry({
        id: `mem-${i}`,
        agent_id: agent,
        category,
        key,
        value: sentence(3 + int(6)),
        created_at: created,
        last_accessed: created,
        access_count: int(20),
        importance: int(11) / 10,
        tags: int(2) === 0 ? [] : [pick(CATEGORIES)],
        related_memories: [],
      }),
    );
  }
  for (let i = 0; i < counts.preference; i++) {
    put(`pref:${userId(int(Math.max(1, counts.balance)))}:setting_${i}`, encodePreference(sentence(1 + int(3))));
  }

  const bytes = jsonl ? jsonl.close() : exportJson!.close();
  return {
    file: path.resolve(file),
    bytes,
    entries: options.entries,
    byFamily: counts,
    balanceTotal,
    walletsWithSecret,
    sources: format === 'jsonl' ? sources : [path.basename(file, path.extname(file))],
  };
}
