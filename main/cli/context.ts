import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { App } from '../app';
import { createApp } from '../app';
import { defaultDataDir } from '../paths';
import type { TransportName } from '../../common/domain';
import { OpsError } from '../../common/errors';

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

export function openApp(options: GlobalOptions, io: CliIo, transport: TransportName): App {
  return createApp({
    dataDir: resolveDataDir(options, io),
    version: packageVersion(),
    transport,
    logToConsole: options.verbose ?? false,
    logLevel: options.verbose ? 'debug' : 'info',
  });
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
