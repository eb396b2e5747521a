import os from 'node:os';
import type pg from 'pg';
import { OpsError } from '../../../common/errors';
import type { ConnectionContext } from '../connections/connection-manager';
import type { Logger } from '../logging/log-service';
import { qualifiedName } from './quote';
import { mapSqlError } from './sql-errors';

export interface RefreshResult {
  concurrently: boolean;
  durationMs: number;
  note: string | null;
}

export interface FunctionResult {
  result: string | null;
  durationMs: number;
}

export interface OperationsOptions {
  /** The 'ops' scope of the application log: the audit trail of these operations. */
  logger: Logger;
  /** Who runs the operation, for the log; the OS user by default. */
  who?: () => string;
  clock?: () => Date;
}

function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

const NO_UNIQUE_INDEX = 'no unique index: refreshed without CONCURRENTLY (blocks readers)';
const NEVER_POPULATED = 'never populated: refreshed without CONCURRENTLY (blocks readers)';

function refuseOnReadOnly(context: ConnectionContext, what: string): void {
  if (context.readOnly) {
    throw new OpsError('invalid_input', `Cannot ${what} on ${context.label}: the profile is read-only`, {
      hint: 'Edit the profile and clear "read-only" if this database may be changed.',
    });
  }
}

const relkindNames: Record<string, string> = {
  r: 'a table',
  p: 'a partitioned table',
  v: 'a view',
  f: 'a foreign table',
  i: 'an index',
  S: 'a sequence',
  c: 'a composite type',
  t: 'a TOAST table',
  I: 'a partitioned index',
};

/**
 * The stack's maintenance operations: refresh a materialized view and run a
 * function that takes no arguments. Both write, so both are refused on
 * read-only profiles, and both are logged (who, what, when, result, time) to
 * the 'ops' log scope.
 */
export class Operations {
  private readonly logger: Logger;
  private readonly who: () => string;
  private readonly clock: () => Date;

  constructor(options: OperationsOptions) {
    this.logger = options.logger;
    this.who = options.who ?? osUser;
    this.clock = options.clock ?? (() => new Date());
  }

  async refreshMatview(
    client: pg.ClientBase,
    context: ConnectionContext,
    target: { schema: string; name: string },
  ): Promise<RefreshResult> {
    refuseOnReadOnly(context, 'refresh a materialized view');
    const { rows } = await client.query<{ relkind: string; populated: boolean; unique_index: boolean }>(
      `SELECT c.relkind::pg_catalog.text AS relkind, c.relispopulated AS populated,
              EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                       WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid
                         AND i.indpred IS NULL AND i.indexprs IS NULL) AS unique_index
         FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2`,
      [target.schema, target.name],
    );
    const row = rows[0];
    const label = `${target.schema}.${target.name}`;
    if (!row) {
      throw new OpsError('not_found', `No materialized view ${JSON.stringify(label)}`, {
        hint: 'It may have been dropped or renamed: refresh the schema view.',
      });
    }
    if (row.relkind !== 'm') {
      throw new OpsError(
        'invalid_input',
        `${label} is ${relkindNames[row.relkind] ?? 'not a materialized view'}, not a materialized view`,
      );
    }
    // CONCURRENTLY needs a plain unique index (no expression, no WHERE) and existing contents.
    const concurrently = row.unique_index && row.populated;
    const note = concurrently ? null : row.populated ? NO_UNIQUE_INDEX : NEVER_POPULATED;
    const sql = `REFRESH MATERIALIZED VIEW${concurrently ? ' CONCURRENTLY' : ''} ${qualifiedName(target.schema, target.name)}`;
    const durationMs = await this.audited(context, sql, async () => {
      await client.query(sql);
      return 'ok';
    });
    return { concurrently, durationMs, note };
  }

  async runFunction(
    client: pg.ClientBase,
    context: ConnectionContext,
    target: { schema: string; name: string; confirmDatabase: string },
  ): Promise<FunctionResult> {
    refuseOnReadOnly(context, 'run a function');
    const db = await client.query<{ name: string }>('SELECT pg_catalog.current_database() AS name');
    const database = db.rows[0]?.name ?? '';
    if (target.confirmDatabase !== database) {
      throw new OpsError('invalid_input', 'The confirmation does not match the database name', {
        hint: `Type the name of the database exactly: ${database}`,
      });
    }
    const { rows } = await client.query<{ nargs: number; kind: string; returns_void: boolean; returns_set: boolean }>(
      `SELECT p.pronargs::pg_catalog.int4 AS nargs, p.prokind::pg_catalog.text AS kind,
              p.prorettype = 'pg_catalog.void'::pg_catalog.regtype AS returns_void, p.proretset AS returns_set
         FROM pg_catalog.pg_proc p
         JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = $1 AND p.proname = $2
        ORDER BY p.pronargs`,
      [target.schema, target.name],
    );
    const label = `${target.schema}.${target.name}`;
    if (rows.length === 0) {
      throw new OpsError('not_found', `No function ${JSON.stringify(label)}`, {
        hint: 'Check the schema and name in the schema view.',
      });
    }
    const fn = rows.find((r) => r.nargs === 0 && r.kind === 'f');
    if (!fn) {
      const kinds = new Set(rows.map((r) => r.kind));
      throw new OpsError(
        'invalid_input',
        kinds.has('f')
          ? `${label} takes arguments; only functions without arguments can be run here`
          : `${label} is not a plain function (it is ${kinds.has('p') ? 'a procedure' : 'an aggregate or window function'})`,
        { hint: 'Run it from the SQL console with writing turned on.' },
      );
    }
    const call = `${qualifiedName(target.schema, target.name)}()`;
    const sql = fn.returns_set
      ? `SELECT pg_catalog.string_agg(r::pg_catalog.text, E'\\n') AS result FROM ${call} AS r`
      : `SELECT ${call}::pg_catalog.text AS result`;
    let result: string | null = null;
    const durationMs = await this.audited(context, `SELECT ${call} on database ${database}`, async () => {
      const out = await client.query<{ result: string | null }>(sql);
      result = fn.returns_void ? null : (out.rows[0]?.result ?? null);
      return result === null ? 'ok (null)' : `ok: ${result.length > 200 ? `${result.slice(0, 200)}…` : result}`;
    });
    return { result, durationMs };
  }

  /** Run an operation and log who ran what, when, with which result and how long it took. */
  private async audited(context: ConnectionContext, what: string, fn: () => Promise<string>): Promise<number> {
    const who = this.who();
    const when = this.clock().toISOString();
    const started = performance.now();
    try {
      const outcome = await fn();
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      this.logger.info(
        `who=${who} what=${JSON.stringify(what)} target=${context.target} when=${when} result=${JSON.stringify(outcome)} durationMs=${durationMs}`,
      );
      return durationMs;
    } catch (error) {
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      const mapped = mapSqlError(error);
      const message = mapped instanceof Error ? mapped.message : String(mapped);
      this.logger.warn(
        `who=${who} what=${JSON.stringify(what)} target=${context.target} when=${when} result=${JSON.stringify(`failed: ${message}`)} durationMs=${durationMs}`,
      );
      throw mapped;
    }
  }
}
