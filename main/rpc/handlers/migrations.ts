import { MigrationRunner } from '../../services/migrations/runner';
import type { Handlers } from '../router';
import type { CoreServices } from './deps';

type MigrationHandlers = Pick<
  Handlers,
  'migrations.status' | 'migrations.plan' | 'migrations.apply' | 'migrations.baseline' | 'migrations.resolve'
>;

/**
 * The migrations runner over a pooled connection. Each call keeps its client
 * for its whole run: the migration lock is a session lock.
 */
export function migrationHandlers(services: CoreServices, migrationsDir: string): MigrationHandlers {
  const runner = new MigrationRunner({
    logger: services.log.scope('migrations'),
    builtInDir: migrationsDir,
    onProgress: (progress) => services.events.emit('migrations.progress', progress),
  });
  const { connections } = services;
  return {
    'migrations.status': (input) => connections.withClient(input.connection, (client) => runner.status(client, input)),
    'migrations.plan': (input) => connections.withClient(input.connection, (client) => runner.plan(client, input)),
    'migrations.apply': (input) => connections.withClient(input.connection, (client) => runner.apply(client, input)),
    'migrations.baseline': (input) =>
      connections.withClient(input.connection, (client) => runner.baseline(client, input)),
    'migrations.resolve': (input) =>
      connections.withClient(input.connection, (client) => runner.resolve(client, input)),
  };
}
