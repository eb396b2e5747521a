import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../services/logging/log-service';

/** Where scripts/electron-native.mjs puts better-sqlite3 rebuilt for Electron's ABI. */
export const NATIVE_DIR = path.join('build', 'electron-native');
export const NATIVE_BINDING = path.join(NATIVE_DIR, 'better_sqlite3.node');
export const NATIVE_VERSION_FILE = path.join(NATIVE_DIR, 'version.json');

export interface NativeBindingOptions {
  /** app.getAppPath(): the repository root when run with `electron .`. */
  appPath: string;
  isPackaged: boolean;
  electronVersion: string;
  logger?: Logger;
}

/**
 * The better-sqlite3 binary for this Electron. node_modules keeps the build
 * for Node (the CLI and the tests use it), so a development run of the desktop
 * app points the store at the copy rebuilt for Electron. A packaged app passes
 * nothing: electron-builder rebuilds node_modules for Electron itself.
 */
export function electronNativeBinding(options: NativeBindingOptions): string | undefined {
  if (options.isPackaged) return undefined;
  const binding = path.join(options.appPath, NATIVE_BINDING);
  if (!fs.existsSync(binding)) {
    options.logger?.warn(
      `${binding} is missing; the store will try the Node build of better-sqlite3. Run \`node scripts/electron-native.mjs\`.`,
    );
    return undefined;
  }
  let builtFor: unknown;
  try {
    builtFor = (
      JSON.parse(fs.readFileSync(path.join(options.appPath, NATIVE_VERSION_FILE), 'utf8')) as { electron?: unknown }
    ).electron;
  } catch {
    builtFor = undefined;
  }
  if (builtFor !== options.electronVersion) {
    options.logger?.warn(
      `${binding} was built for Electron ${String(builtFor)}, this is ${options.electronVersion}. Run \`node scripts/electron-native.mjs\`.`,
    );
  }
  return binding;
}
