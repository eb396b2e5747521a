import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sledTargets, type SledImportSummary, type SledPlan, type SledReport } from '../../common/sled';
import {
  encodeBalance,
  encodeCachedResponse,
  encodeConversationEntry,
  encodeMemoryEntry,
  encodePreference,
  encodeWalletInfo,
  generateExport,
  JsonlExportWriter,
} from '../services/sled/test-export';
import { cli, CLI_BIN, type CliRun } from '../../test/helpers/cli';
import { createTestDatabase, queryRows, type TestDatabase } from '../../test/helpers/postgres';

const SECRET = '3pYq8Rk2mWv5XzN7bT4cL9dF6gH1jK2mN3pQ4rS5tU6vW7xY8zA9bC1dE2fG3hJ4kL5mN6pQ7rS8tU9vW1xY2zA3b';
const PASSPHRASE = 'a passphrase for the sled CLI test';
const PASSPHRASE_ENV = 'OPS_CONSOLE_TEST_SLED_PASSPHRASE';
const CACHE_KEY = 'c0ffee'.repeat(10) + 'c0de';
const TOTALS = { alice: 1_500_000_000_123n, bob: 7n };

/** Format A: a header per source, one entry of each family, a line cut short and an unknown key. */
function writeExport(file: string): void {
  const w = new JsonlExportWriter(file);
  w.header({ source: 'fodi_ledger', exportedAt: '2026-11-20T12:00:00Z' });
  w.entry(Buffer.from('balance:alice'), encodeBalance({ total: TOTALS.alice, locked: 0n, available: TOTALS.alice }));
  w.entry(Buffer.from('balance:bob'), encodeBalance({ total: TOTALS.bob, locked: 0n, available: TOTALS.bob }));
  w.raw('{"tree":"__sled__default","key":"balance:cut\n');
  w.header({ source: 'wallets', exportedAt: '2026-11-20T12:00:00Z' });
  w.entry(
    Buffer.from('wallet:alice'),
    encodeWalletInfo({
      user_id: 'alice',
      pubkey: 'AlicePubKey1111111111111111111111111111111',
      secret: SECRET,
      chain: 'solana',
      created_at: 1_690_000_000n,
      wallet_type: 'Managed',
    }),
  );
  w.header({ source: 'ai_cache', exportedAt: '2026-11-20T12:00:00Z' });
  w.entry(
    Buffer.from(CACHE_KEY),
    encodeCachedResponse({
      query: 'menu?',
      response: 'pizza',
      model: 'gpt-4o-mini',
      cached_at: 1_700_000_000n,
      hit_count: 1,
      quality_score: null,
    }),
  );
  w.header({ source: 'local_agents', exportedAt: '2026-11-20T12:00:00Z' });
  w.entry(
    Buffer.from('ctx:alice:1700000100'),
    encodeConversationEntry({
      user_id: 'alice',
      message: 'one margherita',
      intent: 'order_food',
      timestamp: 1_700_000_100n,
      entities: [],
    }),
  );
  w.entry(
    Buffer.from('pref:memory:memory:agent-1:habit:coffee'),
    encodeMemoryEntry({
      id: 'm1',
      agent_id: 'agent-1',
      category: 'habit',
      key: 'coffee',
      value: 'black',
      created_at: '2026-01-01T00:00:00Z',
      last_accessed: '2026-01-01T00:00:00Z',
      access_count: 1,
      importance: 0.5,
      tags: [],
      related_memories: [],
    }),
  );
  w.entry(Buffer.from('pref:alice:lang'), encodePreference('en'));
  w.entry(Buffer.from('session:x'), Buffer.from('not ours'));
  w.close();
}

describe('ops-console sled (real child processes)', () => {
  let db: TestDatabase;
  let dataDir: string;
  let exportFile: string;
  const runs: CliRun[] = [];
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const result = await cli(['--data-dir', dataDir, ...args], env);
    runs.push(result);
    return result;
  };
  const counts = async () => {
    const rows = await queryRows<{ t: string; n: number }>(
      db.url,
      sledTargets.map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${t}`).join(' UNION ALL '),
    );
    return Object.fromEntries(rows.map((r) => [r.t, r.n]));
  };

  beforeAll(async () => {
    db = await createTestDatabase('cli_sled');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-cli-sled-'));
    exportFile = path.join(dataDir, 'export.jsonl');
    writeExport(exportFile);
    const migrated = await cli(['migrate', 'up', '--url', db.url]);
    expect(migrated.code, migrated.stderr).toBe(0);
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('imports, plans, loads exactly once with the passphrase from the environment, and reports', async () => {
    // import FILE --json prints the summary, whose id is the import id.
    const imported = await run(['sled', 'import', exportFile, '--decoder-threads', '1', '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const summary = JSON.parse(imported.stdout) as SledImportSummary;
    expect(summary).toMatchObject({
      state: 'staged',
      entries: 9,
      byFamily: { balance: 2, wallet: 1, ai_cache: 1, conversation: 1, memory: 1, preference: 1 },
      problems: { invalid_json: 1, unknown_key: 1 },
    });
    const id = summary.id;
    expect((await run(['sled', 'list'])).stdout).toContain(id);

    // plan ID --json, against the database, choosing to encrypt the secret.
    const planned = await run(['sled', 'plan', id, '--url', db.url, '--secrets', 'encrypt', '--json']);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as SledPlan;
    expect(plan.tables.map((t) => [t.target, t.toInsert, t.toSkip])).toEqual([
      ['blockchain.wallets', 1, 0],
      ['blockchain.fodi_transactions', 2, 0],
      ['ai.cache_entries', 1, 0],
      ['ai.conversations', 1, 0],
      ['ai.memory_facts', 2, 0],
    ]);
    expect(plan.secrets).toEqual({ wallets: 1, mode: 'encrypt' });
    expect(plan.balanceTotal).toBe(String(TOTALS.alice + TOTALS.bob));

    // Encrypting needs a passphrase; an unset variable is refused before anything is written.
    const unset = await run(['sled', 'load', id, '--url', db.url, '--passphrase-env', PASSPHRASE_ENV]);
    expect(unset.code).not.toBe(0);
    expect(unset.stderr).toContain(`The environment variable ${PASSPHRASE_ENV} is not set or empty`);
    const without = await run(['sled', 'load', id, '--url', db.url]);
    expect(without.code).not.toBe(0);
    expect(without.stderr).toMatch(/passphrase/i);
    expect(await counts()).toEqual(Object.fromEntries(sledTargets.map((t) => [t, 0])));

    const env = { [PASSPHRASE_ENV]: PASSPHRASE };
    const loaded = await run(['sled', 'load', id, '--url', db.url, '--passphrase-env', PASSPHRASE_ENV, '--json'], env);
    expect(loaded.code, loaded.stderr).toBe(0);
    const report = JSON.parse(loaded.stdout) as SledReport;
    expect(report).toMatchObject({
      importId: id,
      reconciled: true,
      outcomes: { loaded: 7, skipped: 0, failed: 2, pending: 0 },
      secrets: { encrypted: 1, leftOut: 0 },
    });
    const after = await counts();
    expect(after).toEqual({
      'blockchain.wallets': 1,
      'blockchain.fodi_transactions': 2,
      'ai.cache_entries': 1,
      'ai.conversations': 1,
      'ai.memory_facts': 2,
    });
    // The secret is stored encrypted with the operator's passphrase, and only so.
    const [wallet] = await queryRows<{ armored: boolean; secret: string }>(
      db.url,
      `SELECT encrypted_private_key LIKE '-----BEGIN PGP MESSAGE-----%' AS armored,
              pgp_sym_decrypt(dearmor(encrypted_private_key), $1) AS secret
         FROM blockchain.wallets`,
      [PASSPHRASE],
    );
    expect(wallet).toEqual({ armored: true, secret: SECRET });
    const [minted] = await queryRows<{ total: string }>(
      db.url,
      "SELECT sum(amount)::text AS total FROM blockchain.fodi_transactions WHERE tx_type = 'mint'",
    );
    expect(minted!.total).toBe(String(TOTALS.alice + TOTALS.bob));

    // Loading the same import again changes nothing.
    const again = await run(['sled', 'load', id, '--url', db.url, '--passphrase-env', PASSPHRASE_ENV, '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout) as SledReport).toMatchObject({ reconciled: true, outcomes: report.outcomes });
    expect(await counts()).toEqual(after);

    // report ID --json verifies against the database; the text form says the same.
    const reported = await run(['sled', 'report', id, '--url', db.url, '--json']);
    expect(reported.code, reported.stderr).toBe(0);
    const verified = JSON.parse(reported.stdout) as SledReport;
    expect(verified).toMatchObject({ reconciled: true, outcomes: report.outcomes });
    expect(verified.verifiedAgainst).toContain(db.name);
    const textReport = await run(['sled', 'report', id]);
    expect(textReport.code, textReport.stderr).toBe(0);
    expect(textReport.stdout).toContain(id);
    // Each reason with its first example: where and why, or the key when the reason says no more.
    expect(textReport.stdout).toMatch(/\nfailed +1 +not valid JSON +line 4 is not valid JSON: /);
    expect(textReport.stdout).toMatch(/\nfailed +1 +unknown key pattern +line \d+: key session:x\n/);
    // Without a database, the checks are the last load's: said once, and each marked.
    expect(textReport.stdout).toContain(`checks marked * are as the last load recorded them (`);
    expect(textReport.stdout).toContain(
      `, against ${verified.verifiedAgainst}); pass --url or --profile to check them now\n`,
    );
    expect(textReport.stdout).toMatch(/\n {2}every staged entry is loaded, skipped, failed or pending +9 +9 +ok\n/);
    expect(textReport.stdout).toMatch(/\n\* sum of the exported balances = minted \+ skipped \+ failed \+ pending /);
    const verifiedText = await run(['sled', 'report', id, '--url', db.url]);
    expect(verifiedText.stdout).not.toContain('checks marked *');
    expect(verifiedText.stdout).toMatch(/\nsum of the exported balances = minted \+ skipped \+ failed \+ pending /);

    // --out writes the same report as JSON, whole; a folder that does not exist is named.
    const outFile = path.join(dataDir, 'report.json');
    const written = await run(['sled', 'report', id, '--out', outFile]);
    expect(written.code, written.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(outFile, 'utf8')) as SledReport).toMatchObject({
      importId: id,
      outcomes: report.outcomes,
    });
    expect(fs.readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const nowhere = path.join(dataDir, 'no-such-folder', 'report.json');
    const refused = await run(['sled', 'report', id, '--out', nowhere]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `error: Cannot write ${nowhere}: the folder ${path.dirname(nowhere)} does not exist\n`,
    );
    expect(refused.stderr).toContain('hint: Give --out a file in a folder that exists and that you can write to.');

    // Nothing any command printed holds the secret or the passphrase.
    for (const r of runs) {
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(r.stdout + r.stderr).not.toContain(PASSPHRASE);
    }
  });

  it('prints progress on stderr without --json (never a rate of 0) and a plan in words', async () => {
    const imported = await run(['sled', 'import', exportFile]);
    expect(imported.code, imported.stderr).toBe(0);
    const lines = imported.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^done: 9\/9 entries, \d+ entries\/s/);
    for (const line of lines) expect(line).not.toMatch(/ 0 entries\/s/);
    expect(imported.stdout).toMatch(/^import sled-\S+ \(staged\)/);
    // Each problem with its first example, its line said once.
    expect(imported.stdout).toMatch(/\ninvalid_json +1 +line 4 is not valid JSON: /);
    expect(imported.stdout).toMatch(/\nunknown_key +1 +line \d+: the key matches no known pattern/);
    const id = /^import (sled-\S+)/.exec(imported.stdout)![1]!;
    // With several files, the example says which.
    const second = path.join(dataDir, 'second.jsonl');
    fs.writeFileSync(
      second,
      '{"format":"sled-export","version":1,"source":"extra"}\n{"tree":"__sled__default","key":"x"\n',
    );
    const both = await run(['sled', 'import', exportFile, second]);
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout).toMatch(/\ninvalid_json +2 +export\.jsonl line 4 is not valid JSON: /);
    const planned = await run(['sled', 'plan', id]);
    expect(planned.code, planned.stderr).toBe(0);
    // The plan's progress too: entries decided, of all.
    const planLines = planned.stderr.trim().split('\n');
    expect(planLines.at(-1)).toMatch(/^done: 9\/9 entries, \d+ entries\/s$/);
    for (const line of planLines) expect(line).toMatch(/^(planning|done): \d+\/9 entries/);
    for (const line of planLines) expect(line).not.toMatch(/ 0 entries\/s/);
    expect(planned.stdout).toContain('secrets   1 wallet carries a plaintext secret\n');
    expect(planned.stdout).toMatch(/\ninvalid_json +1 +line 4 is not valid JSON: /);
    // The plan's examples too name their file when the import read several.
    const bothId = /^import (sled-\S+)/.exec(both.stdout)![1]!;
    const plannedBoth = await run(['sled', 'plan', bothId]);
    expect(plannedBoth.code, plannedBoth.stderr).toBe(0);
    expect(plannedBoth.stdout).toMatch(/\ninvalid_json +2 +export\.jsonl line 4 is not valid JSON: /);
    const json = JSON.parse((await run(['sled', 'plan', bothId, '--json'])).stdout) as SledPlan;
    expect(json.problems.find((p) => p.kind === 'invalid_json')!.samples.map((x) => [x.file, x.origin])).toEqual([
      [exportFile, 'line 4'],
      [second, 'line 2'],
    ]);
  });

  it('refuses bad input with what was wrong and what to do', async () => {
    const missing = await run(['sled', 'import', path.join(dataDir, 'nope.jsonl')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no such file');

    // Said once, as the error, not also as a last progress line.
    const folder = await run(['sled', 'import', dataDir]);
    expect(folder.code).not.toBe(0);
    expect(folder.stderr).toBe(
      `error: ${dataDir} is not a regular file\nhint: Give the export files in that folder, not the folder.\n`,
    );

    const threads = await run(['sled', 'import', exportFile, '--decoder-threads', '99']);
    expect(threads.code).not.toBe(0);
    expect(threads.stderr).toContain("option '--decoder-threads <n>' argument '99' is invalid. expected 0 to 8");

    const unknown = await run(['sled', 'plan', 'sled-20200101-000000-abcdef']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/sled-20200101-000000-abcdef/);
  });

  it('stops a load on Ctrl-C with its batch rolled back, and the next load finishes it exactly once', async () => {
    const target = await createTestDatabase('cli_sled_sigint');
    try {
      const migrated = await cli(['migrate', 'up', '--url', target.url]);
      expect(migrated.code, migrated.stderr).toBe(0);
      const exported = generateExport(path.join(dataDir, 'many.jsonl'), { entries: 30_000 });
      const imported = await run(['sled', 'import', exported.file, '--json']);
      expect(imported.code, imported.stderr).toBe(0);
      const id = (JSON.parse(imported.stdout) as SledImportSummary).id;

      // Small batches, so that many remain when the first progress line with rows done arrives.
      const child = spawn(
        process.execPath,
        [CLI_BIN, '--data-dir', dataDir, 'sled', 'load', id, '--url', target.url, '--batch-size', '25'],
        { env: { ...process.env, DATABASE_URL: '', PGPASSWORD: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      let interrupted = false;
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        if (!interrupted && /loading [^:]*: [1-9]\d*\/30000 entries/.test(stderr)) {
          interrupted = true;
          child.kill('SIGINT');
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      expect(interrupted, stderr).toBe(true);
      expect(code, stderr).toBe(1);
      expect(stderr).toContain('error: The load was cancelled\n');
      expect(stderr).toContain('hint: The batch in progress was rolled back; what was committed before stays.');
      const runs = await queryRows<{ outcome: string; provenance: number }>(
        target.url,
        'SELECT outcome, (SELECT count(*)::int FROM sled_import.provenance) AS provenance FROM sled_import.loads',
      );
      expect(runs).toHaveLength(1);
      expect(runs[0]!.outcome).toBe('cancelled');
      // Some batches committed, the one in progress did not.
      expect(runs[0]!.provenance).toBeGreaterThan(0);
      expect(runs[0]!.provenance).toBeLessThan(30_000);

      const resumed = await run(['sled', 'load', id, '--url', target.url, '--json']);
      expect(resumed.code, resumed.stderr).toBe(0);
      const report = JSON.parse(resumed.stdout) as SledReport;
      expect(report).toMatchObject({
        reconciled: true,
        outcomes: { loaded: 30_000, skipped: 0, failed: 0, pending: 0 },
      });
      const [loaded] = await queryRows<{ provenance: number; rows: number }>(
        target.url,
        `SELECT (SELECT count(*)::int FROM sled_import.provenance) AS provenance,
                (${sledTargets.map((t) => `(SELECT count(*) FROM ${t})`).join(' + ')})::int AS rows`,
      );
      expect(loaded).toEqual({ provenance: 30_000, rows: 30_000 });
    } finally {
      await target.drop();
    }
  });
});
