import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { BackendConfig, BackendState, BackendStatus, LogStream, RestartPolicy } from '../../common/backend';
import { backendConfigInput, restartPolicies } from '../../common/backend';
import { OpsError } from '../../common/errors';
import { backendDirs } from '../services/backend/backend-manager';
import { BackendLogs } from '../services/backend/backend-logs';
import { preflightError, runPreflight } from '../services/backend/preflight';
import { reapOrphans } from '../services/backend/process-tree';
import { BackendSupervisor } from '../services/backend/supervisor';
import type { CliIo, GlobalOptions } from './context';
import { resolveDataDir } from './context';

interface RunOptions {
  binary: string;
  port: number;
  healthUrl?: string;
  cwd?: string;
  env: string[];
  restart: RestartPolicy;
  name: string;
  stopTimeout?: number;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new InvalidArgumentError('expected a port from 1 to 65535');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 100) throw new InvalidArgumentError('expected milliseconds (at least 100)');
  return n;
}

function collectEnv(value: string, previous: string[]): string[] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(value)) {
    throw new InvalidArgumentError(`expected KEY=VALUE, got ${JSON.stringify(value)}`);
  }
  return [...previous, value];
}

/** States after which a foreground run ends on its own (nothing will restart it). */
const FINAL: readonly BackendState[] = ['crashed', 'failed'];

/**
 * `ops-console backend run`: supervise one backend in the foreground, print
 * its state changes and output, stop it gracefully on SIGINT or SIGTERM.
 */
export function registerBackendCommands(program: Command, io: CliIo, signals: NodeJS.EventEmitter = process): void {
  const backend = program.command('backend').description('Supervise the Go backend');
  backend
    .command('run')
    .description('Run and supervise a backend in the foreground (Ctrl+C stops it gracefully)')
    .requiredOption('--binary <path>', 'the backend binary (go build -o bin/server ./cmd/server)')
    .option('--port <n>', 'PORT for the backend', port, 8080)
    .option('--health-url <url>', 'health check URL (default http://127.0.0.1:$PORT/health)')
    .option('--cwd <dir>', "working directory (default: the binary's folder; its .env is read by the backend)")
    .option('--env <KEY=VALUE>', 'an extra environment variable (repeatable)', collectEnv, [])
    .addOption(new Option('--restart <policy>', 'restart policy').choices([...restartPolicies]).default('on-failure'))
    .option('--name <name>', 'name shown in messages and the log file', 'backend')
    .option('--stop-timeout <ms>', 'SIGKILL after this long when SIGTERM is not enough', positiveInt)
    .action(async (options: RunOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const json = globals.json ?? false;
      const dataDir = resolveDataDir(globals, io);
      const { logDir, pidDir } = backendDirs(dataDir);
      const binaryPath = path.resolve(options.binary);
      const extra = Object.fromEntries(
        options.env.map((pair) => {
          const at = pair.indexOf('=');
          return [pair.slice(0, at), pair.slice(at + 1)];
        }),
      );
      if ('PORT' in extra) {
        throw new OpsError('invalid_input', 'PORT is set with --port', {
          hint: 'Remove --env PORT=… and pass --port.',
        });
      }
      // DATABASE_URL: --env, else --url, else the caller's environment.
      const databaseUrl = extra.DATABASE_URL ?? globals.url ?? io.env.DATABASE_URL;
      const parsed = backendConfigInput.parse({
        name: options.name,
        binaryPath,
        cwd: options.cwd ? path.resolve(options.cwd) : '',
        port: options.port,
        healthUrl: options.healthUrl ?? '',
        restartPolicy: options.restart,
        ...(options.stopTimeout ? { stopTimeoutMs: options.stopTimeout } : {}),
      });
      const config: BackendConfig = { ...parsed, id: `cli-${randomUUID()}` };

      const emit = (record: Record<string, unknown>) => io.stdout(`${JSON.stringify(record)}\n`);
      const logs = new BackendLogs({ id: config.id, name: config.name, dir: logDir, onBatch: () => undefined });
      const onLine = (stream: LogStream, text: string) => {
        logs.line(stream, text);
        if (json) emit({ type: 'log', stream, at: new Date().toISOString(), text });
        else if (stream === 'stdout') io.stdout(`${text}\n`);
        else if (stream === 'stderr') io.stderr(`${text}\n`);
        else io.stderr(`[ops-console] ${text}\n`);
      };
      let finished: ((status: BackendStatus) => void) | undefined;
      const ended = new Promise<BackendStatus>((resolve) => (finished = resolve));
      let lastState: BackendState | null = null;
      const logger = {
        error: (...parts: unknown[]) => onLine('system', parts.map(String).join(' ')),
        warn: () => undefined,
        info: () => undefined,
        debug: () => undefined,
      };
      const supervisor = new BackendSupervisor({
        config,
        pidDir,
        logger,
        resolveEnv: async () => {
          const env: NodeJS.ProcessEnv = { ...io.env, ...extra, PORT: String(config.port) };
          if (databaseUrl) env.DATABASE_URL = databaseUrl;
          return env;
        },
        preflight: async () => {
          const report = await runPreflight({
            binaryPath,
            cwd: config.cwd,
            port: config.port,
            databaseProfileId: null,
            profileExists: () => false,
            databaseUrlFromEnv: Boolean(databaseUrl),
          });
          if (!report.ok) {
            // The command line has no profile to choose: say what it takes instead.
            const issues = report.issues.map((i) =>
              i.check === 'database_url'
                ? {
                    message: 'DATABASE_URL is not set (no --url, no --env DATABASE_URL=…, none in the environment)',
                    hint: 'Pass --url postgres://…, or set DATABASE_URL (the backend exits at once without it)',
                    check: i.check,
                  }
                : i,
            );
            throw preflightError({ ...report, issues });
          }
        },
        onStatus: (status) => {
          if (status.state !== lastState) {
            lastState = status.state;
            if (json)
              emit({
                type: 'status',
                ...status,
                lastExit: status.lastExit && { ...status.lastExit, lastLines: undefined },
              });
            // Without --json the supervisor's own system lines already narrate every transition.
            if (FINAL.includes(status.state) || (status.state === 'stopped' && status.lastExit)) finished?.(status);
          }
        },
        onLine,
        tailLines: () => logs.tail(20),
      });

      await reapOrphans(pidDir, logger);
      const onSignal = () => finished?.(supervisor.status());
      signals.on('SIGINT', onSignal);
      signals.on('SIGTERM', onSignal);
      try {
        await supervisor.start();
        const final = await ended;
        if (!FINAL.includes(final.state)) {
          if (!json) io.stderr('[ops-console] stopping the backend…\n');
          await supervisor.stop();
        }
        const exit = supervisor.status().lastExit;
        if (FINAL.includes(final.state)) {
          throw new OpsError(
            'unavailable',
            `The backend ${final.state === 'failed' ? 'failed' : 'crashed'}: ${final.reason ?? ''}`.trim(),
            {
              hint: exit?.lastLines.length
                ? 'Its last lines are above; see also the log file in the data folder (logs/backends).'
                : 'See its output above and the log file in the data folder (logs/backends).',
            },
          );
        }
      } finally {
        signals.off('SIGINT', onSignal);
        signals.off('SIGTERM', onSignal);
        await supervisor.dispose();
        logs.close();
      }
    });
}
