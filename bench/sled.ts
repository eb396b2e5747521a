/**
 * The Sled import (issue 7) against `psql \copy` of the same rows, in the
 * same run: a generated export of one million entries in the issue's mix
 * (10 % balances, 10 % wallets, 30 % AI cache, 30 % conversations, 10 %
 * memory entries, 10 % preferences) is staged and loaded by the whole
 * `ops-console sled import` and `ops-console sled load` processes; then the
 * rows the load wrote are exported to CSV and one psql process `\copy`s them
 * into the same five tables of a second fresh database.
 *
 *   npm run bench -- sled          (through bench/index.ts)
 *   npx tsx bench/sled.ts          (on its own)
 *
 * Targets: staging at least 200 000 entries/s; the load at most 3x the
 * \copy time; peak memory of each of our processes under 300 MB.
 *
 * Staging's peer is the sqlite3 shell on the same file: `.import` of its lines
 * into a table, then the tree, key and value of each entry split out by
 * SQLite's JSON functions into a second table, all in C on one thread. It
 * decodes nothing (no base64, bincode or serde_json, no records, no problems),
 * so it is a floor for storing the entries rather than the same work.
 * BENCH_SQLITE3 names a sqlite3 (3.38 or newer, for ->>); otherwise PATH's.
 *
 * Wallet secrets are left out of the timed load (plan --secrets skip):
 * pgp_sym_encrypt derives a key with a salted, iterated S2K per call, slow on
 * purpose, and a CSV \copy would carry the already encrypted text for free. A
 * small separate pair of loads (skip, then encrypt) prints the cost a secret.
 *
 * BENCH_DATABASE_URL names a server to use instead of a throwaway embedded
 * PostgreSQL (its host must be loopback: a load refuses a read-only
 * connection, and remote URLs are read-only by default). The databases the
 * bench creates there are dropped at the end. BENCH_PSQL names a psql;
 * otherwise one of the server's major version (or newer) is looked for.
 * BENCH_SLED_ENTRIES changes the entry count (quick runs), and
 * BENCH_SLED_SECRET_ENTRIES that of the secrets run (0 skips it).
 *
 * The same entries are also written as format B (what serde_json writes for
 * sled::Db::export(): every byte string an array of numbers, about twice the
 * bytes) and staged once more, for its time and memory; the targets are
 * judged on format A, ours. BENCH_SLED_FORMAT_B=0 leaves it out.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { sledTargets, type SledImportSummary, type SledPlan, type SledReport } from '../common/sled';
import { quoteIdent } from '../main/services/catalog/quote';
import { generateExport, type GeneratedExport } from '../main/services/sled/test-export';
import type { Measured, PgTool } from './support';
import {
  buildCli,
  bundledCliArgs,
  findPgTool,
  log,
  measureProcess,
  privateCliBundle,
  startServer,
  withDatabase,
} from './support';

const ENTRIES = wholeNumberFromEnv('BENCH_SLED_ENTRIES', 1_000_000);
const SECRET_ENTRIES = wholeNumberFromEnv('BENCH_SLED_SECRET_ENTRIES', 20_000);
const FORMAT_B = process.env.BENCH_SLED_FORMAT_B?.trim() !== '0';
const TARGET = { entriesPerSecond: 200_000, loadRatio: 3, memoryBytes: 300e6 };
const DATABASES = {
  load: 'ops_console_bench_sled_load',
  copy: 'ops_console_bench_sled_copy',
  secretsSkip: 'ops_console_bench_sled_secrets_skip',
  secretsEncrypt: 'ops_console_bench_sled_secrets_encrypt',
} as const;
const PASSPHRASE_ENV = 'OPS_CONSOLE_BENCH_SLED_PASSPHRASE';
const repoRoot = fileURLToPath(new URL('../', import.meta.url));
/** This run's copy of the CLI bundle (privateCliBundle); dist/cli until it is made. */
let cliDir = path.join(repoRoot, 'dist', 'cli');

function wholeNumberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, not ${JSON.stringify(raw)}`);
  return Number(raw);
}

function mb(bytes: number | null): string {
  return bytes === null ? 'n/a (no /proc)' : `${(bytes / 1e6).toFixed(1)} MB`;
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function cpu(ms: number | null): string {
  return ms === null ? 'n/a' : `${(ms / 1000).toFixed(1)} s CPU`;
}

function count(n: number): string {
  return n.toLocaleString('en');
}

/** The 1-minute load average, printed beside each phase: the bench shares the machine with whatever else runs. */
let busiest = 0;
function busy(): string {
  const now = os.loadavg()[0] ?? 0;
  busiest = Math.max(busiest, now);
  return `load average ${now.toFixed(2)}`;
}

function perSecond(n: number, ms: number): number {
  return ms > 0 ? (n * 1000) / ms : 0;
}

/** The rows each target table must hold after a load of `generated` (nothing skipped, nothing failed). */
function expectedRows(generated: GeneratedExport): Record<string, number> {
  const f = generated.byFamily;
  return {
    'blockchain.wallets': f.wallet,
    'blockchain.fodi_transactions': f.balance,
    'ai.cache_entries': f.ai_cache,
    'ai.conversations': f.conversation,
    'ai.memory_facts': f.memory + f.preference,
  };
}

function qualified(table: string): string {
  const [schema, name] = table.split('.');
  return `${quoteIdent(schema ?? '')}.${quoteIdent(name ?? '')}`;
}

// ------------------------------------------------------------------ databases

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

/** A fresh database with the stack's migrations applied by `ops-console migrate up` (not timed). */
async function freshDatabase(adminUrl: string, name: string, dataDir: string): Promise<string> {
  await dropDatabase(adminUrl, name);
  await withClient(adminUrl, (admin) => admin.query(`CREATE DATABASE ${quoteIdent(name)}`));
  const url = withDatabase(adminUrl, name);
  await cli(dataDir, ['--url', url, 'migrate', 'up', '--dir', path.join(repoRoot, 'migrations'), '--json'], 'migrate');
  return url;
}

/** Flushes the dirty buffers the previous phase left, so the next timed phase does not pay for them. */
async function checkpoint(adminUrl: string): Promise<void> {
  await withClient(adminUrl, (admin) => admin.query('CHECKPOINT')).catch(() => undefined);
}

async function rowCounts(url: string): Promise<Record<string, number>> {
  return withClient(url, async (client) => {
    const counts: Record<string, number> = {};
    for (const table of sledTargets) {
      const result = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${qualified(table)}`);
      counts[table] = Number(result.rows[0]?.n ?? -1);
    }
    return counts;
  });
}

/** Every column the load writes, i.e. all but the identity (and generated) ones, in table order. */
async function copyColumns(client: pg.Client, table: string): Promise<string[]> {
  const result = await client.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
        AND a.attidentity = '' AND a.attgenerated = ''
      ORDER BY a.attnum`,
    [qualified(table)],
  );
  return result.rows.map((r) => r.name);
}

/** The loaded rows of each target table as CSV files (not timed); returns the psql script that \copies them in. */
async function exportCsv(url: string, dir: string): Promise<{ script: string; bytes: number }> {
  const lines: string[] = [];
  let bytes = 0;
  await withClient(url, async (client) => {
    for (const table of sledTargets) {
      const columns = (await copyColumns(client, table)).map(quoteIdent).join(', ');
      const file = path.join(dir, `${table}.csv`);
      const source = client.query(
        copyTo(`COPY (SELECT ${columns} FROM ${qualified(table)} ORDER BY id) TO STDOUT WITH (FORMAT csv)`),
      );
      await pipeline(source, fs.createWriteStream(file));
      bytes += fs.statSync(file).size;
      lines.push(`\\copy ${qualified(table)} (${columns}) FROM '${file.replace(/'/g, "''")}' WITH (FORMAT csv)`);
    }
  });
  const script = path.join(dir, 'copy.sql');
  fs.writeFileSync(script, `${lines.join('\n')}\n`);
  return { script, bytes };
}

async function serverFacts(adminUrl: string): Promise<{ version: string; major: number; sharedBuffers: string }> {
  return withClient(adminUrl, async (client) => {
    const row = (
      await client.query<{ version: string; shared_buffers: string }>(
        `SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS shared_buffers`,
      )
    ).rows[0];
    const version = row?.version ?? '?';
    return { version, major: Number(/^(\d+)/.exec(version)?.[1] ?? 0), sharedBuffers: row?.shared_buffers ?? '?' };
  });
}

// ------------------------------------------------------------------ our processes

/** One `ops-console …` process of the bundle, measured (wall time, peak RSS, CPU). */
async function cli(dataDir: string, args: string[], label: string, env?: NodeJS.ProcessEnv): Promise<Measured> {
  return measureProcess(process.execPath, [...bundledCliArgs(cliDir), '--data-dir', dataDir, ...args], {
    label: `ops-console ${label}`,
    ...(env ? { env } : {}),
  });
}

function parsedJson<T>(run: Measured, label: string): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`ops-console ${label} --json printed no JSON: ${run.stdout.slice(0, 500)}`);
  }
}

async function stage(dataDir: string, file: string): Promise<{ run: Measured; summary: SledImportSummary }> {
  const run = await cli(dataDir, ['sled', 'import', file, '--json'], 'sled import');
  return { run, summary: parsedJson<SledImportSummary>(run, 'sled import') };
}

async function plan(
  dataDir: string,
  id: string,
  secrets: 'skip' | 'encrypt',
): Promise<{ run: Measured; plan: SledPlan }> {
  const run = await cli(dataDir, ['sled', 'plan', id, '--secrets', secrets, '--json'], 'sled plan');
  return { run, plan: parsedJson<SledPlan>(run, 'sled plan') };
}

async function load(
  dataDir: string,
  id: string,
  url: string,
  passphrase?: string,
): Promise<{ run: Measured; report: SledReport }> {
  const args = ['sled', 'load', id, '--url', url, '--json'];
  const env = passphrase === undefined ? undefined : { ...process.env, [PASSPHRASE_ENV]: passphrase };
  if (passphrase !== undefined) args.push('--passphrase-env', PASSPHRASE_ENV);
  const run = await cli(dataDir, args, 'sled load', env);
  return { run, report: parsedJson<SledReport>(run, 'sled load') };
}

/** Fails loudly unless the staging found exactly what the generator wrote. */
function checkStaged(summary: SledImportSummary, generated: GeneratedExport): void {
  const problems = Object.entries(summary.problems).filter(([, n]) => (n ?? 0) > 0);
  const families = Object.entries(generated.byFamily).filter(([family, n]) => {
    return summary.byFamily[family as keyof typeof summary.byFamily] !== n;
  });
  if (summary.state !== 'staged' || summary.entries !== generated.entries || problems.length || families.length) {
    throw new Error(
      `sled import staged ${summary.entries} entries (state ${summary.state}), expected ${generated.entries}; ` +
        `by family ${JSON.stringify(summary.byFamily)} against ${JSON.stringify(generated.byFamily)}; ` +
        `problems ${JSON.stringify(summary.problems)}`,
    );
  }
}

function checkLoaded(report: SledReport, counts: Record<string, number>, expected: Record<string, number>): void {
  const wrong = sledTargets.filter((t) => counts[t] !== expected[t]);
  if (!report.reconciled || report.outcomes.loaded !== sum(Object.values(expected)) || wrong.length) {
    throw new Error(
      `sled load: reconciled ${report.reconciled}, outcomes ${JSON.stringify(report.outcomes)}; ` +
        `rows ${JSON.stringify(counts)}, expected ${JSON.stringify(expected)}; ` +
        `failed checks ${JSON.stringify(report.checks.filter((c) => !c.ok))}`,
    );
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

// ------------------------------------------------------------------ the secrets run

interface SecretsRun {
  secrets: number;
  wallets: number;
  skip: Measured;
  encrypt: Measured;
  /** The same number of pgp_sym_encrypt calls as the load makes, alone in one statement on the server. */
  sqlMs: number;
}

/**
 * A small export loaded twice into fresh databases, once leaving the secrets
 * out and once encrypting them: the difference divided by the secrets is
 * what a secret costs the load (pgp_sym_encrypt, and reading the secrets back
 * from the export file: the staging database keeps none). Then the
 * encryption alone, as the load calls it, in one SELECT.
 */
async function secretsRun(adminUrl: string, tmp: string, dataDir: string): Promise<SecretsRun> {
  const generated = generateExport(path.join(tmp, 'secrets.jsonl'), { entries: SECRET_ENTRIES, seed: 7 });
  const passphrase = `bench-${Math.random().toString(36).slice(2)}-passphrase`;
  const expected = expectedRows(generated);
  const results: Measured[] = [];
  let sqlMs = 0;
  for (const [mode, database] of [
    ['skip', DATABASES.secretsSkip],
    ['encrypt', DATABASES.secretsEncrypt],
  ] as const) {
    const { summary } = await stage(dataDir, generated.file);
    checkStaged(summary, generated);
    await plan(dataDir, summary.id, mode);
    const url = await freshDatabase(adminUrl, database, dataDir);
    await checkpoint(adminUrl);
    const loaded = await load(dataDir, summary.id, url, mode === 'encrypt' ? passphrase : undefined);
    checkLoaded(loaded.report, await rowCounts(url), expected);
    const stored = await withClient(url, (client) =>
      client.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM blockchain.wallets WHERE encrypted_private_key IS NOT NULL`,
      ),
    );
    const n = Number(stored.rows[0]?.n ?? -1);
    const want = mode === 'encrypt' ? generated.walletsWithSecret : 0;
    if (n !== want || (mode === 'encrypt' && loaded.report.secrets.encrypted !== want)) {
      throw new Error(
        `secrets ${mode}: ${n} wallets hold encrypted_private_key, the report says ` +
          `${loaded.report.secrets.encrypted} encrypted; expected ${want}`,
      );
    }
    if (mode === 'encrypt') {
      sqlMs = await withClient(url, async (client) => {
        const started = performance.now();
        await client.query(
          `SELECT count(public.armor(public.pgp_sym_encrypt(repeat(md5(g::text), 3), $1, 'cipher-algo=aes256')))
             FROM generate_series(1, $2::int) g`,
          [passphrase, generated.walletsWithSecret],
        );
        return performance.now() - started;
      });
    }
    results.push(loaded.run);
    await dropDatabase(adminUrl, database);
  }
  const [skip, encrypt] = results as [Measured, Measured];
  return { secrets: generated.walletsWithSecret, wallets: generated.byFamily.wallet, skip, encrypt, sqlMs };
}

// ------------------------------------------------------------------ the run

function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

function padded(label: string, value: string): string {
  return `  ${label.padEnd(44)}${value}`;
}

/** The sqlite3 shell to measure staging against: BENCH_SQLITE3 or PATH's, 3.38 or newer (for ->>). */
function findSqlite3(): { path: string | null; version: string | null; reason: string } {
  const candidates = [
    process.env.BENCH_SQLITE3,
    ...(process.env.PATH ?? '').split(path.delimiter).map((dir) => (dir ? path.join(dir, 'sqlite3') : undefined)),
  ].filter((c): c is string => c !== undefined && c !== '' && fs.existsSync(c));
  const seen: string[] = [];
  for (const candidate of candidates) {
    const out = spawnSync(candidate, ['-version'], { encoding: 'utf8' });
    const version = /^(\d+)\.(\d+)\.(\d+)/.exec(out.stdout ?? '');
    if (!version) continue;
    if (Number(version[1]) > 3 || (Number(version[1]) === 3 && Number(version[2]) >= 38)) {
      return { path: candidate, version: version[0], reason: '' };
    }
    seen.push(`${candidate} is ${version[0]}`);
  }
  return {
    path: null,
    version: null,
    reason: seen.length ? `${seen.join(', ')}; 3.38 or newer is needed` : 'none installed',
  };
}

/** The peer's script: the file's lines into a table, then each entry's tree, key and value by SQLite's JSON functions. */
function sqlite3Script(file: string, exportFile: string): string {
  const quoted = (s: string) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  fs.writeFileSync(
    file,
    [
      'PRAGMA journal_mode = OFF;',
      'PRAGMA synchronous = OFF;',
      'CREATE TABLE lines (line TEXT);',
      // No quoting rules: every line is one value (JSON Lines has no control characters in a line).
      '.mode ascii',
      '.separator "\\037" "\\n"',
      `.import ${quoted(exportFile)} lines`,
      'CREATE TABLE entries (id INTEGER PRIMARY KEY, tree TEXT, key TEXT, value TEXT);',
      "INSERT INTO entries (tree, key, value) SELECT line ->> '$.tree', coalesce(line ->> '$.key', line ->> '$.key_b64'),",
      "       coalesce(line ->> '$.value', line ->> '$.value_b64') FROM lines WHERE line ->> '$.format' IS NULL;",
      '.mode list',
      'SELECT count(*) FROM entries;',
      '',
    ].join('\n'),
  );
  return file;
}

export async function run(): Promise<void> {
  if (ENTRIES < 10) throw new Error('BENCH_SLED_ENTRIES must be at least 10 (every family needs an entry)');
  const server = await startServer(['-c', 'shared_buffers=256MB']);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-bench-sled-'));
  const cleanups: Array<() => void> = [];
  try {
    const host = new URL(server.adminUrl).hostname;
    if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
      throw new Error(
        `BENCH_DATABASE_URL's host is ${host}: a load needs a loopback host (other hosts connect read-only)`,
      );
    }
    const facts = await serverFacts(server.adminUrl);
    const psql: PgTool = findPgTool('psql', facts.major, process.env.BENCH_PSQL);
    const sqlite3 = findSqlite3();
    buildCli();
    const bundle = privateCliBundle();
    cleanups.push(bundle.remove);
    cliDir = bundle.dir;
    const dataDir = path.join(tmp, 'data');
    const csvDir = path.join(tmp, 'csv');
    fs.mkdirSync(csvDir);

    log(`generating an export of ${count(ENTRIES)} entries …`);
    const genStarted = performance.now();
    const generated = generateExport(path.join(tmp, 'export.jsonl'), { entries: ENTRIES });
    const expected = expectedRows(generated);
    const totalRows = sum(Object.values(expected));
    const f = generated.byFamily;
    log();
    log(
      `export:  ${count(generated.entries)} entries, JSON Lines, ${mb(generated.bytes)} ` +
        `(generated in ${secs(performance.now() - genStarted)}, not timed)`,
    );
    log(
      `         ${count(f.balance)} balances, ${count(f.wallet)} wallets (${count(generated.walletsWithSecret)} with a secret), ` +
        `${count(f.ai_cache)} AI cache, ${count(f.conversation)} conversations, ${count(f.memory)} memory, ` +
        `${count(f.preference)} preferences`,
    );
    log(`rows:    ${sledTargets.map((t) => `${t} ${count(expected[t] ?? 0)}`).join(', ')} = ${count(totalRows)}`);
    log(`server:  PostgreSQL ${facts.version} (${server.label}), shared_buffers ${facts.sharedBuffers}`);
    log(`psql:    ${psql.path ? `${psql.path} (${psql.version})` : `n/a (psql not found: ${psql.reason})`}`);
    log(
      `ours:    node <a copy of dist/cli>/ops-console.mjs (the bundle, built now) --data-dir <tmp> sled import <file> --json;`,
    );
    log(`         sled plan <id> --secrets skip; sled load <id> --url <fresh migrated database> --json`);
    log(
      `sqlite3: ${sqlite3.path ? `${sqlite3.path} (${sqlite3.version})` : `n/a (sqlite3 not found: ${sqlite3.reason})`}`,
    );
    log(
      `peers:   staging: sqlite3 <db> ".read <script>": .import of the file's lines, then tree, key and value of each`,
    );
    log(`         entry split out by SQLite's JSON functions into a second table (in C, one thread; decodes nothing)`);
    log(
      `         load: one psql -X -f <script> of five \\copy <table>(<all columns but id>) FROM '<csv>' WITH (FORMAT csv)`,
    );
    log(`         into a second fresh migrated database; the CSVs are the rows our load wrote (COPY TO, not timed)`);
    log(`machine: ${os.cpus().length} cores, ${mb(os.totalmem())} RAM, load average ${os.loadavg()[0]?.toFixed(2)}`);
    log(`         node ${process.version}, ${os.platform()} ${os.release()}`);
    if (!psql.path) {
      log();
      log("psql not found: only our figures follow. Set BENCH_PSQL to a psql of the server's major version (or");
      log('newer), or BENCH_DATABASE_URL to a server whose psql is installed.');
    }
    log();

    // Staging: the whole process, export file to a staged SQLite database.
    const staged = await stage(dataDir, generated.file);
    checkStaged(staged.summary, generated);
    const stagingRate = perSecond(generated.entries, staged.run.ms);
    log(
      `staging  ${secs(staged.run.ms)}, ${count(Math.round(stagingRate))} entries/s, ` +
        `${cpu(staged.run.cpuMs)}, peak ${mb(staged.run.peakBytes)}; staging database ${mb(staged.summary.stagingBytes)}; ${busy()}`,
    );

    // Staging's peer: the sqlite3 shell storing the same file's entries, without decoding them.
    let peerStaging: Measured | null = null;
    if (sqlite3.path) {
      const peerDb = path.join(tmp, 'sqlite3-peer.sqlite');
      const script = sqlite3Script(path.join(tmp, 'sqlite3-peer.sql'), generated.file);
      peerStaging = await measureProcess(sqlite3.path, [peerDb, `.read ${JSON.stringify(script)}`], {
        label: 'sqlite3 .import',
      });
      const stored = Number(peerStaging.stdout.trim().split('\n').at(-1));
      if (stored !== generated.entries) {
        throw new Error(`sqlite3 stored ${stored} entries of ${generated.entries}: ${peerStaging.stderr.trim()}`);
      }
      log(
        `sqlite3  ${secs(peerStaging.ms)}, ${count(Math.round(perSecond(generated.entries, peerStaging.ms)))} entries/s, ` +
          `${cpu(peerStaging.cpuMs)}, peak ${mb(peerStaging.peakBytes)}; database ${mb(fs.statSync(peerDb).size)}; ` +
          `entries stored, none decoded; ${busy()}`,
      );
      fs.rmSync(peerDb, { force: true });
    }

    // The same entries as format B, staged into a data folder of their own (then removed: 1 GB of disk).
    let stagedB: { run: Measured; bytes: number } | null = null;
    if (FORMAT_B) {
      const genB = performance.now();
      const b = generateExport(path.join(tmp, 'export.json'), { entries: ENTRIES, format: 'export-json' });
      const generatedIn = performance.now() - genB;
      const dataDirB = path.join(tmp, 'data-format-b');
      const run = await stage(dataDirB, b.file);
      checkStaged(run.summary, b);
      if (run.summary.files[0]?.format !== 'export-json') {
        throw new Error(`the format B file was read as ${run.summary.files[0]?.format ?? 'nothing'}`);
      }
      stagedB = { run: run.run, bytes: b.bytes };
      log(
        `format B ${secs(run.run.ms)}, ${count(Math.round(perSecond(b.entries, run.run.ms)))} entries/s, ` +
          `${cpu(run.run.cpuMs)}, peak ${mb(run.run.peakBytes)}; the same entries as serde_json's sled::Db::export(), ` +
          `${mb(b.bytes)} (generated in ${secs(generatedIn)}, not timed); ${busy()}`,
      );
      fs.rmSync(b.file, { force: true });
      fs.rmSync(dataDirB, { recursive: true, force: true });
    }

    // Load: plan (secrets left out), a fresh migrated database, then the whole load process.
    const planned = await plan(dataDir, staged.summary.id, 'skip');
    log(
      `plan     ${secs(planned.run.ms)}, ${cpu(planned.run.cpuMs)}, peak ${mb(planned.run.peakBytes)} ` +
        `(--secrets skip, not checked against a database; not part of the load time); ${busy()}`,
    );
    const loadUrl = await freshDatabase(server.adminUrl, DATABASES.load, dataDir);
    await checkpoint(server.adminUrl);
    const loaded = await load(dataDir, staged.summary.id, loadUrl);
    const loadCounts = await rowCounts(loadUrl);
    checkLoaded(loaded.report, loadCounts, expected);
    const provenance = await withClient(loadUrl, (client) =>
      client.query<{ n: string }>(`SELECT count(*)::text AS n FROM sled_import.provenance`),
    );
    log(
      `load     ${secs(loaded.run.ms)}, ${count(Math.round(perSecond(totalRows, loaded.run.ms)))} rows/s, ` +
        `${cpu(loaded.run.cpuMs)}, peak ${mb(loaded.run.peakBytes)}; reconciled; ${busy()}`,
    );
    log(
      `         ${count(Number(provenance.rows[0]?.n ?? 0))} provenance rows beside them; ` +
        `${count(planned.plan.secrets.wallets)} wallet secrets left out (${count(loaded.report.secrets.leftOut)} in the report)`,
    );

    // The peer: the same rows from CSV, one psql process.
    let copy: Measured | null = null;
    let csvBytes = 0;
    if (psql.path) {
      const exported = await exportCsv(loadUrl, csvDir);
      csvBytes = exported.bytes;
      const copyUrl = await freshDatabase(server.adminUrl, DATABASES.copy, dataDir);
      await checkpoint(server.adminUrl);
      copy = await measureProcess(
        psql.path,
        ['-X', '-q', '--no-password', '-v', 'ON_ERROR_STOP=1', '-d', copyUrl, '-f', exported.script],
        { label: 'psql \\copy' },
      );
      const copyCounts = await rowCounts(copyUrl);
      const differ = sledTargets.filter((t) => copyCounts[t] !== loadCounts[t]);
      if (differ.length) {
        throw new Error(
          `row counts differ between the loaded and the \\copy database: ` +
            `${differ.map((t) => `${t} ${loadCounts[t]} vs ${copyCounts[t]}`).join(', ')}`,
        );
      }
      log(
        `\\copy    ${secs(copy.ms)}, ${count(Math.round(perSecond(totalRows, copy.ms)))} rows/s, ` +
          `${cpu(copy.cpuMs)}, peak ${mb(copy.peakBytes)}; ${mb(csvBytes)} of CSV; row counts match; ${busy()}`,
      );
    }

    const secrets =
      SECRET_ENTRIES >= 10 ? await secretsRun(server.adminUrl, tmp, path.join(tmp, 'data-secrets')) : null;

    log();
    log('results');
    if (busiest > os.cpus().length) {
      log(`  (the machine was busier than its ${os.cpus().length} cores, load average up to ${busiest.toFixed(2)}:`);
      log(`   the wall times below are noisy, the CPU times above less so)`);
    }
    log(
      padded(
        'staging (ops-console sled import)',
        `${secs(staged.run.ms)}  ${count(Math.round(stagingRate))} entries/s`,
      ),
    );
    const peerRate = peerStaging ? perSecond(generated.entries, peerStaging.ms) : null;
    log(
      padded(
        'sqlite3 .import + JSON split of the file',
        peerStaging && peerRate !== null
          ? `${secs(peerStaging.ms)}  ${count(Math.round(peerRate))} entries/s`
          : 'n/a (sqlite3 not found)',
      ),
    );
    log(
      padded(
        'ratio staging / sqlite3',
        peerStaging ? `${(staged.run.ms / peerStaging.ms).toFixed(2)}x` : 'n/a (sqlite3 not found)',
      ),
    );
    log(`  (ours also decodes every value, writes its record or problem and the family index, and runs on`);
    log(`   two threads; sqlite3 stores each entry's three JSON fields as text)`);
    if (stagedB) {
      log(
        padded(
          'staging, the same entries as format B',
          `${secs(stagedB.run.ms)}  ${count(Math.round(perSecond(generated.entries, stagedB.run.ms)))} entries/s`,
        ),
      );
      log(`  (${mb(stagedB.bytes)} of arrays of byte numbers against ${mb(generated.bytes)}; no peer, not a target)`);
    }
    log(padded('load (ops-console sled load)', secs(loaded.run.ms)));
    log(padded('psql \\copy of the same rows', copy ? secs(copy.ms) : 'n/a (psql not found)'));
    const ratio = copy ? loaded.run.ms / copy.ms : null;
    log(padded('ratio load / \\copy', ratio === null ? 'n/a (psql not found)' : `${ratio.toFixed(2)}x`));
    log(`  (ours also writes a provenance row per entry in the same transactions, sets wallets.balance from the`);
    log(`   balances and checks the totals; \\copy writes the five tables' rows only)`);
    log();
    log('peak memory (RSS, VmHWM of each process)');
    log(padded('ops-console sled import', mb(staged.run.peakBytes)));
    if (stagedB) log(padded('ops-console sled import (format B)', mb(stagedB.run.peakBytes)));
    log(padded('ops-console sled plan', mb(planned.run.peakBytes)));
    log(padded('ops-console sled load', mb(loaded.run.peakBytes)));
    log(padded('psql \\copy', copy ? mb(copy.peakBytes) : 'n/a'));
    log(padded('sqlite3 .import', peerStaging ? mb(peerStaging.peakBytes) : 'n/a'));
    log();
    log('wallet secrets');
    log(`  left out of the timed load (plan --secrets skip): pgp_sym_encrypt derives its key with an iterated,`);
    log(`  salted S2K on every call, slow on purpose, and the load reads the secrets back from the export file`);
    log(`  (the staging database keeps none); a \\copy of CSV would carry ciphertext made beforehand.`);
    if (secrets) {
      const perSecret = (secrets.encrypt.ms - secrets.skip.ms) / Math.max(1, secrets.secrets);
      const perSql = secrets.sqlMs / Math.max(1, secrets.secrets);
      log(
        `  separate run, ${count(SECRET_ENTRIES)} entries (${count(secrets.wallets)} wallets, ${count(secrets.secrets)} secrets), ` +
          `each load into a fresh database: with skip ${secs(secrets.skip.ms)}, with encrypt ${secs(secrets.encrypt.ms)}`,
      );
      log(
        `  => about ${perSecret.toFixed(2)} ms a secret in the load; pgp_sym_encrypt alone ${perSql.toFixed(2)} ms ` +
          `(${count(secrets.secrets)} in one SELECT: ${secs(secrets.sqlMs)})`,
      );
      log(
        `  the ${count(generated.walletsWithSecret)} secrets of the big export would add about ` +
          `${secs(perSecret * generated.walletsWithSecret)} to its load`,
      );
    } else {
      log('  (no separate encrypt run: BENCH_SLED_SECRET_ENTRIES is below 10)');
    }
    log();
    const ours = [staged.run, planned.run, loaded.run, ...(stagedB ? [stagedB.run] : [])];
    const peak = Math.max(...ours.map((r) => r.peakBytes ?? 0));
    log(
      `target: staging at least ${count(TARGET.entriesPerSecond)} entries/s: ` +
        `${verdict(stagingRate >= TARGET.entriesPerSecond)} (${count(Math.round(stagingRate))}` +
        (peerRate === null ? ')' : `; sqlite3 storing the entries undecoded: ${count(Math.round(peerRate))})`),
    );
    log(
      `target: load at most ${TARGET.loadRatio}x the \\copy time: ` +
        (ratio === null ? 'n/a (psql not found)' : `${verdict(ratio <= TARGET.loadRatio)} (${ratio.toFixed(2)}x)`),
    );
    log(
      `target: peak memory under 300 MB: ` +
        (ours.some((r) => r.peakBytes === null)
          ? 'n/a (no /proc)'
          : `${verdict(peak < TARGET.memoryBytes)} (import ${mb(staged.run.peakBytes)}, plan ${mb(planned.run.peakBytes)}, ` +
            `load ${mb(loaded.run.peakBytes)}${stagedB ? `, import of format B ${mb(stagedB.run.peakBytes)}` : ''})`),
    );
  } finally {
    for (const name of Object.values(DATABASES)) {
      await dropDatabase(server.adminUrl, name).catch((error: unknown) => {
        log(`could not drop database ${name}: ${String(error)}`);
      });
    }
    fs.rmSync(tmp, { recursive: true, force: true });
    for (const cleanup of cleanups) cleanup();
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
