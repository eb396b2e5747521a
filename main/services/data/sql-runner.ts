import type pg from 'pg';
import type { SqlResult } from '../../../common/data';
import { OpsError } from '../../../common/errors';
import type { ConnectionRef } from '../../../common/profiles';
import type { ConnectionContext } from '../connections/connection-manager';
import type { Logger } from '../logging/log-service';
import type { ClientSource } from './client-source';
import { discardSession, rollbackQuietly } from './client-source';
import { describeColumns } from './columns';
import type { RunRegistry, RunningQuery } from './run-registry';
import { isMultipleStatementsError, mapSqlError, sqlState } from './sql-errors';
import type { WireResult } from './wire-query';
import { WireQuery } from './wire-query';

export const DEFAULT_MAX_ROWS = 10_000;

export interface SqlRunInput {
  sql: string;
  runId: string;
  allowWrite?: boolean;
  maxRows?: number;
}

export interface SqlRunnerOptions {
  registry: RunRegistry;
  logger: Logger;
}

interface NoticeLike {
  severity?: string;
  message?: string;
  detail?: string;
  hint?: string;
}

function formatNotice(notice: NoticeLike): string {
  let text = `${notice.severity ?? 'NOTICE'}: ${notice.message ?? ''}`;
  if (notice.detail) text += `\nDETAIL: ${notice.detail}`;
  if (notice.hint) text += `\nHINT: ${notice.hint}`;
  return text;
}

/** What the session looked like before the run, to check it is unchanged afterwards. */
interface SessionMark {
  pid: number;
  defaultReadOnly: string;
}

const cancelledBeforeStart = () =>
  new OpsError('database_error', 'Query cancelled', { detail: 'Cancelled before the statement was sent.' });

/**
 * The SQL console. Every run is wrapped in a transaction:
 *
 * - read-only (the default, and always on a read-only profile):
 *   BEGIN READ ONLY; SET default_transaction_read_only = on; <text>; ROLLBACK.
 *   The SET is transactional, so the ROLLBACK undoes it; it matters only if
 *   the text itself commits, in which case the statements after its COMMIT
 *   still start read-only. On a read-only profile the text must be ONE
 *   statement (the extended protocol refuses several), so it cannot commit
 *   the wrapper and then write in the same run.
 * - writing (allowWrite, refused on read-only profiles): BEGIN READ WRITE;
 *   <text>; COMMIT, or ROLLBACK on error. A single statement that cannot run
 *   in a transaction block (VACUUM, CREATE INDEX CONCURRENTLY) is re-run on
 *   its own.
 *
 * After the run the session must be as it was (same default read-only
 * setting, transaction ended by us); otherwise the session is discarded
 * rather than returned to the pool.
 */
export class SqlRunner {
  private readonly registry: RunRegistry;
  private readonly logger: Logger;

  constructor(options: SqlRunnerOptions) {
    this.registry = options.registry;
    this.logger = options.logger;
  }

  async run(connections: ClientSource, ref: ConnectionRef, input: SqlRunInput): Promise<SqlResult> {
    const run = this.registry.start(input.runId, ref);
    try {
      return await connections.withClient(ref, async (client, context) => {
        const allowWrite = input.allowWrite ?? false;
        if (allowWrite && context.readOnly) {
          throw new OpsError('invalid_input', `Writing is not allowed on ${context.label}: the profile is read-only`, {
            hint: 'Turn writing off for this tab, or edit the profile and clear "read-only" if this database may be changed.',
          });
        }
        return await this.runOn(client, context, input.sql, {
          allowWrite,
          maxRows: input.maxRows ?? DEFAULT_MAX_ROWS,
          run,
          finish: () => this.registry.finish(input.runId, run),
        });
      });
    } finally {
      this.registry.finish(input.runId, run);
    }
  }

  private async runOn(
    client: pg.PoolClient,
    context: ConnectionContext,
    sql: string,
    options: { allowWrite: boolean; maxRows: number; run: RunningQuery; finish: () => void },
  ): Promise<SqlResult> {
    const { allowWrite, maxRows, run } = options;
    const notices: string[] = [];
    const onNotice = (notice: NoticeLike) => notices.push(formatNotice(notice));
    const mark = await this.begin(client, allowWrite);
    run.pid = mark.pid;
    if (run.cancelRequested) {
      await rollbackQuietly(client);
      throw cancelledBeforeStart();
    }
    let result: WireResult;
    const readOnly = !allowWrite;
    let durationMs: number;
    let protocol: 'extended' | 'simple' = 'extended';
    client.on('notice', onNotice);
    try {
      let started = performance.now();
      try {
        result = await this.execute(client, sql, 'extended', maxRows);
      } catch (error) {
        if (!isMultipleStatementsError(error)) throw error;
        if (context.readOnly) {
          throw new OpsError('invalid_input', 'A read-only connection runs one statement at a time', {
            hint: 'Run each statement on its own. Several statements in one run could end the read-only transaction (COMMIT) and then write.',
          });
        }
        // The refused Parse aborted the transaction: start again and send the text as one simple query.
        await client.query('ROLLBACK');
        await this.begin(client, allowWrite);
        protocol = 'simple';
        started = performance.now();
        result = await this.execute(client, sql, protocol, maxRows);
      }
      durationMs = performance.now() - started;
    } catch (error) {
      client.off('notice', onNotice);
      if (allowWrite && protocol === 'extended' && sqlState(error) === '25001') {
        // "cannot run inside a transaction block" (VACUUM, CREATE INDEX CONCURRENTLY): run it on its own.
        await rollbackQuietly(client);
        return await this.runAlone(client, sql, maxRows, run, notices, onNotice, options.finish);
      }
      options.finish();
      await this.settle(client, context, mark, 'ROLLBACK', client.getTransactionStatus() === 'I');
      const mapped = mapSqlError(error, { text: sql, cancelled: run.cancelRequested });
      if (!allowWrite && !context.readOnly && sqlState(error) === '25001' && mapped instanceof OpsError) {
        throw new OpsError(mapped.kind, mapped.message, {
          hint: 'This statement cannot run inside a transaction. Turn on writing for this tab to run it on its own.',
          ...(mapped.detail ? { detail: mapped.detail } : {}),
          cause: error,
        });
      }
      throw mapped;
    }
    client.off('notice', onNotice);
    // From here on the backend runs only our own statements: a late cancel must not reach them.
    options.finish();
    const escaped = client.getTransactionStatus() !== 'T';
    let columns: SqlResult['columns'];
    try {
      columns = await describeColumns(client, result.fields);
    } catch (error) {
      await this.settle(client, context, mark, 'ROLLBACK', escaped);
      throw mapSqlError(error);
    }
    await this.settle(client, context, mark, allowWrite ? 'COMMIT' : 'ROLLBACK', escaped);
    if (escaped) {
      notices.push(
        'ops-console: the statements ended the console transaction themselves (COMMIT or ROLLBACK); that session was closed.',
      );
    }
    return { ...this.shape(result, columns, durationMs, notices), readOnly };
  }

  /** A single statement outside any transaction block, as a write (the profile allows it). */
  private async runAlone(
    client: pg.PoolClient,
    sql: string,
    maxRows: number,
    run: RunningQuery,
    notices: string[],
    onNotice: (notice: NoticeLike) => void,
    finish: () => void,
  ): Promise<SqlResult> {
    if (run.cancelRequested) throw cancelledBeforeStart();
    const started = performance.now();
    let result: WireResult;
    client.on('notice', onNotice);
    try {
      result = await this.execute(client, sql, 'extended', maxRows);
    } catch (error) {
      throw mapSqlError(error, { text: sql, cancelled: run.cancelRequested });
    } finally {
      client.off('notice', onNotice);
      finish();
    }
    const durationMs = performance.now() - started;
    const columns = await describeColumns(client, result.fields);
    return { ...this.shape(result, columns, durationMs, notices), readOnly: false };
  }

  private shape(
    result: WireResult,
    columns: SqlResult['columns'],
    durationMs: number,
    notices: string[],
  ): Omit<SqlResult, 'readOnly'> {
    return {
      command: result.command,
      columns,
      rows: result.rows,
      rowCount: result.rowCount,
      truncated: result.truncated,
      durationMs: Math.round(durationMs * 1000) / 1000,
      notices,
    };
  }

  private async begin(client: pg.ClientBase, allowWrite: boolean): Promise<SessionMark> {
    const info = await client.query<{ pid: number; ro: string }>(
      `SELECT pg_catalog.pg_backend_pid() AS pid, pg_catalog.current_setting('default_transaction_read_only') AS ro`,
    );
    const row = info.rows[0];
    if (!row) throw new Error('pg_backend_pid() returned no row');
    await client.query(
      allowWrite
        ? 'BEGIN TRANSACTION READ WRITE'
        : 'BEGIN TRANSACTION READ ONLY; SET default_transaction_read_only = on',
    );
    return { pid: row.pid, defaultReadOnly: row.ro };
  }

  private async execute(
    client: pg.ClientBase,
    sql: string,
    protocol: 'extended' | 'simple',
    maxRows: number,
  ): Promise<WireResult> {
    const query = new WireQuery(sql, { protocol, maxRows });
    client.query(query);
    return query.result;
  }

  /**
   * Finish the wrapper transaction, then check the session is as it was. A
   * session whose default read-only setting changed, or whose transaction was
   * ended by the user's text, is discarded instead of going back to the pool.
   */
  private async settle(
    client: pg.ClientBase,
    context: ConnectionContext,
    mark: SessionMark,
    verb: 'COMMIT' | 'ROLLBACK',
    escaped: boolean,
  ): Promise<void> {
    try {
      await client.query(verb);
    } catch (error) {
      if (verb === 'ROLLBACK') {
        await discardSession(client);
        return;
      }
      // A failed COMMIT (deferred constraint, serialization failure) ends the transaction; report it.
      await this.checkSession(client, context, mark, escaped);
      throw mapSqlError(error);
    }
    await this.checkSession(client, context, mark, escaped);
  }

  private async checkSession(
    client: pg.ClientBase,
    context: ConnectionContext,
    mark: SessionMark,
    escaped: boolean,
  ): Promise<void> {
    let after: string | undefined;
    try {
      const check = await client.query<{ ro: string }>(
        `SELECT pg_catalog.current_setting('default_transaction_read_only') AS ro`,
      );
      after = check.rows[0]?.ro;
    } catch {
      after = undefined;
    }
    const expected = context.readOnly ? 'on' : mark.defaultReadOnly;
    if (escaped || after !== expected) {
      this.logger.warn(
        `discarding session ${mark.pid} on ${context.target}: ${
          escaped ? 'the console transaction was ended by the SQL text' : 'its default_transaction_read_only changed'
        }`,
      );
      await discardSession(client);
    }
  }
}
