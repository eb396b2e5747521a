import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { OpsError } from '../../common/errors';
import type {
  SledImportSummary,
  SledPlan,
  SledProblemKind,
  SledProgress,
  SledReport,
  SledSettings,
} from '../../common/sled';
import { MAX_DECODER_THREADS, sampleLine, sampleLineUnder } from '../../common/sled';
import type { App } from '../app';
import type { CliIo, ConnectionTarget, GlobalOptions } from './context';
import { callThroughRouter, connectionTarget, resolveConnection, withApp } from './context';
import { printTable, writeOutputFile } from './output';

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

function decoderThreads(value: string): number {
  const n = wholeNumber(value);
  if (n > MAX_DECODER_THREADS) throw new InvalidArgumentError(`expected 0 to ${MAX_DECODER_THREADS}`);
  return n;
}

/** "7d", "36h", "90m" or seconds. */
function duration(value: string): number {
  const match = /^(\d+)([dhms]?)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected a duration such as 7d, 36h, 90m or a number of seconds');
  const unit = { d: 86_400, h: 3_600, m: 60, s: 1, '': 1 }[match[2] as 'd' | 'h' | 'm' | 's' | ''];
  return Number(match[1]) * unit;
}

function secretsMode(value: string): SledSettings['secrets'] {
  if (value !== 'encrypt' && value !== 'skip') throw new InvalidArgumentError('expected encrypt or skip');
  return value;
}

/** 1e-9 FODI units as a decimal, exactly. */
export function fodi(units: string): string {
  const digits = units.replace(/^-/, '').padStart(10, '0');
  const whole = digits.slice(0, -9).replace(/^0+(?=\d)/, '');
  return `${units.startsWith('-') ? '-' : ''}${whole}.${digits.slice(-9)}`;
}

function total(record: Partial<Record<string, number>>): number {
  return Object.values(record).reduce<number>((sum, n) => sum + (n ?? 0), 0);
}

/** An example's where and why, after its file's name when the import read several (a line number alone then does not say where). */
function exampleLine(file: string, where: string, files: number): string {
  return files > 1 ? `${path.basename(file)} ${where}` : where;
}

/** How many export files import `id` read. */
async function fileCount(app: App, id: string): Promise<number> {
  return ((await callThroughRouter(app, 'sled.show', { id })) as SledImportSummary).files.length;
}

/** "9: 2 balance, 1 wallet; 2 with problems", "2: 2 with problems", "0 (no entries in the files)". */
export function entriesLine(s: Pick<SledImportSummary, 'entries' | 'byFamily' | 'problems'>): string {
  if (s.entries === 0) return '0 (no entries in the files)';
  const families = Object.entries(s.byFamily)
    .filter(([, n]) => n > 0)
    .map(([family, n]) => `${n} ${family}`)
    .join(', ');
  const problems = total(s.problems);
  const parts = [families, problems ? `${problems} with problems` : ''].filter((part) => part !== '');
  return `${s.entries}: ${parts.join('; ')}`;
}

function printSummary(io: CliIo, s: SledImportSummary): void {
  io.stdout(
    `import ${s.id} (${s.state}), created ${s.createdAt}\n` +
      `staging   ${s.stagingFile}\n` +
      `entries   ${entriesLine(s)}\n`,
  );
  if (s.loaded + s.skipped + s.failed > 0) {
    io.stdout(`loads     ${s.loaded} loaded, ${s.skipped} skipped, ${s.failed} failed (last ${s.lastLoadAt ?? '-'})\n`);
  }
  io.stdout('\n');
  printTable(
    io,
    ['file', 'format', 'bytes', 'entries', 'sources'],
    s.files.map((f) => [f.path, f.format, String(f.bytes), String(f.entries), f.sources.join(', ')]),
  );
  const problems = Object.entries(s.problems).filter(([, n]) => (n ?? 0) > 0);
  if (problems.length) {
    io.stdout('\n');
    printTable(
      io,
      ['problem', 'entries', 'first example'],
      problems.map(([kind, n]) => {
        const example = s.problemExamples[kind as SledProblemKind];
        return [kind, String(n), example ? exampleLine(example.file, sampleLine(example), s.files.length) : ''];
      }),
    );
  }
}

/** `files`: how many export files the import read (examples then name theirs). */
function printPlan(io: CliIo, plan: SledPlan, files: number): void {
  const { settings } = plan;
  io.stdout(
    `plan for ${plan.importId}${plan.checkedAgainst ? ` against ${plan.checkedAgainst}` : ' (not checked against a database: pass --url or --profile)'}\n` +
      `settings  cache TTL ${settings.cacheTtlSeconds} s, UUID namespace ${settings.uuidNamespace}, ` +
      `wallet secrets: ${settings.secrets === 'encrypt' ? 'encrypted with pgcrypto' : 'left out'}\n` +
      `secrets   ${plan.secrets.wallets === 1 ? '1 wallet carries' : `${plan.secrets.wallets} wallets carry`} a plaintext secret\n` +
      `balances  ${fodi(plan.balanceTotal)} FODI in total (${plan.balanceTotal} units)\n\n`,
  );
  printTable(
    io,
    ['target', 'insert', 'skip', 'already loaded', 'wallet updates'],
    plan.tables.map((t) => [
      t.target,
      String(t.toInsert),
      String(t.toSkip),
      String(t.alreadyLoaded),
      t.walletUpdates === undefined ? '' : String(t.walletUpdates),
    ]),
  );
  for (const t of plan.tables) {
    for (const r of t.skipReasons) {
      io.stdout(
        `  skip ${t.target}: ${r.count} × ${r.reason}${r.samples[0]?.key ? ` (e.g. ${r.samples[0].key})` : ''}\n`,
      );
    }
  }
  if (plan.problems.length) {
    io.stdout('\n');
    printTable(
      io,
      ['problem', 'entries', 'example'],
      plan.problems.map((p) => {
        const sample = p.samples[0];
        return [p.kind, String(p.count), sample ? exampleLine(sample.file, sampleLine(sample), files) : ''];
      }),
    );
  }
}

/** `files`: how many export files the import read (examples then name theirs). */
export function printReport(io: CliIo, report: SledReport, files: number): void {
  const { outcomes } = report;
  io.stdout(
    `report for ${report.importId} (${report.generatedAt})` +
      `${report.verifiedAgainst ? `, verified against ${report.verifiedAgainst}` : ', from the staging database'}\n` +
      `entries   ${report.entries}: ${outcomes.loaded} loaded, ${outcomes.skipped} skipped, ${outcomes.failed} failed, ` +
      `${outcomes.pending} pending\n` +
      `secrets   ${report.secrets.encrypted} encrypted, ${report.secrets.leftOut} left out\n\n`,
  );
  printTable(
    io,
    ['target', 'loaded', 'skipped', 'failed', 'pending'],
    report.tables.map((t) => [
      t.target ?? '(no target)',
      String(t.loaded),
      String(t.skipped),
      String(t.failed),
      String(t.pending),
    ]),
  );
  if (report.reasons.length) {
    io.stdout('\n');
    printTable(
      io,
      ['outcome', 'entries', 'reason', 'first example'],
      report.reasons.map((r) => {
        const sample = r.samples[0];
        return [
          r.outcome,
          String(r.count),
          r.reason,
          sample ? exampleLine(sample.file, sampleLineUnder(sample, r.reason), files) : '',
        ];
      }),
    );
  }
  io.stdout('\n');
  // Checks read back from the last load are marked, and where and when they were made said once.
  const recorded = report.checks.find((c) => c.recorded)?.recorded;
  if (recorded) {
    io.stdout(
      `checks marked * are as the last load recorded them (${recorded.at}, against ${recorded.against ?? 'an unknown database'}); ` +
        'pass --url or --profile to check them now\n',
    );
  }
  printTable(
    io,
    ['check', 'expected', 'actual', 'result'],
    report.checks.map((c) => [
      recorded ? `${c.recorded ? '*' : ' '} ${c.name}` : c.name,
      c.expected,
      c.actual,
      c.ok ? 'ok' : 'MISMATCH',
    ]),
  );
  io.stdout(
    `\n${report.reconciled ? 'reconciled: every entry is accounted for and every total matches' : 'NOT reconciled'}\n`,
  );
}

/** Progress lines on stderr (at most one a second) for a run, until the returned function is called. */
function followProgress(app: App, io: CliIo, runId: string, quiet: boolean): () => void {
  let last = 0;
  return app.events.subscribe((envelope) => {
    if (envelope.event !== 'sled.progress' || quiet) return;
    const p = envelope.payload as SledProgress;
    // A failed run's error is printed by the command itself (error: …, hint: …).
    if (p.runId !== runId || p.phase === 'failed') return;
    const final = p.phase === 'done' || p.phase === 'cancelled';
    if (!final && Date.now() - last < 1000) return;
    last = Date.now();
    const amount =
      p.unit === 'bytes'
        ? `${(p.done / 1024 ** 2).toFixed(1)}${p.total ? `/${(p.total / 1024 ** 2).toFixed(1)}` : ''} MiB`
        : `${p.done}${p.total !== null ? `/${p.total}` : ''} entries`;
    const eta = p.etaSeconds === null || final ? '' : `, about ${Math.ceil(p.etaSeconds)} s left`;
    // The first reading has no rate yet (it takes two): none is printed rather than 0.
    const rate = p.entriesPerSecond > 0 || final ? `, ${Math.round(p.entriesPerSecond)} entries/s` : '';
    io.stderr(
      `${p.phase}${p.current ? ` ${p.current}` : ''}: ${amount}${rate}${eta}` +
        `${p.message ? ` (${p.message})` : p.entries !== undefined ? ` (${p.entries} entries)` : ''}\n`,
    );
  });
}

/** Runs `fn` with SIGINT/SIGTERM cancelling the run. */
async function cancellable<T>(app: App, runId: string, fn: () => Promise<T>): Promise<T> {
  const cancel = () => void callThroughRouter(app, 'sled.cancel', { runId });
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}

function optionalTarget(
  globals: GlobalOptions,
  io: CliIo,
  profile: string | undefined,
  name: string,
): ConnectionTarget | null {
  if (profile === undefined && globals.url === undefined && !io.env.DATABASE_URL) return null;
  return connectionTarget(globals, io, profile, name);
}

/** `ops-console sled import|list|show|plan|load|report|delete`. */
export function registerSledCommands(program: Command, io: CliIo): void {
  const sled = program
    .command('sled')
    .description('Migrate the legacy Sled data into PostgreSQL: import (stage), plan, load exactly once, report');

  sled
    .command('import')
    .argument('<file...>', 'Sled export files (JSON Lines, or serde_json of sled::Db::export())')
    .description('Stream export files into a new staging database; prints the import id')
    .option(
      '--decoder-threads <n>',
      `threads besides the reading one that decode JSON Lines (0-${MAX_DECODER_THREADS}, default 0; each adds ~90 MB)`,
      decoderThreads,
    )
    .action(async (files: string[], options: { decoderThreads?: number }, command: Command) =>
      withApp(command, io, async (app, globals) => {
        const runId = randomUUID();
        const stop = followProgress(app, io, runId, globals.json ?? false);
        try {
          const summary = (await cancellable(app, runId, () =>
            callThroughRouter(app, 'sled.import', {
              files: files.map((f) => path.resolve(f)),
              runId,
              ...(options.decoderThreads === undefined ? {} : { decoderThreads: options.decoderThreads }),
            }),
          )) as SledImportSummary;
          if (globals.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
          else {
            printSummary(io, summary);
            io.stdout(`\nnext: ops-console sled plan ${summary.id} --url postgres://…\n`);
          }
        } finally {
          stop();
        }
      }),
    );

  sled
    .command('list')
    .description('Imports kept in the data folder, newest first')
    .action(async (_options: unknown, command: Command) =>
      withApp(command, io, async (app, globals) => {
        const list = (await callThroughRouter(app, 'sled.list', {})) as SledImportSummary[];
        if (globals.json) {
          io.stdout(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        printTable(
          io,
          ['id', 'state', 'created', 'entries', 'problems', 'loaded', 'skipped', 'failed'],
          list.map((s) => [
            s.id,
            s.state,
            s.createdAt,
            String(s.entries),
            String(total(s.problems)),
            String(s.loaded),
            String(s.skipped),
            String(s.failed),
          ]),
        );
      }),
    );

  sled
    .command('show')
    .argument('<id>', 'import id')
    .description('An import: files, sources, entries by family, problems')
    .action(async (id: string, _options: unknown, command: Command) =>
      withApp(command, io, async (app, globals) => {
        const summary = (await callThroughRouter(app, 'sled.show', { id })) as SledImportSummary;
        if (globals.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
        else printSummary(io, summary);
      }),
    );

  sled
    .command('plan')
    .argument('<id>', 'import id')
    .description('Rows to insert and skip per target table, and the problems; saves the choices given')
    .option('--profile <name>', 'check against a saved connection profile instead of --url')
    .option('--ttl <duration>', 'cache TTL: expires_at = cached_at + this (7d, 36h, seconds)', duration)
    .option('--namespace <uuid>', 'the UUIDv5 namespace for Sled user ids')
    .option('--secrets <mode>', 'wallet secrets: encrypt (with pgcrypto, passphrase at load) or skip', secretsMode)
    .action(
      async (
        id: string,
        options: { profile?: string; ttl?: number; namespace?: string; secrets?: SledSettings['secrets'] },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        const target = optionalTarget(globals, io, options.profile, 'sled plan');
        await withApp(command, io, async (app) => {
          const settings = {
            ...(options.ttl !== undefined ? { cacheTtlSeconds: options.ttl } : {}),
            ...(options.namespace !== undefined ? { uuidNamespace: options.namespace } : {}),
            ...(options.secrets !== undefined ? { secrets: options.secrets } : {}),
          };
          const connection = target ? await resolveConnection(app, target) : undefined;
          const runId = randomUUID();
          const stop = followProgress(app, io, runId, globals.json ?? false);
          let plan: SledPlan;
          try {
            plan = (await cancellable(app, runId, () =>
              callThroughRouter(app, 'sled.plan', {
                id,
                runId,
                ...(connection ? { connection } : {}),
                ...(Object.keys(settings).length ? { settings } : {}),
              }),
            )) as SledPlan;
          } finally {
            stop();
          }
          if (globals.json) io.stdout(`${JSON.stringify(plan, null, 2)}\n`);
          else printPlan(io, plan, await fileCount(app, id));
        });
      },
    );

  sled
    .command('load')
    .argument('<id>', 'import id')
    .description('Load the import into PostgreSQL exactly once (resumable; a second load changes nothing)')
    .option('--profile <name>', 'a saved connection profile instead of --url')
    .option('--passphrase-env <var>', 'the environment variable holding the passphrase that encrypts wallet secrets')
    .option('--batch-size <n>', 'entries per transaction', wholeNumber)
    .action(
      async (
        id: string,
        options: { profile?: string; passphraseEnv?: string; batchSize?: number },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        const target = connectionTarget(globals, io, options.profile, 'sled load');
        let passphrase: string | undefined;
        if (options.passphraseEnv !== undefined) {
          passphrase = io.env[options.passphraseEnv];
          if (!passphrase) {
            throw new OpsError(
              'invalid_input',
              `The environment variable ${options.passphraseEnv} is not set or empty`,
              {
                hint: `Set it first, e.g. read -rs ${options.passphraseEnv}; export ${options.passphraseEnv}`,
              },
            );
          }
        }
        await withApp(command, io, async (app) => {
          const connection = await resolveConnection(app, target);
          const runId = randomUUID();
          const stop = followProgress(app, io, runId, globals.json ?? false);
          try {
            const report = (await cancellable(app, runId, () =>
              callThroughRouter(app, 'sled.load', {
                id,
                connection,
                runId,
                ...(passphrase !== undefined ? { passphrase } : {}),
                ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
              }),
            )) as SledReport;
            if (globals.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
            else printReport(io, report, await fileCount(app, id));
            if (!report.reconciled) {
              throw new OpsError('database_error', `Import ${id} loaded but does not reconcile`, {
                hint: `See the checks above; ops-console sled report ${id} --url … verifies again.`,
              });
            }
          } finally {
            stop();
          }
        });
      },
    );

  sled
    .command('report')
    .argument('<id>', 'import id')
    .description('Every entry accounted for (loaded, skipped, failed) and the totals checked')
    .option('--profile <name>', 'verify against a saved connection profile instead of --url')
    .option('--out <file>', 'also write the report as JSON to this file')
    .action(async (id: string, options: { profile?: string; out?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const target = optionalTarget(globals, io, options.profile, 'sled report');
      await withApp(command, io, async (app) => {
        const report = (await callThroughRouter(app, 'sled.report', {
          id,
          ...(target ? { connection: await resolveConnection(app, target) } : {}),
        })) as SledReport;
        if (options.out) writeOutputFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
        if (globals.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
        else printReport(io, report, await fileCount(app, id));
      });
    });

  sled
    .command('delete')
    .argument('<id>', 'import id')
    .description('Delete an import and its staging database (rows already loaded stay in PostgreSQL)')
    .action(async (id: string, _options: unknown, command: Command) =>
      withApp(command, io, async (app) => {
        await callThroughRouter(app, 'sled.delete', { id });
        io.stdout(`deleted ${id}\n`);
      }),
    );
}
