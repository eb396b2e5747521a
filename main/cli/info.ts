import type { Command } from 'commander';
import type { AppInfo } from '../../common/domain';
import type { CliIo, GlobalOptions } from './context';
import { callThroughRouter, openApp } from './context';

export function registerInfoCommand(program: Command, io: CliIo): void {
  program
    .command('info')
    .description('Show the version, data folder, log file and platform')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const app = openApp(globals, io, 'cli');
      try {
        const info = (await callThroughRouter(app, 'app.info', {})) as AppInfo;
        if (globals.json) {
          io.stdout(`${JSON.stringify(info, null, 2)}\n`);
          return;
        }
        io.stdout(
          [
            `ops-console ${info.version}`,
            `data folder  ${info.dataDir}`,
            `log file     ${info.logFile}`,
            `platform     ${info.platform}/${info.arch}, Node ${info.nodeVersion}`,
            '',
          ].join('\n'),
        );
      } finally {
        await app.shutdown();
      }
    });
}
