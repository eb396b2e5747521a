/**
 * The capture, as the capture worker thread runs it (capture-worker.ts is the
 * entry; capture.ts starts it). Everything slow and synchronous runs off the
 * main process's event loop (IPC, supervision): this thread reads the
 * connection, hashes the COPY bytes as they arrive (native SHA-256 over
 * exactly what PostgreSQL sent, content-hash.ts) and scans them into fields;
 * a second thread of its own decodes and writes them into the SQLite file
 * (capture-writer.ts). So the work runs on both cores.
 *
 * One REPEATABLE READ READ ONLY transaction on the lead connection gives the
 * point in time: the migration history and every table's rows are read in it,
 * and the catalog model is read on a second connection that imports the
 * lead's exported snapshot. Each table streams through
 * `COPY (…) TO STDOUT` (text format) into the SQLite file.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { CatalogModel, CatalogRelation } from '../../../common/catalog';
import { OpsError, type SerializedError } from '../../../common/errors';
import { SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION } from '../../../common/snapshots';
import type { SnapshotColumn, SnapshotMigration } from '../../../common/snapshots';
import { CatalogReader } from '../catalog/catalog-reader';
import { quoteIdent, quoteLiteral, quoteQualified } from '../catalog/quote';
import { clientConfig, parseDatabaseUrl, resolvePassword } from '../connections/pg-config';
import { readHistory } from '../migrations/history';
import { toOpsError } from '../postgres/pg-errors';
import { ContentHasher } from './content-hash';
import type { CaptureJob, MainMessage, WorkerMessage, WorkerProgress } from './capture-messages';
import { CaptureWriterThread } from './capture-writer';
import { CopyTextScanner } from './copy-text';
import { storageFor } from './format';
import { selectTables } from './table-selection';

const job = workerData as CaptureJob;
const port = parentPort;

class Cancelled extends Error {}

let cancelled = false;
let activeCopy: { destroy(): void } | null = null;
const openClients = new Set<pg.Client>();

function post(message: WorkerMessage): void {
  port?.postMessage(message);
}

function checkCancelled(): void {
  if (cancelled) throw new Cancelled();
}

/** Connects like the connection manager does: sslmode=prefer falls back to plain when the server has no TLS. */
async function connect(url: string): Promise<pg.Client> {
  const target = parseDatabaseUrl(url);
  const password = resolvePassword(target, target.password);
  const attempt = async (ssl?: false): Promise<pg.Client> => {
    const config = clientConfig(target, password, ssl === undefined ? {} : { ssl });
    const client = new pg.Client({ ...config, application_name: 'ops-console snapshot' });
    // Errors of an idle connection surface in the next query; without a listener they would crash the worker.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    openClients.add(client);
    return client;
  };
  try {
    return await attempt();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (target.sslMode === 'prefer' && /does not support SSL/i.test(message)) return attempt(false);
    throw error;
  }
}

async function closeClient(client: pg.Client, abrupt: boolean): Promise<void> {
  openClients.delete(client);
  // A connection left in the middle of a COPY cannot say goodbye politely.
  if (abrupt) client.connection.stream.destroy();
  else await client.end().catch(() => client.connection.stream.destroy());
}

/** The session settings that make every type's text output exact and independent of the server's defaults. */
const SESSION_SETTINGS = `
  SET LOCAL TimeZone = 'UTC';
  SET LOCAL DateStyle = 'ISO, YMD';
  SET LOCAL IntervalStyle = 'postgres';
  SET LOCAL extra_float_digits = 1;
  SET LOCAL bytea_output = 'hex'`;

class Progress {
  private lastPost = 0;
  private lastRows = 0;
  private rate = 0;
  table: string | null = null;
  tablesDone = 0;
  rowsDone = 0;
  /** Row estimates of the tables not yet done (null when one is unknown). */
  remainingEstimate: () => number | null = () => null;

  constructor(
    readonly tablesTotal: number,
    private readonly intervalMs: number,
  ) {}

  tick(force = false): void {
    const now = performance.now();
    const elapsed = now - this.lastPost;
    if (!force && elapsed < this.intervalMs) return;
    if (this.lastPost > 0 && elapsed > 0) {
      const instant = ((this.rowsDone - this.lastRows) * 1000) / elapsed;
      this.rate = this.rate === 0 ? instant : 0.7 * this.rate + 0.3 * instant;
    }
    this.lastPost = now;
    this.lastRows = this.rowsDone;
    const remaining = this.remainingEstimate();
    const progress: WorkerProgress = {
      phase: 'tables',
      table: this.table,
      tablesDone: this.tablesDone,
      tablesTotal: this.tablesTotal,
      rowsDone: this.rowsDone,
      rowsPerSecond: Math.round(this.rate),
      etaSeconds: remaining === null || this.rate <= 0 ? null : Math.ceil(remaining / this.rate),
      message: null,
    };
    post({ type: 'progress', progress });
  }
}

function phase(name: 'catalog' | 'finishing', message: string, tablesTotal = 0, rowsDone = 0): void {
  const progress: WorkerProgress = {
    phase: name,
    table: null,
    tablesDone: name === 'finishing' ? tablesTotal : 0,
    tablesTotal,
    rowsDone,
    rowsPerSecond: 0,
    etaSeconds: null,
    message,
  };
  post({ type: 'progress', progress });
}

function columnsOf(relation: CatalogRelation): SnapshotColumn[] {
  return relation.columns.map((c) => ({ name: c.name, type: c.type, storage: storageFor(c.type) }));
}

/** The COPY statement of one table (with a limit, the first rows by primary key when there is one). */
function copySql(relation: CatalogRelation, columns: readonly SnapshotColumn[], rowLimit: number | null): string {
  const table = quoteQualified(relation.schema, relation.name);
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  if (rowLimit === null && relation.kind === 'table' && columns.length > 0) {
    // COPY of a table reads that table only, never inheritance children (as pg_dump does).
    return `COPY ${table} (${list}) TO STDOUT`;
  }
  // A partitioned table cannot be COPYed directly; its SELECT includes every partition.
  const only = relation.kind === 'table' ? 'ONLY ' : '';
  const order = relation.primaryKey.length > 0 ? ` ORDER BY ${relation.primaryKey.map(quoteIdent).join(', ')}` : '';
  const limit = rowLimit === null ? '' : `${order} LIMIT ${rowLimit}`;
  return `COPY (SELECT ${list} FROM ${only}${table}${limit}) TO STDOUT`;
}

/** Whether a table has more rows than a row limit let through (in the capture's transaction). */
async function hasMoreRows(lead: pg.Client, relation: CatalogRelation, rowLimit: number): Promise<boolean> {
  const only = relation.kind === 'table' ? 'ONLY ' : '';
  const sql = `SELECT EXISTS (SELECT FROM ${only}${quoteQualified(relation.schema, relation.name)} OFFSET ${rowLimit}) AS more`;
  return (await lead.query<{ more: boolean }>(sql)).rows[0]?.more === true;
}

/** Streams one table's COPY to the writer; resolves with its row count and whether a row limit cut it short. */
async function copyTable(
  lead: pg.Client,
  relation: CatalogRelation,
  columns: readonly SnapshotColumn[],
  writer: CaptureWriterThread,
  hash: ContentHasher,
  progress: Progress,
): Promise<{ rows: number; truncated: boolean }> {
  const limit = job.rowLimit;
  const scanner = new CopyTextScanner(columns.length, writer.batch);
  const before = progress.rowsDone;
  const stream = lead.query(copyTo(copySql(relation, columns, limit)));
  activeCopy = stream;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.copyBytes(chunk);
      scanner.push(chunk);
      const room = writer.flush();
      if (room) await room;
      checkCancelled();
      progress.rowsDone = before + scanner.rows;
      progress.tick();
    }
  } finally {
    activeCopy = null;
  }
  checkCancelled();
  scanner.end();
  await writer.endTable();
  const rows = scanner.rows;
  progress.rowsDone = before + rows;
  return { rows, truncated: limit !== null && rows >= limit && (await hasMoreRows(lead, relation, limit)) };
}

async function readCatalog(lead: pg.Client): Promise<CatalogModel> {
  const standby = (await lead.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby')).rows[0]?.standby;
  let snapshot: string | null = null;
  if (!standby) {
    snapshot = (await lead.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]?.id ?? null;
  } else {
    post({
      type: 'log',
      level: 'warn',
      message: 'a standby exports no snapshot: the catalog is read in a transaction of its own',
    });
  }
  const helper = await connect(job.url);
  try {
    checkCancelled();
    if (snapshot !== null) {
      // The reader's own BEGIN then only warns ("already in a transaction"): it reads on the imported snapshot.
      await helper.query(
        `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshot)}`,
      );
    }
    // Estimated sizes take no locks: a capture must not queue behind (or ahead of) a migration for them.
    return await new CatalogReader({ sizes: 'estimated' }).read(helper);
  } finally {
    await closeClient(helper, false);
  }
}

function toMigrations(rows: Awaited<ReturnType<typeof readHistory>>): SnapshotMigration[] {
  return rows.map((row) => ({
    version: row.version,
    description: row.description,
    installedOn: row.installedOn,
    success: row.success,
    checksum: row.checksum.toString('hex'),
  }));
}

async function capture(): Promise<void> {
  const startedAt = new Date();
  phase('catalog', 'Reading the catalog');
  const lead = await connect(job.url);
  checkCancelled();
  await lead.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ${SESSION_SETTINGS}`);
  const model = await readCatalog(lead);
  checkCancelled();
  // The history table is found through the session's search_path, as sqlx finds it.
  const migrations = toMigrations(await readHistory(lead));
  // From here every name is qualified; regclass and similar values print fully qualified.
  await lead.query('SET LOCAL search_path = pg_catalog, pg_temp');
  const tables = selectTables(model, job.tablePattern);
  if (tables.length > 0) {
    // Like pg_dump: no DDL may change a selected table between now and its COPY.
    await lead.query(
      `LOCK TABLE ${tables.map((t) => quoteQualified(t.schema, t.name)).join(', ')} IN ACCESS SHARE MODE`,
    );
  }
  checkCancelled();

  const writer = new CaptureWriterThread(new URL(job.workerUrl), {
    file: job.file,
    batchRows: job.batchRows,
    nativeBinding: job.nativeBinding,
  });
  const hash = new ContentHasher();
  try {
    await writer.ready();
    const progress = new Progress(tables.length, job.progressIntervalMs);
    const estimates = tables.map((t) =>
      t.rowEstimate === null ? null : job.rowLimit === null ? t.rowEstimate : Math.min(job.rowLimit, t.rowEstimate),
    );
    let currentRows = 0;
    progress.remainingEstimate = () => {
      let sum = 0;
      for (let i = progress.tablesDone; i < estimates.length; i++) {
        const estimate = estimates[i];
        if (estimate === null || estimate === undefined) return null;
        sum += i === progress.tablesDone ? Math.max(0, estimate - (progress.rowsDone - currentRows)) : estimate;
      }
      return sum;
    };
    let rowCount = 0;
    for (const [index, relation] of tables.entries()) {
      const ord = index + 1;
      const columns = columnsOf(relation);
      const started = performance.now();
      progress.table = `${relation.schema}.${relation.name}`;
      currentRows = progress.rowsDone;
      progress.tick(true);
      writer.table(ord, columns);
      hash.table(
        relation.schema,
        relation.name,
        columns.map((c) => c.storage),
      );
      const { rows, truncated } = await copyTable(lead, relation, columns, writer, hash, progress);
      writer.record({
        ord,
        schema: relation.schema,
        name: relation.name,
        rows,
        durationMs: performance.now() - started,
        truncated,
        columns,
        keyColumns: relation.primaryKey,
      });
      rowCount += rows;
      progress.tablesDone += 1;
    }
    progress.table = null;
    progress.tick(true);
    await lead.query('COMMIT');
    await closeClient(lead, false);
    phase('finishing', 'Writing the snapshot file', tables.length, rowCount);
    const finishedAt = new Date();
    const name = job.name ?? `${model.database} ${startedAt.toISOString().slice(0, 16)}Z`;
    const contentSha256 = hash.hex();
    await writer.finish({
      format: SNAPSHOT_FORMAT,
      format_version: String(SNAPSHOT_FORMAT_VERSION),
      id: job.id,
      name,
      database: model.database,
      server_version: model.serverVersion,
      source_profile: job.sourceProfile ?? '',
      source_target: job.sourceTarget,
      started_at: startedAt.toISOString(),
      finished_at: finishedAt.toISOString(),
      row_limit: job.rowLimit === null ? '' : String(job.rowLimit),
      table_pattern: job.tablePattern ?? '',
      catalog_json: JSON.stringify(model),
      migrations_json: JSON.stringify(migrations),
      content_sha256: contentSha256,
    });
    post({
      type: 'done',
      summary: {
        database: model.database,
        serverVersion: model.serverVersion,
        name,
        tableCount: tables.length,
        rowCount,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        contentSha256,
      },
    });
  } catch (error) {
    // The writer closes the file before the caller deletes it.
    await writer.abort();
    throw error;
  }
}

function serialize(error: unknown): SerializedError {
  const ops = error instanceof OpsError ? error : toOpsError(error, job.url);
  return {
    kind: ops.kind,
    message: ops.message,
    ...(ops.hint === undefined ? {} : { hint: ops.hint }),
    ...(ops.detail === undefined ? {} : { detail: ops.detail }),
  };
}

/** The capture thread's whole life: capture, report, and leave nothing behind on failure. */
export async function runCapture(): Promise<void> {
  port?.on('message', (message: MainMessage) => {
    if (message.type !== 'cancel') return;
    cancelled = true;
    // Whatever is running (a COPY, a catalog query) stops now rather than at its end.
    activeCopy?.destroy();
    for (const client of openClients) client.connection.stream.destroy();
  });
  // The port alone must not keep the worker alive once the capture is over.
  port?.unref();
  try {
    await capture();
  } catch (error) {
    const wasCancelled = cancelled || error instanceof Cancelled;
    for (const client of [...openClients]) await closeClient(client, wasCancelled);
    fs.rmSync(job.file, { force: true });
    post(wasCancelled ? { type: 'cancelled' } : { type: 'failed', error: serialize(error) });
  }
}
