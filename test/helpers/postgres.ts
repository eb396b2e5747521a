import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  /** URL of the fresh database, with credentials. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh, empty database on the run's server, for one test file. */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const admin = inject('pgAdminUrl');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return {
    url: withDatabase(admin, name),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Run SQL against a database URL with a short-lived client. */
export async function runSql(url: string, sql: string): Promise<void> {
  await queryRows(url, sql);
}

/** The rows of one query (values as parameters) with a short-lived client. */
export async function queryRows<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The stack's four schemas, as a fixture for listing tests. */
export const STACK_SCHEMAS_SQL = `
  CREATE SCHEMA ai;
  CREATE SCHEMA blockchain;
  CREATE SCHEMA analytics;
  COMMENT ON SCHEMA analytics IS 'metrics and events';
  CREATE TABLE ai.cache_entries (id bigserial PRIMARY KEY, cache_key varchar(255) NOT NULL UNIQUE);
  CREATE TABLE blockchain.wallets (id bigserial PRIMARY KEY, public_key varchar(255) UNIQUE);
  CREATE TABLE analytics.events (id bigserial PRIMARY KEY, event_type varchar(100));
  CREATE VIEW analytics.event_types AS SELECT DISTINCT event_type FROM analytics.events;
`;
