import { Command, CommanderError, Option } from 'commander';
import { OpsError } from '../../common/errors';
import { redactText } from '../services/logging/redact';
import type { CliIo } from './context';
import { packageVersion, processIo } from './context';
import { registerBackendCommands } from './backend';
import { registerCheckCommand } from './check';
import { registerDbCommands } from './db';
import { registerInfoCommand } from './info';
import { registerSchemaCommand } from './schema';
import { registerLocalPgCommands } from './local-pg';
import { registerMigrateCommands } from './migrate';
import { registerServeCommand } from './serve';
import { registerSledCommands } from './sled';
import { registerSnapshotCommands } from './snapshot';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export function buildProgram(io: CliIo): Command {
  const program = new Command('ops-console')
    .description('Operations console for the PostgreSQL + Go backend + Sled stack')
    .version(packageVersion(), '-V, --version', 'print the version')
    .addOption(
      new Option('--data-dir <dir>', 'data folder (default: the one the desktop app uses)').env('OPS_CONSOLE_DATA_DIR'),
    )
    .option('--url <url>', 'PostgreSQL URL (default: DATABASE_URL)')
    .option('--json', 'machine-readable output on stdout')
    .option('-v, --verbose', 'log to stderr as well as to the log file')
    .showHelpAfterError('(run ops-console --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
    });
  registerServeCommand(program, io);
  registerInfoCommand(program, io);
  registerDbCommands(program, io);
  registerSchemaCommand(program, io);
  registerCheckCommand(program, io);
  registerLocalPgCommands(program, io);
  registerMigrateCommands(program, io);
  registerBackendCommands(program, io);
  registerSnapshotCommands(program, io);
  registerSledCommands(program, io);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

function printError(io: CliIo, error: OpsError): void {
  io.stderr(`error: ${redactText(error.message)}\n`);
  if (error.hint) io.stderr(`hint: ${redactText(error.hint)}\n`);
}

/** Parse argv, run the command, and return the exit code (0 ok, 1 failed, 2 usage). */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return EXIT_OK;
    }
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return EXIT_OK;
      }
      // commander already printed "error: ..." and the help pointer.
      return EXIT_USAGE;
    }
    if (error instanceof OpsError) {
      printError(io, error);
      return error.kind === 'invalid_input' ? EXIT_USAGE : EXIT_FAILED;
    }
    io.stderr(`error: ${redactText(error instanceof Error ? error.message : String(error))}\n`);
    io.stderr('hint: run again with --verbose, and see the log file (ops-console info).\n');
    return EXIT_FAILED;
  }
}
