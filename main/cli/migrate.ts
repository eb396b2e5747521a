import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { OpsError } from '../../common/errors';
import type {
  BaselineResult,
  MigrationFailure,
  MigrationPlan,
  MigrationProgress,
  MigrationRunResult,
  MigrationStatusReport,
  ResolveAction,
  ResolveResult,
} from '../../common/migrations';
import type { CliIo, GlobalOptions } from './context';
import { callThroughRouter, connectionTarget, openApp, resolveConnection } from './context';
import { printTable } from './output';

interface MigrateOptions {
  profile?: string;
  dir?: string;
  to?: number;
  allowOutOfOrder?: boolean;
  verify?: boolean;
  showSql?: boolean;
  lockTimeout?: number;
  statementTimeout?: number;
  lockWait?: number;
}

function nonNegativeInt(what: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`${what} must be a whole number`);
    }
    return Number(value);
  };
}

const RESOLVE_ACTIONS: Record<string, ResolveAction> = {
  retry: 'retry',
  'mark-applied': 'mark_applied',
  'accept-checksum': 'accept_checksum',
  forget: 'forget',
};

function formatNs(ns: string | null): string {
  if (ns === null) return '';
  const value = Number(ns);
  if (value < 0) return '';
  return value >= 1e9 ? `${(value / 1e9).toFixed(2)} s` : `${(value / 1e6).toFixed(1)} ms`;
}

/** "1 statement", "3 statements". */
function counted(n: number, one: string): string {
  return `${n} ${n === 1 ? one : `${one}s`}`;
}

/** The failure as a compiler would print it: file:line:column, message, the statement, what to do. */
export function formatFailure(failure: MigrationFailure, dir: string): string {
  const where = `${path.join(dir, failure.fileName)}:${failure.line ?? '?'}:${failure.column ?? '?'}`;
  const lines = [`${where}: ${failure.message}${failure.code ? ` (SQLSTATE ${failure.code})` : ''}`];
  if (!failure.exactPosition && failure.line !== null) {
    lines.push(`  (PostgreSQL gave no position; line ${failure.line} is where the failing statement starts)`);
  }
  if (failure.detail) lines.push(`  detail: ${failure.detail.replace(/\n/g, '\n          ')}`);
  if (failure.hint) lines.push(`  hint: ${failure.hint}`);
  if (failure.statement) {
    const statementLines = failure.statement.split('\n');
    const first = failure.statementLine ?? 1;
    lines.push('  statement:');
    statementLines.slice(0, 20).forEach((text, i) => {
      const marker = first + i === failure.line ? '>' : ' ';
      lines.push(`  ${marker}${String(first + i).padStart(5)} | ${text}`);
    });
    if (statementLines.length > 20) lines.push(`        | … ${statementLines.length - 20} more lines`);
  }
  lines.push(failure.rolledBack ? '  rolled back: nothing from this file took effect' : '  NOT rolled back:');
  for (const step of failure.recovery) lines.push(`  - ${step}`);
  return `${lines.join('\n')}\n`;
}

function printStatus(io: CliIo, report: MigrationStatusReport): void {
  io.stdout(
    `database ${report.database} (PostgreSQL ${report.serverVersion}); migrations from ${report.source.dir}` +
      `${report.source.builtIn ? ' (shipped with ops-console)' : ''}\n` +
      `history: ${report.historyTable ? '_sqlx_migrations' : 'no _sqlx_migrations table yet'}\n\n`,
  );
  printTable(
    io,
    ['version', 'description', 'state', 'installed on', 'time', 'checksum'],
    report.entries.map((e) => [
      String(e.version),
      e.description + (e.noTransaction ? ' [no transaction]' : ''),
      e.state.replace('_', ' '),
      e.installedOn ?? '',
      formatNs(e.executionTimeNs),
      (e.fileChecksum ?? e.appliedChecksum ?? '').slice(0, 16),
    ]),
  );
  for (const ignored of report.source.ignored) io.stdout(`ignored ${ignored.fileName}: ${ignored.reason}\n`);
  if (report.outOfOrder.length) {
    io.stdout(
      `\nout of order: ${report.outOfOrder.join(', ')} (below the highest applied version; ` +
        'migrate up --allow-out-of-order runs them)\n',
    );
  }
  for (const blocker of report.blockers) {
    io.stdout(`\nBLOCKED: ${blocker.message}\n${blocker.recovery.map((s) => `  - ${s}`).join('\n')}\n`);
  }
  if (!report.blockers.length) {
    io.stdout(report.pending.length ? `\npending: ${report.pending.join(', ')}\n` : '\nup to date: nothing pending\n');
  }
}

function printPlan(io: CliIo, plan: MigrationPlan, showSql: boolean): void {
  if (!plan.migrations.length) io.stdout(`${plan.database}: nothing to apply\n`);
  for (const m of plan.migrations) {
    io.stdout(
      `${m.fileName}  ${counted(m.statements.length, 'statement')}${m.noTransaction ? ', outside a transaction' : ''}` +
        `  sha384 ${m.checksum.slice(0, 16)}…\n`,
    );
    if (showSql) io.stdout(`${m.sql.replace(/^/gm, '    ')}\n`);
  }
  for (const blocker of plan.blockers) io.stdout(`BLOCKED: ${blocker.message}\n`);
  if (plan.outOfOrder.length)
    io.stdout(`out of order (not included without --allow-out-of-order): ${plan.outOfOrder.join(', ')}\n`);
  const v = plan.verification;
  if (v) {
    if (v.ok) {
      io.stdout(`verified: all of it applies (run in one transaction and rolled back, ${v.durationMs} ms)\n`);
    } else if (v.failure) {
      io.stdout('verification FAILED (rolled back):\n');
      io.stdout(formatFailure(v.failure, plan.source.dir));
    }
    if (v.skippedNoTransaction.length) {
      io.stdout(`not verified (they run outside a transaction): ${v.skippedNoTransaction.join(', ')}\n`);
    }
  }
}

function progressPrinter(io: CliIo, runId: string) {
  return (p: MigrationProgress) => {
    if (p.runId !== runId) return;
    if (p.phase === 'lock_wait' && p.waitedMs >= 1000) {
      const who = p.holder ? `pid ${p.holder.pid} "${p.holder.applicationName}"` : 'another session';
      io.stderr(`waiting for the migration lock held by ${who} (${Math.round(p.waitedMs / 1000)} s)\n`);
    } else if (p.phase === 'migration_start') {
      io.stdout(`applying ${p.fileName} (${counted(p.statementCount, 'statement')}) … `);
    } else if (p.phase === 'migration_done') {
      io.stdout(`ok ${p.durationMs.toFixed(1)} ms\n`);
    } else if (p.phase === 'migration_failed') {
      io.stdout('FAILED\n');
    }
  };
}

/** `ops-console migrate status|plan|up|baseline|resolve`. */
export function registerMigrateCommands(program: Command, io: CliIo): void {
  const migrate = program
    .command('migrate')
    .description("Apply the stack's migrations with sqlx-compatible history (_sqlx_migrations)");

  const common = (command: Command) =>
    command
      .option('--profile <name>', 'use a saved connection profile (name or id) instead of --url')
      .option(
        '--dir <dir>',
        'folder of <version>_<description>.sql files (default: the migrations shipped with the app)',
      );

  const open = async (command: Command, options: MigrateOptions, name: string) => {
    const globals = command.optsWithGlobals<GlobalOptions>();
    const target = connectionTarget(globals, io, options.profile, `migrate ${name}`);
    const app = openApp(globals, io, 'cli');
    try {
      const connection = await resolveConnection(app, target);
      const dir = options.dir ? path.resolve(options.dir) : undefined;
      return { app, globals, connection, dir };
    } catch (error) {
      await app.shutdown();
      throw error;
    }
  };
  const limits = (options: MigrateOptions) => ({
    ...(options.lockTimeout !== undefined ? { lockTimeoutMs: options.lockTimeout } : {}),
    ...(options.statementTimeout !== undefined ? { statementTimeoutMs: options.statementTimeout } : {}),
    ...(options.lockWait !== undefined ? { lockWaitMs: options.lockWait } : {}),
  });
  const withLimits = (command: Command) =>
    command
      .option(
        '--lock-timeout <ms>',
        'lock_timeout for each migration (default 10000)',
        nonNegativeInt('--lock-timeout'),
      )
      .option(
        '--statement-timeout <ms>',
        'statement_timeout for each migration (default 1800000; 0 = none)',
        nonNegativeInt('--statement-timeout'),
      )
      .option(
        '--lock-wait <ms>',
        "how long to wait for another runner's lock (default 30000)",
        nonNegativeInt('--lock-wait'),
      );

  common(
    migrate.command('status').description('Each migration: applied, pending, out of order, changed, missing or failed'),
  ).action(async (options: MigrateOptions, command: Command) => {
    const { app, globals, connection, dir } = await open(command, options, 'status');
    try {
      const report = (await callThroughRouter(app, 'migrations.status', { connection, dir })) as MigrationStatusReport;
      if (globals.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      else printStatus(io, report);
    } finally {
      await app.shutdown();
    }
  });

  withLimits(
    common(
      migrate
        .command('plan')
        .description('What up would run, in order; --verify runs it all in a rolled-back transaction'),
    )
      .option('--to <version>', 'stop after this version', nonNegativeInt('--to'))
      .option('--allow-out-of-order', 'include pending migrations below the highest applied version')
      .option('--verify', 'run everything in one transaction and roll it back, to prove that it applies')
      .option('--show-sql', "print each file's SQL"),
  ).action(async (options: MigrateOptions, command: Command) => {
    const { app, globals, connection, dir } = await open(command, options, 'plan');
    try {
      const plan = (await callThroughRouter(app, 'migrations.plan', {
        connection,
        dir,
        to: options.to,
        allowOutOfOrder: options.allowOutOfOrder ?? false,
        verify: options.verify ?? false,
        ...limits(options),
      })) as MigrationPlan;
      if (globals.json) io.stdout(`${JSON.stringify(plan, null, 2)}\n`);
      else printPlan(io, plan, options.showSql ?? false);
      if (plan.verification && !plan.verification.ok) {
        throw new OpsError('database_error', 'The plan does not apply (verification rolled back)', {
          hint: 'Fix the file at the position shown, then verify again.',
        });
      }
    } finally {
      await app.shutdown();
    }
  });

  withLimits(
    common(migrate.command('up').description('Apply pending migrations in order, each in its own transaction'))
      .option('--to <version>', 'stop after this version', nonNegativeInt('--to'))
      .option('--allow-out-of-order', 'also apply pending migrations below the highest applied version'),
  ).action(async (options: MigrateOptions, command: Command) => {
    const { app, globals, connection, dir } = await open(command, options, 'up');
    const runId = randomUUID();
    const print = progressPrinter(io, runId);
    const unsubscribe = globals.json
      ? () => undefined
      : app.events.subscribe((envelope) => {
          if (envelope.event === 'migrations.progress') print(envelope.payload as MigrationProgress);
        });
    try {
      const result = (await callThroughRouter(app, 'migrations.apply', {
        connection,
        dir,
        to: options.to,
        allowOutOfOrder: options.allowOutOfOrder ?? false,
        runId,
        ...limits(options),
      })) as MigrationRunResult;
      if (globals.json) {
        io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        if (result.upToDate) io.stdout(`${result.database}: up to date, nothing to apply\n`);
        else if (!result.failure)
          io.stdout(`${result.database}: applied ${counted(result.applied.length, 'migration')}\n`);
        if (result.skippedOutOfOrder.length) {
          io.stdout(
            `left pending (out of order; --allow-out-of-order runs them): ${result.skippedOutOfOrder.join(', ')}\n`,
          );
        }
      }
      if (result.failure) {
        const report = (await callThroughRouter(app, 'migrations.status', {
          connection,
          dir,
        })) as MigrationStatusReport;
        if (!globals.json) io.stderr(formatFailure(result.failure, report.source.dir));
        if (result.notRun.length && !globals.json) io.stderr(`not run: ${result.notRun.join(', ')}\n`);
        throw new OpsError('database_error', `Migration ${result.failure.fileName} failed`, {
          hint: result.failure.rolledBack
            ? 'It was rolled back; fix it and run migrate up again.'
            : `It is recorded as failed; see the steps above (migrate resolve ${result.failure.version} retry|mark-applied).`,
        });
      }
    } finally {
      unsubscribe();
      await app.shutdown();
    }
  });

  common(
    migrate
      .command('baseline')
      .description(
        'Adopt a database built without history: check each migration’s objects exist, then record them as applied',
      )
      .option('--to <version>', 'record versions up to this one only', nonNegativeInt('--to')),
  ).action(async (options: MigrateOptions, command: Command) => {
    const { app, globals, connection, dir } = await open(command, options, 'baseline');
    try {
      const result = (await callThroughRouter(app, 'migrations.baseline', {
        connection,
        dir,
        to: options.to,
      })) as BaselineResult;
      if (globals.json) {
        io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        for (const check of result.checks) {
          const state = check.missing.length ? 'MISSING' : 'ok';
          io.stdout(
            `${check.fileName}: ${state} (${check.found.length} objects found` +
              `${check.unverifiable ? `, ${counted(check.unverifiable, 'statement')} not checkable` : ''})\n`,
          );
          for (const missing of check.missing) io.stdout(`  missing ${missing}\n`);
        }
        if (!result.refused) io.stdout(`recorded as applied: ${result.recorded.join(', ')}\n`);
      }
      if (result.refused) {
        throw new OpsError('conflict', `Baseline refused: objects are missing in ${result.database}`, {
          hint: 'The database was not built by these migrations (or only partly). Apply them with migrate up on a fresh database, or create what is missing.',
        });
      }
    } finally {
      await app.shutdown();
    }
  });

  common(
    migrate
      .command('resolve')
      .description(
        'Resolve a blocker: retry | mark-applied (a failed migration), accept-checksum (a changed one), forget (a missing file)',
      )
      .argument('<version>', 'the migration version', nonNegativeInt('version'))
      .argument('<action>', 'retry | mark-applied | accept-checksum | forget'),
  ).action(async (version: number, actionName: string, options: MigrateOptions, command: Command) => {
    const action = RESOLVE_ACTIONS[actionName];
    if (!action) {
      throw new OpsError('invalid_input', `Unknown action ${JSON.stringify(actionName)}`, {
        hint: `Use one of: ${Object.keys(RESOLVE_ACTIONS).join(', ')}.`,
      });
    }
    const { app, globals, connection, dir } = await open(command, options, 'resolve');
    try {
      const result = (await callThroughRouter(app, 'migrations.resolve', {
        connection,
        dir,
        version,
        action,
      })) as ResolveResult;
      io.stdout(globals.json ? `${JSON.stringify(result, null, 2)}\n` : `${result.message}\n`);
    } finally {
      await app.shutdown();
    }
  });
}
