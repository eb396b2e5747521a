import type { Command } from 'commander';
import type { SchemaListing } from '../../common/domain';
import type { CliIo, GlobalOptions } from './context';
import { callThroughRouter, openApp, resolveUrl } from './context';
import { printTable } from './output';

export function registerDbCommands(program: Command, io: CliIo): void {
  const db = program.command('db').description('Work with a PostgreSQL database');

  db.command('schemas')
    .description('List the schemas of the database at --url (or DATABASE_URL)')
    .option('--system', 'include pg_catalog, information_schema and other system schemas')
    .action(async (options: { system?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const url = resolveUrl(globals, io);
      const app = openApp(globals, io, 'cli');
      try {
        const listing = (await callThroughRouter(app, 'db.listSchemas', {
          url,
          includeSystem: options.system ?? false,
        })) as SchemaListing;
        if (globals.json) {
          io.stdout(`${JSON.stringify(listing, null, 2)}\n`);
          return;
        }
        io.stdout(`${listing.target}  (PostgreSQL ${listing.serverVersion}, database ${listing.database})\n\n`);
        printTable(
          io,
          ['schema', 'owner', 'relations', 'comment'],
          listing.schemas.map((s) => [s.name, s.owner, String(s.relationCount), s.comment ?? '']),
        );
      } finally {
        await app.shutdown();
      }
    });
}
