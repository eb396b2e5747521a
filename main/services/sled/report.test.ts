/**
 * The report: every entry accounted for, the checks against PostgreSQL
 * (and what they say when PostgreSQL no longer holds what was loaded), the
 * report without a connection, reasons grouped with their samples.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres';
import { loadImport } from './loader';
import { applyStackMigrations, buildStaging, cache, connect, hex64, standardEntries } from './load-test-support';
import { ACCOUNTED_CHECK, reportImport } from './report';
import { stageImport } from './stager';
import { StagingDb } from './staging-db';

const IMPORT = 'sled-report-test';
const clock = () => new Date('2024-08-01T00:00:00Z');
const CREATED = '2024-07-01T00:00:00.000Z';
let dir: string;
let db: TestDatabase;
let client: pg.Client;
let file: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-sled-report-'));
  db = await createTestDatabase('sledreport');
  client = await connect(db.url);
  await applyStackMigrations(client);
  file = path.join(dir, 'import.sqlite');
  const copies = [1, 2, 3].map((n) =>
    cache(`ai_cache_copy_${n}`, {
      cache_key: hex64('q1'),
      query: `copy ${n}`,
      response: 'r',
      model: 'm',
      cached_at: '1600000000',
      hit_count: 0,
      quality_score: null,
    }),
  );
  buildStaging(file, IMPORT, [...standardEntries(), ...copies]).close();
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function withStaging<T>(readonly: boolean, fn: (s: StagingDb) => Promise<T>): Promise<T> {
  const staging = StagingDb.open(file, { readonly });
  return fn(staging).finally(() => staging.close());
}

describe('reportImport', () => {
  it('before any load: problems failed, the rest pending, not reconciled', async () => {
    const report = await withStaging(true, (s) => reportImport(s, undefined, clock));
    expect(report).toMatchObject({
      importId: IMPORT,
      generatedAt: '2024-08-01T00:00:00.000Z',
      verifiedAgainst: null,
      entries: 19,
      outcomes: { loaded: 0, skipped: 0, failed: 2, pending: 17 },
      reconciled: false,
    });
    expect(report.checks).toEqual([{ name: ACCOUNTED_CHECK, expected: '19', actual: '19', ok: true }]);
    expect(report.reasons.map((r) => [r.outcome, r.reason, r.count])).toEqual([
      ['failed', 'unknown key pattern', 1],
      ['failed', "the value does not decode as its family's Rust type", 1],
    ]);
  });

  it('after a load: reconciled against PostgreSQL, and the same checks read back without it', async () => {
    const loaded = await withStaging(false, (s) =>
      loadImport({ staging: s, client, importId: IMPORT, target: 'pg-under-test', clock }),
    );
    expect(loaded.reconciled).toBe(true);
    const tables = Object.fromEntries(
      loaded.tables.map((t) => [String(t.target), [t.loaded, t.skipped, t.failed, t.pending]]),
    );
    expect(tables).toEqual({
      'blockchain.wallets': [2, 1, 0, 0],
      'blockchain.fodi_transactions': [2, 2, 0, 0],
      'ai.cache_entries': [2, 4, 1, 0],
      'ai.conversations': [2, 0, 0, 0],
      'ai.memory_facts': [2, 0, 0, 0],
      null: [0, 0, 1, 0],
    });
    // Four duplicates of entry 8 and of entry 4 and 1: one reason, samples with their own entry numbers.
    const duplicates = loaded.reasons.find((r) => r.reason === 'duplicate of entry N in this import')!;
    expect(duplicates.count).toBe(6);
    expect(duplicates.samples.map((s) => [s.entryId, s.reason])).toEqual([
      [3, 'duplicate of entry 1 in this import'],
      [7, 'duplicate of entry 4 in this import'],
      [10, 'duplicate of entry 8 in this import'],
      [17, 'duplicate of entry 8 in this import'],
      [18, 'duplicate of entry 8 in this import'],
    ]);
    expect(loaded.checks.map((c) => c.name)).toEqual([
      ACCOUNTED_CHECK,
      "rows in blockchain.wallets with this import's provenance = entries loaded",
      "rows in blockchain.fodi_transactions with this import's provenance = entries loaded",
      "rows in ai.cache_entries with this import's provenance = entries loaded",
      "rows in ai.conversations with this import's provenance = entries loaded",
      "rows in ai.memory_facts with this import's provenance = entries loaded",
      'sum of the exported balances = minted + skipped + failed + pending (units of 1e-9 FODI)',
      'loaded wallets with a secret = secrets encrypted + left out',
      "this import's wallets whose encrypted_private_key is not a PGP message",
      'wallet balances set by the loads (information)',
    ]);

    const offline = await withStaging(true, (s) => reportImport(s, undefined, clock));
    expect(offline.verifiedAgainst).toBeNull();
    expect(offline.reconciled).toBe(true);
    expect(offline.outcomes).toEqual(loaded.outcomes);
    expect(offline.secrets).toEqual(loaded.secrets);
    expect(offline.checks.slice(1).map((c) => c.ok)).toEqual(loaded.checks.slice(1).map((c) => c.ok));
    // The first is counted now; the others are the last load's, and say so.
    expect(offline.checks.map((c) => c.name)).toEqual(loaded.checks.map((c) => c.name));
    expect(offline.checks[0]!.recorded).toBeUndefined();
    for (const c of offline.checks.slice(1)) {
      expect(c.recorded).toEqual({ at: expect.any(String), against: 'pg-under-test' });
    }
  });

  it('is not reconciled once PostgreSQL lost a minted row', async () => {
    await client.query('DELETE FROM blockchain.fodi_transactions WHERE amount = 1500000000');
    const report = await withStaging(true, (s) => reportImport(s, { client, target: 'pg-under-test' }, clock));
    expect(report.reconciled).toBe(false);
    const failed = report.checks.filter((c) => !c.ok).map((c) => [c.name, c.expected, c.actual]);
    expect(failed).toEqual([
      ["rows in blockchain.fodi_transactions with this import's provenance = entries loaded", '2', '1'],
      [
        'sum of the exported balances = minted + skipped + failed + pending (units of 1e-9 FODI)',
        '9000000001500000007',
        '9000000000000000007',
      ],
    ]);
  });

  it('counts the balances that failed among the exported ones, with the total of each that still reads', async () => {
    const exportFile = path.join(dir, 'balances.jsonl');
    const line = (key: string, value: string) => JSON.stringify({ tree: '__sled__default', key, value });
    fs.writeFileSync(
      exportFile,
      [
        JSON.stringify({ format: 'sled-export', version: 1, source: 'ledger_b', exported_at: '2024-06-01T12:00:00Z' }),
        line('balance:ann', '{"total":100,"locked":0,"available":100}'),
        // Beyond bigint (out of range) and a field missing: failed, each total read exactly.
        line('balance:big', '{"total":18446744073709551615,"locked":0,"available":18446744073709551615}'),
        line('balance:half', '{"total":40,"locked":0}'),
        // No total to read: negative, not JSON, missing, a string.
        line('balance:neg', '{"total":-5,"locked":0,"available":0}'),
        line('balance:bad', 'not json'),
        line('balance:none', '{"locked":0,"available":0}'),
        line('balance:text', '{"total":"12","locked":0,"available":12}'),
        '',
      ].join('\n'),
    );
    const file = path.join(dir, 'balances.sqlite');
    await stageImport({
      file,
      id: 'sled-balances',
      createdAt: CREATED,
      files: [exportFile],
      onProgress: () => undefined,
    });
    const staging = StagingDb.open(file);
    try {
      const report = await loadImport({ staging, client, importId: 'sled-balances', target: 'pg-under-test', clock });
      expect(report.outcomes).toEqual({ loaded: 1, skipped: 0, failed: 6, pending: 0 });
      expect(report.reconciled).toBe(true);
      const byName = (start: string) => report.checks.find((c) => c.name.startsWith(start));
      // 100 minted; 18446744073709551615 + 40 failed.
      expect(byName('sum of the exported balances')).toMatchObject({
        expected: '18446744073709551755',
        actual: '18446744073709551755',
        ok: true,
      });
      expect(byName('balances that failed')).toEqual({
        name: 'balances that failed: 6, totalling 18446744073709551655 units of 1e-9 FODI besides 4 whose total cannot be read (information)',
        expected: '18446744073709551655',
        actual: '18446744073709551655',
        ok: true,
      });
      const minted = await client.query<{ total: string }>(
        `SELECT sum(amount)::text AS total FROM blockchain.fodi_transactions x
           JOIN sled_import.provenance p ON p.target_id = x.id AND p.target_table = 'blockchain.fodi_transactions'
          WHERE p.import_id = 'sled-balances'`,
      );
      expect(minted.rows).toEqual([{ total: '100' }]);
    } finally {
      staging.close();
    }
  });
});
