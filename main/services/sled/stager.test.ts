import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { planImport } from './plan';
import { readWalletSecrets } from './secrets';
import { stageFiles } from './stage-run';
import { stageImport, type StageProgressReport } from './stager';
import { StagingDb } from './staging-db';
import { sampleEntries, summarize, UNSOURCED_META } from './staging-summary';
import {
  encodeBalance,
  encodeCachedResponse,
  encodeConversationEntry,
  encodeMemoryEntry,
  encodePreference,
  encodeWalletInfo,
  ExportJsonWriter,
  generateExport,
  jsonlEntryLine,
  jsonlHeaderLine,
  JsonlExportWriter,
} from './test-export';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sled-stager-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const fresh = (name: string) => path.join(dir, `${counter++}-${name}`);

const SECRET = '5Kd3NBUAdUnhyzenEwVLy9pBKxSwXvE9FMPyR4UKZvpe6E3AgLr6Tp6BY3RnkUjhsbT9iSdNCmj3AeRvKNcQ3YJF';
const CACHE_KEY = 'a'.repeat(64);

const wallet = (user: string, secret: string | null, valueUser = user) =>
  encodeWalletInfo({
    user_id: valueUser,
    pubkey: `pk-${user}`,
    secret,
    chain: 'solana',
    created_at: 1700000000n,
    wallet_type: secret === null ? 'External' : 'Managed',
  });

const cache = encodeCachedResponse({
  query: 'menu?',
  response: 'pizza 🍕',
  model: 'gpt-4o-mini',
  cached_at: 1700000000n,
  hit_count: 2,
  quality_score: null,
});

const memory = encodeMemoryEntry({
  id: 'm1',
  agent_id: 'agent-1',
  category: 'habit',
  key: 'coffee',
  value: 'café au lait',
  created_at: '2024-01-01T00:00:00Z',
  last_accessed: '2024-01-02T00:00:00Z',
  access_count: 1,
  importance: 0.5,
  tags: [],
  related_memories: [],
});

async function stage(
  files: string[],
  extra: { signal?: AbortSignal; onProgress?: (p: StageProgressReport) => void; decoders?: number } = {},
) {
  const file = fresh('staging.sqlite');
  await stageImport({
    file,
    id: `imp-${counter}`,
    createdAt: '2026-11-26T10:00:00.000Z',
    files,
    onProgress: extra.onProgress ?? (() => undefined),
    ...(extra.signal ? { signal: extra.signal } : {}),
    ...(extra.decoders === undefined ? {} : { decoders: extra.decoders }),
  });
  return file;
}

function stagingFiles(file: string): string[] {
  return ['', '-wal', '-shm', '-journal'].map((s) => `${file}${s}`).filter((f) => fs.existsSync(f));
}

/** Every byte the staging database left on disk. */
function diskBytes(file: string): Buffer {
  return Buffer.concat(stagingFiles(file).map((f) => fs.readFileSync(f)));
}

describe('stageImport', () => {
  it('stages format A end to end: every family, every kind of broken line, nothing dropped', async () => {
    const file = fresh('mixed.jsonl');
    const lines = [
      jsonlHeaderLine({ source: 'fodi_ledger', exportedAt: '2026-11-20T09:30:00Z' }),
      jsonlEntryLine(
        '__sled__default',
        Buffer.from('balance:alice'),
        encodeBalance({ total: 2n ** 60n, locked: 0n, available: 2n ** 60n }),
      ),
      jsonlEntryLine('__sled__default', Buffer.from('wallet:alice'), wallet('alice', SECRET)),
      jsonlEntryLine('__sled__default', Buffer.from('wallet:bob'), wallet('bob', SECRET, 'alice')),
      '',
      jsonlEntryLine('__sled__default', Buffer.from(CACHE_KEY), cache),
      jsonlEntryLine('__sled__default', Buffer.from(CACHE_KEY), cache.subarray(0, 20)),
      jsonlEntryLine('__sled__default', Buffer.from(CACHE_KEY), Buffer.concat([cache, Buffer.from([0])])),
      jsonlEntryLine(
        '__sled__default',
        Buffer.from('ctx:alice:1700000000'),
        encodeConversationEntry({
          user_id: 'alice',
          message: 'hi',
          intent: 'greet',
          timestamp: 1700000000n,
          entities: [],
        }),
      ),
      jsonlEntryLine('__sled__default', Buffer.from('pref:memory:memory:agent-1:habit:coffee'), memory),
      jsonlEntryLine('__sled__default', Buffer.from('pref:alice:lang'), encodePreference('fr')),
      jsonlEntryLine('__sled__default', Buffer.from('session:1'), Buffer.from('x')),
      '{"tree":"__sled__default","key":"balance:carol","value":"{\\"total\\":1',
      '{"tree":"__sled__default","key_b64":"!!!!","value":"v"}',
      '{"tree":"__sled__default","value":"v"}',
      '   ',
      jsonlHeaderLine({ source: 'future', exportedAt: 'x', version: 2 }),
      jsonlEntryLine('__sled__default', Buffer.from('pref:dave:lang'), encodePreference('en')),
    ];
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const progress: StageProgressReport[] = [];
    const staging = await stage([file], { onProgress: (p) => progress.push(p) });

    const db = StagingDb.open(staging, { readonly: true });
    try {
      const summary = summarize(db);
      const nonBlank = lines.filter((l) => l.trim() !== '').length;
      const headers = lines.filter((l) => l.includes('"format"')).length;
      expect(summary.entries).toBe(nonBlank - headers);
      expect(summary).toMatchObject({
        state: 'staged',
        createdAt: '2026-11-26T10:00:00.000Z',
        byFamily: { balance: 1, wallet: 1, ai_cache: 1, conversation: 1, memory: 1, preference: 1 },
        problems: { decode_error: 3, unknown_key: 1, invalid_json: 1, bad_base64: 1, bad_entry: 1, bad_header: 1 },
        loaded: 0,
        skipped: 0,
        failed: 0,
      });
      // The first entry of each problem kind, where it is and why.
      expect(Object.fromEntries(Object.entries(summary.problemExamples).map(([kind, e]) => [kind, e!.origin]))).toEqual(
        {
          decode_error: 'line 4',
          unknown_key: 'line 12',
          invalid_json: 'line 13',
          bad_base64: 'line 14',
          bad_entry: 'line 15',
          bad_header: 'line 18',
        },
      );
      expect(summary.problemExamples.invalid_json?.reason).toMatch(/^line 13 is not valid JSON/);
      expect(summary.problemExamples.invalid_json?.file).toBe(file);
      expect(summary.problemExamples.bad_header?.reason).toMatch(/^line 18: .*version 2/);
      expect(summary.problemExamples.unknown_key?.reason).toMatch(/matches no known pattern/);
      expect(summary.files).toEqual([
        {
          path: file,
          bytes: fs.statSync(file).size,
          format: 'jsonl',
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          entries: nonBlank - headers,
          sources: ['fodi_ledger', '(header not read, line 17: its version 2 is not supported (this reads version 1))'],
        },
      ]);
      expect(summary.stagingBytes).toBeGreaterThan(0);

      const problems = sampleEntries(db, {}, 100).filter((s) => s.problem !== null);
      expect(problems.every((s) => s.file === file)).toBe(true);
      expect(problems.map((s) => [s.origin, s.key, s.problem, s.reason])).toEqual([
        ['line 4', 'wallet:bob', 'decode_error', 'user_id "alice" in the value differs from the key\'s "bob"'],
        [
          'line 7',
          CACHE_KEY,
          'decode_error',
          'not the bincode of CachedResponse: truncated: needed 8 bytes for the length of field `response` at offset 13, 7 left',
        ],
        [
          'line 8',
          CACHE_KEY,
          'decode_error',
          'not the bincode of CachedResponse: 1 trailing byte after the value, at offset 63',
        ],
        [
          'line 12',
          'session:1',
          'unknown_key',
          'the key matches no known pattern (balance:, wallet:, 64 hex, ctx:, pref:)',
        ],
        ['line 13', null, 'invalid_json', 'line 13 is not valid JSON: Unterminated string at character 69'],
        [
          'line 14',
          null,
          'bad_base64',
          'line 14: its key_b64 has a character outside the base64 alphabet at position 0',
        ],
        ['line 15', null, 'bad_entry', 'line 15: it has neither key nor key_b64'],
        [
          'line 18',
          'pref:dave:lang',
          'bad_header',
          'line 18: it follows the header at line 17, which is not read: its version 2 is not supported (this reads version 1)',
        ],
      ]);
      expect(sampleEntries(db, { family: 'balance' }, 5)).toEqual([
        {
          entryId: 1,
          source: 'fodi_ledger',
          file,
          origin: 'line 2',
          key: 'balance:alice',
          family: 'balance',
          problem: null,
          reason: null,
        },
      ]);
      expect(sampleEntries(db, { problem: 'bad_header' }, 5)[0]?.source).toBeNull();

      // The u64 past 2^53 is kept digit for digit, and the raw bytes are staged (a hash only for a redacted value).
      const balance = db.entriesOf('balance', 0, 10)[0]!;
      expect(JSON.parse(balance.record!)).toMatchObject({ total: '1152921504606846976' });
      expect(balance.value?.toString()).toBe(
        '{"total":1152921504606846976,"locked":0,"available":1152921504606846976}',
      );
      expect(balance.valueSha256).toBeNull();
      expect(balance.outcome).toBe('pending');

      // The bulk insert checks no foreign key or CHECK per row: what it wrote must pass both afterwards.
      expect(db.db.pragma('foreign_key_check')).toEqual([]);
      expect(db.db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      expect(db.db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
    const last = progress[progress.length - 1]!;
    expect(last).toMatchObject({ current: null, bytesDone: fs.statSync(file).size, entries: 14, etaSeconds: 0 });
  });

  it('stages format B end to end', async () => {
    const file = path.join(dir, 'wallets.json');
    const w = new ExportJsonWriter(file);
    w.collection('__sled__default');
    w.entry(Buffer.from('wallet:alice'), wallet('alice', null));
    w.entry(Buffer.from(CACHE_KEY), cache);
    w.collection('other_tree');
    w.entry(Buffer.from('balance:x'), encodeBalance({ total: 1n, locked: 0n, available: 1n }));
    w.close();
    const staging = await stage([file]);
    const db = StagingDb.open(staging, { readonly: true });
    try {
      const summary = summarize(db);
      expect(summary.entries).toBe(3);
      expect(summary.files[0]).toMatchObject({ format: 'export-json', sources: ['wallets'], entries: 3 });
      expect(summary.byFamily).toMatchObject({ wallet: 1, ai_cache: 1, balance: 0 });
      expect(summary.problems).toEqual({ unknown_key: 1 });
      expect(sampleEntries(db, {}, 10).map((s) => [s.file, s.origin, s.source, s.family])).toEqual([
        [file, 'collection 0, pair 0', 'wallets', 'wallet'],
        [file, 'collection 0, pair 1', 'wallets', 'ai_cache'],
        [file, 'collection 1, pair 0', 'wallets', null],
      ]);
      const cached = db.entriesOf('ai_cache', 0, 1)[0]!;
      expect(cached.tree).toBe('__sled__default');
      expect(JSON.parse(cached.record!)).toMatchObject({ response: 'pizza 🍕', quality_score: null });
    } finally {
      db.close();
    }
  });

  it('keeps concatenated sources apart, and entries before any header without one', async () => {
    const file = fresh('concat.jsonl');
    const w = new JsonlExportWriter(file);
    w.entry(Buffer.from('pref:early:k'), Buffer.from('v'));
    w.header({ source: 'fodi_ledger', exportedAt: 't1' });
    w.entry(Buffer.from('balance:a'), encodeBalance({ total: 5n, locked: 0n, available: 5n }));
    w.header({ source: 'local_agents', exportedAt: 't2' });
    w.entry(Buffer.from('pref:a:k'), Buffer.from('v'));
    w.entry(Buffer.from('pref:b:k'), Buffer.from('v'));
    w.close();
    const second = fresh('second.jsonl');
    const w2 = new JsonlExportWriter(second);
    w2.header({ source: 'ai_cache', exportedAt: 't3' });
    w2.entry(Buffer.from(CACHE_KEY), cache);
    w2.close();
    const staging = await stage([file, second]);
    const db = StagingDb.open(staging, { readonly: true });
    try {
      const summary = summarize(db);
      expect(summary.files.map((f) => [path.basename(f.path), f.entries, f.sources])).toEqual([
        [path.basename(file), 4, ['(no header: 1 entry)', 'fodi_ledger', 'local_agents']],
        [path.basename(second), 1, ['ai_cache']],
      ]);
      expect(sampleEntries(db, {}, 10).map((s) => [s.key, s.source])).toEqual([
        ['pref:early:k', null],
        ['balance:a', 'fodi_ledger'],
        ['pref:a:k', 'local_agents'],
        ['pref:b:k', 'local_agents'],
        [CACHE_KEY, 'ai_cache'],
      ]);
      expect(summary.byFamily).toMatchObject({ preference: 3, balance: 1, ai_cache: 1 });
    } finally {
      db.close();
    }
  });

  it('says which file is a copy of another in the same import', async () => {
    const file = generateExport(fresh('ledger.jsonl'), { entries: 30, seed: 8 }).file;
    const copy = fresh('ledger-again.jsonl');
    fs.copyFileSync(file, copy);
    const other = generateExport(fresh('other.jsonl'), { entries: 30, seed: 9 }).file;
    const header = `${JSON.stringify({ format: 'sled-export', version: 1, source: 'wallets' })}\n`;
    const empty = fresh('header-only.jsonl');
    fs.writeFileSync(empty, header);
    const emptyToo = fresh('header-only-too.jsonl');
    fs.writeFileSync(emptyToo, header);
    const db = StagingDb.open(await stage([file, other, copy, empty, emptyToo]), { readonly: true });
    try {
      const notes = summarize(db).files.map((f) => f.sources.filter((s) => s.startsWith('(')));
      // Two files with a header and no entry are alike too, but there is nothing to repeat.
      expect(notes).toEqual([
        [],
        [],
        [`(the same bytes as ${path.basename(file)}: its entries repeat that file's)`],
        [],
        [],
      ]);
    } finally {
      db.close();
    }
  });

  it('says which headers it did not read and why, even with no entry after them', async () => {
    const file = fresh('newer.jsonl');
    fs.writeFileSync(
      file,
      [
        JSON.stringify({ format: 'sled-export', version: 2, source: 'fodi_ledger' }),
        JSON.stringify({ format: 'sled-export', version: 1, source: '' }),
        '',
      ].join('\n'),
    );
    const staging = await stage([file]);
    const db = StagingDb.open(staging, { readonly: true });
    try {
      const summary = summarize(db);
      expect(summary.entries).toBe(0);
      expect(summary.files.map((f) => f.sources)).toEqual([
        [
          '(header not read, line 1: its version 2 is not supported (this reads version 1))',
          '(header not read, line 2: it has no source name)',
        ],
      ]);
    } finally {
      db.close();
    }
  });

  it('refuses missing, unreadable and non-export files before creating anything', async () => {
    const file = fresh('staging.sqlite');
    const missing = path.join(dir, 'nope.jsonl');
    const request = (files: string[]) =>
      stageImport({ file, id: 'x', createdAt: 'now', files, onProgress: () => undefined });
    await expect(request([missing])).rejects.toMatchObject({
      kind: 'invalid_input',
      message: `Cannot read ${missing}: no such file`,
      hint: 'Check the path: it is read on the machine running ops-console.',
    });
    await expect(request([dir])).rejects.toMatchObject({
      kind: 'invalid_input',
      message: `${dir} is not a regular file`,
      hint: 'Give the export files in that folder, not the folder.',
    });
    const csv = fresh('data.csv');
    fs.writeFileSync(csv, 'a,b\n');
    await expect(request([csv])).rejects.toMatchObject({
      kind: 'invalid_input',
      message: `${csv} is not a Sled export`,
    });
    const ok = fresh('ok.jsonl');
    fs.writeFileSync(ok, '{}\n');
    await expect(request([ok, ok])).rejects.toMatchObject({ kind: 'invalid_input', message: `${ok} is listed twice` });
    expect(stagingFiles(file)).toEqual([]);
  });

  it('leaves no file behind when staging fails', async () => {
    const file = fresh('small.jsonl');
    generateExport(file, { entries: 10 });
    const staging = fresh('failed.sqlite');
    await expect(
      stageImport({
        file: staging,
        id: 'fails',
        createdAt: 'now',
        files: [file],
        workerUrl: new URL('data:text/javascript,throw new Error("the disk is on fire")'),
        onProgress: () => undefined,
      }),
    ).rejects.toMatchObject({ kind: 'internal', detail: 'the disk is on fire' });
    expect(stagingFiles(staging)).toEqual([]);
  });

  it.each([0, 2])('leaves no file behind when cancelled (%i decoder threads)', async (decoders) => {
    const file = fresh('big.jsonl');
    generateExport(file, { entries: 60_000, seed: 7 });
    const controller = new AbortController();
    let staging = '';
    const promise = (async () => {
      staging = fresh('cancelled.sqlite');
      await stageImport({
        file: staging,
        id: 'cancel-me',
        createdAt: 'now',
        files: [file],
        decoders,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      });
    })();
    await expect(promise).rejects.toMatchObject({ kind: 'conflict', message: 'The import was cancelled' });
    expect(staging).not.toBe('');
    expect(stagingFiles(staging)).toEqual([]);
  });
});

describe('wallet secrets', () => {
  it('are never staged, summarised or sampled, and are read back from the export', async () => {
    const file = fresh('wallets.jsonl');
    const w = new JsonlExportWriter(file);
    w.header({ source: 'wallets', exportedAt: 't' });
    w.entry(Buffer.from('wallet:alice'), wallet('alice', SECRET));
    w.entry(Buffer.from('wallet:bob'), wallet('bob', null));
    // Broken wallets carry the secret too: a mismatched user, JSON that does not parse, a tree-less line.
    w.entry(Buffer.from('wallet:carol'), wallet('carol', SECRET, 'alice'));
    w.entry(Buffer.from('wallet:dave'), Buffer.from(`{"secret":"${SECRET}"`));
    w.raw(`{"key":"wallet:erin","value":${JSON.stringify(wallet('erin', SECRET).toString())}}\n`);
    w.raw(
      `{"tree":"__sled__default","key":"wallet:fay","key_b64":"eA==","value":${JSON.stringify(wallet('fay', SECRET).toString())}}\n`,
    );
    w.close();
    const staging = await stage([file]);

    // Nowhere on disk: not in the database pages, not in the WAL.
    const bytes = diskBytes(staging);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    expect(bytes.includes(Buffer.from(SECRET.slice(0, 24)))).toBe(false);

    const db = StagingDb.open(staging);
    try {
      const shown = JSON.stringify([summarize(db), sampleEntries(db, {}, 100)]);
      expect(shown).not.toContain(SECRET.slice(0, 24));
      const alice = db.entriesOf('wallet', 0, 10).find((e) => e.key?.toString() === 'wallet:alice')!;
      expect(JSON.parse(alice.record!)).toMatchObject({ has_secret: true });
      expect(alice.valueRedacted).toBe(true);
      expect(JSON.parse(alice.value!.toString())).toMatchObject({ user_id: 'alice', secret: null });

      const secrets = await readWalletSecrets(db);
      expect([...secrets.entries()]).toEqual([[alice.id, SECRET]]);
      expect((await readWalletSecrets(db, new Set([alice.id + 1]))).size).toBe(0);

      // The same size, one byte changed elsewhere: refused.
      const original = fs.readFileSync(file);
      const changed = Buffer.from(original);
      const at = changed.indexOf('wallet:bob') + 'wallet:'.length;
      changed[at] = 'c'.charCodeAt(0);
      fs.writeFileSync(file, changed);
      await expect(readWalletSecrets(db)).rejects.toMatchObject({
        kind: 'conflict',
        message: `The export file ${file} changed since it was imported`,
        detail: 'Its SHA-256 differs from the one recorded when it was imported.',
      });
      // The wallet itself changed: refused on its own hash.
      const edited = Buffer.from(original);
      const secretAt = edited.indexOf(SECRET);
      edited[secretAt] = edited[secretAt] === 0x41 ? 0x42 : 0x41;
      fs.writeFileSync(file, edited);
      await expect(readWalletSecrets(db)).rejects.toMatchObject({
        kind: 'conflict',
        detail: 'The wallet at line 2 is not the value that was staged.',
      });
      fs.rmSync(file);
      await expect(readWalletSecrets(db)).rejects.toMatchObject({
        kind: 'not_found',
        message: `The export file ${file} is gone`,
      });
    } finally {
      db.close();
    }
  });
});

describe('wallet secrets in format B', () => {
  it('are found again by collection and pair', async () => {
    const file = path.join(dir, 'wallets-b.json');
    const w = new ExportJsonWriter(file);
    w.entry(Buffer.from('wallet:bob'), wallet('bob', null));
    w.entry(Buffer.from('wallet:alice'), wallet('alice', SECRET));
    w.close();
    const staging = await stage([file]);
    expect(diskBytes(staging).includes(Buffer.from(SECRET))).toBe(false);
    const db = StagingDb.open(staging, { readonly: true });
    try {
      const alice = db.entriesOf('wallet', 0, 10).find((e) => e.key?.toString() === 'wallet:alice')!;
      expect(alice.origin).toBe('collection 0, pair 1');
      expect([...(await readWalletSecrets(db)).entries()]).toEqual([[alice.id, SECRET]]);
    } finally {
      db.close();
    }
  });
});

describe('decoder threads', () => {
  /** Everything a staging holds but its id and times. */
  function contents(file: string) {
    const db = StagingDb.open(file, { readonly: true });
    try {
      return {
        entries: db.db.prepare('SELECT * FROM entries ORDER BY id').all(),
        sources: db.db.prepare('SELECT * FROM sources ORDER BY id').all(),
        files: db.db.prepare('SELECT * FROM files ORDER BY id').all(),
        unsourced: db.meta(UNSOURCED_META),
      };
    } finally {
      db.close();
    }
  }

  it('stage exactly what one thread alone stages: blocks in order, headers between them', async () => {
    // Several 1 MiB blocks, and a second file whose headers (one unsupported) and
    // entries before any header cut blocks and carry state from one block to the next.
    const big = generateExport(fresh('big.jsonl'), { entries: 12_000, seed: 3 });
    const mixed = fresh('mixed.jsonl');
    const w = new JsonlExportWriter(mixed);
    w.entry(Buffer.from('balance:early'), encodeBalance({ total: 5n, locked: 0n, available: 5n }));
    w.raw('{"format":"sled-export","version":9,"source":"future"}\n');
    for (let i = 0; i < 4000; i++) w.entry(Buffer.from(`pref:u${i}:k`), encodePreference(`v${i} ${'x'.repeat(200)}`));
    w.raw('not json\n\n');
    w.header({ source: 'local_agents', exportedAt: '2024-06-01T12:00:00Z' });
    for (let i = 0; i < 4000; i++) w.entry(Buffer.from(`wallet:u${i}`), wallet(`u${i}`, i % 2 ? SECRET : null));
    w.close();
    // The reference: every block decoded and written on this thread.
    const here = fresh('here.sqlite');
    const staging = StagingDb.create(here, 'p', 'now');
    try {
      await stageFiles(staging, [big.file, mixed], { chunk: () => undefined });
    } finally {
      staging.close();
    }
    const a = contents(here);
    expect(a.entries).toHaveLength(12_000 + 1 + 4000 + 1 + 4000);
    expect(a.sources.length).toBeGreaterThan(4);
    expect(JSON.parse(a.unsourced!)).toEqual({ 2: 1 });
    // No decoder threads: the writer decodes one block in three. Two decoder threads: they do.
    const alone = await stage([big.file, mixed], { decoders: 0 });
    const threaded = await stage([big.file, mixed], { decoders: 2 });
    expect(contents(alone)).toEqual(a);
    expect(contents(threaded)).toEqual(a);
    // No secret went through any thread into the database.
    expect(diskBytes(threaded).includes(Buffer.from(SECRET))).toBe(false);
  }, 120_000);
});

describe('a staging database from before origin_line', () => {
  it('opens writable, and summarises, samples and plans as it did', async () => {
    const file = await stage([generateExport(fresh('small.jsonl'), { entries: 40, seed: 5 }).file]);
    const before = StagingDb.open(file);
    const summary = summarize(before);
    const samples = sampleEntries(before, { family: 'wallet' }, 3);
    const plan = await planImport(before, before.settings());
    // The layout of the first release: origin a plain column.
    before.db.exec(`
      DROP INDEX entries_family; DROP INDEX entries_problem; DROP INDEX entries_done;
      ALTER TABLE entries RENAME TO entries_new;
      CREATE TABLE entries (
        id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL REFERENCES files (id), source_id INTEGER REFERENCES sources (id),
        origin TEXT NOT NULL, tree TEXT, key BLOB, value BLOB, value_sha256 TEXT, value_redacted INTEGER NOT NULL DEFAULT 0,
        family TEXT, target TEXT, record TEXT, problem TEXT, reason TEXT,
        outcome TEXT NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'loaded', 'skipped', 'failed')),
        outcome_reason TEXT, target_id INTEGER);
      INSERT INTO entries SELECT id, file_id, source_id, origin, tree, key, value, value_sha256, value_redacted,
        family, target, record, problem, reason, outcome, outcome_reason, target_id FROM entries_new;
      DROP TABLE entries_new;
      CREATE INDEX entries_family ON entries (family, id);
      CREATE INDEX entries_problem ON entries (problem);
      CREATE INDEX entries_outcome ON entries (outcome);`);
    before.close();
    const old = StagingDb.open(file);
    try {
      expect(
        old.db
          .prepare('SELECT count(*) FROM pragma_table_xinfo(?) WHERE name = ?')
          .pluck()
          .get('entries', 'origin_line'),
      ).toBe(0);
      expect({ ...summarize(old), stagingBytes: 0 }).toEqual({ ...summary, stagingBytes: 0 });
      expect(sampleEntries(old, { family: 'wallet' }, 3)).toEqual(samples);
      expect(samples[0]?.origin).toMatch(/^line \d+$/);
      expect(await planImport(old, old.settings())).toEqual(plan);
      old.setOutcomes([{ id: 1, outcome: 'loaded', reason: null, targetId: 7 }]);
      expect(old.entriesOf(summary.byFamily.balance > 0 ? 'balance' : 'wallet', 0, 1)[0]?.origin).toMatch(/^line \d+$/);
    } finally {
      old.close();
    }
  });
});

describe('stageFiles', () => {
  it('stages any bytes for key and value, with or without a problem, never throwing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.oneof(
              fc.uint8Array({ maxLength: 40 }),
              fc.constantFrom('wallet:a', 'balance:a', 'ctx:a:1', CACHE_KEY).map((k) => Buffer.from(k)),
            ),
            fc.uint8Array({ maxLength: 80 }),
            fc.boolean(),
          ),
          { maxLength: 30 },
        ),
        async (pairs) => {
          const jsonl = fresh('random.jsonl');
          const json = fresh('random.json');
          const a = new JsonlExportWriter(jsonl);
          const b = new ExportJsonWriter(json);
          a.header({ source: 's', exportedAt: 't' });
          for (const [key, value, raw] of pairs) {
            // Some lines as bytes an exporter would never write (not UTF-8, cut JSON).
            if (raw) a.raw(`${Buffer.from(value).toString('latin1')}\n`);
            else a.entry(Buffer.from(key), Buffer.from(value));
            b.entry(key, value);
          }
          a.close();
          b.close();
          const file = fresh('random.sqlite');
          const staging = StagingDb.create(file, 'p', 'now');
          try {
            const lines = fs
              .readFileSync(jsonl)
              .toString('latin1')
              .split('\n')
              .filter((l) => l.replace(/[ \t\r]/g, '') !== '').length;
            const staged = await stageFiles(staging, [jsonl, json], { chunk: () => undefined });
            const count = (staging.db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
            expect(count).toBe(staged);
            // Every non-blank line but the header, and one entry per pair.
            expect(staged).toBe(lines - 1 + pairs.length);
          } finally {
            staging.close();
            for (const f of [jsonl, json, file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
