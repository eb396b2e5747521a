import pg from 'pg';
import type { SchemaListing, SchemaSummary } from '../../../common/domain';
import { OpsError } from '../../../common/errors';
import type { Logger } from '../logging/log-service';
import { describeTarget, redactUrl, toOpsError } from './pg-errors';

export interface SchemaListerOptions {
  logger: Logger;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  /** Injected so tests and the CLI can swap the driver; defaults to pg.Client. */
  createClient?: (config: pg.ClientConfig) => pg.Client;
}

// One set-based query: every schema with its relation count, no per-schema round trips.
const LIST_SCHEMAS_SQL = `
  SELECT n.nspname AS name,
         pg_catalog.pg_get_userbyid(n.nspowner) AS owner,
         pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment,
         count(c.oid) FILTER (WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f'))::int AS relation_count,
         (n.nspname IN ('information_schema', 'pg_catalog', 'pg_toast')
           OR n.nspname LIKE 'pg\\_temp\\_%' OR n.nspname LIKE 'pg\\_toast\\_temp\\_%') AS is_system
    FROM pg_catalog.pg_namespace n
    LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid
   GROUP BY n.oid, n.nspname, n.nspowner
   ORDER BY is_system, n.nspname`;

interface SchemaRow {
  name: string;
  owner: string;
  comment: string | null;
  relation_count: number;
  is_system: boolean;
}

function assertParsableUrl(url: string): void {
  try {
    new URL(url);
  } catch {
    throw new OpsError('invalid_input', 'The database URL cannot be parsed', {
      hint: 'Use postgres://user:password@host:5432/database and percent-encode special characters in the password.',
    });
  }
}

/**
 * Lists the schemas of the database at a URL with a short-lived connection.
 * (The pooled, profile-based connections come with the connections service.)
 */
export class SchemaLister {
  private readonly logger: Logger;
  private readonly connectTimeoutMs: number;
  private readonly statementTimeoutMs: number;
  private readonly createClient: (config: pg.ClientConfig) => pg.Client;

  constructor(options: SchemaListerOptions) {
    this.logger = options.logger;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.statementTimeoutMs = options.statementTimeoutMs ?? 15_000;
    this.createClient = options.createClient ?? ((config) => new pg.Client(config));
  }

  async listSchemas(url: string, options: { includeSystem?: boolean } = {}): Promise<SchemaListing> {
    assertParsableUrl(url);
    const client = this.createClient({
      connectionString: url,
      connectionTimeoutMillis: this.connectTimeoutMs,
      statement_timeout: this.statementTimeoutMs,
      // Read-only from the start-up packet, not a SET: through a transaction pooler a SET would stay
      // on the pooled server session for the pooler's other clients (connection-manager.ts).
      options: '-c default_transaction_read_only=on',
      application_name: 'ops-console',
    });
    // A socket error after connect must not crash the process.
    client.on('error', (error) => this.logger.warn(`connection to ${describeTarget(url)} failed:`, error.message));
    const started = Date.now();
    try {
      await client.connect();
      const info = await client.query<{ version: string; database: string }>(
        `SELECT current_setting('server_version') AS version, current_database() AS database`,
      );
      const rows = await client.query<SchemaRow>(LIST_SCHEMAS_SQL);
      const schemas: SchemaSummary[] = rows.rows
        .filter((row) => options.includeSystem || !row.is_system)
        .map((row) => ({
          name: row.name,
          owner: row.owner,
          comment: row.comment,
          relationCount: row.relation_count,
          isSystem: row.is_system,
        }));
      this.logger.info(`listed ${schemas.length} schemas of ${describeTarget(url)} in ${Date.now() - started} ms`);
      return {
        target: redactUrl(url),
        serverVersion: info.rows[0]?.version ?? 'unknown',
        database: info.rows[0]?.database ?? '',
        schemas,
      };
    } catch (error) {
      const mapped = toOpsError(error, url);
      this.logger.warn(`listing schemas of ${describeTarget(url)} failed: ${mapped.message}`);
      throw mapped;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
