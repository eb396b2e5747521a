/**
 * From export file to reconciled report: a generated export (bytes as the
 * Rust bot writes them) staged by the stager, planned, loaded with its wallet
 * secrets encrypted (read back from the export file itself), reported.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres';
import { memoryLogger } from '../catalog/test-support';
import { loadImport } from './loader';
import { applyStackMigrations, connect } from './load-test-support';
import { planImport } from './plan';
import { stageImport } from './stager';
import { StagingDb } from './staging-db';
import { generateExport, type GeneratedExport } from './test-export';

const PASSPHRASE = 'an operator passphrase';
let dir: string;
let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-sled-export-load-'));
  db = await createTestDatabase('sledexport');
  client = await connect(db.url);
  await applyStackMigrations(client);
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function staged(
  name: string,
  format: 'jsonl' | 'export-json',
): Promise<{ staging: StagingDb; generated: GeneratedExport }> {
  const generated = generateExport(path.join(dir, `${name}.${format === 'jsonl' ? 'jsonl' : 'json'}`), {
    entries: 3000,
    seed: 7,
    format,
  });
  const file = path.join(dir, `${name}.sqlite`);
  await stageImport({
    file,
    id: name,
    createdAt: '2024-07-01T00:00:00.000Z',
    files: [generated.file],
    onProgress: () => undefined,
  });
  return { staging: StagingDb.open(file), generated };
}

/** The plaintext secrets of the export, straight from its lines (format A). */
function secretsIn(file: string): string[] {
  return [
    ...fs
      .readFileSync(file, 'utf8')
      .matchAll(/\\"secret\\":\\"([1-9A-HJ-NP-Za-km-z]+)\\"|"secret":"([1-9A-HJ-NP-Za-km-z]+)"/g),
  ]
    .map((m) => m[1] ?? m[2] ?? '')
    .filter((s) => s.length > 0);
}

describe('an export loaded end to end', () => {
  it('reconciles, with every secret encrypted and nowhere in plaintext', async () => {
    const { staging, generated } = await staged('sled-e2e', 'jsonl');
    try {
      staging.saveSettings({ ...staging.settings(), secrets: 'encrypt' });
      const plan = await planImport(staging, staging.settings(), { client, target: 'pg' });
      expect(plan.entries).toBe(generated.entries);
      expect(plan.balanceTotal).toBe(generated.balanceTotal.toString());
      expect(plan.secrets).toEqual({ wallets: generated.walletsWithSecret, mode: 'encrypt' });

      const logger = memoryLogger();
      const report = await loadImport({
        staging,
        client,
        importId: 'sled-e2e',
        target: 'pg',
        passphrase: PASSPHRASE,
        logger,
        batchSize: 500,
      });
      expect(report.reconciled).toBe(true);
      expect(report.outcomes.pending).toBe(0);
      expect(report.outcomes.loaded + report.outcomes.skipped + report.outcomes.failed).toBe(generated.entries);
      expect(report.secrets).toEqual({ encrypted: generated.walletsWithSecret, leftOut: 0 });
      const minted = await client.query<{ total: string }>(
        'SELECT coalesce(sum(amount), 0)::text AS total FROM blockchain.fodi_transactions',
      );
      expect(BigInt(minted.rows[0]!.total)).toBe(generated.balanceTotal);
      // Each plan table became exactly what it said.
      for (const t of plan.tables) {
        expect(report.tables.find((r) => r.target === t.target)?.loaded, t.target).toBe(t.toInsert);
      }

      const secrets = secretsIn(generated.file);
      expect(secrets.length).toBe(generated.walletsWithSecret);
      const decrypted = await client.query<{ plain: string }>(
        `SELECT public.pgp_sym_decrypt(public.dearmor(encrypted_private_key), $1) AS plain
           FROM blockchain.wallets WHERE encrypted_private_key IS NOT NULL ORDER BY plain`,
        [PASSPHRASE],
      );
      expect(decrypted.rows.map((r) => r.plain)).toEqual([...secrets].sort());
      const stored = await client.query<{ k: string }>(
        'SELECT encrypted_private_key AS k FROM blockchain.wallets WHERE encrypted_private_key IS NOT NULL',
      );
      const shown = [
        stored.rows.map((r) => r.k).join('\n'),
        JSON.stringify(report),
        JSON.stringify(plan),
        logger.lines.join('\n'),
      ].join('\n');
      staging.db.pragma('wal_checkpoint(TRUNCATE)');
      const stagingBytes = fs.readFileSync(staging.file);
      for (const s of [...secrets, PASSPHRASE]) {
        expect(shown.includes(s)).toBe(false);
        expect(stagingBytes.includes(Buffer.from(s))).toBe(false);
      }
    } finally {
      staging.close();
    }
  });

  it('loads a format B export of the same data identically, skipping what the first import loaded', async () => {
    const { staging, generated } = await staged('sled-e2e-b', 'export-json');
    try {
      const before = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM ai.conversations');
      const report = await loadImport({ staging, client, importId: 'sled-e2e-b', target: 'pg', batchSize: 700 });
      // Format B has one source (the file name), so its keys are new provenance, but every natural key
      // (wallet, tx_id, cache_key) is already present; conversations and facts have none and load again.
      expect(report.reconciled).toBe(true);
      expect(report.outcomes.pending).toBe(0);
      const wallets = report.tables.find((t) => t.target === 'blockchain.wallets')!;
      expect(wallets.loaded).toBe(0);
      expect(wallets.skipped).toBe(generated.byFamily.wallet);
      const after = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM ai.conversations');
      expect(after.rows[0]!.n - before.rows[0]!.n).toBe(generated.byFamily.conversation);
    } finally {
      staging.close();
    }
  });
});
