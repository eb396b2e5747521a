/**
 * A full snapshot capture against `pg_dump --data-only` to a file, on the same
 * database in the same run: about 1.7 million rows in the stack's shape
 * (analytics.events with JSONB, ai.cache_entries, analytics.metrics).
 *
 *   npm run bench -- snapshot          (through bench/index.ts)
 *   npx tsx bench/snapshot.ts          (on its own)
 *
 * Targets: at most 2x pg_dump's time, a file at most 1.2x the plain dump's
 * size, peak memory under 300 MB.
 *
 * Ours is measured twice a round: SnapshotCapture.start in a child process of
 * its own (start to the resolved promise, i.e. the file complete and renamed;
 * the child reports its peak RSS, worker threads included), and the whole
 * `ops-console snapshot create --url …` process (wall time; its peak RSS is
 * VmHWM from /proc, polled while it runs). The rounds rotate the order of the
 * three so a cold cache or a noisy neighbour does not always hit the same one.
 *
 * BENCH_DATABASE_URL names a server to use instead of a throwaway embedded
 * PostgreSQL (the dataset goes into its own database there, kept for the next
 * run). BENCH_PG_DUMP names a pg_dump; otherwise one of the server's major
 * version (or newer) is looked for.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { quoteIdent, quoteLiteral } from '../main/services/catalog/quote';
import type { Measured } from './support';
import { buildCli, findPgDump, log, measureProcess, median, startServer, withDatabase } from './support';

const DATABASE = 'ops_console_bench_snapshot';
/** Written as the database's comment once the dataset is complete; a change of shape changes it. */
const DATASET_MARK = 'ops-console bench snapshot dataset v1';
const TABLES = [
  { name: 'analytics.events', rows: 1_000_000 },
  { name: 'ai.cache_entries', rows: 200_000 },
  { name: 'analytics.metrics', rows: 500_000 },
] as const;
const TOTAL_ROWS = TABLES.reduce((n, t) => n + t.rows, 0);
const ROUNDS = 3;
const TARGET = { time: 2, size: 1.2, memoryBytes: 300e6 };
const CHILD_FLAG = '--capture-child';
const repoRoot = fileURLToPath(new URL('../', import.meta.url));

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

// ---------------------------------------------------------------- the dataset

/**
 * The three tables as migrations/002 and 004 define them, with their primary
 * keys and cache_key's unique constraint; the secondary and GIN indexes are
 * left out: neither a data-only dump nor a capture reads them, and they would
 * triple the build time.
 */
const DATASET_SQL = [
  `CREATE SCHEMA analytics`,
  `CREATE SCHEMA ai`,
  `CREATE TABLE analytics.events (
     id bigint GENERATED ALWAYS AS IDENTITY, event_type varchar(100) NOT NULL, user_id uuid, business_id uuid,
     event_data jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
     CONSTRAINT events_pkey PRIMARY KEY (id))`,
  // event_data: five to seven keys, 100-200 bytes of JSON; a tenth of the events have no business.
  `INSERT INTO analytics.events (event_type, user_id, business_id, event_data, created_at)
   SELECT (ARRAY['page_view','click','signup','purchase','search','api_call','login','logout'])[1 + g % 8],
          md5('u' || (g % 50000))::uuid,
          CASE WHEN g % 10 = 0 THEN NULL ELSE md5('b' || (g % 2000))::uuid END,
          jsonb_build_object(
            'path', '/app/' || (ARRAY['dashboard','reports','settings','billing','search'])[1 + g % 5] || '/' || (g % 977),
            'session', substr(md5('s' || (g / 20)), 1, 24),
            'duration_ms', (g::bigint * 7919) % 30000,
            'device', jsonb_build_object('os', (ARRAY['linux','macos','windows','ios','android'])[1 + g % 5],
                                         'browser', (ARRAY['firefox','chrome','safari','edge'])[1 + g % 4]),
            'ok', g % 13 <> 0)
          || CASE WHEN g % 3 = 0 THEN jsonb_build_object('query', 'invoices ' || (g % 365) || ' Zürich', 'results', g % 50)
                  ELSE '{}'::jsonb END,
          timestamptz '2025-01-01 00:00:00+00' + g * interval '2.5 seconds'
     FROM generate_series(1, ${TABLES[0].rows}) g`,
  `CREATE TABLE ai.cache_entries (
     id bigint GENERATED ALWAYS AS IDENTITY, cache_key varchar(255) NOT NULL, query text NOT NULL,
     response text NOT NULL, model varchar(50), cached_at timestamptz NOT NULL DEFAULT now(),
     expires_at timestamptz NOT NULL, hit_count integer NOT NULL DEFAULT 0, quality_score double precision,
     CONSTRAINT cache_entries_pkey PRIMARY KEY (id), CONSTRAINT cache_entries_cache_key_key UNIQUE (cache_key),
     CONSTRAINT cache_entries_hit_count_check CHECK (hit_count >= 0))`,
  // response: 200-500 bytes of model output, with newlines (escaped in COPY text) as real answers have.
  `INSERT INTO ai.cache_entries (cache_key, query, response, model, cached_at, expires_at, hit_count, quality_score)
   SELECT 'v1:' || encode(sha256(('q' || g)::bytea), 'hex'),
          'How do I reconcile account ' || (g % 9973) || ' for period ' || (g % 12 + 1) || '?',
          E'To reconcile the account:\\n1. ' || repeat(md5(g::text) || ' ', 2 + g % 8) || E'\\n2. Compare with the '
            || 'ledger export and flag the differences.' || CASE WHEN g % 4 = 0 THEN E'\\n\\nNote: amounts in € are rounded.' ELSE '' END,
          (ARRAY['gpt-4o','gpt-4o-mini','claude-3-5-sonnet','llama-3.1-70b'])[1 + g % 4],
          timestamptz '2025-03-01 00:00:00+00' + g * interval '13 seconds',
          timestamptz '2025-03-08 00:00:00+00' + g * interval '13 seconds',
          (g * 31) % 500,
          CASE WHEN g % 20 = 0 THEN NULL ELSE abs(sin(g)) END
     FROM generate_series(1, ${TABLES[1].rows}) g`,
  `CREATE TABLE analytics.metrics (
     id bigint GENERATED ALWAYS AS IDENTITY, metric_name varchar(100) NOT NULL, value double precision NOT NULL,
     labels jsonb, recorded_at timestamptz NOT NULL DEFAULT now(),
     CONSTRAINT metrics_pkey PRIMARY KEY (id))`,
  `INSERT INTO analytics.metrics (metric_name, value, labels, recorded_at)
   SELECT (ARRAY['http_requests_total','http_request_duration_seconds','db_pool_in_use','cache_hit_ratio',
                 'queue_depth','cpu_seconds_total'])[1 + g % 6],
          abs(sin(g)) * 1000,
          CASE WHEN g % 7 = 0 THEN NULL
               ELSE jsonb_build_object('service', (ARRAY['api','worker','gateway'])[1 + g % 3],
                                       'instance', 'pod-' || (g % 24), 'route', '/v1/' || (g % 40)) END,
          timestamptz '2025-01-01 00:00:00+00' + g * interval '5 seconds'
     FROM generate_series(1, ${TABLES[2].rows}) g`,
];

/** The dataset's database, reused when a previous run left it complete. */
async function ensureDataset(adminUrl: string): Promise<string> {
  const url = withDatabase(adminUrl, DATABASE);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const existing = await admin.query<{ mark: string | null }>(
      `SELECT pg_catalog.shobj_description(oid, 'pg_database') AS mark FROM pg_catalog.pg_database WHERE datname = $1`,
      [DATABASE],
    );
    if (existing.rowCount) {
      if (existing.rows[0]?.mark === DATASET_MARK && (await countsMatch(url))) {
        log(`reusing database ${DATABASE} (${TOTAL_ROWS.toLocaleString('en')} rows)`);
        return url;
      }
      await admin.query(`DROP DATABASE ${quoteIdent(DATABASE)} WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE ${quoteIdent(DATABASE)}`);
  } finally {
    await admin.end();
  }
  log(`building ${TOTAL_ROWS.toLocaleString('en')} rows in database ${DATABASE} …`);
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const sql of DATASET_SQL) {
      await client.query(sql);
      const inserted = /^INSERT INTO (\S+)/.exec(sql.trim())?.[1];
      if (inserted) log(`  ${inserted} (${seconds(started)})`);
    }
    await client.query('VACUUM ANALYZE');
    await client.query(`COMMENT ON DATABASE ${quoteIdent(DATABASE)} IS ${quoteLiteral(DATASET_MARK)}`);
  } finally {
    await client.end();
  }
  log(`built, vacuumed and analysed in ${seconds(started)}`);
  return url;
}

async function countsMatch(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const table of TABLES) {
      const rows = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table.name}`);
      if (rows.rows[0]?.n !== String(table.rows)) return false;
    }
    return true;
  } catch {
    return false;
  } finally {
    await client.end();
  }
}

// ------------------------------------------------------------------ measuring

interface ChildJob {
  url: string;
  dir: string;
  workerUrl: string;
  sourceTarget: string;
}

interface ChildResult {
  ms: number;
  file: string;
  rows: number;
  tables: number;
  /** process.resourceUsage(): the whole process, its worker threads included. */
  peakBytes: number;
  cpuMs: number;
}

/** The child side of the in-process figure: one SnapshotCapture.start, timed to its resolved promise. */
async function captureChild(job: ChildJob): Promise<void> {
  const { SnapshotCapture } = await import('../main/services/snapshots/capture');
  const quiet = () => undefined;
  const capture = new SnapshotCapture({
    dir: job.dir,
    logger: { error: quiet, warn: quiet, info: quiet, debug: quiet },
    workerUrl: new URL(job.workerUrl),
  });
  const started = performance.now();
  const result = await capture.start({
    captureId: 'bench',
    url: job.url,
    sourceProfile: null,
    sourceTarget: job.sourceTarget,
    name: 'bench',
    tablePattern: null,
    rowLimit: null,
    onProgress: quiet,
  });
  const ms = performance.now() - started;
  const usage = process.resourceUsage();
  const out: ChildResult = {
    ms,
    file: result.file,
    rows: result.summary.rowCount,
    tables: result.summary.tableCount,
    peakBytes: usage.maxRSS * 1024,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function inProcessCapture(
  job: ChildJob,
): Promise<{ ms: number; bytes: number; peakBytes: number; cpuMs: number }> {
  const self = fileURLToPath(import.meta.url);
  const run = await measureProcess(process.execPath, ['--import', 'tsx', self, CHILD_FLAG, JSON.stringify(job)]);
  const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as ChildResult;
  checkRows(result.rows, result.tables, 'SnapshotCapture');
  const bytes = fs.statSync(result.file).size;
  fs.rmSync(result.file, { force: true });
  return { ms: result.ms, bytes, peakBytes: Math.max(result.peakBytes, run.peakBytes ?? 0), cpuMs: result.cpuMs };
}

async function cliCapture(bin: string, dataDir: string, url: string): Promise<Measured & { bytes: number }> {
  const run = await measureProcess(process.execPath, [bin, '--data-dir', dataDir, 'snapshot', 'create', '--url', url]);
  const match = /^snapshot (\S+) .*: (\d+) tables, (\d+) rows/m.exec(run.stdout);
  if (!match?.[1]) throw new Error(`unexpected output of ops-console snapshot create: ${run.stdout.trim()}`);
  checkRows(Number(match[3]), Number(match[2]), 'ops-console snapshot create');
  const file = path.join(dataDir, 'snapshots', `${match[1]}.snapshot`);
  const bytes = fs.statSync(file).size;
  fs.rmSync(file, { force: true });
  return { ...run, bytes };
}

function checkRows(rows: number, tables: number, who: string): void {
  if (rows !== TOTAL_ROWS || tables !== TABLES.length) {
    throw new Error(`${who} captured ${tables} tables, ${rows} rows; expected ${TABLES.length}, ${TOTAL_ROWS}`);
  }
}

/** pg_dump --data-only into a file in `dir` (plain or custom format); the file is removed once measured. */
async function dump(
  pgDump: string,
  url: string,
  dir: string,
  format: 'p' | 'c',
): Promise<Measured & { bytes: number }> {
  const file = path.join(dir, format === 'p' ? 'dump.sql' : 'dump.custom');
  const args = ['--data-only', `--format=${format}`, '--no-password', '--file', file, '--dbname', url];
  const run = await measureProcess(pgDump, args);
  const bytes = fs.statSync(file).size;
  fs.rmSync(file, { force: true });
  return { ...run, bytes };
}

/** The measurements of one contender over the rounds. */
class Series {
  private readonly ms: number[] = [];
  private readonly cpuMs: number[] = [];
  peakBytes = 0;
  peakKnown = true;
  /** The file's size (the same every round). */
  bytes = 0;

  /** Records one round; returns it as printed in the round's line. */
  add(run: { ms: number; cpuMs: number | null; peakBytes: number | null; bytes: number }): string {
    this.ms.push(run.ms);
    if (run.cpuMs !== null) this.cpuMs.push(run.cpuMs);
    if (run.peakBytes === null) this.peakKnown = false;
    this.peakBytes = Math.max(this.peakBytes, run.peakBytes ?? 0);
    this.bytes = run.bytes;
    return `${Math.round(run.ms)} ms`;
  }

  medianMs(): number {
    return median(this.ms);
  }

  medianCpuMs(): number | null {
    return this.cpuMs.length ? median(this.cpuMs) : null;
  }
}

function cpu(value: number | null): string {
  return value === null ? 'n/a' : `${(value / 1000).toFixed(1)} s`;
}

// -------------------------------------------------------------------- the run

function ratioLine(ours: number, theirs: number | null, target: number): string {
  if (theirs === null) return 'n/a (pg_dump not found)';
  const r = ours / theirs;
  return `${r.toFixed(2)}x  (target <= ${target.toFixed(1)}x: ${r <= target ? 'met' : 'NOT met'})`;
}

function verdict(ok: boolean | null): string {
  return ok === null ? 'n/a (pg_dump not found)' : ok ? 'met' : 'NOT met';
}

function sourceTargetOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}${u.pathname} as ${decodeURIComponent(u.username) || 'default user'}`;
}

export async function run(): Promise<void> {
  const server = await startServer(['-c', 'shared_buffers=256MB']);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-bench-snapshot-'));
  try {
    const url = await ensureDataset(server.adminUrl);
    const facts = await readFacts(url);
    const pgDump = findPgDump(facts.serverMajor);
    // bin/ops-console.js runs the sources through tsx when the bundle is older than them; build it
    // first so the figures are the shipped CLI's, and so the in-process capture can run its worker.
    buildCli();
    const bin = path.join(repoRoot, 'bin', 'ops-console.js');
    const workerUrl = pathToFileURL(path.join(repoRoot, 'dist', 'cli', 'capture-worker.mjs')).href;

    log();
    log(`dataset: ${TABLES.map((t) => `${t.name} ${t.rows.toLocaleString('en')}`).join(', ')} rows`);
    log(`         database ${mb(facts.databaseBytes)} on disk (tables with TOAST, indexes included)`);
    log(`server:  PostgreSQL ${facts.serverVersion} (${server.label}), shared_buffers ${facts.sharedBuffers}`);
    log(`pg_dump: ${pgDump.path ? `${pgDump.path} (${pgDump.version})` : `n/a (pg_dump not found: ${pgDump.reason})`}`);
    log(`ours:    SnapshotCapture.start in a child process (worker dist/cli/capture-worker.mjs);`);
    log(`         node bin/ops-console.js --data-dir <tmp> snapshot create --url …`);
    log(`machine: ${os.cpus().length} cores, ${mb(os.totalmem())} RAM, load average ${os.loadavg()[0]?.toFixed(2)}`);
    log(`         node ${process.version}, ${os.platform()} ${os.release()}`);
    if (!pgDump.path) {
      log();
      log("pg_dump not found: only our figures follow. Set BENCH_PG_DUMP to a pg_dump of the server's major version");
      log('(or newer), or BENCH_DATABASE_URL to a server whose pg_dump is installed.');
    }
    log();

    const dataDir = path.join(tmp, 'data');
    const job: ChildJob = { url, dir: path.join(tmp, 'in-process'), workerUrl, sourceTarget: sourceTargetOf(url) };
    const ours = new Series();
    const whole = new Series();
    const plain = new Series();
    const steps = [
      async () => `in-process ${ours.add(await inProcessCapture(job))}`,
      async () => `ops-console process ${whole.add(await cliCapture(bin, dataDir, url))}`,
      async () => (pgDump.path ? `pg_dump ${plain.add(await dump(pgDump.path, url, tmp, 'p'))}` : 'pg_dump n/a'),
    ];
    for (let round = 1; round <= ROUNDS; round++) {
      // Round r starts with step r-1, so each of the three goes first once.
      const parts: string[] = [];
      for (let i = 0; i < steps.length; i++) parts.push(await steps[(i + round - 1) % steps.length]!());
      log(`  round ${round}: ${parts.join(', ')}`);
    }
    const custom = pgDump.path ? await dump(pgDump.path, url, tmp, 'c') : null;
    const dumpMs = pgDump.path ? plain.medianMs() : null;
    const dumpBytes = pgDump.path ? plain.bytes : null;

    log();
    log(`medians of ${ROUNDS} (load average now ${os.loadavg()[0]?.toFixed(2)})`);
    log(`  in-process SnapshotCapture.start            ${Math.round(ours.medianMs())} ms`);
    log(`  ops-console snapshot create (process)       ${Math.round(whole.medianMs())} ms`);
    log(
      `  pg_dump --data-only -f (plain)              ${dumpMs === null ? 'n/a (pg_dump not found)' : `${Math.round(dumpMs)} ms`}`,
    );
    log(`  ratio in-process / pg_dump                  ${ratioLine(ours.medianMs(), dumpMs, TARGET.time)}`);
    log(`  ratio whole process / pg_dump               ${ratioLine(whole.medianMs(), dumpMs, TARGET.time)}`);
    if (pgDump.path)
      log(`  (pg_dump's plain format does not fsync its file; ours fsyncs the snapshot once at the end)`);
    log();
    log('CPU time, all threads (medians)');
    log(`  in-process capture child                    ${cpu(ours.medianCpuMs())}`);
    log(`  ops-console snapshot create process         ${cpu(whole.medianCpuMs())}`);
    log(`  pg_dump client                              ${cpu(plain.medianCpuMs())}`);
    log(`  (the server's side, the COPY of every table, is the same work for both and not counted here)`);
    log();
    log('sizes');
    log(`  our .snapshot file                          ${mb(ours.bytes)} (${ours.bytes} bytes)`);
    log(
      `  pg_dump --data-only, plain                  ${dumpBytes === null ? 'n/a' : `${mb(dumpBytes)} (${dumpBytes} bytes)`}`,
    );
    log(`  ratio .snapshot / plain dump                ${ratioLine(ours.bytes, dumpBytes, TARGET.size)}`);
    if (custom)
      log(`  (for reference: pg_dump -Fc, compressed     ${mb(custom.bytes)} in ${Math.round(custom.ms)} ms)`);
    log();
    log('peak memory (RSS)');
    log(`  in-process capture child (worker included)  ${mb(ours.peakBytes)}`);
    log(`  ops-console snapshot create process         ${whole.peakKnown ? mb(whole.peakBytes) : 'n/a (no /proc)'}`);
    log(
      `  pg_dump                                     ${plain.peakKnown && pgDump.path ? mb(plain.peakBytes) : 'n/a'}`,
    );
    log();
    const timeRatios = dumpMs === null ? null : [ours.medianMs() / dumpMs, whole.medianMs() / dumpMs];
    const sizeRatio = dumpBytes === null ? null : ours.bytes / dumpBytes;
    const peak = Math.max(ours.peakBytes, whole.peakBytes);
    log(
      `target: at most 2x pg_dump's time: ${verdict(timeRatios && Math.max(...timeRatios) <= TARGET.time)}` +
        (timeRatios ? ` (in-process ${timeRatios[0]?.toFixed(2)}x, whole process ${timeRatios[1]?.toFixed(2)}x)` : ''),
    );
    log(
      `target: file at most 1.2x the dump's size: ${verdict(sizeRatio === null ? null : sizeRatio <= TARGET.size)}` +
        (sizeRatio === null ? '' : ` (${sizeRatio.toFixed(2)}x)`),
    );
    log(`target: peak memory under 300 MB: ${peak < TARGET.memoryBytes ? 'met' : 'NOT met'} (${mb(peak)})`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await server.stop();
  }
}

async function readFacts(
  url: string,
): Promise<{ serverVersion: string; serverMajor: number; databaseBytes: number; sharedBuffers: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const row = (
      await client.query<{ version: string; bytes: string; shared_buffers: string }>(
        `SELECT current_setting('server_version') AS version, pg_database_size(current_database())::text AS bytes,
                current_setting('shared_buffers') AS shared_buffers`,
      )
    ).rows[0];
    const serverVersion = row?.version ?? '?';
    return {
      serverVersion,
      serverMajor: Number(/^(\d+)/.exec(serverVersion)?.[1] ?? 0),
      databaseBytes: Number(row?.bytes ?? 0),
      sharedBuffers: row?.shared_buffers ?? '?',
    };
  } finally {
    await client.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const childAt = process.argv.indexOf(CHILD_FLAG);
  const main = childAt >= 0 ? captureChild(JSON.parse(process.argv[childAt + 1] ?? '') as ChildJob) : run();
  main.catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
