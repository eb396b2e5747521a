/**
 * The Sled import service the transports call: imports (staging databases in
 * <data>/sled-imports), plans, loads, reports. Stages in a worker thread
 * (stager.ts), and plans, reports and loads in one too (sled-thread.ts: they
 * read the whole staging database, seconds of synchronous work for a large
 * one), their queries run on the caller's connection.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { OpsError } from '../../../common/errors';
import type { ConnectionRef } from '../../../common/profiles';
import type { SledImportSummary, SledPlan, SledProgress, SledReport, SledSettings } from '../../../common/sled';
import { isAlive, processStartTime } from '../backend/process-tree';
import type { LeanHeap } from '../lean-heap';
import type { Logger } from '../logging/log-service';
import { loadInThread, planInThread, reportInThread, summaryInThread, type SledThreadRun } from './sled-thread';
import { defaultStageWorkerUrl, stageImport } from './stager';
import { STAGING_EXTENSION, StagingDb } from './staging-db';
import { summarize } from './staging-summary';
import { SummaryCache } from './summary-cache';

/** What the manager needs from the connections: one client for a plan, a load or a report. */
export interface SledConnections {
  withClient<T>(
    ref: ConnectionRef,
    fn: (client: pg.PoolClient, context: { target: string; readOnly: boolean }) => Promise<T>,
  ): Promise<T>;
  /** pg_cancel_backend(backendPid) from another connection to the same database (a load's cancel). */
  cancel?(ref: ConnectionRef, backendPid: number): Promise<boolean>;
}

export interface SledManagerOptions {
  /** <data>/sled-imports */
  dir: string;
  logger: Logger;
  connections: SledConnections;
  onProgress: (progress: SledProgress) => void;
  nativeBinding?: string;
  clock?: () => Date;
  /** Entries per load transaction (default: the loader's). */
  batchSize?: number;
  /** Wraps each import and load (lean-heap.ts in the app; none by default). */
  leanHeap?: LeanHeap;
  /**
   * A staging database (with its WAL) of fewer bytes is summarised on the
   * caller's thread, a larger one in a worker (default INLINE_SUMMARY_BYTES).
   */
  inlineSummaryBytes?: number;
}

/**
 * A summary reads about 0.7 ms of SQLite per MB of staging database (90 ms for
 * 125 MB, 200,000 loaded entries); a worker's start takes about 200 ms and
 * 18 MB but stalls the caller for 10 ms. Under 64 MB (100,000 entries or so)
 * the stall in place is shorter than a worker is worth.
 */
export const INLINE_SUMMARY_BYTES = 64 * 1024 * 1024;

const OWNER_SUFFIX = '.owner';
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

interface Running {
  importId: string | null;
  kind: 'import' | 'plan' | 'load';
  controller: AbortController;
}

function newImportId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `sled-${stamp}-${randomBytes(3).toString('hex')}`;
}

function newRunId(): string {
  return `run-${randomBytes(6).toString('hex')}`;
}

export class SledManager {
  private readonly running = new Map<string, Running>();
  private readonly clock: () => Date;
  private readonly lean: LeanHeap;
  private readonly summaries: SummaryCache<SledImportSummary>;

  constructor(private readonly options: SledManagerOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.lean = options.leanHeap ?? ((fn) => fn());
    this.summaries = new SummaryCache(() => this.clock().getTime());
  }

  /**
   * Removes what imports killed mid-staging left behind (a staging database
   * still in state 'staging' whose writing process is gone). Run at start-up.
   */
  init(): number {
    const { dir, logger } = this.options;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      if (!name.endsWith(STAGING_EXTENSION)) continue;
      const file = path.join(dir, name);
      if (this.ownedByLiveProcess(file)) continue;
      let state: string | null;
      try {
        const staging = StagingDb.open(file, { readonly: true, ...this.binding() });
        try {
          state = staging.meta('state');
        } finally {
          staging.close();
        }
      } catch {
        state = 'staging';
      }
      if (state === 'staging') {
        this.removeFiles(file);
        removed += 1;
        logger.warn(`removed the unfinished import ${name} (its process was stopped while staging)`);
      } else {
        fs.rmSync(`${file}${OWNER_SUFFIX}`, { force: true });
      }
    }
    return removed;
  }

  async list(): Promise<SledImportSummary[]> {
    let names: string[];
    try {
      names = fs.readdirSync(this.options.dir);
    } catch {
      return [];
    }
    const summaries: SledImportSummary[] = [];
    const listed = new Set<string>();
    for (const name of names) {
      if (!name.endsWith(STAGING_EXTENSION)) continue;
      const id = name.slice(0, -STAGING_EXTENSION.length);
      listed.add(path.join(this.options.dir, name));
      try {
        summaries.push(await this.show(id));
      } catch (error) {
        this.options.logger.warn(`skipped ${name} in the imports list: ${String(error)}`);
      }
    }
    this.summaries.keepOnly(listed);
    return summaries.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /**
   * What import `id` holds: remembered while its staging database is
   * unchanged (summary-cache.ts), else read (in a worker when it is large).
   */
  show(id: string): Promise<SledImportSummary> {
    const file = this.fileOf(id);
    if (!fs.existsSync(file)) {
      return Promise.reject(
        new OpsError('not_found', `No import ${id}`, { hint: 'See `ops-console sled list` for the imports kept.' }),
      );
    }
    const inline = this.options.inlineSummaryBytes ?? INLINE_SUMMARY_BYTES;
    return this.summaries.get(file, (bytes) =>
      bytes < inline
        ? this.withStaging(id, true, (staging) => summarize(staging))
        : summaryInThread(this.threadRun(id)),
    );
  }

  async import(input: {
    files: string[];
    runId?: string | undefined;
    decoderThreads?: number | undefined;
  }): Promise<SledImportSummary> {
    const { dir, logger } = this.options;
    const runId = input.runId ?? newRunId();
    const id = newImportId(this.clock());
    const file = this.fileOf(id);
    const controller = this.begin(runId, { importId: id, kind: 'import' });
    fs.mkdirSync(dir, { recursive: true });
    const files = input.files.map((f) => path.resolve(f));
    const started = performance.now();
    let last: Omit<SledProgress, 'runId' | 'importId' | 'kind'> | null = null;
    const emit = (progress: Omit<SledProgress, 'runId' | 'importId' | 'kind'>) => {
      last = progress;
      this.emit({ runId, importId: id, kind: 'import', ...progress });
    };
    fs.writeFileSync(
      `${file}${OWNER_SUFFIX}`,
      JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid) }),
    );
    logger.info(`import ${id}: staging ${files.join(', ')}`);
    try {
      await this.lean(() =>
        stageImport({
          file,
          id,
          createdAt: this.clock().toISOString(),
          files,
          ...this.binding(),
          ...(input.decoderThreads === undefined ? {} : { decoders: input.decoderThreads }),
          signal: controller.signal,
          onProgress: (p) =>
            emit({
              phase: 'reading',
              current: p.current,
              done: p.bytesDone,
              total: p.bytesTotal,
              unit: 'bytes',
              entriesPerSecond: p.entriesPerSecond,
              etaSeconds: p.etaSeconds,
              message: null,
              entries: p.entries,
            }),
        }),
      );
      const summary = await this.show(id);
      const seconds = (performance.now() - started) / 1000;
      logger.info(
        `import ${id}: staged ${summary.entries} entries in ${seconds.toFixed(1)} s; ` +
          `${Object.values(summary.problems).reduce((a, b) => a + (b ?? 0), 0)} with problems`,
      );
      emit({
        phase: 'done',
        current: null,
        done: summary.entries,
        total: summary.entries,
        unit: 'entries',
        entriesPerSecond: seconds > 0 ? Math.round(summary.entries / seconds) : 0,
        etaSeconds: 0,
        message: `${summary.entries} entries staged`,
      });
      return summary;
    } catch (error) {
      const cancelled = controller.signal.aborted;
      const message = error instanceof Error ? error.message : String(error);
      logger.warn(`import ${id}: ${cancelled ? 'cancelled' : `failed: ${message}`}`);
      const base = last ?? { current: null, done: 0, total: null, unit: 'bytes' as const, entriesPerSecond: 0 };
      emit({ ...base, phase: cancelled ? 'cancelled' : 'failed', etaSeconds: null, message });
      // The stager removes its file on failure; make sure nothing half-written stays listed.
      this.removeFiles(file);
      throw error;
    } finally {
      fs.rmSync(`${file}${OWNER_SUFFIX}`, { force: true });
      this.running.delete(runId);
    }
  }

  /**
   * Saves the settings given and plans: progress events (kind 'plan', in
   * entries) while it counts, cancel through cancel(runId).
   */
  async plan(input: {
    id: string;
    connection?: ConnectionRef | undefined;
    settings?: Partial<SledSettings> | undefined;
    runId?: string | undefined;
  }): Promise<SledPlan> {
    const settings = this.withStaging(input.id, false, (staging) => {
      const saved: SledSettings = { ...staging.settings(), ...definedOnly(input.settings ?? {}) };
      staging.saveSettings(saved);
      return saved;
    });
    const runId = input.runId ?? newRunId();
    const controller = this.begin(runId, { importId: input.id, kind: 'plan' });
    const started = performance.now();
    let last = { done: 0, total: null as number | null };
    // While counting, the rate counts from the first progress event: what comes before it (a pass
    // to find duplicate keys) is not entries decided, and would make the first estimates far too
    // long. The last event's rate is the whole plan's.
    let first: { done: number; at: number } | null = null;
    const emit = (phase: SledProgress['phase'], message: string | null = null) => {
      const now = performance.now();
      first ??= { done: last.done, at: now };
      const from = phase === 'planning' ? first : { done: 0, at: started };
      const seconds = (now - from.at) / 1000;
      const rate = seconds > 0 ? (last.done - from.done) / seconds : 0;
      this.emit({
        runId,
        importId: input.id,
        kind: 'plan',
        phase,
        current: null,
        done: last.done,
        total: last.total,
        unit: 'entries',
        entriesPerSecond: Math.round(rate),
        etaSeconds:
          phase === 'planning' && rate > 0 && last.total !== null ? Math.max(0, (last.total - last.done) / rate) : null,
        message,
      });
    };
    const threadRun = (db?: { client: pg.ClientBase; target: string }): SledThreadRun => ({
      ...this.threadRun(input.id, db),
      signal: controller.signal,
      onProgress: (done, total) => {
        last = { done, total };
        emit('planning');
      },
    });
    try {
      const connection = input.connection;
      const plan = connection
        ? await this.options.connections.withClient(connection, (client, context) =>
            planInThread(threadRun({ client, target: context.target }), settings),
          )
        : await planInThread(threadRun(), settings);
      last = { done: plan.entries, total: plan.entries };
      emit('done');
      return plan;
    } catch (error) {
      const cancelled = controller.signal.aborted;
      emit(cancelled ? 'cancelled' : 'failed', error instanceof Error ? error.message : String(error));
      throw error;
    } finally {
      this.running.delete(runId);
    }
  }

  async load(input: {
    id: string;
    connection: ConnectionRef;
    passphrase?: string | undefined;
    batchSize?: number | undefined;
    runId?: string | undefined;
  }): Promise<SledReport> {
    const runId = input.runId ?? newRunId();
    for (const run of this.running.values()) {
      if (run.importId === input.id) {
        throw new OpsError(
          'conflict',
          `Import ${input.id} is already being ${{ import: 'staged', plan: 'planned', load: 'loaded' }[run.kind]}`,
          {
            hint: 'Wait for it to finish or cancel it.',
          },
        );
      }
    }
    const controller = this.begin(runId, { importId: input.id, kind: 'load' });
    const { logger } = this.options;
    try {
      // Checked here first: a missing import, or one not staged, fails before connecting.
      this.withStaging(input.id, true, (staging) => {
        if (staging.state !== 'staged') {
          throw new OpsError('conflict', `Import ${input.id} is ${staging.state}, not staged`, {
            hint: 'Only a completely staged import can be loaded; import the files again.',
          });
        }
      });
      return await this.options.connections.withClient(input.connection, async (client, context) => {
        if (context.readOnly) {
          throw new OpsError('invalid_input', `The connection to ${context.target} is read-only; a load writes rows`, {
            hint: 'Turn off read-only in the connection profile (or use a profile that may write) to load.',
          });
        }
        logger.info(`import ${input.id}: loading into ${context.target}`);
        const connections = this.options.connections;
        const backendPid = connections.cancel
          ? (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid
          : undefined;
        const batchSize = input.batchSize ?? this.options.batchSize;
        const report = await this.lean(() =>
          loadInThread({
            ...this.threadRun(input.id),
            db: { client, target: context.target },
            importId: input.id,
            ...(backendPid !== undefined
              ? { cancelQuery: async () => connections.cancel?.(input.connection, backendPid) }
              : {}),
            ...(input.passphrase !== undefined ? { passphrase: input.passphrase } : {}),
            ...(batchSize ? { batchSize } : {}),
            signal: controller.signal,
            onLoadProgress: (p) => this.emit({ ...p, runId }),
            logger,
            clock: this.clock,
          }),
        );
        logger.info(
          `import ${input.id}: loaded ${report.outcomes.loaded}, skipped ${report.outcomes.skipped}, ` +
            `failed ${report.outcomes.failed}; ${report.reconciled ? 'reconciled' : 'NOT reconciled'}`,
        );
        return report;
      });
    } finally {
      this.running.delete(runId);
    }
  }

  async report(input: { id: string; connection?: ConnectionRef | undefined }): Promise<SledReport> {
    // Opened here first: a missing import or a file that is not a staging database fails as before.
    this.withStaging(input.id, true, () => undefined);
    const connection = input.connection;
    if (!connection) return reportInThread(this.threadRun(input.id), this.clock());
    return this.options.connections.withClient(connection, (client, context) =>
      reportInThread(this.threadRun(input.id, { client, target: context.target }), this.clock()),
    );
  }

  cancel(runId: string): boolean {
    const run = this.running.get(runId);
    if (!run) return false;
    run.controller.abort();
    return true;
  }

  delete(id: string): void {
    for (const run of this.running.values()) {
      if (run.importId === id) {
        throw new OpsError('conflict', `Import ${id} is in use (${run.kind} running)`, {
          hint: 'Cancel it or wait for it to finish first.',
        });
      }
    }
    const file = this.fileOf(id);
    if (!fs.existsSync(file))
      throw new OpsError('not_found', `No import ${id}`, { hint: 'See `ops-console sled list`.' });
    this.removeFiles(file);
    this.summaries.forget(file);
    this.options.logger.info(`import ${id}: deleted its staging database (rows already loaded stay in PostgreSQL)`);
  }

  /** Cancels running imports and loads; called at shutdown. */
  async shutdown(): Promise<void> {
    for (const run of this.running.values()) run.controller.abort();
    const deadline = Date.now() + 10_000;
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  private begin(runId: string, run: Omit<Running, 'controller'>): AbortController {
    if (this.running.has(runId)) {
      throw new OpsError('conflict', `A run with id ${runId} is already running`, { hint: 'Use a new run id.' });
    }
    const controller = new AbortController();
    this.running.set(runId, { ...run, controller });
    return controller;
  }

  private emit(progress: SledProgress): void {
    try {
      this.options.onProgress(progress);
    } catch (error) {
      this.options.logger.warn(`a Sled progress listener failed: ${String(error)}`);
    }
  }

  private fileOf(id: string): string {
    if (!ID_PATTERN.test(id)) {
      throw new OpsError('invalid_input', `"${id}" is not an import id`, { hint: 'See `ops-console sled list`.' });
    }
    return path.join(this.options.dir, `${id}${STAGING_EXTENSION}`);
  }

  /** A summary, plan or report of import `id` in a worker thread, its queries run on `db`'s client. */
  private threadRun(id: string, db?: { client: pg.ClientBase; target: string }): SledThreadRun {
    return {
      workerUrl: defaultStageWorkerUrl(),
      file: this.fileOf(id),
      nativeBinding: this.options.nativeBinding ?? null,
      ...(db ? { db } : {}),
    };
  }

  private binding(): { nativeBinding?: string } {
    return this.options.nativeBinding ? { nativeBinding: this.options.nativeBinding } : {};
  }

  private open(id: string, readonly: boolean): StagingDb {
    const file = this.fileOf(id);
    if (!fs.existsSync(file)) {
      throw new OpsError('not_found', `No import ${id}`, { hint: 'See `ops-console sled list` for the imports kept.' });
    }
    return StagingDb.open(file, { readonly, ...this.binding() });
  }

  private withStaging<T>(id: string, readonly: boolean, fn: (staging: StagingDb) => T): T {
    const staging = this.open(id, readonly);
    try {
      return fn(staging);
    } finally {
      staging.close();
    }
  }

  private ownedByLiveProcess(file: string): boolean {
    try {
      const owner = JSON.parse(fs.readFileSync(`${file}${OWNER_SUFFIX}`, 'utf8')) as {
        pid: number;
        startTime: string | null;
      };
      if (!Number.isInteger(owner.pid) || !isAlive(owner.pid)) return false;
      return owner.startTime === null || processStartTime(owner.pid) === owner.startTime;
    } catch {
      return false;
    }
  }

  private removeFiles(file: string): void {
    for (const suffix of ['', '-wal', '-shm', '-journal', OWNER_SUFFIX]) fs.rmSync(`${file}${suffix}`, { force: true });
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
