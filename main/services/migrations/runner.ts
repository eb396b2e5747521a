import type pg from 'pg';
import { OpsError } from '../../../common/errors';
import type {
  AppliedMigration,
  BaselineCheck,
  BaselineResult,
  MigrationFailure,
  MigrationPlan,
  MigrationProgress,
  MigrationRunResult,
  MigrationStatusReport,
  PlannedMigration,
  ResolveAction,
  ResolveResult,
} from '../../../common/migrations';
import type { Logger } from '../logging/log-service';
import { createdObjects, describeObject, type CreatedObject } from './created-objects';
import { readMigrationDirectory, type MigrationDirectory, type MigrationFile } from './files';
import {
  compareWithHistory,
  dueVersions,
  HISTORY_TABLE_DDL,
  readHistory,
  type AppliedRow,
  type StatusParts,
} from './history';
import {
  acquireMigrationLock,
  assertHoldsLock,
  migrationLockKey,
  releaseMigrationLock,
  sessionChangedError,
  setIfHoldsLock,
  type SessionChangeWords,
} from './lock';
import { firstLine, splitSql, SplitError, statementPositionToFile, type SqlStatement } from './split';

export interface MigrationLimits {
  /** lock_timeout for each migration's statements (0: none). */
  lockTimeoutMs: number;
  /** statement_timeout for each migration's statements (0: none). */
  statementTimeoutMs: number;
  /** How long to wait for another runner's lock. */
  lockWaitMs: number;
}

export const DEFAULT_LIMITS: MigrationLimits = {
  lockTimeoutMs: 10_000,
  statementTimeoutMs: 30 * 60_000,
  lockWaitMs: 30_000,
};

export interface MigrationRunnerOptions {
  logger: Logger;
  /** The migrations shipped with the app, used when no folder is given. */
  builtInDir: string;
  limits?: Partial<MigrationLimits>;
  onProgress?: (progress: MigrationProgress) => void;
  /** application_name while a run holds the lock, so others can see who it is. */
  applicationName?: string;
}

interface Common {
  dir?: string | undefined;
}
interface RunLimits {
  lockTimeoutMs?: number | undefined;
  statementTimeoutMs?: number | undefined;
  lockWaitMs?: number | undefined;
}
export interface PlanOptions extends Common, RunLimits {
  to?: number | undefined;
  allowOutOfOrder?: boolean | undefined;
  verify?: boolean | undefined;
  runId?: string | undefined;
}
export interface ApplyOptions extends Common, RunLimits {
  to?: number | undefined;
  allowOutOfOrder?: boolean | undefined;
  runId: string;
}
export interface BaselineOptions extends Common {
  to?: number | undefined;
  lockWaitMs?: number | undefined;
}
export interface ResolveOptions extends Common {
  version: number;
  action: ResolveAction;
  lockWaitMs?: number | undefined;
}

/** A file split into statements, or the reason it cannot be. */
interface ParsedFile {
  file: MigrationFile;
  statements: SqlStatement[];
}

function parseFile(file: MigrationFile): ParsedFile {
  try {
    return { file, statements: splitSql(file.sql) };
  } catch (error) {
    if (error instanceof SplitError) {
      throw new OpsError('invalid_input', `${file.fileName} line ${error.line}: ${error.message}`, {
        hint: 'Close the string, quoted identifier, dollar quote or comment that starts there.',
      });
    }
    throw error;
  }
}

interface PgErrorLike {
  message?: string;
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
  where?: string;
}

function pgFields(error: unknown): PgErrorLike {
  return typeof error === 'object' && error !== null ? (error as PgErrorLike) : {};
}

function isServerError(error: unknown): boolean {
  const code = pgFields(error).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

function ms(value: number): string {
  return `${Math.max(0, Math.floor(value))}ms`;
}

/**
 * Applies the stack's migrations with sqlx-compatible history. Every method
 * takes a client it may keep for the whole call (the migration lock is a
 * session lock); the caller borrows and returns it.
 */
export class MigrationRunner {
  private readonly logger: Logger;
  private readonly builtInDir: string;
  private readonly limits: MigrationLimits;
  private readonly onProgress: (progress: MigrationProgress) => void;
  private readonly applicationName: string;

  constructor(options: MigrationRunnerOptions) {
    this.logger = options.logger;
    this.builtInDir = options.builtInDir;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.onProgress = options.onProgress ?? (() => undefined);
    this.applicationName = options.applicationName ?? 'ops-console migrate';
  }

  /** The folder's files; the shipped migrations when no folder is given. */
  read(dir: string | undefined): MigrationDirectory {
    return dir ? readMigrationDirectory(dir, false) : readMigrationDirectory(this.builtInDir, true);
  }

  async status(client: pg.ClientBase, options: Common = {}): Promise<MigrationStatusReport> {
    const directory = this.read(options.dir);
    const parsed = directory.files.map(parseFile);
    const [info, history] = await Promise.all([serverInfo(client), readHistory(client)]);
    const historyTable = history.length > 0 || (await historyExists(client));
    const parts = compareWithHistory(directory.files, history);
    const counts = new Map(parsed.map((p) => [p.file.version, p.statements.length]));
    for (const entry of parts.entries) entry.statementCount = counts.get(entry.version) ?? 0;
    return {
      database: info.database,
      serverVersion: info.version,
      source: directory.source,
      historyTable,
      entries: parts.entries,
      blockers: parts.blockers,
      outOfOrder: parts.outOfOrder,
      pending: parts.blockers.length ? [] : parts.inOrderPending,
    };
  }

  async plan(client: pg.ClientBase, options: PlanOptions = {}): Promise<MigrationPlan> {
    const directory = this.read(options.dir);
    const parsed = new Map(directory.files.map((f) => [f.version, parseFile(f)]));
    const info = await serverInfo(client);
    const parts = compareWithHistory(directory.files, await readHistory(client));
    const { due } = dueVersions(parts, options);
    const migrations: PlannedMigration[] = due.map((version) => {
      const { file, statements } = parsed.get(version) as ParsedFile;
      return {
        version,
        description: file.description,
        fileName: file.fileName,
        checksum: file.checksum.toString('hex'),
        noTransaction: file.noTransaction,
        sql: file.sql,
        statements: statements.map((s) => ({ index: s.index, line: s.line, column: s.column, text: s.text })),
      };
    });
    const plan: MigrationPlan = {
      database: info.database,
      source: directory.source,
      migrations,
      blockers: parts.blockers,
      outOfOrder: parts.outOfOrder,
      verification: null,
    };
    if (options.verify) {
      if (parts.blockers.length) throw blockedError(parts);
      plan.verification = await this.verify(
        client,
        due.map((v) => parsed.get(v) as ParsedFile),
        options,
      );
    }
    return plan;
  }

  /** Everything in one transaction that is rolled back: proof that the plan applies. */
  private async verify(
    client: pg.ClientBase,
    files: ParsedFile[],
    options: PlanOptions,
  ): Promise<NonNullable<MigrationPlan['verification']>> {
    const runId = options.runId ?? 'verify';
    const limits = this.limitsFor(options);
    const started = performance.now();
    await this.assertWritable(client);
    return this.withLock(client, runId, limits.lockWaitMs, async (session) => {
      const skippedNoTransaction = files.filter((p) => p.file.noTransaction).map((p) => p.file.version);
      let failure: MigrationFailure | null = null;
      await client.query('BEGIN');
      try {
        await session.guard();
        await client.query(HISTORY_TABLE_DDL);
        for (const parsed of files) {
          if (parsed.file.noTransaction) continue;
          await client.query(
            `SET LOCAL lock_timeout = '${ms(limits.lockTimeoutMs)}'; SET LOCAL statement_timeout = '${ms(limits.statementTimeoutMs)}'`,
          );
          const { file, statements } = parsed;
          const fileStarted = performance.now();
          this.onProgress({
            runId,
            phase: 'migration_start',
            version: file.version,
            fileName: file.fileName,
            statementCount: statements.length,
          });
          failure = await this.runStatements(client, parsed, runId, true);
          if (failure) {
            this.onProgress({ runId, phase: 'migration_failed', version: file.version, failure });
            break;
          }
          await this.insertHistory(client, file, true, 0n);
          this.onProgress({
            runId,
            phase: 'migration_done',
            version: file.version,
            durationMs: performance.now() - fileStarted,
          });
        }
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
      }
      const verified = files.filter((p) => !p.file.noTransaction).length;
      this.onProgress({ runId, phase: 'finished', applied: failure ? 0 : verified, failed: failure !== null });
      const durationMs = Math.round(performance.now() - started);
      this.logger.info(
        `verified ${files.length} migration(s) in one rolled-back transaction: ${failure ? `failed at ${failure.fileName}` : 'ok'} (${durationMs} ms)`,
      );
      return { ok: failure === null, durationMs, failure, skippedNoTransaction };
    });
  }

  async apply(client: pg.ClientBase, options: ApplyOptions): Promise<MigrationRunResult> {
    const directory = this.read(options.dir);
    const parsed = new Map(directory.files.map((f) => [f.version, parseFile(f)]));
    const limits = this.limitsFor(options);
    const { runId } = options;
    const info = await serverInfo(client);
    await this.assertWritable(client);
    const lockStarted = performance.now();
    return this.withLock(client, runId, limits.lockWaitMs, async (session) => {
      const lockWaitMs = Math.round(performance.now() - lockStarted);
      await client.query(HISTORY_TABLE_DDL);
      // Read the history only now, under the lock: a runner that held it may have applied everything.
      const parts = compareWithHistory(directory.files, await readHistory(client));
      if (parts.blockers.length) throw blockedError(parts);
      const { due, skippedOutOfOrder } = dueVersions(parts, options);
      const result: MigrationRunResult = {
        runId,
        database: info.database,
        applied: [],
        failure: null,
        notRun: [],
        upToDate: due.length === 0,
        skippedOutOfOrder,
        lockWaitMs,
      };
      if (skippedOutOfOrder.length) {
        this.logger.warn(
          `out-of-order migration(s) ${skippedOutOfOrder.join(', ')} left pending (below the highest applied version; allow out-of-order to run them)`,
        );
      }
      if (due.length === 0) this.logger.info(`${info.database}: no pending migrations`);
      for (const [i, version] of due.entries()) {
        const file = parsed.get(version) as ParsedFile;
        const outcome = await this.applyOne(client, file, limits, runId, session);
        if ('failure' in outcome) {
          result.failure = outcome.failure;
          result.notRun = due.slice(i + 1);
          break;
        }
        result.applied.push(outcome.applied);
      }
      this.onProgress({ runId, phase: 'finished', applied: result.applied.length, failed: result.failure !== null });
      return result;
    });
  }

  private async applyOne(
    client: pg.ClientBase,
    parsed: ParsedFile,
    limits: MigrationLimits,
    runId: string,
    session: LockSession,
  ): Promise<{ applied: AppliedMigration } | { failure: MigrationFailure }> {
    const { file, statements } = parsed;
    this.onProgress({
      runId,
      phase: 'migration_start',
      version: file.version,
      fileName: file.fileName,
      statementCount: statements.length,
    });
    this.logger.info(
      `applying ${file.fileName} (${statements.length} statements${file.noTransaction ? ', no transaction' : ''})`,
    );
    const started = process.hrtime.bigint();
    let failure: MigrationFailure | null;
    if (file.noTransaction) {
      // Session settings (no transaction to scope them to), set in the lock's session only and put back there.
      const restore = await session.set(
        { lock_timeout: ms(limits.lockTimeoutMs), statement_timeout: ms(limits.statementTimeoutMs) },
        { next: `${file.fileName} (no transaction)` },
      );
      try {
        // Recorded as failed first: if this process dies midway, the row says so and blocks the next run.
        await this.insertHistory(client, file, false, -1n);
        // Each statement is its own transaction: each is checked to run in the lock's session, the first one
        // that would not stops the file, and after the last one, the check says whether it was.
        const check = async (index: number) => {
          try {
            await session.guard(partwayWords(file, statements, index));
          } catch (error) {
            // Nothing of it ran: no failed row to resolve.
            if (index === 0) await this.forgetUnstarted(client, file).catch(() => undefined);
            throw error;
          }
        };
        failure = await this.runStatements(client, parsed, runId, false, check);
        if (!failure) await check(statements.length);
      } finally {
        await restore().catch(() => undefined);
      }
      if (!failure) {
        const elapsed = process.hrtime.bigint() - started;
        await client.query('UPDATE _sqlx_migrations SET success = TRUE, execution_time = $2 WHERE version = $1', [
          file.version,
          elapsed.toString(),
        ]);
      }
    } else {
      await client.query('BEGIN');
      try {
        await session.guard();
        await client.query(
          `SET LOCAL lock_timeout = '${ms(limits.lockTimeoutMs)}'; SET LOCAL statement_timeout = '${ms(limits.statementTimeoutMs)}'`,
        );
        failure = await this.runStatements(client, parsed, runId, true);
        if (failure) {
          await client.query('ROLLBACK');
        } else {
          await this.insertHistory(client, file, true, process.hrtime.bigint() - started);
          await client.query('COMMIT');
        }
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
    if (failure) {
      this.logger.error(
        `${file.fileName} failed at line ${failure.line ?? '?'}: ${failure.message}` +
          (failure.rolledBack ? ' (rolled back)' : ' (no transaction: recorded as failed)'),
      );
      this.onProgress({ runId, phase: 'migration_failed', version: file.version, failure });
      return { failure };
    }
    const elapsedNs = process.hrtime.bigint() - started;
    const durationMs = Number(elapsedNs / 1000n) / 1000;
    this.logger.info(`applied ${file.fileName} in ${durationMs.toFixed(1)} ms`);
    this.onProgress({ runId, phase: 'migration_done', version: file.version, durationMs });
    return {
      applied: {
        version: file.version,
        description: file.description,
        durationMs,
        executionTimeNs: elapsedNs.toString(),
      },
    };
  }

  /** Runs a file's statements one by one; a server error becomes a located failure (other errors propagate). */
  private async runStatements(
    client: pg.ClientBase,
    parsed: ParsedFile,
    runId: string,
    inTransaction: boolean,
    before: (index: number) => Promise<void> = async () => undefined,
  ): Promise<MigrationFailure | null> {
    const { file, statements } = parsed;
    for (const statement of statements) {
      await before(statement.index);
      this.onProgress({
        runId,
        phase: 'statement',
        version: file.version,
        statementIndex: statement.index,
        statementCount: statements.length,
        line: statement.line,
        summary: firstLine(statement.text),
      });
      try {
        await client.query(statement.text);
      } catch (error) {
        if (!isServerError(error)) throw error;
        return failureOf(file, statement, error, inTransaction);
      }
    }
    return null;
  }

  /** Removes the failed row a no-transaction file got before it started, when none of it ran. */
  private async forgetUnstarted(client: pg.ClientBase, file: MigrationFile): Promise<void> {
    await client.query('DELETE FROM _sqlx_migrations WHERE version = $1 AND NOT success AND execution_time = -1', [
      file.version,
    ]);
  }

  private async insertHistory(client: pg.ClientBase, file: MigrationFile, success: boolean, ns: bigint): Promise<void> {
    await client.query(
      `INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
       VALUES ($1, $2, $3, $4, $5)`,
      [file.version, file.description, success, file.checksum, ns.toString()],
    );
  }

  async baseline(client: pg.ClientBase, options: BaselineOptions = {}): Promise<BaselineResult> {
    const directory = this.read(options.dir);
    const limit = options.to ?? Number.POSITIVE_INFINITY;
    const files = directory.files.filter((f) => f.version <= limit).map(parseFile);
    const info = await serverInfo(client);
    await this.assertWritable(client);
    return this.withLock(client, 'baseline', options.lockWaitMs ?? this.limits.lockWaitMs, async (session) => {
      const history = await readHistory(client);
      if (history.length > 0) {
        throw new OpsError('conflict', `${info.database} already has migration history (${history.length} rows)`, {
          hint: 'Baseline adopts a database built without history. Use migrate status and migrate up instead.',
        });
      }
      const checks = await checkObjects(client, files);
      const refused = checks.some((c) => c.missing.length > 0);
      const result: BaselineResult = { database: info.database, recorded: [], refused, checks };
      if (refused) {
        const missing = checks.flatMap((c) => c.missing.map((m) => `${c.fileName}: ${m}`));
        this.logger.warn(`baseline of ${info.database} refused; missing: ${missing.join('; ')}`);
        return result;
      }
      await client.query('BEGIN');
      try {
        await session.guard();
        await client.query(HISTORY_TABLE_DDL);
        for (const { file } of files) await this.insertHistory(client, file, true, 0n);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      result.recorded = files.map((p) => p.file.version);
      this.logger.info(`baseline of ${info.database}: recorded ${result.recorded.join(', ')} as applied`);
      return result;
    });
  }

  async resolve(client: pg.ClientBase, options: ResolveOptions): Promise<ResolveResult> {
    const directory = this.read(options.dir);
    const file = directory.files.find((f) => f.version === options.version);
    await this.assertWritable(client);
    return this.withLock(client, 'resolve', options.lockWaitMs ?? this.limits.lockWaitMs, async () => {
      const row = (await readHistory(client)).find((r) => r.version === options.version);
      const state = describeState(row, file);
      const refuse = (wanted: string): never => {
        throw new OpsError(
          'conflict',
          `Migration ${options.version} is ${state}; "${options.action}" applies only to a migration that is ${wanted}`,
          { hint: 'Run migrate status to see what blocks, and the action each blocker takes.' },
        );
      };
      let message: string;
      switch (options.action) {
        case 'retry':
          if (!row || row.success) refuse('failed');
          await client.query('DELETE FROM _sqlx_migrations WHERE version = $1 AND NOT success', [options.version]);
          message = `Migration ${options.version}'s failed row was removed; the next run applies it again.`;
          break;
        case 'mark_applied':
          if (!row || row.success) refuse('failed');
          if (!file) refuse('failed and whose file exists');
          await client.query(
            'UPDATE _sqlx_migrations SET success = TRUE, checksum = $2, execution_time = 0 WHERE version = $1',
            [options.version, file?.checksum],
          );
          message = `Migration ${options.version} is recorded as applied.`;
          break;
        case 'accept_checksum':
          if (!row || !row.success || !file || row.checksum.equals(file.checksum)) refuse('changed');
          await client.query('UPDATE _sqlx_migrations SET checksum = $2 WHERE version = $1', [
            options.version,
            file?.checksum,
          ]);
          message = `Migration ${options.version}'s recorded checksum now matches ${file?.fileName}.`;
          break;
        case 'forget':
          if (!row || file) refuse('applied with its file missing');
          await client.query('DELETE FROM _sqlx_migrations WHERE version = $1', [options.version]);
          message = `Migration ${options.version}'s history row was removed.`;
          break;
      }
      this.logger.info(`resolve ${options.action} on migration ${options.version}: ${message}`);
      return { version: options.version, action: options.action, message };
    });
  }

  private limitsFor(options: RunLimits): MigrationLimits {
    return {
      lockTimeoutMs: options.lockTimeoutMs ?? this.limits.lockTimeoutMs,
      statementTimeoutMs: options.statementTimeoutMs ?? this.limits.statementTimeoutMs,
      lockWaitMs: options.lockWaitMs ?? this.limits.lockWaitMs,
    };
  }

  private async assertWritable(client: pg.ClientBase): Promise<void> {
    const result = await client.query<{ ro: string }>(`SELECT current_setting('transaction_read_only') AS ro`);
    if (result.rows[0]?.ro === 'on') {
      throw new OpsError('conflict', 'This connection is read-only; migrations write to the database', {
        hint: 'Use a profile with "read-only" turned off for this database (or pass --url as a role that may write).',
      });
    }
  }

  /**
   * Runs `fn` holding the session migration lock (sqlx's key), named in
   * application_name. `fn` gets the lock's session: a guard to run at the
   * start of each of its transactions (it fails when the transaction is not in
   * the session that holds the lock: a transaction pooler hands out sessions
   * per transaction), and a way to set session settings there only.
   */
  private async withLock<T>(
    client: pg.ClientBase,
    runId: string,
    waitMs: number,
    fn: (session: LockSession) => Promise<T>,
  ): Promise<T> {
    const database = (await serverInfo(client)).database;
    const key = migrationLockKey(database);
    const wordsOf = (words?: Partial<SessionChangeWords>): SessionChangeWords => ({
      target: database,
      next: 'the next migration step',
      work: 'a migration run',
      goOn: 'Run the migrations through a direct connection to the database, not through the pooler: what was applied is recorded, and the run goes on from the next pending migration.',
      ...words,
    });
    const session: LockSession = {
      guard: (words) => assertHoldsLock(client, key, wordsOf(words)),
      async set(settings, words) {
        const before = await setIfHoldsLock(client, key, settings);
        if (before === null) throw await sessionChangedError(client, key, wordsOf(words));
        return async () => {
          await setIfHoldsLock(client, key, before);
        };
      },
    };
    const { waitedMs, previousApplicationName } = await acquireMigrationLock(client, key, {
      waitMs,
      applicationName: `${this.applicationName} (pid ${process.pid})`.slice(0, 63),
      onWait: (holder, waited) => this.onProgress({ runId, phase: 'lock_wait', holder, waitedMs: waited }),
    });
    this.onProgress({ runId, phase: 'lock_acquired', waitedMs: Math.round(waitedMs) });
    try {
      await session.guard();
      return await fn(session);
    } finally {
      await releaseMigrationLock(client, key, previousApplicationName).catch((error: unknown) => {
        this.logger.warn('releasing the migration lock failed (it goes with the session):', error);
      });
    }
  }
}

/** The session holding the migration lock, as withLock hands it to its callback. */
interface LockSession {
  /** Fails (sessionChangedError) unless this session holds the lock. */
  guard(words?: Partial<SessionChangeWords>): Promise<void>;
  /**
   * Session settings, set only in the session holding the lock (else
   * sessionChangedError, and nothing set); resolves with what puts them back,
   * there only.
   */
  set(settings: Readonly<Record<string, string>>, words?: Partial<SessionChangeWords>): Promise<() => Promise<void>>;
}

/**
 * What a no-transaction file's check before statement `index` (or after the
 * last, index = statements.length) says when the session changed: what would
 * have run, and how to go on, which depends on how much of the file ran.
 */
function partwayWords(
  file: MigrationFile,
  statements: readonly SqlStatement[],
  index: number,
): Partial<SessionChangeWords> {
  const resolve =
    `Through a direct connection to the database (not the pooler): undo what it did and run ops-console migrate resolve ${file.version} retry, ` +
    `or finish it by hand and run ops-console migrate resolve ${file.version} mark-applied.`;
  if (index === 0) return { next: `statement 1 of ${file.fileName} (line ${statements[0]?.line ?? 1})` };
  if (index < statements.length) {
    return {
      next: `statement ${index + 1} of ${file.fileName} (line ${statements[index]!.line})`,
      goOn: `Statements 1 to ${index} of ${file.fileName} ran (no transaction, so they stay) and it is recorded as failed, which blocks the next run. ${resolve}`,
    };
  }
  return {
    next: `recording ${file.fileName} as applied`,
    goOn: `All ${statements.length} statements of ${file.fileName} ran, the last one maybe in that other session; it is recorded as failed, which blocks the next run. ${resolve}`,
  };
}

async function serverInfo(client: pg.ClientBase): Promise<{ database: string; version: string }> {
  const result = await client.query<{ database: string; version: string }>(
    `SELECT current_database() AS database, current_setting('server_version') AS version`,
  );
  const row = result.rows[0];
  return { database: row?.database ?? '', version: row?.version ?? '' };
}

async function historyExists(client: pg.ClientBase): Promise<boolean> {
  const result = await client.query<{ present: boolean }>(
    `SELECT pg_catalog.to_regclass('_sqlx_migrations') IS NOT NULL AS present`,
  );
  return result.rows[0]?.present ?? false;
}

function describeState(row: AppliedRow | undefined, file: MigrationFile | undefined): string {
  if (!row) return file ? 'not applied' : 'unknown (no file and no history row)';
  if (!row.success) return 'failed';
  if (!file) return 'applied with its file missing';
  return row.checksum.equals(file.checksum) ? 'applied' : 'changed';
}

function blockedError(parts: StatusParts): OpsError {
  const lines = parts.blockers.map((b) => `${b.message}. ${b.recovery.join(' ')}`);
  return new OpsError('conflict', `Migrations are blocked: ${parts.blockers.map((b) => b.message).join('; ')}`, {
    hint: 'Resolve each blocker first (migrate status lists them with the steps).',
    detail: lines.join('\n'),
  });
}

function failureOf(
  file: MigrationFile,
  statement: SqlStatement,
  error: unknown,
  inTransaction: boolean,
): MigrationFailure {
  const fields = pgFields(error);
  const position = fields.position !== undefined ? Number(fields.position) : NaN;
  let line = statement.line;
  let column = statement.column;
  let exactPosition = false;
  if (Number.isInteger(position) && position > 0) {
    // PostgreSQL counts characters (code points) into the statement as sent; so does the mapping.
    ({ line, column } = statementPositionToFile(statement, file.sql, position));
    exactPosition = true;
  }
  const detail = [fields.detail, fields.where ? `Context: ${fields.where}` : undefined].filter(Boolean).join('\n');
  const recovery = inTransaction
    ? [
        `${file.fileName} was rolled back: none of its statements took effect, and nothing after it ran.`,
        `Fix the statement at line ${line}, then run the migrations again.`,
        'Editing the file is fine: it was never recorded as applied.',
      ]
    : [
        `${file.fileName} runs outside a transaction: the statements before line ${statement.line} took effect and stay.`,
        'It is recorded as failed in _sqlx_migrations, which blocks further runs (sqlx reports it as dirty too).',
        `Undo what it did and retry: ops-console migrate resolve ${file.version} retry`,
        `or finish it by hand and record it: ops-console migrate resolve ${file.version} mark-applied`,
      ];
  return {
    version: file.version,
    fileName: file.fileName,
    statementIndex: statement.index,
    statement: statement.text,
    statementLine: statement.line,
    line,
    column,
    exactPosition,
    message: fields.message ?? String(error),
    code: fields.code ?? null,
    detail: detail || null,
    hint: fields.hint ?? null,
    rolledBack: inTransaction,
    recovery,
  };
}

const RELATION_KINDS: Partial<Record<CreatedObject['kind'], string[]>> = {
  table: ['r', 'p', 'f'],
  view: ['v'],
  'materialized view': ['m'],
  index: ['i', 'I'],
  sequence: ['S'],
};

const OBJECTS_SQL = `
SELECT o.i::int AS i,
       CASE
         WHEN o.kind = 'schema' THEN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = o.name)
         WHEN o.kind = 'extension' THEN EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = o.name)
         WHEN o.kind IN ('function', 'procedure') THEN EXISTS (
           SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
            WHERE p.proname = o.name
              AND (n.nspname = o.schema OR (o.schema IS NULL AND n.nspname = ANY (current_schemas(false)))))
         WHEN o.kind = 'type' THEN EXISTS (
           SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
            WHERE t.typname = o.name
              AND (n.nspname = o.schema OR (o.schema IS NULL AND n.nspname = ANY (current_schemas(false)))))
         WHEN o.kind = 'trigger' THEN EXISTS (
           SELECT 1 FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE t.tgname = o.name AND c.relname = o.table_name
              AND (n.nspname = o.table_schema OR (o.table_schema IS NULL AND n.nspname = ANY (current_schemas(false)))))
         ELSE EXISTS (
           SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relname = o.name AND c.relkind::text = ANY (string_to_array(o.relkinds, ','))
              AND (n.nspname = o.schema OR (o.schema IS NULL AND n.nspname = ANY (current_schemas(false)))))
       END AS present
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
       WITH ORDINALITY AS o(kind, schema, name, table_schema, table_name, relkinds, i)`;

/** Does every object each file creates exist? One query for all of them. */
async function checkObjects(client: pg.ClientBase, files: ParsedFile[]): Promise<BaselineCheck[]> {
  const objects: Array<{ fileIndex: number; object: CreatedObject }> = [];
  const checks: BaselineCheck[] = files.map(({ file, statements }, fileIndex) => {
    let unverifiable = 0;
    for (const statement of statements) {
      const created = createdObjects(statement.text);
      if (created === null) unverifiable++;
      else for (const object of created) objects.push({ fileIndex, object });
    }
    return { version: file.version, fileName: file.fileName, found: [], missing: [], unverifiable };
  });
  if (objects.length === 0) return checks;
  const column = (pick: (o: CreatedObject) => string | null) => objects.map(({ object }) => pick(object));
  const result = await client.query<{ i: number; present: boolean }>(OBJECTS_SQL, [
    column((o) => o.kind),
    column((o) => o.schema),
    column((o) => o.name),
    column((o) => o.table?.schema ?? null),
    column((o) => o.table?.name ?? null),
    column((o) => (RELATION_KINDS[o.kind] ?? []).join(',')),
  ]);
  for (const row of result.rows) {
    const entry = objects[row.i - 1];
    if (!entry) continue;
    const check = checks[entry.fileIndex];
    if (!check) continue;
    (row.present ? check.found : check.missing).push(describeObject(entry.object));
  }
  return checks;
}
