import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCachedResponse, decodeConversationEntry } from './bincode';
import { decodeEntry, DEFAULT_TREE, isWellFormed, type Decoded } from './decode';
import {
  balanceJson,
  cacheJson,
  conversationJson,
  jsonString,
  memoryJson,
  preferenceJson,
  walletJson,
} from './record-json';
import {
  encodeBalance,
  encodeCachedResponse,
  encodeConversationEntry,
  encodeMemoryEntry,
  encodeWalletInfo,
  serdeJsonF64,
  serdeJsonString,
} from './test-export';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const u64 = (n: string) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b.toString('hex');
};

function decode(key: string | Buffer, value: string | Buffer, tree: string | null = DEFAULT_TREE): Decoded {
  return decodeEntry({
    tree,
    key: typeof key === 'string' ? Buffer.from(key, 'utf8') : key,
    value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
  });
}

function record(d: Decoded): unknown {
  expect(d.problem, d.reason ?? '').toBeNull();
  return JSON.parse(d.record!);
}

const CACHE_KEY = '3f7a9c0e12b45d6f8a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f50617';

// bincode legacy of CachedResponse { query: "héllo", response: "🍕 ok", model: "gpt-4o",
// cached_at: 1700000000, hit_count: 3, quality_score: Some(87) }, written out byte by byte.
const CACHE_BYTES = hex(`
  0600000000000000 68c3a96c6c6f
  0700000000000000 f09f8d95206f6b
  0600000000000000 6770742d346f
  00f1536500000000
  03000000
  01 57`);

// ConversationEntry { user_id: "alice_123", message: "hi 👋", intent: "greet",
// timestamp: 1700000123, entities: ["pizza", "café"] }.
const CTX_BYTES = hex(`
  0900000000000000 616c6963655f313233
  0700000000000000 686920f09f918b
  0500000000000000 6772656574
  7bf1536500000000
  0200000000000000
  0500000000000000 70697a7a61
  0500000000000000 636166c3a9`);

describe('bincode', () => {
  it('reads CachedResponse as the Rust type writes it', () => {
    expect(decodeCachedResponse(CACHE_BYTES)).toEqual({
      query: 'héllo',
      response: '🍕 ok',
      model: 'gpt-4o',
      cached_at: 1700000000n,
      hit_count: 3,
      quality_score: 87,
    });
    // The test encoder writes the same bytes (the bench and the loader's tests rely on it).
    expect(
      encodeCachedResponse({
        query: 'héllo',
        response: '🍕 ok',
        model: 'gpt-4o',
        cached_at: 1700000000n,
        hit_count: 3,
        quality_score: 87,
      }).equals(CACHE_BYTES),
    ).toBe(true);
  });

  it('reads Option None and an empty Vec', () => {
    const none = Buffer.concat([CACHE_BYTES.subarray(0, CACHE_BYTES.length - 2), hex('00')]);
    expect(decodeCachedResponse(none).quality_score).toBeNull();
    const empty = hex(`0100000000000000 62 0000000000000000 0000000000000000 ffffffffffffffff 0000000000000000`);
    expect(decodeConversationEntry(empty)).toEqual({
      user_id: 'b',
      message: '',
      intent: '',
      timestamp: -1n,
      entities: [],
    });
  });

  it('reads ConversationEntry with non-ASCII strings', () => {
    const entry = {
      user_id: 'alice_123',
      message: 'hi 👋',
      intent: 'greet',
      timestamp: 1700000123n,
      entities: ['pizza', 'café'],
    };
    expect(decodeConversationEntry(CTX_BYTES)).toEqual(entry);
    expect(encodeConversationEntry(entry).equals(CTX_BYTES)).toBe(true);
  });

  it('says where a value is cut short, before allocating what a length claims', () => {
    expect(() => decodeCachedResponse(CACHE_BYTES.subarray(0, 3))).toThrow(
      'truncated: needed 8 bytes for the length of field `query` at offset 0, 3 left',
    );
    expect(() => decodeCachedResponse(CACHE_BYTES.subarray(0, 10))).toThrow(
      'truncated: field `query` at offset 0 declares 6 bytes, 2 left',
    );
    expect(() => decodeCachedResponse(CACHE_BYTES.subarray(0, CACHE_BYTES.length - 1))).toThrow(
      'truncated: needed 1 bytes for field `quality_score` at offset 56, 0 left',
    );
    expect(() => decodeCachedResponse(hex(`ffffffffffffffff 41`))).toThrow(
      'truncated: field `query` at offset 0 declares 18446744073709551615 bytes, 1 left',
    );
    const entities = Buffer.concat([CTX_BYTES.subarray(0, 53), hex(u64('1152921504606846976'))]);
    expect(() => decodeConversationEntry(entities)).toThrow(
      /field `entities` at offset 53 declares 1152921504606846976 items \(at least 8 bytes each\), 0 bytes left/,
    );
  });

  it('refuses trailing bytes, a bad Option tag and invalid UTF-8', () => {
    expect(() => decodeCachedResponse(Buffer.concat([CACHE_BYTES, hex('00')]))).toThrow(
      '1 trailing byte after the value, at offset 57',
    );
    const tag = Buffer.from(CACHE_BYTES);
    tag[55] = 2;
    expect(() => decodeCachedResponse(tag)).toThrow('Option tag 2 is neither 0 (None) nor 1 (Some)');
    const bad = Buffer.from(CACHE_BYTES);
    bad[9] = 0xff;
    expect(() => decodeCachedResponse(bad)).toThrow('field `query` at offset 8 is not valid UTF-8');
  });
});

describe('decodeEntry: ai_cache and conversation (bincode)', () => {
  it('decodes a cache entry under its 64-hex key', () => {
    const d = decode(CACHE_KEY, CACHE_BYTES);
    expect(d.family).toBe('ai_cache');
    expect(d.target).toBe('ai.cache_entries');
    expect(record(d)).toEqual({
      cache_key: CACHE_KEY,
      query: 'héllo',
      response: '🍕 ok',
      model: 'gpt-4o',
      cached_at: '1700000000',
      hit_count: 3,
      quality_score: 87,
    });
    expect(d.stagedValue?.equals(CACHE_BYTES)).toBe(true);
    expect(d.redacted).toBe(false);
  });

  it('keeps a cut value and trailing bytes as decode errors with the reason', () => {
    const cut = decode(CACHE_KEY, CACHE_BYTES.subarray(0, 3));
    expect(cut).toMatchObject({ family: 'ai_cache', problem: 'decode_error', record: null });
    expect(cut.reason).toBe(
      'not the bincode of CachedResponse: truncated: needed 8 bytes for the length of field `query` at offset 0, 3 left',
    );
    const trailing = decode(CACHE_KEY, Buffer.concat([CACHE_BYTES, hex('0000')]));
    expect(trailing.problem).toBe('decode_error');
    expect(trailing.reason).toContain('2 trailing bytes after the value, at offset 57');
  });

  it('finds values that do not fit their columns', () => {
    const model = encodeCachedResponse({
      query: 'q',
      response: 'r',
      model: 'm'.repeat(51),
      cached_at: 1n,
      hit_count: 0,
      quality_score: null,
    });
    expect(decode(CACHE_KEY, model)).toMatchObject({
      problem: 'out_of_range',
      reason: 'model is 51 characters long; cache_entries.model varchar(50) holds 50',
    });
    // 50 characters of 4 bytes each still fit varchar(50).
    const emoji = encodeCachedResponse({
      query: 'q',
      response: 'r',
      model: '🍕'.repeat(50),
      cached_at: 1n,
      hit_count: 0,
      quality_score: null,
    });
    expect(decode(CACHE_KEY, emoji).problem).toBeNull();
    const hits = encodeCachedResponse({
      query: 'q',
      response: 'r',
      model: 'm',
      cached_at: 1n,
      hit_count: 4294967295,
      quality_score: null,
    });
    expect(decode(CACHE_KEY, hits).reason).toBe('hit_count 4294967295 does not fit integer (max 2147483647)');
    const late = encodeCachedResponse({
      query: 'q',
      response: 'r',
      model: 'm',
      cached_at: 18446744073709551615n,
      hit_count: 0,
      quality_score: null,
    });
    expect(decode(CACHE_KEY, late)).toMatchObject({
      problem: 'out_of_range',
      reason: 'cached_at 18446744073709551615 does not fit bigint (max 9223372036854775807)',
    });
    const nul = encodeCachedResponse({
      query: 'a\u0000b',
      response: 'r',
      model: 'm',
      cached_at: 1n,
      hit_count: 0,
      quality_score: null,
    });
    expect(decode(CACHE_KEY, nul).reason).toBe('query contains U+0000, which PostgreSQL text and jsonb cannot hold');
  });

  it('does not take upper-case hex or other lengths for cache keys', () => {
    expect(decode(CACHE_KEY.toUpperCase(), CACHE_BYTES).problem).toBe('unknown_key');
    expect(decode(CACHE_KEY.slice(1), CACHE_BYTES).problem).toBe('unknown_key');
  });

  it('decodes a conversation: the record user is the value’s, the key parts are kept', () => {
    const d = decode('ctx:alice:with:colons:1700000123', CTX_BYTES);
    expect(d.family).toBe('conversation');
    expect(record(d)).toEqual({
      user_id: 'alice_123',
      message: 'hi 👋',
      intent: 'greet',
      timestamp: '1700000123',
      entities: ['pizza', 'café'],
      key_user_id: 'alice:with:colons',
      key_ts: '1700000123',
    });
  });

  it('refuses a conversation key without an integer timestamp', () => {
    expect(decode('ctx:alice:soon', CTX_BYTES)).toMatchObject({
      family: 'conversation',
      problem: 'decode_error',
      reason: 'the key\'s timestamp "soon" is not an integer',
    });
    expect(decode('ctx:alice', CTX_BYTES).reason).toBe('the key has no ":{unix_ts}" after the user id');
  });

  it('refuses a timestamp outside the years 0001–9999', () => {
    const far = encodeConversationEntry({
      user_id: 'a',
      message: 'm',
      intent: 'i',
      timestamp: -(2n ** 62n),
      entities: [],
    });
    expect(decode('ctx:a:1', far)).toMatchObject({ problem: 'out_of_range' });
    expect(decode('ctx:a:1', far).reason).toContain('timestamp -4611686018427387904 is outside the years 0001–9999');
  });
});

describe('decodeEntry: balance (serde_json)', () => {
  it('decodes serde_json output exactly, a u64 past 2^53 included', () => {
    const value = '{"total":9007199254740993,"locked":1,"available":9007199254740992}';
    expect(encodeBalance({ total: 9007199254740993n, locked: 1n, available: 9007199254740992n }).toString()).toBe(
      value,
    );
    const d = decode('balance:alice_123', value);
    expect(d.family).toBe('balance');
    expect(d.target).toBe('blockchain.fodi_transactions');
    expect(record(d)).toEqual({
      user_id: 'alice_123',
      total: '9007199254740993',
      locked: '1',
      available: '9007199254740992',
    });
  });

  it('reads the same numbers from JSON laid out otherwise', () => {
    const d = decode(
      'balance:INV-LOCAL-001',
      ' { "available" : 9223372036854775807 ,"locked":0, "total":9223372036854775807}',
    );
    expect(record(d)).toEqual({
      user_id: 'INV-LOCAL-001',
      total: '9223372036854775807',
      locked: '0',
      available: '9223372036854775807',
    });
  });

  it('says which u64 does not fit bigint, by its exact value', () => {
    const d = decode('balance:whale', '{"total":18446744073709551615,"locked":0,"available":18446744073709551615}');
    expect(d).toMatchObject({
      family: 'balance',
      problem: 'out_of_range',
      record: null,
      reason: 'total 18446744073709551615 does not fit bigint (max 9223372036854775807)',
    });
    const spaced = decode('balance:whale', '{"total": 9223372036854775808, "locked":0,"available":0}');
    expect(spaced.reason).toBe('total 9223372036854775808 does not fit bigint (max 9223372036854775807)');
  });

  it('refuses numbers a u64 cannot be: negative, fractional, exponent, past u64', () => {
    const reason = (total: string) => decode('balance:a', `{"total":${total},"locked":0,"available":0}`);
    expect(reason('-1')).toMatchObject({ problem: 'decode_error', reason: 'total -1 is negative, expected u64' });
    expect(reason('1.5').reason).toBe('total 1.5 is not an integer, expected u64');
    expect(reason('1e3').reason).toBe('total 1e3 is not an integer, expected u64');
    expect(reason('18446744073709551616').reason).toBe(
      'total 18446744073709551616 does not fit u64 (max 18446744073709551615)',
    );
    expect(reason('"5"').reason).toBe('total is a string, expected an unsigned integer');
  });

  it('refuses missing and duplicate fields and JSON that is not an object', () => {
    expect(decode('balance:a', '{"total":1,"locked":0}').reason).toBe('missing field `available`');
    expect(decode('balance:a', '{"total":1,"total":2,"locked":0,"available":0}').reason).toBe(
      'duplicate field `total`',
    );
    expect(decode('balance:a', '[1,2,3]').reason).toBe('value is an array in JSON, expected an object');
    expect(decode('balance:a', '{"total":1,').reason).toMatch(/^value is not valid JSON/);
    expect(decode('balance:', '{"total":1,"locked":0,"available":1}').reason).toBe(
      'the key has no user id after "balance:"',
    );
  });
});

const SECRET = '4NwwCq5bBnVwZ3ib1YzN3nTqpQpE9YCxnrkr5A2Q7cF9Gv1hB8nMjWcSb6Rgf2xNjV8X1qXn9YCKF7o6S2RdZp3a';
const PUBKEY = '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU';

function walletText(fields: Partial<Record<string, string>> = {}): string {
  const f = {
    user_id: '"alice_123"',
    pubkey: `"${PUBKEY}"`,
    secret: `"${SECRET}"`,
    chain: '"solana"',
    created_at: '1700000000',
    wallet_type: '"Managed"',
    ...fields,
  };
  return `{${Object.entries(f)
    .map(([k, v]) => `"${k}":${v}`)
    .join(',')}}`;
}

function expectNoSecret(d: Decoded): void {
  for (const text of [d.record, d.reason, d.stagedValue?.toString('latin1')]) {
    if (text) expect(text).not.toContain(SECRET.slice(0, 20));
  }
}

describe('decodeEntry: wallet (serde_json, with a plaintext secret)', () => {
  it('decodes a Managed wallet; the secret is nowhere but a flag', () => {
    const value = walletText();
    expect(
      encodeWalletInfo({
        user_id: 'alice_123',
        pubkey: PUBKEY,
        secret: SECRET,
        chain: 'solana',
        created_at: 1700000000n,
        wallet_type: 'Managed',
      }).toString(),
    ).toBe(value);
    const d = decode('wallet:alice_123', value);
    expect(d.family).toBe('wallet');
    expect(d.target).toBe('blockchain.wallets');
    expect(record(d)).toEqual({
      user_id: 'alice_123',
      pubkey: PUBKEY,
      has_secret: true,
      chain: 'solana',
      created_at: '1700000000',
      wallet_type: 'Managed',
    });
    expect(d.redacted).toBe(true);
    expect(d.stagedValue?.toString()).toBe(walletText({ secret: 'null' }));
    expectNoSecret(d);
  });

  it('decodes an External wallet without a secret, and a missing secret as None', () => {
    const external = decode('wallet:bob', walletText({ user_id: '"bob"', secret: 'null', wallet_type: '"External"' }));
    expect(record(external)).toMatchObject({ has_secret: false, wallet_type: 'External' });
    const missing = `{"user_id":"bob","pubkey":"p","chain":"solana","created_at":1,"wallet_type":"External"}`;
    expect(record(decode('wallet:bob', missing))).toMatchObject({ has_secret: false });
  });

  it('refuses a wallet whose user differs from its key, without quoting the secret', () => {
    const d = decode('wallet:mallory', walletText());
    expect(d).toMatchObject({
      family: 'wallet',
      problem: 'decode_error',
      reason: 'user_id "alice_123" in the value differs from the key\'s "mallory"',
      redacted: true,
    });
    expect(d.stagedValue?.toString()).toBe(walletText({ secret: 'null' }));
    expectNoSecret(d);
  });

  it('stages no value at all when a wallet value is not a JSON object', () => {
    for (const value of [`{"secret":"${SECRET}",`, `"${SECRET}"`, `{"secret":"${SECRET}"}}`]) {
      const d = decode('wallet:alice_123', value);
      expect(d).toMatchObject({ family: 'wallet', problem: 'decode_error', stagedValue: null, redacted: true });
      expectNoSecret(d);
    }
  });

  it('redacts every secret member, escaped names and duplicates included', () => {
    const value = `{"user_id":"alice_123","s\\u0065cret":"${SECRET}","secret":"${SECRET}x","pubkey":"p","chain":"c","created_at":1,"wallet_type":"Managed"}`;
    const d = decode('wallet:alice_123', value);
    expect(d.problem).toBe('decode_error');
    expect(d.reason).toBe('duplicate field `secret`');
    expectNoSecret(d);
  });

  it('checks types, the variant and the limits', () => {
    expect(decode('wallet:alice_123', walletText({ wallet_type: '"Hot"' })).reason).toBe(
      'wallet_type: unknown variant "Hot", expected "Managed" or "External"',
    );
    expect(decode('wallet:alice_123', walletText({ secret: '42' })).reason).toBe(
      'secret is a number, expected null or a string',
    );
    expect(decode('wallet:alice_123', walletText({ pubkey: `"${'k'.repeat(256)}"` }))).toMatchObject({
      problem: 'out_of_range',
      reason: 'pubkey is 256 characters long; wallets.public_key varchar(255) holds 255',
    });
    expect(decode('wallet:alice_123', walletText({ created_at: '253402300800' }))).toMatchObject({
      problem: 'out_of_range',
    });
    expect(decode('wallet:alice_123', walletText({ created_at: '-5' })).problem).toBe('decode_error');
  });

  it('redacts a wallet in another tree too', () => {
    const d = decode('wallet:alice_123', walletText(), 'other');
    expect(d).toMatchObject({ family: null, problem: 'unknown_key', redacted: true });
    expectNoSecret(d);
  });
});

function memory(overrides: Partial<Parameters<typeof encodeMemoryEntry>[0]> = {}) {
  return {
    id: 'mem-1',
    agent_id: 'agent-7',
    category: 'allergy',
    key: 'nuts',
    value: 'Allergic to peanuts — “severe” 🥜',
    created_at: '2024-02-29T10:30:00.123456789Z',
    last_accessed: '2024-03-01T00:00:00+02:00',
    access_count: 4,
    importance: 0.75,
    tags: ['health', 'café'],
    related_memories: [],
    ...overrides,
  };
}

describe('decodeEntry: memory and preference (UTF-8 JSON and text)', () => {
  it('keeps a MemoryEntry whole', () => {
    const entry = memory();
    const value = encodeMemoryEntry(entry);
    expect(value.toString()).toBe(
      '{"id":"mem-1","agent_id":"agent-7","category":"allergy","key":"nuts",' +
        '"value":"Allergic to peanuts — “severe” 🥜","created_at":"2024-02-29T10:30:00.123456789Z",' +
        '"last_accessed":"2024-03-01T00:00:00+02:00","access_count":4,"importance":0.75,' +
        '"tags":["health","café"],"related_memories":[]}',
    );
    const d = decode('pref:memory:memory:agent-7:allergy:nuts', value);
    expect(d.family).toBe('memory');
    expect(d.target).toBe('ai.memory_facts');
    expect(record(d)).toEqual({ entry });
  });

  it('drops fields the Rust type does not have, as serde does', () => {
    const text = encodeMemoryEntry(memory()).toString().replace('{', '{"extra":{"x":[1,2]},');
    expect(record(decode('pref:memory:memory:agent-7:allergy:nuts', text))).toEqual({ entry: memory() });
  });

  it('refuses a key that does not match the entry', () => {
    expect(decode('pref:memory:memory:agent-8:allergy:nuts', encodeMemoryEntry(memory()))).toMatchObject({
      family: 'memory',
      problem: 'decode_error',
      reason: 'the key does not match the entry\'s agent_id/category/key ("agent-7", "allergy", "nuts")',
    });
  });

  it('checks every field', () => {
    const key = 'pref:memory:memory:agent-7:allergy:nuts';
    const reason = (o: Partial<ReturnType<typeof memory>>) => decode(key, encodeMemoryEntry(memory(o))).reason;
    expect(reason({ importance: 1.5 })).toBe('importance 1.5 is outside [0, 1] (it becomes memory_facts.confidence)');
    expect(reason({ created_at: '2023-02-29T00:00:00Z' })).toBe(
      'created_at "2023-02-29T00:00:00Z" is not an RFC 3339 date-time',
    );
    expect(reason({ last_accessed: 'yesterday' })).toMatch(/^last_accessed "yesterday" is not an RFC 3339/);
    const long = 'c'.repeat(51);
    expect(
      decode(`pref:memory:memory:agent-7:${long}:nuts`, encodeMemoryEntry(memory({ category: long }))),
    ).toMatchObject({
      problem: 'out_of_range',
      reason: 'category is 51 characters long; memory_facts.fact_type varchar(50) holds 50',
    });
    const text = encodeMemoryEntry(memory()).toString();
    expect(decode(key, text.replace('"access_count":4', '"access_count":-4')).reason).toBe(
      'access_count -4 is not a u32',
    );
    expect(decode(key, text.replace('"access_count":4', '"access_count":4.0')).reason).toBe(
      'access_count 4.0 is not a u32',
    );
    expect(decode(key, text.replace('"tags":["health","café"]', '"tags":["a",1]')).reason).toBe(
      'tags[1] is a number, expected a string',
    );
    expect(decode(key, text.replace('"importance":0.75,', '')).reason).toBe('missing field `importance`');
    expect(decode(key, text.replace('"importance":0.75', '"importance":1e400')).problem).toBe('out_of_range');
  });

  it('decodes a preference as raw UTF-8 text', () => {
    const d = decode('pref:alice_123:lang:ui', 'français 🇫🇷');
    expect(d.family).toBe('preference');
    expect(record(d)).toEqual({ user_id: 'alice_123', key: 'lang:ui', value: 'français 🇫🇷' });
    expect(decode('pref:alice_123:lang', hex('c328'))).toMatchObject({
      problem: 'decode_error',
      reason: 'value is not valid UTF-8',
    });
    expect(decode('pref:alice_123', 'x').reason).toBe('the key has no ":{key}" after the user id');
  });
});

describe('decodeEntry: keys', () => {
  it('keeps unknown keys with their bytes', () => {
    const d = decode('session:42', 'whatever');
    expect(d).toMatchObject({
      family: null,
      target: null,
      problem: 'unknown_key',
      reason: 'the key matches no known pattern (balance:, wallet:, 64 hex, ctx:, pref:)',
    });
    expect(d.stagedValue?.toString()).toBe('whatever');
    expect(decode(hex('ff00'), 'x')).toMatchObject({
      problem: 'unknown_key',
      reason: 'the key is not valid UTF-8, so it matches no key pattern',
    });
  });

  it('maps no key outside the default tree', () => {
    expect(decode('balance:a', '{"total":1,"locked":0,"available":1}', 'ledger_v2')).toMatchObject({
      family: null,
      problem: 'unknown_key',
      reason: 'in tree "ledger_v2": the bot kept its data in __sled__default only, so no key pattern applies',
    });
  });

  it('never throws, whatever the bytes', () => {
    const prefixes = ['', 'balance:', 'wallet:', 'ctx:a:', 'pref:memory:memory:', 'pref:', CACHE_KEY];
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array(), fc.uint8Array({ maxLength: 200 }), (p, k, v) => {
        const key = p === CACHE_KEY ? Buffer.from(p) : Buffer.concat([Buffer.from(p), k]);
        const d = decodeEntry({ tree: DEFAULT_TREE, key, value: Buffer.from(v) });
        expect(d.problem === null).toBe(d.record !== null);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('record JSON', () => {
  // Records only ever hold well-formed strings (decode.ts refuses lone surrogates).
  const text = fc.string({ unit: 'binary' }).filter(isWellFormed);
  it('is what JSON.stringify writes', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(jsonString(s)).toBe(JSON.stringify(s));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        text,
        text,
        text,
        fc.array(text, { maxLength: 4 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        (a, b, c, list, x, flag) => {
          const digits = '18446744073709551615';
          const balance = { user_id: a, total: digits, locked: '0', available: '7' };
          expect(balanceJson(balance)).toBe(JSON.stringify(balance));
          const wallet = {
            user_id: a,
            pubkey: b,
            has_secret: flag,
            chain: c,
            created_at: '1',
            wallet_type: flag ? ('Managed' as const) : ('External' as const),
          };
          expect(walletJson(wallet)).toBe(JSON.stringify(wallet));
          const cache = {
            cache_key: a,
            query: b,
            response: c,
            model: a,
            cached_at: digits,
            hit_count: 7,
            quality_score: flag ? null : 255,
          };
          expect(cacheJson(cache)).toBe(JSON.stringify(cache));
          const ctx = {
            user_id: a,
            message: b,
            intent: c,
            timestamp: '-1',
            entities: list,
            key_user_id: a,
            key_ts: '5',
          };
          expect(conversationJson(ctx)).toBe(JSON.stringify(ctx));
          const mem = {
            entry: {
              id: a,
              agent_id: b,
              category: c,
              key: a,
              value: b,
              created_at: c,
              last_accessed: a,
              access_count: 3,
              importance: x,
              tags: list,
              related_memories: [],
            },
          };
          expect(memoryJson(mem)).toBe(JSON.stringify(mem));
          const pref = { user_id: a, key: b, value: c };
          expect(preferenceJson(pref)).toBe(JSON.stringify(pref));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('test-export writes strings and floats as serde_json does', () => {
    expect(serdeJsonString('a"b\\c\n\r\t\b\f\u0001\u001fé🍕/')).toBe('"a\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001fé🍕/"');
    expect([1, 0, 0.5, 0.1, 1e-5, 1e-6, 1.5e-7].map(serdeJsonF64)).toEqual([
      '1.0',
      '0.0',
      '0.5',
      '0.1',
      '0.00001',
      '1e-6',
      '1.5e-7',
    ]);
  });
});
