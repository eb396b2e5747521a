import type { Command } from 'commander';
import type { ConnectionRef, DoctorReport, DoctorStepStatus } from '../../common/profiles';
import { OpsError } from '../../common/errors';
import type { CliIo, GlobalOptions } from './context';
import { callThroughRouter, openApp } from './context';

const marks: Record<DoctorStepStatus, string> = { pass: '✓', warn: '!', fail: '✗', skip: '-' };

/** One line per step: `✓ dns  127.0.0.1 (4 ms)`, `✗ auth  … — hint: …`. */
export function formatDoctorStep(step: DoctorReport['steps'][number]): string {
  const timing = step.status === 'pass' || step.status === 'warn' ? ` (${step.durationMs} ms)` : '';
  const hint = step.hint && (step.status === 'fail' || step.status === 'warn') ? ` — hint: ${step.hint}` : '';
  return `${marks[step.status]} ${step.step}  ${step.detail}${timing}${hint}`;
}

/** `ops-console db check`: the connection doctor, step by step. */
export function registerCheckCommand(program: Command, io: CliIo): void {
  const db =
    program.commands.find((command) => command.name() === 'db') ??
    program.command('db').description('Work with a PostgreSQL database');

  db.command('check')
    .description('Check DNS, TCP, TLS, login and server version for --url (or DATABASE_URL) or a saved profile')
    .option('--profile <name>', 'check a saved connection profile (name or id) instead of a URL')
    .action(async (options: { profile?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      if (options.profile !== undefined && globals.url !== undefined) {
        throw new OpsError('invalid_input', 'Give either --url or --profile, not both');
      }
      const url = globals.url ?? io.env.DATABASE_URL;
      let connection: ConnectionRef;
      if (options.profile !== undefined) connection = { profileId: options.profile };
      else if (url) connection = { url };
      else {
        throw new OpsError('invalid_input', 'No database to check', {
          hint: 'Pass --url postgres://user@host:5432/db or --profile <name>, or set DATABASE_URL.',
        });
      }
      const app = openApp(globals, io, 'cli');
      let report: DoctorReport;
      try {
        report = (await callThroughRouter(app, 'db.check', { connection })) as DoctorReport;
      } finally {
        await app.shutdown();
      }
      if (globals.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      else {
        io.stdout(`Checking ${report.target}\n`);
        for (const step of report.steps) io.stdout(`${formatDoctorStep(step)}\n`);
      }
      const failed = report.steps.find((step) => step.status === 'fail');
      if (failed) {
        throw new OpsError(
          failed.step === 'auth' ? 'auth_failed' : 'connection_failed',
          `The connection check failed at the ${failed.step} step`,
        );
      }
    });
}
