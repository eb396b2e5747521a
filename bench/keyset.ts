/**
 * Keyset pagination against OFFSET, through the data grid's own service:
 * fetch page 10 000 (500 rows a page) of a 5-million-row table both ways.
 *
 *   npm run bench -- keyset            (through bench/index.ts)
 *   npx tsx bench/keyset.ts            (on its own)
 *
 * Uses BENCH_DATABASE_URL when set (the table is created once and kept),
 * otherwise a throwaway embedded PostgreSQL, started like the test run's.
 */
import { pathToFileURL } from 'node:url';
import { startThrowawayPostgres } from '../test/helpers/embedded-server';
import pg from 'pg';
import { DataBrowser } from '../main/services/data/data-browser';
import { cursorSignature, encodeCursor } from '../main/services/data/keyset';
import { columnOf, describeRelation } from '../main/services/data/relation';

const TABLE = 'bench_keyset';
const ROWS = 5_000_000;
const PAGE_SIZE = 500;
const PAGE = 10_000; // 1-based, as a person counts pages
const REPEATS = 5;
const CHUNK = 1_000_000;

function log(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const external = process.env.BENCH_DATABASE_URL?.trim();
  if (external) return { url: external, stop: async () => undefined };
  log('starting an embedded PostgreSQL …');
  const server = await startThrowawayPostgres({
    prefix: 'ops-console-bench-',
    password: 'bench-password',
    flags: ['-c', 'shared_buffers=256MB'],
  });
  return { url: server.adminUrl, stop: () => server.stop() };
}

async function ensureTable(client: pg.Client): Promise<void> {
  const existing = await client.query<{ n: string }>(
    `SELECT (SELECT count(*) FROM pg_catalog.pg_class WHERE relname = $1 AND relnamespace = 'public'::regnamespace)::text AS n`,
    [TABLE],
  );
  if (existing.rows[0]?.n === '1') {
    const rows = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.${TABLE}`);
    if (rows.rows[0]?.n === String(ROWS)) {
      log(`reusing public.${TABLE} (${ROWS.toLocaleString('en')} rows)`);
      return;
    }
  }
  const started = performance.now();
  await client.query(`DROP TABLE IF EXISTS public.${TABLE}`);
  await client.query(
    `CREATE UNLOGGED TABLE public.${TABLE} (id bigint NOT NULL, account int NOT NULL, amount numeric(12,2) NOT NULL,
       note text NOT NULL, created_at timestamptz NOT NULL)`,
  );
  for (let from = 1; from <= ROWS; from += CHUNK) {
    const to = Math.min(ROWS, from + CHUNK - 1);
    await client.query(
      `INSERT INTO public.${TABLE}
       SELECT g, g % 1000, (g % 100000) / 100.0, 'row ' || g, timestamptz '2024-01-01' + g * interval '1 second'
         FROM generate_series($1::bigint, $2::bigint) g`,
      [from, to],
    );
    log(`  inserted ${to.toLocaleString('en')} / ${ROWS.toLocaleString('en')} rows (${seconds(started)})`);
  }
  await client.query(`ALTER TABLE public.${TABLE} ADD PRIMARY KEY (id)`);
  log(`  primary key built (${seconds(started)})`);
  await client.query(`VACUUM ANALYZE public.${TABLE}`);
  log(`  vacuumed and analysed (${seconds(started)})`);
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Timing {
  query: number;
  call: number;
  firstId: string;
}

async function measure(fetch: () => Promise<{ durationMs: number; rows: unknown[][] }>): Promise<Timing[]> {
  await fetch(); // warm-up: plan and buffers
  const timings: Timing[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    const page = await fetch();
    timings.push({ query: page.durationMs, call: performance.now() - started, firstId: String(page.rows[0]?.[0]) });
  }
  return timings;
}

export async function run(): Promise<void> {
  const server = await startServer();
  const client = new pg.Client({ connectionString: server.url });
  try {
    await client.connect();
    await ensureTable(client);
    const browser = new DataBrowser();
    const offset = (PAGE - 1) * PAGE_SIZE;

    // The cursor the grid holds after page 9 999: the key of that page's last row, found with one query.
    const relation = await describeRelation(client, 'public', TABLE);
    const keys = [{ column: columnOf(relation, 'id', 'sort'), direction: 'asc' as const }];
    const last = await client.query<{ id: string }>(
      // Qualified: a bare "ORDER BY id" would sort by the text output column.
      `SELECT id::text AS id FROM public.${TABLE} ORDER BY ${TABLE}.id OFFSET $1 LIMIT 1`,
      [offset - 1],
    );
    const cursor = encodeCursor(cursorSignature('public', TABLE, keys), [last.rows[0]?.id ?? null]);

    const request = { schema: 'public', table: TABLE, pageSize: PAGE_SIZE };
    const keyset = await measure(() => browser.page(client, { ...request, page: PAGE - 1, cursor }));
    // No cursor: the same page by number, i.e. ORDER BY id OFFSET 4 999 500 LIMIT 501.
    const offsetTimings = await measure(() => browser.page(client, { ...request, page: PAGE - 1 }));

    const expectedFirst = String(offset + 1);
    for (const t of [...keyset, ...offsetTimings]) {
      if (t.firstId !== expectedFirst) throw new Error(`page ${PAGE} started at id ${t.firstId}, not ${expectedFirst}`);
    }
    const k = { query: median(keyset.map((t) => t.query)), call: median(keyset.map((t) => t.call)) };
    const o = { query: median(offsetTimings.map((t) => t.query)), call: median(offsetTimings.map((t) => t.call)) };
    const fmt = (ms: number) => `${ms.toFixed(2).padStart(9)} ms`;
    log('');
    log(
      `page ${PAGE.toLocaleString('en')} (rows ${(offset + 1).toLocaleString('en')}-${(offset + PAGE_SIZE).toLocaleString('en')}) of a ${ROWS.toLocaleString('en')}-row table, DataBrowser.page, median of ${REPEATS}`,
    );
    log(`                                 query        whole call`);
    log(`  keyset (cursor)            ${fmt(k.query)}   ${fmt(k.call)}`);
    log(`  OFFSET ${offset.toLocaleString('en')} LIMIT ${PAGE_SIZE}  ${fmt(o.query)}   ${fmt(o.call)}`);
    log(
      `  OFFSET / keyset            ${(o.query / k.query).toFixed(0).padStart(8)}x   ${(o.call / k.call).toFixed(0).padStart(8)}x`,
    );
  } finally {
    await client.end().catch(() => undefined);
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
