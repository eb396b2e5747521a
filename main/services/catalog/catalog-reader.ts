import pg from 'pg';
import type { CatalogModel, ExactSizes } from '../../../common/catalog';
import { OpsError } from '../../../common/errors';
import type { Logger } from '../logging/log-service';
import type { CatalogDomain } from './assemble';
import { assembleCatalog } from './assemble';
import type { DatabaseDdlPlan } from './ddl';
import { databaseDdl } from './ddl';
import { catalogStatements, EXACT_SIZES_SQL, INFO_SQL, RELATION_KIND_SQL } from './queries';
import { quoteQualified } from './quote';
import type {
  ColumnRow,
  CommentRow,
  ConstraintRow,
  FunctionRow,
  IndexRow,
  InfoRow,
  RelationRow,
  SchemaRow,
  SequenceRow,
  TriggerRow,
  TypeRow,
} from './rows';

/**
 * How sizes are read. 'exact' calls pg_table_size and friends, which open and
 * lock every table, TOAST table and index until the read commits; 'estimated'
 * uses relpages (as of the last VACUUM/ANALYZE) and takes no locks; 'auto'
 * is exact for catalogs of up to AUTO_EXACT_SIZE_LIMIT relations to open (and
 * never more than half the server's lock table), estimated above, where
 * opening every relation is most of a catalog read on a fresh connection:
 * like pgAdmin's statistics or DBeaver's "calculate", the exact sizes of a
 * big catalog's tables are read one table at a time, on demand (exactSizes).
 */
export type SizeMode = 'auto' | 'exact' | 'estimated';

/** Relations (tables, TOAST tables and their indexes, indexes) 'auto' still opens for exact sizes. */
export const AUTO_EXACT_SIZE_LIMIT = 5_000;

export interface CatalogReaderOptions {
  logger?: Logger;
  clock?: () => Date;
  sizes?: SizeMode;
  /** A read waits at most this long for a lock (a migration holding one) before failing. */
  lockTimeoutMs?: number;
  /** 'auto' reads exact sizes up to this many relations to open (AUTO_EXACT_SIZE_LIMIT). */
  autoExactSizeLimit?: number;
}

export interface DetailedCatalog {
  model: CatalogModel;
  /** Domains, which CatalogModel does not carry yet. */
  domains: CatalogDomain[];
  /** Every statement needed to rebuild the database, by section; see wholeDatabaseDdl. */
  plan: DatabaseDdlPlan;
  sizesExact: boolean;
}

type Statements = ReturnType<typeof catalogStatements>;

interface ExactSizesRow {
  table_and_toast_bytes: number;
  toast_bytes: number;
  indexes: Array<{ name: string; bytes: number }>;
}

/** The queries use pg_trigger.tgparentid, new in PostgreSQL 13. */
const MIN_SERVER_VERSION_NUM = 130_000;

const INT2_ARRAY_OID = 1005;
const TEXT_ARRAY_OID = 1009;
type TypeId = Parameters<typeof pg.types.getTypeParser>[0];
const defaultInt2Array = pg.types.getTypeParser(INT2_ARRAY_OID as TypeId, 'text') as (value: string) => unknown;
const defaultTextArray = pg.types.getTypeParser(TEXT_ARRAY_OID as TypeId, 'text') as (value: string) => unknown;
const PLAIN_INT2_ARRAY = /^\{-?\d+(,-?\d+)*\}$/;

/**
 * The catalog's arrays are tens of thousands of small int2[] key lists
 * (indkey, conkey) and mostly empty name lists: parsed here without the
 * general array parser, which costs several microseconds each. Anything
 * else (a NULL element, a quoted name) goes to pg's own parser.
 */
const CATALOG_TYPES = {
  getTypeParser(oid: number, format?: string): unknown {
    if (format !== 'binary' && oid === INT2_ARRAY_OID) {
      return (value: string) => {
        if (value === '{}') return [];
        if (!PLAIN_INT2_ARRAY.test(value)) return defaultInt2Array(value);
        return value.slice(1, -1).split(',').map(Number);
      };
    }
    if (format !== 'binary' && oid === TEXT_ARRAY_OID) {
      return (value: string) => (value === '{}' ? [] : defaultTextArray(value));
    }
    return pg.types.getTypeParser(oid as TypeId, format as 'text');
  },
};

/** Run a multi-statement simple query (no parameters) in one round trip; one result per statement. */
async function runBatch(client: pg.ClientBase, sql: string): Promise<pg.QueryResult[]> {
  const result: pg.QueryResult | pg.QueryResult[] = await client.query({ text: sql, types: CATALOG_TYPES });
  return Array.isArray(result) ? result : [result];
}

/**
 * Reads the whole catalog model of a database in two round trips: BEGIN
 * (REPEATABLE READ, READ ONLY, so every query sees one snapshot) with the
 * server facts, then the ten set-based catalog queries and COMMIT. The
 * number of queries never depends on the number of tables. The client must
 * not be inside a transaction of its own.
 */
export class CatalogReader {
  private readonly logger: Logger | undefined;
  private readonly clock: () => Date;
  private readonly sizes: SizeMode;
  private readonly lockTimeoutMs: number;
  private readonly autoExactSizeLimit: number;

  constructor(options: CatalogReaderOptions = {}) {
    this.logger = options.logger;
    this.clock = options.clock ?? (() => new Date());
    this.sizes = options.sizes ?? 'auto';
    this.lockTimeoutMs = Math.max(0, Math.floor(options.lockTimeoutMs ?? 10_000));
    this.autoExactSizeLimit = options.autoExactSizeLimit ?? AUTO_EXACT_SIZE_LIMIT;
  }

  /**
   * With `helpers` (other connections to the same database, idle and outside a
   * transaction) the heavy queries run on them in parallel, on the snapshot the
   * first connection exports, so the model is still one point in time.
   */
  async read(client: pg.ClientBase, helpers: pg.ClientBase[] = []): Promise<CatalogModel> {
    return (await this.readDetailed(client, helpers)).model;
  }

  async readDetailed(client: pg.ClientBase, helpers: pg.ClientBase[] = []): Promise<DetailedCatalog> {
    const capturedAt = this.clock().toISOString();
    const started = performance.now();
    let results: pg.QueryResult[];
    let info: InfoRow;
    let exact: boolean;
    let statements: Statements;
    try {
      const head = await runBatch(
        client,
        `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
         SET LOCAL search_path = pg_catalog, pg_temp;
         SET LOCAL lock_timeout = ${this.lockTimeoutMs};
         SET LOCAL work_mem = '32MB';
         ${INFO_SQL}`,
      );
      const infoRow = head[head.length - 1]?.rows[0] as InfoRow | undefined;
      if (!infoRow) throw new OpsError('database_error', 'The server did not describe itself');
      info = infoRow;
      if (info.version_num < MIN_SERVER_VERSION_NUM) {
        throw new OpsError('unavailable', `The schema browser needs PostgreSQL 13 or newer; this is ${info.version}`, {
          hint: 'Upgrade the server, or use psql \\d to inspect it.',
        });
      }
      exact =
        this.sizes === 'exact' ||
        (this.sizes === 'auto' &&
          info.relation_opens <= this.autoExactSizeLimit &&
          info.relation_opens * 2 <= info.lock_slots);
      statements = catalogStatements(exact);
      results = await this.runStatements(client, helpers, statements);
    } catch (error) {
      // An error leaves the transaction open and aborted; the rest of the batch never ran.
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    const names = Object.keys(statements) as Array<keyof Statements>;
    const rowsOf = <R>(name: keyof Statements): R[] => (results[names.indexOf(name)]?.rows ?? []) as R[];
    const rows = {
      database: info.database,
      serverVersion: info.version,
      schemas: rowsOf<SchemaRow>('schemas'),
      relations: rowsOf<RelationRow>('relations'),
      columns: rowsOf<ColumnRow>('columns'),
      comments: rowsOf<CommentRow>('comments'),
      constraints: rowsOf<ConstraintRow>('constraints'),
      indexes: rowsOf<IndexRow>('indexes'),
      triggers: rowsOf<TriggerRow>('triggers'),
      functions: rowsOf<FunctionRow>('functions'),
      sequences: rowsOf<SequenceRow>('sequences'),
      types: rowsOf<TypeRow>('types'),
    };
    const queried = performance.now();
    const assembled = assembleCatalog(rows);
    if (!exact && this.sizes === 'auto') {
      this.logger?.info(
        info.relation_opens * 2 > info.lock_slots
          ? `sizes estimated from relpages: exact sizes would lock ${info.relation_opens} relations ` +
              `and the server's lock table holds ${info.lock_slots}`
          : `sizes estimated from relpages: exact sizes would open ${info.relation_opens} relations ` +
              `(more than ${this.autoExactSizeLimit}); exact sizes of a table are read on demand`,
      );
    }
    this.logger?.debug(
      `catalog queries ${Math.round(queried - started)} ms, assembly ${Math.round(performance.now() - queried)} ms`,
    );
    const model: CatalogModel = {
      database: info.database,
      serverVersion: info.version,
      capturedAt,
      durationMs: Math.round(queried - started),
      ...(exact ? {} : { sizesEstimated: true }),
      schemas: rows.schemas.map((s) => ({ name: s.name, owner: s.owner, comment: s.comment, isSystem: false })),
      relations: assembled.relations,
      functions: assembled.functions,
      sequences: assembled.sequences,
      enums: assembled.enums,
    };
    return { model, domains: assembled.domains, plan: assembled.plan, sizesExact: exact };
  }

  /**
   * Run the catalog statements inside the lead's open transaction, spreading
   * the heaviest ones over the helpers on the lead's exported snapshot. The
   * lead's transaction is committed at the end; results keep statement order.
   */
  private async runStatements(
    lead: pg.ClientBase,
    helpers: pg.ClientBase[],
    statements: Statements,
  ): Promise<pg.QueryResult[]> {
    const names = Object.keys(statements) as Array<keyof Statements>;
    if (helpers.length === 0) {
      return runBatch(lead, `${Object.values(statements).join(';\n')};\nCOMMIT`);
    }
    let snapshot: string | undefined;
    try {
      snapshot = (await lead.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]?.id;
    } catch {
      // A standby cannot export snapshots; read everything on the lead instead.
      snapshot = undefined;
    }
    if (!snapshot) return runBatch(lead, `${Object.values(statements).join(';\n')};\nCOMMIT`);
    // The heavy statements are spread by their cost (measured on the 2 000-table bench catalog, cold
    // backends): each goes to the least loaded connection; the light ones stay on the lead.
    const cost: Partial<Record<keyof Statements, number>> = {
      relations: 5,
      indexes: 5,
      constraints: 4.5,
      columns: 3.7,
      sequences: 1.5,
    };
    const heavy = (Object.keys(cost) as Array<keyof Statements>).filter((name) => names.includes(name));
    const buckets: Array<Array<keyof Statements>> = [[], ...helpers.map(() => [])];
    const loads = buckets.map(() => 0);
    for (const name of names) {
      if (!heavy.includes(name)) {
        buckets[0]!.push(name);
        loads[0]! += 0.3;
      }
    }
    for (const name of heavy) {
      const least = loads.indexOf(Math.min(...loads));
      buckets[least]!.push(name);
      loads[least]! += cost[name] ?? 1;
    }
    const byName = new Map<keyof Statements, pg.QueryResult>();
    const runOn = async (client: pg.ClientBase, bucket: Array<keyof Statements>, isLead: boolean) => {
      if (bucket.length === 0) return;
      const sql = bucket.map((name) => statements[name]).join(';\n');
      const batch = isLead
        ? await runBatch(lead, sql)
        : await runBatch(
            client,
            `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
             SET TRANSACTION SNAPSHOT '${snapshot.replace(/'/g, "''")}';
             SET LOCAL search_path = pg_catalog, pg_temp;
             SET LOCAL lock_timeout = ${this.lockTimeoutMs};
             SET LOCAL work_mem = '32MB';
             ${sql};
             COMMIT`,
          ).then((all) => all.slice(5, 5 + bucket.length));
      bucket.forEach((name, i) => {
        const result = batch[i];
        if (result) byName.set(name, result);
      });
    };
    try {
      await Promise.all(buckets.map((bucket, i) => runOn(i === 0 ? lead : helpers[i - 1]!, bucket, i === 0)));
    } catch (error) {
      await Promise.all(helpers.map((h) => h.query('ROLLBACK').catch(() => undefined)));
      throw error;
    }
    await lead.query('COMMIT');
    return names.map((name) => byName.get(name) ?? ({ rows: [] } as unknown as pg.QueryResult));
  }

  /** The whole-database DDL script, in replayable order. */
  async wholeDatabaseDdl(client: pg.ClientBase): Promise<string> {
    return databaseDdl((await this.readDetailed(client)).plan);
  }

  /**
   * Exact sizes of one table (or materialized view), on demand: what the
   * model estimates for big catalogs. The names are parameters; the read
   * takes the same short-lived locks as the model's exact sizes.
   */
  async exactSizes(client: pg.ClientBase, schema: string, table: string): Promise<ExactSizes> {
    await client.query(`BEGIN READ ONLY; SET LOCAL lock_timeout = ${this.lockTimeoutMs}`);
    try {
      const found = await client.query<ExactSizesRow>(EXACT_SIZES_SQL, [schema, table]);
      await client.query('COMMIT');
      const row = found.rows[0];
      if (!row) {
        throw new OpsError('not_found', `There is no table ${quoteQualified(schema, table)}`, {
          hint: 'Refresh the schema browser: it may have been renamed or dropped.',
        });
      }
      const indexes = row.indexes.map((i) => ({ name: i.name, sizeBytes: i.bytes }));
      const indexBytes = indexes.reduce((sum, i) => sum + i.sizeBytes, 0);
      const toastBytes = row.toast_bytes;
      const tableBytes = Math.max(0, row.table_and_toast_bytes - toastBytes);
      return { tableBytes, indexBytes, toastBytes, totalBytes: tableBytes + indexBytes + toastBytes, indexes };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * count(*) of one table or view, on demand only (it reads the whole table).
   * The names are looked up as parameters first, then quoted into the count.
   */
  async exactCount(client: pg.ClientBase, schema: string, table: string): Promise<string> {
    const name = quoteQualified(schema, table);
    const found = await client.query<{ kind: string }>(RELATION_KIND_SQL, [schema, table]);
    const kind = found.rows[0]?.kind;
    if (kind === undefined) {
      throw new OpsError('not_found', `There is no table ${name}`, {
        hint: 'Refresh the schema browser: it may have been renamed or dropped.',
      });
    }
    if (!['r', 'p', 'v', 'm', 'f'].includes(kind)) {
      throw new OpsError('invalid_input', `${name} is not a table or view`, {
        hint: 'Rows can be counted in tables, views, materialized views and foreign tables.',
      });
    }
    const result = await client.query<{ count: string }>(`SELECT count(*) AS count FROM ${name}`);
    return result.rows[0]?.count ?? '0';
  }
}
