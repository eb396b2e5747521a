import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const APP_ID = 'ops-console';

/**
 * The data folder shared by the desktop app, the CLI and serve mode, so that
 * all three see the same profiles, snapshots and logs. It is the folder
 * Electron calls `userData` for this app (the Electron shell sets it
 * explicitly to this value), overridable with OPS_CONSOLE_DATA_DIR.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const override = env.OPS_CONSOLE_DATA_DIR?.trim();
  if (override) return path.resolve(override);
  if (platform === 'win32') {
    return path.win32.join(env.APPDATA ?? path.win32.join(home, 'AppData', 'Roaming'), APP_ID);
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', APP_ID);
  const xdg = env.XDG_CONFIG_HOME?.trim();
  return path.posix.join(xdg && path.isAbsolute(xdg) ? xdg : path.posix.join(home, '.config'), APP_ID);
}

export function logDirOf(dataDir: string): string {
  return path.join(dataDir, 'logs');
}

/** The Sled imports' staging databases: <data>/sled-imports/<id>.sqlite. */
export function sledImportsDirOf(dataDir: string): string {
  return path.join(dataDir, 'sled-imports');
}

export function snapshotsDirOf(dataDir: string): string {
  return path.join(dataDir, 'snapshots');
}

export function storeFileOf(dataDir: string): string {
  return path.join(dataDir, 'ops-console.db');
}

/**
 * The migrations shipped with the app. The packaged desktop app passes
 * resources/migrations explicitly; from a checkout (sources run by tsx, or the
 * CLI bundle in dist/cli) it is the migrations/ folder beside package.json.
 */
export function shippedMigrationsDir(fromModule: string): string {
  let dir = path.dirname(fromModule);
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'migrations');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return path.join(path.dirname(fromModule), 'migrations');
}
