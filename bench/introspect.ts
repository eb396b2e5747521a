/**
 * Catalog introspection against pg_dump --schema-only, on the same database
 * in the same run: a catalog of 40 schemas x 50 tables (20 columns, a btree
 * and a GIN index and a foreign key each).
 *
 *   npm run bench -- introspect        (through bench/index.ts)
 *   npx tsx bench/introspect.ts        (on its own)
 *
 * Targets: the in-process read at most 0.5x pg_dump's time; the whole
 * `ops-console schema --json` process no slower than pg_dump. Both run as
 * shipped: with 'auto' sizes, which this catalog's ~12 000 relations to open
 * turn into estimates (exact sizes of a table are read on demand). The same
 * two with exact sizes of every relation (`--exact-sizes`, which opens each
 * one) are printed beside them for reference.
 *
 * BENCH_DATABASE_URL names a server to use instead of a throwaway embedded
 * PostgreSQL (the catalog goes into its own database there, kept for the next
 * run). BENCH_PG_DUMP names a pg_dump; otherwise one of the server's major
 * version is looked for (an older pg_dump refuses a newer server).
 * BENCH_CLI_ENTRY runs another build of the CLI (say, a bundled one) in
 * place of bin/ops-console.js for the whole-process figure.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { CatalogReader } from '../main/services/catalog/catalog-reader';
import { quoteIdent } from '../main/services/catalog/quote';
import { buildBenchCatalog, schemaName } from './catalog-fixture';
import { findPgDump, log, median, startServer, withDatabase } from './support';

const SHAPE = { schemas: 40, tablesPerSchema: 50 };
const DATABASE = 'ops_console_bench_catalog';
const REPEATS = 5;
const repoRoot = fileURLToPath(new URL('../', import.meta.url));

/** The catalog database, reused when a previous run left it complete. */
async function ensureCatalog(adminUrl: string): Promise<string> {
  const url = withDatabase(adminUrl, DATABASE);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const tables = await client
        .query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname LIKE 'bench\\_%'`,
        )
        .finally(() => client.end());
      if (tables.rows[0]?.n === SHAPE.schemas * SHAPE.tablesPerSchema) return url;
      await admin.query(`DROP DATABASE ${quoteIdent(DATABASE)} WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE ${quoteIdent(DATABASE)}`);
  } finally {
    await admin.end();
  }
  log(`building ${SHAPE.schemas} schemas x ${SHAPE.tablesPerSchema} tables (${schemaName(0)} … ) …`);
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await buildBenchCatalog(client, SHAPE);
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
  log(`built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return url;
}

async function timeProcess(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: repoRoot });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const elapsed = performance.now() - started;
  if (code !== 0) throw new Error(`${path.basename(command)} ${args[0] ?? ''} exited ${code}: ${stderr.trim()}`);
  return elapsed;
}

function ms(value: number | null): string {
  return value === null ? 'n/a (pg_dump not found)' : `${Math.round(value)} ms`;
}

function ratio(ours: number, theirs: number | null, target: number): string {
  if (theirs === null) return 'n/a (pg_dump not found)';
  const r = ours / theirs;
  return `${r.toFixed(2)}x  (target <= ${target.toFixed(1)}x: ${r <= target ? 'met' : 'NOT met'})`;
}

export async function run(): Promise<void> {
  const server = await startServer();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-bench-data-'));
  try {
    const url = await ensureCatalog(server.adminUrl);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // The app reads with two helper connections on one exported snapshot (schema.model); so does the bench.
    const helpers = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
    await Promise.all(helpers.map((h) => h.connect()));
    try {
      const reader = new CatalogReader();
      const first = await reader.readDetailed(client);
      const { model } = first;
      const serverMajor = Number(/^(\d+)/.exec(model.serverVersion)?.[1] ?? 0);
      const pgDump = findPgDump(serverMajor);
      const bin = process.env.BENCH_CLI_ENTRY?.trim() || path.join(repoRoot, 'bin', 'ops-console.js');
      if (!process.env.BENCH_CLI_ENTRY?.trim()) {
        // bin/ops-console.js runs the sources through tsx when the bundle is older than
        // them; build it first so the figure is the shipped CLI's, not the fallback's.
        const built = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-cli.mjs')], {
          cwd: repoRoot,
          encoding: 'utf8',
        });
        if (built.status !== 0) throw new Error(`building the CLI bundle failed: ${built.stderr}`);
      }
      const columns = model.relations.reduce((n, r) => n + r.columns.length, 0);
      const indexes = model.relations.flatMap((r) => r.indexes);
      const fks = model.relations.reduce((n, r) => n + r.foreignKeys.length, 0);
      log();
      log(
        `catalog: ${model.schemas.length} schemas, ${model.relations.length} tables, ${columns} columns, ` +
          `${indexes.length} indexes (${indexes.filter((i) => i.method === 'gin').length} GIN), ${fks} foreign keys`,
      );
      log(
        `server:  PostgreSQL ${model.serverVersion} (${server.label}); sizes ${first.sizesExact ? 'exact' : 'estimated'}`,
      );
      log(
        `pg_dump: ${pgDump.path ? `${pgDump.path} (${pgDump.version})` : `n/a (pg_dump not found: ${pgDump.reason})`}`,
      );
      const shown = path.relative(repoRoot, bin);
      log(`cli:     node ${shown.startsWith('..') ? bin : shown}`);
      log(`machine: ${os.cpus().length} cores, load average ${os.loadavg()[0]?.toFixed(2)}`);
      log();

      const ours: number[] = [];
      const oursExact: number[] = [];
      const oursProcess: number[] = [];
      const oursProcessExact: number[] = [];
      const dumps: number[] = [];
      const exactReader = new CatalogReader({ sizes: 'exact' });
      const cliArgs = [bin, '--data-dir', dataDir, 'schema', '--url', url, '--json'];
      const dumpArgs = ['--schema-only', '--no-password', '--file', os.devNull, '--dbname', url];
      // One warm-up round, then REPEATS measured rounds; the three are interleaved so load hits all alike.
      for (let round = 0; round <= REPEATS; round++) {
        let started = performance.now();
        await reader.read(client, helpers);
        const inProcess = performance.now() - started;
        started = performance.now();
        await exactReader.read(client, helpers);
        const inProcessExact = performance.now() - started;
        const dump = pgDump.path ? await timeProcess(pgDump.path, dumpArgs) : null;
        const whole = await timeProcess(process.execPath, cliArgs);
        const wholeExact = await timeProcess(process.execPath, [...cliArgs, '--exact-sizes']);
        if (round === 0) continue;
        ours.push(inProcess);
        oursExact.push(inProcessExact);
        oursProcess.push(whole);
        oursProcessExact.push(wholeExact);
        if (dump !== null) dumps.push(dump);
        log(
          `  round ${round}: in-process ${Math.round(inProcess)} ms (exact sizes ${Math.round(inProcessExact)} ms), ` +
            `ops-console process ${Math.round(whole)} ms (--exact-sizes ${Math.round(wholeExact)} ms), ` +
            `pg_dump ${dump === null ? 'n/a' : `${Math.round(dump)} ms`}`,
        );
      }
      const dumpMedian = dumps.length ? median(dumps) : null;
      const oursMedian = median(ours);
      const exactMedian = median(oursExact);
      const processMedian = median(oursProcess);
      const processExactMedian = median(oursProcessExact);
      const sizes = first.sizesExact ? 'exact' : 'estimated';
      log();
      log(`medians of ${REPEATS}`);
      log(`  in-process CatalogReader.read ('auto': sizes ${sizes})      ${ms(oursMedian)}`);
      log(`  pg_dump --schema-only                                  ${ms(dumpMedian)}`);
      log(`  ratio in-process / pg_dump                             ${ratio(oursMedian, dumpMedian, 0.5)}`);
      log(`  in-process with exact sizes of every relation          ${ms(exactMedian)}`);
      log(`  ratio in-process exact sizes / pg_dump                 ${ratio(exactMedian, dumpMedian, 0.5)}`);
      log();
      log(`  ops-console schema --json > /dev/null (sizes ${sizes})   ${ms(processMedian)}`);
      log(`  pg_dump --schema-only > /dev/null                      ${ms(dumpMedian)}`);
      log(`  ratio whole process / pg_dump                          ${ratio(processMedian, dumpMedian, 1)}`);
      log(`  ops-console schema --json --exact-sizes                ${ms(processExactMedian)}`);
      log(`  ratio whole process --exact-sizes / pg_dump            ${ratio(processExactMedian, dumpMedian, 1)}`);
    } finally {
      await client.end().catch(() => undefined);
      await Promise.all(helpers.map((h) => h.end().catch(() => undefined)));
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
