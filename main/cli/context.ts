import fs from 'node:fs';
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import type { App } from '../app';
import { createApp } from '../app';
import { defaultDataDir } from '../paths';
import type { TransportName } from '../../common/domain';
import { OpsError } from '../../common/errors';
import type { ConnectionProfile, ConnectionRef } from '../../common/profiles';

export interface GlobalOptions {
  dataDir?: string;
  url?: string;
  json?: boolean;
  verbose?: boolean;
}

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

export function resolveDataDir(options: GlobalOptions, io: CliIo): string {
  return options.dataDir ?? defaultDataDir(io.env);
}

/** --url, else DATABASE_URL; a clear usage-style error when neither is set. */
export function resolveUrl(options: GlobalOptions, io: CliIo): string {
  const url = options.url ?? io.env.DATABASE_URL;
  if (!url) {
    throw new OpsError('invalid_input', 'No database URL given', {
      hint: 'Pass --url postgres://user@host:5432/db or set DATABASE_URL.',
    });
  }
  return url;
}

export function openApp(
  options: GlobalOptions,
  io: CliIo,
  transport: TransportName,
  extra: { startBackends?: boolean } = {},
): App {
  const app = createApp({
    ...extra,
    dataDir: resolveDataDir(options, io),
    version: packageVersion(),
    transport,
    logToConsole: options.verbose ?? false,
    logLevel: options.verbose ? 'debug' : 'info',
  });
  // --verbose prints the app's own warning about it.
  if (app.log.fileProblem && !options.verbose) {
    io.stderr(`warning: the log file ${app.log.file} cannot be written (${app.log.fileProblem})\n`);
  }
  return app;
}

/** Run one contract call through the router, as the renderer would. */
export async function callThroughRouter(app: App, name: string, input: unknown): Promise<unknown> {
  const result = await app.router.call(name, input, { transport: 'cli' });
  if (!result.ok) {
    const error = new OpsError(result.error.kind, result.error.message, {
      ...(result.error.hint ? { hint: result.error.hint } : {}),
      ...(result.error.detail ? { detail: result.error.detail } : {}),
    });
    throw error;
  }
  return result.value;
}

/** --url (or DATABASE_URL), or --profile NAME: checked before the app opens. */
export type ConnectionTarget = { url: string } | { profile: string };

export function connectionTarget(
  options: GlobalOptions,
  io: CliIo,
  profile: string | undefined,
  commandName: string,
): ConnectionTarget {
  if (profile !== undefined && options.url !== undefined) {
    throw new OpsError('invalid_input', 'Give either --url or --profile, not both', {
      hint: `ops-console ${commandName} --url postgres://… or ops-console ${commandName} --profile NAME`,
    });
  }
  return profile === undefined ? { url: resolveUrl(options, io) } : { profile };
}

/** A saved profile by name or id, or the URL, as a contract ConnectionRef. */
export async function resolveConnection(app: App, target: ConnectionTarget): Promise<ConnectionRef> {
  if ('url' in target) return { url: target.url };
  const profiles = (await callThroughRouter(app, 'profiles.list', {})) as ConnectionProfile[];
  const wanted = target.profile;
  const found = profiles.find((p) => p.id === wanted) ?? profiles.find((p) => p.name === wanted);
  if (!found) {
    throw new OpsError('invalid_input', `No connection profile named ${JSON.stringify(wanted)}`, {
      hint: profiles.length
        ? `Saved profiles: ${profiles.map((p) => p.name).join(', ')}.`
        : 'Save a profile in the app first, or pass --url.',
    });
  }
  return { profileId: found.id };
}

/** Opens the app for one command (with the global options), runs `fn`, and always shuts the app down. */
export async function withApp<T>(
  command: Command,
  io: CliIo,
  fn: (app: App, globals: GlobalOptions) => Promise<T>,
): Promise<T> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const app = openApp(globals, io, 'cli');
  try {
    return await fn(app, globals);
  } finally {
    await app.shutdown();
  }
}
