/**
 * One Sled entry → its key family and decoded record, or the problem that
 * keeps it from loading (records.ts has the shapes, the key patterns and the
 * column limits). Problems are results, not exceptions: whatever the bytes,
 * decodeEntry returns.
 *
 * Wallet values hold plaintext secrets. A secret never reaches a record, a
 * reason or the staged bytes: the staged value is the JSON with every
 * "secret" member replaced by null, or nothing at all when the value is not
 * a JSON object (it might hold a secret that cannot be cut out).
 */
import { isUtf8 } from 'node:buffer';
import { familyTarget, type SledFamily, type SledProblemKind, type SledTarget } from '../../../common/sled';
import { BincodeError, decodeCachedResponse, decodeConversationEntry } from './bincode';
import { jsonMembers, type JsonMember } from './json-members';
import { balanceJson, cacheJson, conversationJson, memoryJson, preferenceJson, walletJson } from './record-json';
import { LIMITS, type MemoryRecord } from './records';

/** The one tree the bot wrote to. */
export const DEFAULT_TREE = '__sled__default';

export interface DecodeInput {
  tree: string | null;
  key: Buffer;
  /** The key as text, when the reader already has it (a format A string: valid UTF-8). */
  keyText?: string | null;
  value: Buffer;
  /** The value as text, when the reader already has it. */
  valueText?: string | null;
}

export interface Decoded {
  family: SledFamily | null;
  target: SledTarget | null;
  /** The record as JSON, or null when there is a problem. */
  record: string | null;
  problem: SledProblemKind | null;
  reason: string | null;
  /** The bytes to stage: the value itself, a wallet's with its secret set to null, or null (see redaction). */
  stagedValue: Buffer | null;
  /** True for every wallet value (it went through redaction); stagedValue then differs from what was exported. */
  redacted: boolean;
}

type Problem = { problem: 'decode_error' | 'out_of_range'; reason: string };
/** A decoded record, as JSON text (record-json.ts), or the problem. */
type Outcome = { record: string } | Problem;

const decodeError = (reason: string): Problem => ({ problem: 'decode_error', reason });
const outOfRange = (reason: string): Problem => ({ problem: 'out_of_range', reason });

// ---------------------------------------------------------------- key families

const HEX64 = /^[0-9a-f]{64}$/;
const BALANCE = 'balance:';
const WALLET = 'wallet:';
const CTX = 'ctx:';
const MEMORY = 'pref:memory:memory:';
const PREF = 'pref:';

/** The family a key belongs to, by the patterns of records.ts in their order; null for none. */
export function familyOfKey(keyText: string): SledFamily | null {
  if (keyText.startsWith(BALANCE)) return 'balance';
  if (keyText.startsWith(WALLET)) return 'wallet';
  if (keyText.length === 64 && HEX64.test(keyText)) return 'ai_cache';
  if (keyText.startsWith(CTX)) return 'conversation';
  if (keyText.startsWith(MEMORY)) return 'memory';
  if (keyText.startsWith(PREF)) return 'preference';
  return null;
}

function textOf(bytes: Buffer, known: string | null | undefined): string | null {
  if (known !== undefined && known !== null) return known;
  return isUtf8(bytes) ? bytes.toString('utf8') : null;
}

/** Whether a key is a wallet's, whatever else is wrong with the entry (its value must then be redacted). */
export function isWalletKey(key: Buffer | null, keyText?: string | null): boolean {
  if (key === null) return false;
  if (keyText !== undefined && keyText !== null) return keyText.startsWith(WALLET);
  return key.length >= WALLET.length && key.toString('latin1', 0, WALLET.length) === WALLET;
}

/**
 * A wallet value with every top-level "secret" member replaced by null, or
 * null when the value is not a JSON object (it cannot be cut apart safely).
 */
export function redactWalletValue(value: Buffer, valueText?: string | null): Buffer | null {
  const text = textOf(value, valueText);
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isPlainObject(parsed)) return null;
  return Buffer.from(redactMembers(text, jsonMembers(text)), 'utf8');
}

function redactMembers(text: string, members: readonly JsonMember[]): string {
  let out = text;
  for (let i = members.length - 1; i >= 0; i--) {
    const m = members[i]!;
    if (m.name === 'secret') out = `${out.slice(0, m.start)}null${out.slice(m.end)}`;
  }
  return out;
}

// ---------------------------------------------------------------- checks

/** No lone UTF-16 surrogates (String.prototype.isWellFormed: Node 20, not yet in TypeScript's ES2023 lib). */
export function isWellFormed(value: string): boolean {
  return (value as unknown as { isWellFormed(): boolean }).isWellFormed();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Characters as PostgreSQL counts them (code points), up to `limit + 1`. */
function exceeds(value: string, limit: number): number | null {
  if (value.length <= limit) return null;
  let count = 0;
  for (const _ of value) count++;
  return count > limit ? count : null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  return typeof value;
}

/** A JSON.parse error without the piece of text V8 quotes (it may be a secret). */
function jsonErrorReason(error: unknown, quoteNothing: boolean): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message)?.[1];
  if (quoteNothing)
    return position === undefined ? 'value is not valid JSON' : `value is not valid JSON (at byte ${position})`;
  return `value is not valid JSON: ${message.replace(/, ".*" is not valid JSON$/s, '')}`;
}

/**
 * A string field that becomes PostgreSQL text or jsonb: no lone surrogates
 * (serde_json refuses them), no U+0000 (PostgreSQL refuses it), at most
 * `maxChars` characters when its column is a varchar.
 */
function checkText(field: string, value: string, maxChars?: number, column?: string): Problem | null {
  if (!isWellFormed(value))
    return decodeError(`${field} contains a lone UTF-16 surrogate escape, which serde_json refuses`);
  return checkUtf8Text(field, value, maxChars, column);
}

/** checkText for a string decoded from valid UTF-8 bytes (bincode), which cannot hold a lone surrogate. */
function checkUtf8Text(field: string, value: string, maxChars?: number, column?: string): Problem | null {
  if (value.includes('\u0000'))
    return outOfRange(`${field} contains U+0000, which PostgreSQL text and jsonb cannot hold`);
  if (maxChars !== undefined) {
    const count = exceeds(value, maxChars);
    if (count !== null) {
      return outOfRange(`${field} is ${count} characters long; ${column ?? `varchar(${maxChars})`} holds ${maxChars}`);
    }
  }
  return null;
}

const U64_MAX = 18446744073709551615n;
const U32_MAX = 4294967295;

/** An exact u64 from a member's raw JSON text, or why it is not one. */
function u64Of(field: string, raw: string, parsed: unknown): bigint | Problem {
  if (typeof parsed !== 'number') return decodeError(`${field} is ${describe(parsed)}, expected an unsigned integer`);
  if (!/^-?(0|[1-9][0-9]*)$/.test(raw)) return decodeError(`${field} ${raw} is not an integer, expected u64`);
  if (raw.startsWith('-')) return decodeError(`${field} ${raw} is negative, expected u64`);
  const value = BigInt(raw);
  if (value > U64_MAX) return decodeError(`${field} ${raw} does not fit u64 (max ${U64_MAX})`);
  return value;
}

function fitsBigint(field: string, value: bigint): Problem | null {
  return value > LIMITS.bigintMax
    ? outOfRange(`${field} ${value} does not fit bigint (max ${LIMITS.bigintMax})`)
    : null;
}

/** Unix seconds that timestamptz and JS dates both hold (years 0001–9999). */
function fitsUnixSeconds(field: string, value: bigint): Problem | null {
  if (value < LIMITS.unixSecondsMin || value > LIMITS.unixSecondsMax) {
    return outOfRange(
      `${field} ${value} is outside the years 0001–9999 ` +
        `(unix seconds ${LIMITS.unixSecondsMin} to ${LIMITS.unixSecondsMax}), which timestamptz is read as here`,
    );
  }
  return null;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

function isRfc3339(value: string): boolean {
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (days === undefined || day < 1 || day > days) return false;
  if (hour > 23 || minute > 59 || second > 60) return false;
  if (m[8] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}

/** Members by name; a repeated known field is an error (serde: "duplicate field"). */
function memberTexts(
  text: string,
  known: readonly string[],
): { fields: Map<string, string>; members: number } | Problem {
  const fields = new Map<string, string>();
  const members = jsonMembers(text);
  for (const m of members) {
    if (!known.includes(m.name)) continue;
    if (fields.has(m.name)) return decodeError(`duplicate field \`${m.name}\``);
    fields.set(m.name, text.slice(m.start, m.end));
  }
  return { fields, members: members.length };
}

/** The value as a JSON object, with its text; wallet errors quote nothing. */
function parseObject(
  value: Buffer,
  valueText: string | null | undefined,
  secretive: boolean,
): { text: string; object: Record<string, unknown> } | Problem {
  const text = textOf(value, valueText);
  if (text === null) return decodeError('value is not valid UTF-8, so it is not serde_json output');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return decodeError(jsonErrorReason(error, secretive));
  }
  if (!isPlainObject(parsed)) return decodeError(`value is ${describe(parsed)} in JSON, expected an object`);
  return { text, object: parsed };
}

function isProblem(value: unknown): value is Problem {
  return isPlainObject(value) && typeof value.problem === 'string' && typeof value.reason === 'string';
}

// ---------------------------------------------------------------- families

/** serde_json's own output for a Balance: its digits can be taken as they are. */
const CANONICAL_BALANCE = /^\{"total":(0|[1-9][0-9]*),"locked":(0|[1-9][0-9]*),"available":(0|[1-9][0-9]*)\}$/;

function decodeBalance(userId: string, value: Buffer, valueText: string | null | undefined): Outcome {
  if (userId === '') return decodeError('the key has no user id after "balance:"');
  const text = textOf(value, valueText);
  const canonical = text === null ? null : CANONICAL_BALANCE.exec(text);
  let numbers: [string, string, string];
  if (canonical) {
    numbers = [canonical[1]!, canonical[2]!, canonical[3]!];
    for (const [i, field] of (['total', 'locked', 'available'] as const).entries()) {
      // Up to 18 digits always fit bigint; longer ones are checked exactly.
      if (numbers[i]!.length > 18) {
        const problem = u64Range(field, numbers[i]!);
        if (problem) return problem;
      }
    }
  } else {
    const parsed = parseObject(value, valueText, false);
    if (isProblem(parsed)) return parsed;
    const fields = ['total', 'locked', 'available'] as const;
    const raw = memberTexts(parsed.text, fields);
    if (isProblem(raw)) return raw;
    const read: string[] = [];
    for (const field of fields) {
      const digitsText = raw.fields.get(field);
      if (digitsText === undefined) return decodeError(`missing field \`${field}\``);
      const n = u64Of(field, digitsText, parsed.object[field]);
      if (typeof n !== 'bigint') return n;
      const problem = fitsBigint(field, n);
      if (problem) return problem;
      read.push(String(n));
    }
    numbers = read as [string, string, string];
  }
  const range = checkText('user_id', userId, LIMITS.varchar255, 'fodi_transactions.to_address varchar(255)');
  if (range) return range;
  return { record: balanceJson({ user_id: userId, total: numbers[0], locked: numbers[1], available: numbers[2] }) };
}

/**
 * The total of a balance whose value did not decode (out of range, a field
 * missing or of the wrong type), when the total itself can still be read
 * exactly: a JSON object with one \`total\`, an integer within u64. The report
 * counts it among the exported balances, as failed. Null when it cannot.
 */
export function readableBalanceTotal(value: Buffer | null): bigint | null {
  if (value === null) return null;
  const parsed = parseObject(value, null, false);
  if (isProblem(parsed)) return null;
  const raw = memberTexts(parsed.text, ['total']);
  const digits = isProblem(raw) ? undefined : raw.fields.get('total');
  if (digits === undefined) return null;
  const total = u64Of('total', digits, parsed.object.total);
  return typeof total === 'bigint' ? total : null;
}

/** A u64 in digits that may not fit bigint: decode_error past u64, out_of_range past bigint. */
function u64Range(field: string, digitsText: string): Problem | null {
  const value = BigInt(digitsText);
  if (value > U64_MAX) return decodeError(`${field} ${digitsText} does not fit u64 (max ${U64_MAX})`);
  return fitsBigint(field, value);
}

const WALLET_FIELDS = ['user_id', 'pubkey', 'secret', 'chain', 'created_at', 'wallet_type'] as const;

function decodeWallet(
  keyUserId: string,
  text: string,
  object: Record<string, unknown>,
  members: readonly JsonMember[],
): Outcome {
  if (keyUserId === '') return decodeError('the key has no user id after "wallet:"');
  const raw = new Map<string, string>();
  for (const m of members) {
    if (!(WALLET_FIELDS as readonly string[]).includes(m.name)) continue;
    if (raw.has(m.name)) return decodeError(`duplicate field \`${m.name}\``);
    raw.set(m.name, text.slice(m.start, m.end));
  }
  for (const field of ['user_id', 'pubkey', 'chain', 'wallet_type'] as const) {
    if (!raw.has(field)) return decodeError(`missing field \`${field}\``);
    if (typeof object[field] !== 'string')
      return decodeError(`${field} is ${describe(object[field])}, expected a string`);
  }
  const userId = object.user_id as string;
  const pubkey = object.pubkey as string;
  const chain = object.chain as string;
  const walletType = object.wallet_type as string;
  // Option<String>: a missing field is None, as serde reads it.
  const secret = raw.has('secret') ? object.secret : null;
  if (secret !== null && typeof secret !== 'string') {
    return decodeError(`secret is ${describe(secret)}, expected null or a string`);
  }
  if (secret !== null && !isWellFormed(secret)) {
    return decodeError('secret contains a lone UTF-16 surrogate escape, which serde_json refuses');
  }
  const createdRaw = raw.get('created_at');
  if (createdRaw === undefined) return decodeError('missing field `created_at`');
  const createdAt = u64Of('created_at', createdRaw, object.created_at);
  if (typeof createdAt !== 'bigint') return createdAt;
  if (walletType !== 'Managed' && walletType !== 'External') {
    return decodeError(
      `wallet_type: unknown variant ${JSON.stringify(walletType.slice(0, 40))}, expected "Managed" or "External"`,
    );
  }
  const textProblem =
    checkText('user_id', userId) ??
    checkText('pubkey', pubkey, LIMITS.varchar255, 'wallets.public_key varchar(255)') ??
    checkText('chain', chain, LIMITS.varchar50, 'wallets.wallet_type varchar(50)');
  if (textProblem?.problem === 'decode_error') return textProblem;
  if (userId !== keyUserId) {
    return decodeError(
      `user_id ${JSON.stringify(userId)} in the value differs from the key's ${JSON.stringify(keyUserId)}`,
    );
  }
  const range =
    checkText('key user id', keyUserId) ??
    textProblem ??
    fitsBigint('created_at', createdAt) ??
    fitsUnixSeconds('created_at', createdAt);
  if (range) return range;
  return {
    record: walletJson({
      user_id: keyUserId,
      pubkey,
      has_secret: typeof secret === 'string' && secret.length > 0,
      chain,
      created_at: String(createdAt),
      wallet_type: walletType,
    }),
  };
}

function bincodeProblem(error: unknown, type: string): Problem {
  if (error instanceof BincodeError) return decodeError(`not the bincode of ${type}: ${error.message}`);
  throw error;
}

function decodeCache(cacheKey: string, value: Buffer): Outcome {
  let c;
  try {
    c = decodeCachedResponse(value);
  } catch (error) {
    return bincodeProblem(error, 'CachedResponse');
  }
  const range =
    checkUtf8Text('query', c.query) ??
    checkUtf8Text('response', c.response) ??
    checkUtf8Text('model', c.model, LIMITS.varchar50, 'cache_entries.model varchar(50)') ??
    fitsBigint('cached_at', c.cached_at) ??
    fitsUnixSeconds('cached_at', c.cached_at) ??
    (c.hit_count > LIMITS.integerMax
      ? outOfRange(`hit_count ${c.hit_count} does not fit integer (max ${LIMITS.integerMax})`)
      : null);
  if (range) return range;
  return {
    record: cacheJson({
      cache_key: cacheKey,
      query: c.query,
      response: c.response,
      model: c.model,
      cached_at: String(c.cached_at),
      hit_count: c.hit_count,
      quality_score: c.quality_score,
    }),
  };
}

function decodeConversation(rest: string, value: Buffer): Outcome {
  const colon = rest.lastIndexOf(':');
  if (colon < 0) return decodeError('the key has no ":{unix_ts}" after the user id');
  const keyUserId = rest.slice(0, colon);
  const keyTs = rest.slice(colon + 1);
  if (keyUserId === '') return decodeError('the key has no user id after "ctx:"');
  if (!/^-?[0-9]+$/.test(keyTs)) {
    return decodeError(`the key's timestamp ${JSON.stringify(keyTs.slice(0, 40))} is not an integer`);
  }
  let c;
  try {
    c = decodeConversationEntry(value);
  } catch (error) {
    return bincodeProblem(error, 'ConversationEntry');
  }
  const range =
    checkUtf8Text('user_id', c.user_id) ??
    checkText('key user id', keyUserId) ??
    checkUtf8Text('message', c.message) ??
    checkUtf8Text('intent', c.intent) ??
    c.entities.reduce<Problem | null>((found, e, i) => found ?? checkUtf8Text(`entities[${i}]`, e), null) ??
    fitsUnixSeconds('timestamp', c.timestamp);
  if (range) return range;
  return {
    record: conversationJson({
      user_id: c.user_id,
      message: c.message,
      intent: c.intent,
      timestamp: String(c.timestamp),
      entities: c.entities,
      key_user_id: keyUserId,
      key_ts: keyTs,
    }),
  };
}

const MEMORY_STRINGS = ['id', 'agent_id', 'category', 'key', 'value', 'created_at', 'last_accessed'] as const;
const MEMORY_FIELDS = [...MEMORY_STRINGS, 'access_count', 'importance', 'tags', 'related_memories'] as const;

function decodeMemory(keyText: string, value: Buffer, valueText: string | null | undefined): Outcome {
  const parsed = parseObject(value, valueText, false);
  if (isProblem(parsed)) return parsed;
  const members = memberTexts(parsed.text, MEMORY_FIELDS);
  if (isProblem(members)) return members;
  const raw = members.fields;
  const o = parsed.object;
  for (const field of MEMORY_FIELDS) if (!raw.has(field)) return decodeError(`missing field \`${field}\``);
  for (const field of MEMORY_STRINGS) {
    if (typeof o[field] !== 'string') return decodeError(`${field} is ${describe(o[field])}, expected a string`);
  }
  const lists: Record<'tags' | 'related_memories', string[]> = { tags: [], related_memories: [] };
  for (const field of ['tags', 'related_memories'] as const) {
    const list = o[field];
    if (!Array.isArray(list)) return decodeError(`${field} is ${describe(list)}, expected an array of strings`);
    for (const [i, item] of list.entries()) {
      if (typeof item !== 'string') return decodeError(`${field}[${i}] is ${describe(item)}, expected a string`);
    }
    lists[field] = list as string[];
  }
  const accessRaw = raw.get('access_count')!;
  if (typeof o.access_count !== 'number' || !/^(0|[1-9][0-9]*)$/.test(accessRaw) || Number(accessRaw) > U32_MAX) {
    return decodeError(`access_count ${accessRaw.slice(0, 40)} is not a u32`);
  }
  if (typeof o.importance !== 'number')
    return decodeError(`importance is ${describe(o.importance)}, expected a number`);
  const entry: MemoryRecord['entry'] = {
    id: o.id as string,
    agent_id: o.agent_id as string,
    category: o.category as string,
    key: o.key as string,
    value: o.value as string,
    created_at: o.created_at as string,
    last_accessed: o.last_accessed as string,
    access_count: o.access_count,
    importance: o.importance,
    tags: lists.tags,
    related_memories: lists.related_memories,
  };
  for (const field of MEMORY_STRINGS) {
    const problem = checkText(field, entry[field]);
    if (problem?.problem === 'decode_error') return problem;
  }
  for (const field of ['created_at', 'last_accessed'] as const) {
    if (!isRfc3339(entry[field])) {
      return decodeError(`${field} ${JSON.stringify(entry[field].slice(0, 60))} is not an RFC 3339 date-time`);
    }
  }
  const expected = `${MEMORY}${entry.agent_id}:${entry.category}:${entry.key}`;
  if (expected !== keyText) {
    return decodeError(
      `the key does not match the entry's agent_id/category/key ` +
        `(${JSON.stringify(entry.agent_id)}, ${JSON.stringify(entry.category)}, ${JSON.stringify(entry.key)})`,
    );
  }
  const range =
    MEMORY_STRINGS.reduce<Problem | null>((found, field) => found ?? checkText(field, entry[field]), null) ??
    checkText('category', entry.category, LIMITS.varchar50, 'memory_facts.fact_type varchar(50)') ??
    [...entry.tags, ...entry.related_memories].reduce<Problem | null>(
      (found, item) => found ?? checkText('a tag or related memory', item),
      null,
    ) ??
    (!Number.isFinite(entry.importance) || entry.importance < 0 || entry.importance > 1
      ? outOfRange(`importance ${entry.importance} is outside [0, 1] (it becomes memory_facts.confidence)`)
      : null);
  if (range) return range;
  // The value's own text when it is exactly the entry (the usual case): the same JSON, not written again.
  return { record: members.members === MEMORY_FIELDS.length ? `{"entry":${parsed.text}}` : memoryJson({ entry }) };
}

function decodePreference(rest: string, value: Buffer, valueText: string | null | undefined): Outcome {
  const colon = rest.indexOf(':');
  if (colon < 0) return decodeError('the key has no ":{key}" after the user id');
  const userId = rest.slice(0, colon);
  const key = rest.slice(colon + 1);
  if (userId === '') return decodeError('the key has no user id after "pref:"');
  const text = textOf(value, valueText);
  if (text === null) return decodeError('value is not valid UTF-8');
  const range = checkText('user_id', userId) ?? checkText('key', key) ?? checkText('value', text);
  if (range) return range;
  return { record: preferenceJson({ user_id: userId, key, value: text }) };
}

// ---------------------------------------------------------------- entry

function result(family: SledFamily, outcome: Outcome, stagedValue: Buffer | null, redacted: boolean): Decoded {
  if ('problem' in outcome) {
    return { family, target: familyTarget[family], record: null, ...outcome, stagedValue, redacted };
  }
  return {
    family,
    target: familyTarget[family],
    record: outcome.record,
    problem: null,
    reason: null,
    stagedValue,
    redacted,
  };
}

function unknown(reason: string, stagedValue: Buffer | null, redacted: boolean): Decoded {
  return { family: null, target: null, record: null, problem: 'unknown_key', reason, stagedValue, redacted };
}

/** Classifies and decodes one entry whose key and value bytes were read. Never throws for any bytes. */
export function decodeEntry(input: DecodeInput): Decoded {
  const { key, value } = input;
  const keyText = textOf(key, input.keyText);
  if (keyText === null) return unknown('the key is not valid UTF-8, so it matches no key pattern', value, false);
  const family = familyOfKey(keyText);

  if (family === 'wallet') {
    const parsed = parseObject(value, input.valueText, true);
    const members = isProblem(parsed) ? null : jsonMembers(parsed.text);
    const staged = isProblem(parsed) ? null : Buffer.from(redactMembers(parsed.text, members!), 'utf8');
    if (input.tree !== DEFAULT_TREE) return unknown(otherTree(input.tree), staged, true);
    if (isProblem(parsed)) return result('wallet', parsed, null, true);
    return result(
      'wallet',
      decodeWallet(keyText.slice(WALLET.length), parsed.text, parsed.object, members!),
      staged,
      true,
    );
  }
  if (input.tree !== DEFAULT_TREE) return unknown(otherTree(input.tree), value, false);

  switch (family) {
    case 'balance':
      return result(family, decodeBalance(keyText.slice(BALANCE.length), value, input.valueText), value, false);
    case 'ai_cache':
      return result(family, decodeCache(keyText, value), value, false);
    case 'conversation':
      return result(family, decodeConversation(keyText.slice(CTX.length), value), value, false);
    case 'memory':
      return result(family, decodeMemory(keyText, value, input.valueText), value, false);
    case 'preference':
      return result(family, decodePreference(keyText.slice(PREF.length), value, input.valueText), value, false);
    case null:
      return unknown('the key matches no known pattern (balance:, wallet:, 64 hex, ctx:, pref:)', value, false);
  }
}

function otherTree(tree: string | null): string {
  return `in tree ${JSON.stringify(tree)}: the bot kept its data in ${DEFAULT_TREE} only, so no key pattern applies`;
}
