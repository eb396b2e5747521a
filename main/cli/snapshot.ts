import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { OpsError } from '../../common/errors';
import type {
  CaptureProgress,
  SnapshotDetail,
  SnapshotDiff,
  SnapshotIntegrity,
  SnapshotSummary,
} from '../../common/snapshots';
import type { CliIo, GlobalOptions } from './context';
import { callThroughRouter, connectionTarget, resolveConnection, withApp } from './context';
import { printTable } from './output';

function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

function bytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.ceil(n / 1024)} KiB`;
}

function printSummaries(io: CliIo, list: SnapshotSummary[]): void {
  printTable(
    io,
    ['id', 'name', 'database', 'captured', 'tables', 'rows', 'size', ''],
    list.map((s) => [
      s.id,
      s.name,
      s.database,
      s.startedAt,
      String(s.tableCount),
      String(s.rowCount),
      bytes(s.fileBytes),
      s.imported ? 'imported' : '',
    ]),
  );
}

function printDetail(io: CliIo, d: SnapshotDetail): void {
  io.stdout(
    `${d.name} (${d.id})\n` +
      `database  ${d.database} on ${d.sourceTarget}${d.sourceProfile ? ` (profile ${d.sourceProfile})` : ''}\n` +
      `server    PostgreSQL ${d.serverVersion}\n` +
      `captured  ${d.startedAt} → ${d.finishedAt}\n` +
      `rows      ${d.rowLimit === null ? 'all' : `at most ${d.rowLimit} per table`}` +
      `${d.tablePattern ? `, tables ${d.tablePattern}` : ''}\n` +
      `file      ${bytes(d.fileBytes)}${d.imported ? ', imported (read-only)' : ''}\n` +
      `history   ${d.migrations.length ? d.migrations.map((m) => m.version).join(', ') : 'no _sqlx_migrations'}\n\n`,
  );
  printTable(
    io,
    ['table', 'rows', 'ms', 'key', ''],
    d.tables.map((t) => [
      `${t.schema}.${t.name}`,
      String(t.rows),
      String(t.durationMs),
      t.keyColumns.join(', '),
      t.truncated ? 'truncated' : '',
    ]),
  );
}

function printDiff(io: CliIo, diff: SnapshotDiff): void {
  const side = (s: SnapshotDiff['left']) =>
    s.kind === 'snapshot' ? `${s.name} (${s.capturedAt})` : `live ${s.database}`;
  io.stdout(`${side(diff.left)}  →  ${side(diff.right)}\n\n`);
  const { added, removed, changed } = diff.schema;
  if (!added.length && !removed.length && !changed.length) io.stdout('schema: no differences\n');
  for (const o of added) io.stdout(`+ ${o.kind} ${o.name}\n`);
  for (const o of removed) io.stdout(`- ${o.kind} ${o.name}\n`);
  for (const o of changed) {
    io.stdout(`~ ${o.kind} ${o.name}\n`);
    for (const c of o.changes) io.stdout(`    ${c.what}: ${c.before ?? '∅'} → ${c.after ?? '∅'}\n`);
  }
  const counts = diff.rowCounts.filter((c) => c.left !== c.right);
  io.stdout(`\nrow counts: ${counts.length ? '' : 'no differences'}\n`);
  for (const c of counts) io.stdout(`  ${c.table}: ${c.left ?? '∅'} → ${c.right ?? '∅'}\n`);
  for (const r of diff.rows) {
    if (r.skipped) continue;
    const a = r.addedCount ?? r.added.length;
    const d = r.removedCount ?? r.removed.length;
    const c = r.changedCount ?? r.changed.length;
    if (a + d + c === 0) continue;
    io.stdout(`rows of ${r.table}: ${a} added, ${d} removed, ${c} changed\n`);
  }
}

/** `ops-console snapshot create|list|show|diff|export|import|delete|rename|check`. */
export function registerSnapshotCommands(program: Command, io: CliIo): void {
  const snapshot = program.command('snapshot').description('Offline snapshots of a database in SQLite files');

  snapshot
    .command('create')
    .alias('capture')
    .description('Capture the database (catalog, rows, metadata) into a snapshot')
    .option('--profile <name>', 'use a saved connection profile (name or id) instead of --url')
    .option('--name <name>', 'a name for the snapshot (default: database and time)')
    .option('--tables <pattern>', 'only these tables: comma-separated schema.table globs, e.g. "ai.*,analytics.events"')
    .option('--rows-per-table <n>', 'at most this many rows per table', count)
    .action(
      async (
        options: { profile?: string; name?: string; tables?: string; rowsPerTable?: number },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        const target = connectionTarget(globals, io, options.profile, 'snapshot create');
        await withApp(command, io, async (app) => {
          const connection = await resolveConnection(app, target);
          const captureId = randomUUID();
          let last = 0;
          const unsubscribe = app.events.subscribe((envelope) => {
            if (envelope.event !== 'snapshot.progress' || globals.json) return;
            const p = envelope.payload as CaptureProgress;
            if (p.captureId !== captureId || Date.now() - last < 1000) return;
            last = Date.now();
            const eta = p.etaSeconds === null ? '' : `, about ${Math.ceil(p.etaSeconds)} s left`;
            io.stderr(
              `${p.phase}: ${p.tablesDone}/${p.tablesTotal} tables, ${p.rowsDone} rows, ` +
                `${Math.round(p.rowsPerSecond)} rows/s${eta}${p.table ? ` (${p.table})` : ''}\n`,
            );
          });
          const cancel = () => void callThroughRouter(app, 'snapshot.cancel', { captureId });
          process.once('SIGINT', cancel);
          try {
            const summary = (await callThroughRouter(app, 'snapshot.create', {
              connection,
              captureId,
              ...(options.name ? { name: options.name } : {}),
              ...(options.tables ? { tables: options.tables } : {}),
              ...(options.rowsPerTable !== undefined ? { rowsPerTable: options.rowsPerTable } : {}),
            })) as SnapshotSummary;
            if (globals.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
            else {
              io.stdout(
                `snapshot ${summary.id} "${summary.name}": ${summary.tableCount} tables, ${summary.rowCount} rows, ` +
                  `${bytes(summary.fileBytes)}\n`,
              );
            }
          } finally {
            process.off('SIGINT', cancel);
            unsubscribe();
          }
        });
      },
    );

  snapshot
    .command('list')
    .description('Snapshots in the data folder, newest first')
    .action(async (_options: unknown, command: Command) =>
      withApp(command, io, async (app, globals) => {
        const list = (await callThroughRouter(app, 'snapshot.list', {})) as SnapshotSummary[];
        if (globals.json) io.stdout(`${JSON.stringify(list, null, 2)}\n`);
        else printSummaries(io, list);
      }),
    );

  snapshot
    .command('show')
    .argument('<snapshot>', 'id or name')
    .description('A snapshot: source, times, tables with row counts, migration history')
    .action(async (id: string, _options: unknown, command: Command) =>
      withApp(command, io, async (app, globals) => {
        const detail = (await callThroughRouter(app, 'snapshot.show', { id })) as SnapshotDetail;
        if (globals.json) io.stdout(`${JSON.stringify(detail, null, 2)}\n`);
        else printDetail(io, detail);
      }),
    );

  snapshot
    .command('diff')
    .argument('<a>', 'snapshot id or name')
    .argument('[b]', 'another snapshot (or --live)')
    .option('--live', 'compare with the live database (--url or --profile)')
    .option('--profile <name>', 'with --live: a saved connection profile instead of --url')
    .option('--row-limit <n>', 'compare rows of tables with a primary key up to this many rows (default 10000)', count)
    .description('Schema, row count and row differences between two snapshots, or a snapshot and the live database')
    .action(
      async (
        a: string,
        b: string | undefined,
        options: { live?: boolean; profile?: string; rowLimit?: number },
        command: Command,
      ) => {
        if ((b === undefined) === !options.live) {
          const message =
            b === undefined
              ? 'Give a second snapshot to compare with, or --live for the live database'
              : 'Give a second snapshot or --live, not both';
          throw new OpsError('invalid_input', message, {
            hint: 'ops-console snapshot diff A B, or ops-console snapshot diff A --live --url postgres://…',
          });
        }
        const globals = command.optsWithGlobals<GlobalOptions>();
        const target = options.live ? connectionTarget(globals, io, options.profile, 'snapshot diff') : null;
        await withApp(command, io, async (app) => {
          const right = target ? { connection: await resolveConnection(app, target) } : { snapshot: b ?? '' };
          const diff = (await callThroughRouter(app, 'snapshot.diff', {
            left: a,
            right,
            ...(options.rowLimit !== undefined ? { rowLimit: options.rowLimit } : {}),
          })) as SnapshotDiff;
          if (globals.json) io.stdout(`${JSON.stringify(diff, null, 2)}\n`);
          else printDiff(io, diff);
        });
      },
    );

  snapshot
    .command('export')
    .argument('<snapshot>', 'id or name')
    .argument('<file>', 'where to write it')
    .description('Copy a snapshot to a file (to share it)')
    .option('--overwrite', 'replace the file if it exists')
    .action(async (id: string, file: string, options: { overwrite?: boolean }, command: Command) =>
      withApp(command, io, async (app, globals) => {
        const result = (await callThroughRouter(app, 'snapshot.export', {
          id,
          file: path.resolve(file),
          overwrite: options.overwrite ?? false,
        })) as {
          file: string;
          bytes: number;
        };
        io.stdout(globals.json ? `${JSON.stringify(result)}\n` : `wrote ${result.file} (${bytes(result.bytes)})\n`);
      }),
    );

  snapshot
    .command('import')
    .argument('<file>', 'a snapshot file')
    .description('Check a snapshot file (format, integrity, content hash) and add it, read-only')
    .action(async (file: string, _options: unknown, command: Command) =>
      withApp(command, io, async (app, globals) => {
        const summary = (await callThroughRouter(app, 'snapshot.import', {
          file: path.resolve(file),
        })) as SnapshotSummary;
        io.stdout(
          globals.json ? `${JSON.stringify(summary, null, 2)}\n` : `imported ${summary.id} "${summary.name}"\n`,
        );
      }),
    );

  snapshot
    .command('delete')
    .argument('<snapshot>', 'id or name')
    .description('Delete a snapshot')
    .action(async (id: string, _options: unknown, command: Command) =>
      withApp(command, io, async (app) => {
        await callThroughRouter(app, 'snapshot.delete', { id });
        io.stdout(`deleted ${id}\n`);
      }),
    );

  snapshot
    .command('rename')
    .argument('<snapshot>', 'id or name')
    .argument('<name>', 'the new name')
    .description('Rename a snapshot')
    .action(async (id: string, name: string, _options: unknown, command: Command) =>
      withApp(command, io, async (app) => {
        const summary = (await callThroughRouter(app, 'snapshot.rename', { id, name })) as SnapshotSummary;
        io.stdout(`renamed ${summary.id} to "${summary.name}"\n`);
      }),
    );

  snapshot
    .command('check')
    .argument('<snapshot>', 'id or name')
    .description('Integrity check: SQLite integrity, recorded row counts, content hash')
    .action(async (id: string, _options: unknown, command: Command) =>
      withApp(command, io, async (app, globals) => {
        const result = (await callThroughRouter(app, 'snapshot.check', { id })) as SnapshotIntegrity;
        if (globals.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
        else {
          io.stdout(`sqlite: ${result.sqlite.join('; ')}\ncontent hash: ${result.contentHashOk ? 'ok' : 'MISMATCH'}\n`);
          for (const m of result.rowCountMismatches)
            io.stdout(`rows of ${m.table}: recorded ${m.recorded}, found ${m.found}\n`);
        }
        if (!result.ok) {
          throw new OpsError('database_error', `Snapshot ${id} failed its integrity check`, {
            hint: 'The file was damaged or altered after capture: capture it again, or import a good copy.',
          });
        }
      }),
    );
}
