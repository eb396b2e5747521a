import type { Command } from 'commander';
import type { LocalPgStatus } from '../../common/profiles';
import type { App } from '../app';
import type { CliIo, GlobalOptions } from './context';
import { callThroughRouter, openApp } from './context';

interface LocalPgOptions {
  showPassword?: boolean;
}

async function printStatus(
  app: App,
  io: CliIo,
  status: LocalPgStatus,
  globals: GlobalOptions,
  options: LocalPgOptions,
) {
  const url =
    options.showPassword && status.state === 'running'
      ? ((await app.services.localPg.connectionUrl({ withPassword: true })) ?? status.url)
      : status.url;
  if (globals.json) {
    const { state, port, dataDir, version } = status;
    io.stdout(`${JSON.stringify({ state, url, port, dataDir, version })}\n`);
    return;
  }
  const version = status.version ? `PostgreSQL ${status.version}` : 'PostgreSQL';
  if (status.state === 'running') {
    io.stdout(`Local ${version} is running on 127.0.0.1:${status.port ?? '?'} (pid ${status.pid ?? '?'})\n`);
  } else {
    io.stdout(`Local ${version} is ${status.state}${status.message ? `: ${status.message}` : ''}\n`);
  }
  if (url) io.stdout(`url       ${url}\n`);
  io.stdout(`data      ${status.dataDir}\n`);
  if (url && !options.showPassword) io.stdout('password  masked; add --show-password to print a URL with it\n');
}

/** `ops-console local-pg start|stop|status`: the embedded PostgreSQL behind the Local profile. */
export function registerLocalPgCommands(program: Command, io: CliIo): void {
  const localPg = program
    .command('local-pg')
    .description('Start, stop or inspect the embedded local PostgreSQL (the Local profile)');

  localPg
    .command('start')
    .description('Start it (initialising it on first use) and leave it running after this command exits')
    .option('--show-password', 'print the URL with its password (for scripts)')
    .action(async (options: LocalPgOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const app = openApp(globals, io, 'cli');
      try {
        const status = (await callThroughRouter(app, 'localPg.start', {})) as LocalPgStatus;
        // The server is for the desktop app, serve mode and scripts: it must outlive this process.
        app.services.localPg.detach();
        await printStatus(app, io, status, globals, options);
      } finally {
        await app.shutdown();
      }
    });

  localPg
    .command('stop')
    .description('Stop it, whichever ops-console process started it')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const app = openApp(globals, io, 'cli');
      try {
        const status = (await callThroughRouter(app, 'localPg.stop', {})) as LocalPgStatus;
        await printStatus(app, io, status, globals, {});
      } finally {
        await app.shutdown();
      }
    });

  localPg
    .command('status')
    .description('Show whether it runs, its URL, port, data folder and version')
    .option('--show-password', 'print the URL with its password (for scripts)')
    .action(async (options: LocalPgOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const app = openApp(globals, io, 'cli');
      try {
        const status = (await callThroughRouter(app, 'localPg.status', {})) as LocalPgStatus;
        await printStatus(app, io, status, globals, options);
      } finally {
        await app.shutdown();
      }
    });
}
