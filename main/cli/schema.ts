import type { Command } from 'commander';
import type { CatalogModel } from '../../common/catalog';
import type { CliIo, GlobalOptions } from './context';
import { callThroughRouter, connectionTarget, openApp, resolveConnection } from './context';
import { printTable } from './output';
import { AUTO_EXACT_SIZE_LIMIT } from '../services/catalog/catalog-reader';

interface SchemaCounts {
  tables: number;
  views: number;
  materializedViews: number;
  functions: number;
  sequences: number;
  enums: number;
}

function countsBySchema(model: CatalogModel): Map<string, SchemaCounts> {
  const counts = new Map<string, SchemaCounts>();
  const of = (schema: string): SchemaCounts => {
    let entry = counts.get(schema);
    if (!entry) {
      entry = { tables: 0, views: 0, materializedViews: 0, functions: 0, sequences: 0, enums: 0 };
      counts.set(schema, entry);
    }
    return entry;
  };
  for (const schema of model.schemas) of(schema.name);
  for (const relation of model.relations) {
    const entry = of(relation.schema);
    if (relation.kind === 'view') entry.views++;
    else if (relation.kind === 'materialized_view') entry.materializedViews++;
    else entry.tables++;
  }
  for (const fn of model.functions) of(fn.schema).functions++;
  for (const seq of model.sequences) of(seq.schema).sequences++;
  for (const en of model.enums) of(en.schema).enums++;
  return counts;
}

function printSummary(io: CliIo, model: CatalogModel): void {
  io.stdout(
    `database ${model.database} (PostgreSQL ${model.serverVersion}), catalog read in ${model.durationMs} ms` +
      `${model.sizesEstimated ? '; sizes estimated from relpages (--exact-sizes reads them exactly)' : ''}\n\n`,
  );
  const comments = new Map(model.schemas.map((s) => [s.name, s.comment ?? '']));
  const rows = [...countsBySchema(model)].map(([schema, c]) => [
    schema,
    String(c.tables),
    String(c.views),
    String(c.materializedViews),
    String(c.functions),
    String(c.sequences),
    String(c.enums),
    comments.get(schema) ?? '',
  ]);
  printTable(io, ['schema', 'tables', 'views', 'matviews', 'functions', 'sequences', 'enums', 'comment'], rows);
  io.stdout('\n(tables include partitioned and foreign tables; --json prints the whole model)\n');
}

export function registerSchemaCommand(program: Command, io: CliIo): void {
  program
    .command('schema')
    .description('Read the catalog of a database: tables, columns, constraints, indexes, functions, DDL')
    .option('--profile <name>', 'use a saved connection profile (name or id) instead of --url')
    .option(
      '--exact-sizes',
      'read exact table, index and TOAST sizes however big the catalog (by default a catalog of more than ' +
        `${AUTO_EXACT_SIZE_LIMIT.toLocaleString('en-US')} relations to open gets sizes estimated from relpages)`,
    )
    .action(async (options: { profile?: string; exactSizes?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const target = connectionTarget(globals, io, options.profile, 'schema');
      const app = openApp(globals, io, 'cli');
      try {
        const connection = await resolveConnection(app, target);
        const model = (await callThroughRouter(app, 'schema.model', {
          connection,
          ...(options.exactSizes ? { exactSizes: true } : {}),
        })) as CatalogModel;
        if (globals.json) {
          // The model of a big database runs to tens of MB: indented for a terminal, compact when piped.
          io.stdout(`${JSON.stringify(model, null, process.stdout.isTTY ? 2 : undefined)}\n`);
          return;
        }
        printSummary(io, model);
      } finally {
        await app.shutdown();
      }
    });
}
