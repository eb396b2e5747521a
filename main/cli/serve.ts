import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { HttpTransport } from '../server/http-server';
import type { CliIo, GlobalOptions } from './context';
import { openApp, repoRoot } from './context';
import { ensureRendererBuilt } from './renderer-build';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('expected a port number from 0 to 65535 (0 picks a free one)');
  }
  return port;
}

export function registerServeCommand(program: Command, io: CliIo, signals: NodeJS.EventEmitter = process): void {
  program
    .command('serve')
    .description('Serve the UI and API to a browser on this machine (127.0.0.1 only, token required)')
    .option('-p, --port <port>', 'port to listen on (default: a random free port)', parsePort)
    .action(async (options: { port?: number }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const staticDir = await ensureRendererBuilt(path.join(repoRoot, 'renderer'), io);
      // Serve mode is the app without a window: it supervises the backends marked to start with it.
      const app = openApp(globals, io, 'http', { startBackends: true });
      const transport = new HttpTransport({
        router: app.router,
        events: app.events,
        logger: app.log.scope('http'),
        staticDir,
        ...(options.port !== undefined ? { port: options.port } : {}),
        onToken: (token) => app.log.redactor.addSecret(token),
      });
      let info;
      try {
        info = await transport.start();
      } catch (error) {
        await app.shutdown();
        throw error;
      }
      app.logger.info(`serving on 127.0.0.1:${info.port}`);
      if (globals.json) io.stdout(`${JSON.stringify({ url: info.url, port: info.port, token: info.token })}\n`);
      else {
        io.stdout(`ops-console is serving on http://127.0.0.1:${info.port}/\n`);
        io.stdout(`Open this URL (it carries the access token):\n  ${info.url}\n`);
        io.stdout('Press Ctrl+C to stop.\n');
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          signals.off('SIGINT', stop);
          signals.off('SIGTERM', stop);
          resolve();
        };
        signals.on('SIGINT', stop);
        signals.on('SIGTERM', stop);
      });
      io.stderr('Stopping…\n');
      await transport.stop();
      await app.shutdown();
    });
}
