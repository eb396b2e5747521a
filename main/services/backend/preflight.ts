import fs from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import path from 'node:path';
import type { PreflightIssue, PreflightReport } from '../../../common/backend';
import { OpsError } from '../../../common/errors';
import { inspectExecutable, matchesThisMachine } from './executable-format';
import { findPortHolder, probePort, type PortHolder, type PortProbe } from './port-holder';

/**
 * Checks run before spawning the backend, so that each way a start is bound to fail gets a
 * sentence and a fix instead of ENOENT, EACCES, ENOEXEC or a backend that exits at once.
 */

export interface PreflightInput {
  /**
   * Absolute, or relative to this process's working folder. A bare name (no path separator)
   * is looked up on PATH, as spawn does.
   */
  binaryPath: string;
  /** The working folder; '' means the binary's folder (nothing to check). */
  cwd: string;
  port: number;
  databaseProfileId: string | null;
  profileExists: (id: string) => boolean | Promise<boolean>;
  /** DATABASE_URL is given explicitly in the backend's extra env. */
  databaseUrlFromEnv: boolean;
}

export interface PreflightDeps {
  platform?: NodeJS.Platform;
  arch?: string;
  probePort?: (port: number) => Promise<PortProbe>;
  findPortHolder?: (port: number) => Promise<PortHolder | null>;
  /** PATH for bare binary names (default process.env.PATH). */
  pathEnv?: string;
  /** Windows PATHEXT (default process.env.PATHEXT). */
  pathExt?: string;
}

const WINDOWS_RUNNABLE = ['.exe', '.com', '.cmd', '.bat'];
/** Batch files are run by cmd.exe, not loaded: there is no machine code to check. */
const WINDOWS_BATCH = ['.cmd', '.bat'];
/** Long command lines (a JVM's) are cut in messages. */
const COMMAND_MAX = 120;

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function issue(check: PreflightIssue['check'], message: string, hint: string): PreflightIssue {
  return { check, message, hint };
}

function shorten(text: string): string {
  return text.length > COMMAND_MAX ? `${text.slice(0, COMMAND_MAX - 1)}…` : text;
}

function mode(stat: Stats): string {
  return (stat.mode & 0o777).toString(8).padStart(3, '0');
}

function hasSeparator(file: string, platform: string): boolean {
  return file.includes('/') || (platform === 'win32' && file.includes('\\'));
}

/** Where spawn would find a bare name on PATH; null when nowhere. */
async function searchPath(name: string, platform: string, deps: PreflightDeps): Promise<string | null> {
  const pathEnv = deps.pathEnv ?? process.env.PATH ?? '';
  const extensions =
    platform === 'win32' && path.extname(name) === ''
      ? (deps.pathExt ?? process.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)
      : [''];
  for (const dir of pathEnv.split(platform === 'win32' ? ';' : ':').filter(Boolean)) {
    for (const extension of extensions) {
      const candidate = path.join(dir, name + extension);
      try {
        if ((await fs.stat(candidate)).isFile()) return candidate;
      } catch {
        // not in this folder
      }
    }
  }
  return null;
}

/** The binary checks: exists, is a file, may be executed, is for this machine. */
async function checkBinary(input: PreflightInput, deps: PreflightDeps, platform: string): Promise<PreflightIssue[]> {
  const shown = input.binaryPath;
  const build = `go build -o ${shown} ./cmd/server`;
  let resolved: string;
  if (hasSeparator(shown, platform)) {
    resolved = path.resolve(shown);
  } else {
    const found = await searchPath(shown, platform, deps);
    if (found === null) {
      return [
        issue(
          'binary_missing',
          `${shown} was not found on PATH`,
          `Give the binary's path (for example bin/${shown}), build it with \`${build}\`, or install it on PATH`,
        ),
      ];
    }
    resolved = found;
  }

  let stat: Stats;
  try {
    stat = await fs.stat(resolved);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return [
        issue('binary_missing', `${shown} does not exist`, `Build it with \`${build}\`, or fix the path of the binary`),
      ];
    }
    return [
      issue(
        'not_executable',
        `${shown} cannot be reached: ${errorText(error)}`,
        'Check the permissions of the folders on its path',
      ),
    ];
  }
  if (stat.isDirectory()) {
    return [
      issue(
        'binary_missing',
        `${shown} is a folder, not the backend binary`,
        `Point at the executable file itself, or build one to that path: \`${build}\``,
      ),
    ];
  }
  if (!stat.isFile()) {
    return [issue('not_executable', `${shown} is not a regular file`, 'Point at the backend binary itself')];
  }

  const issues: PreflightIssue[] = [];
  const extension = path.extname(resolved).toLowerCase();
  if (platform === 'win32') {
    if (!WINDOWS_RUNNABLE.includes(extension)) {
      issues.push(
        issue(
          'not_executable',
          `${shown} is not a Windows program (.exe, .cmd or .bat)`,
          `Build it with an .exe name: go build -o ${shown}.exe ./cmd/server`,
        ),
      );
    }
  } else {
    try {
      await fs.access(resolved, fsConstants.X_OK);
    } catch {
      issues.push(
        (stat.mode & 0o111) === 0
          ? issue('not_executable', `${shown} is not executable (mode ${mode(stat)})`, `chmod +x ${shown}`)
          : issue(
              'not_executable',
              `${shown} is not executable by this user (mode ${mode(stat)})`,
              `chmod +x ${shown}; if it is already executable, its file system is mounted noexec: move the binary elsewhere`,
            ),
      );
    }
  }

  if (!(platform === 'win32' && WINDOWS_BATCH.includes(extension))) {
    try {
      // Messages name the path the user gave, not the resolved one.
      const info = { ...(await inspectExecutable(resolved)), path: shown };
      const match = matchesThisMachine(info, platform, deps.arch ?? process.arch);
      if (!match.ok) {
        issues.push(
          issue(
            'wrong_architecture',
            match.reason ?? `${shown} is not an executable for this machine`,
            match.hint ?? `Build it for this machine: ${build}`,
          ),
        );
      }
    } catch {
      // Unreadable (mode --x): the kernel may still run it; the access check above has spoken.
    }
  }
  return issues;
}

async function checkCwd(cwd: string): Promise<PreflightIssue | null> {
  if (cwd.trim() === '') return null;
  try {
    const stat = await fs.stat(path.resolve(cwd));
    if (stat.isDirectory()) return null;
    return issue(
      'cwd_missing',
      `the working folder ${cwd} is a file, not a folder`,
      "Choose a folder, or leave the working folder empty to run in the binary's folder",
    );
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return issue(
        'cwd_missing',
        `the working folder ${cwd} does not exist`,
        `Create it (mkdir -p ${cwd}), or leave the working folder empty to run in the binary's folder`,
      );
    }
    return issue(
      'cwd_missing',
      `the working folder ${cwd} cannot be entered: ${errorText(error)}`,
      'Check the permissions of the folder and its parents',
    );
  }
}

async function checkPort(
  port: number,
  binaryPath: string,
  platform: string,
  deps: PreflightDeps,
): Promise<PreflightIssue | null> {
  const probe = await (deps.probePort ?? probePort)(port);
  if (probe.state === 'free') return null;
  if (probe.state === 'forbidden') {
    if (port < 1024) {
      return issue(
        'port_in_use',
        `port ${port} is privileged (below 1024) and this user may not listen on it`,
        `Choose a port from 1024 up${platform === 'linux' ? `, or allow the binary to bind it: sudo setcap cap_net_bind_service=+ep ${binaryPath}` : ''}`,
      );
    }
    return issue(
      'port_in_use',
      `port ${port} may not be used: the OS refused to listen on it (EACCES)`,
      platform === 'win32'
        ? 'Windows reserves some port ranges (netsh interface ipv4 show excludedportrange protocol=tcp): choose another port'
        : 'Choose another port',
    );
  }
  let holder: PortHolder | null = null;
  try {
    holder = await (deps.findPortHolder ?? ((p: number) => findPortHolder(p)))(port);
  } catch {
    // the OS did not tell
  }
  if (holder === null) {
    return issue(
      'port_in_use',
      `port ${port} is in use (the OS does not say by whom)`,
      'Stop the process listening on it, or choose another port',
    );
  }
  const by = holder.command === '' ? `pid ${holder.pid}` : `pid ${holder.pid} (${shorten(holder.command)})`;
  return issue(
    'port_in_use',
    `port ${port} is in use by ${by}`,
    `Stop that process (pid ${holder.pid}), or choose another port`,
  );
}

async function checkDatabaseUrl(input: PreflightInput): Promise<PreflightIssue | null> {
  const id = input.databaseProfileId;
  if (id === null) {
    if (input.databaseUrlFromEnv) return null;
    return issue(
      'database_url',
      'DATABASE_URL is not set: no connection profile is chosen and the environment does not give it',
      'Choose a connection profile for DATABASE_URL (the backend exits at once without it)',
    );
  }
  // Checked even when the env also gives DATABASE_URL: a dangling reference is wrong either way.
  if (await input.profileExists(id)) return null;
  return issue(
    'database_url',
    `the connection profile "${id}" chosen for DATABASE_URL no longer exists`,
    'Choose another connection profile for DATABASE_URL (this one was deleted)',
  );
}

/**
 * Run every check and collect every issue (a start blocked for one reason should not reveal the
 * next only after the user fixed the first). Order: binary, working folder, port, DATABASE_URL.
 */
export async function runPreflight(input: PreflightInput, deps: PreflightDeps = {}): Promise<PreflightReport> {
  const platform = deps.platform ?? process.platform;
  const issues: PreflightIssue[] = [...(await checkBinary(input, deps, platform))];
  for (const found of [
    await checkCwd(input.cwd),
    await checkPort(input.port, input.binaryPath, platform, deps),
    await checkDatabaseUrl(input),
  ]) {
    if (found !== null) issues.push(found);
  }
  return { ok: issues.length === 0, issues };
}

/**
 * One error for a failed report: its message lists every issue, the hint every fix. The first
 * issue decides the kind: 'conflict' for a port in use (the machine's state, not the settings),
 * 'invalid_input' otherwise.
 */
export function preflightError(report: PreflightReport): OpsError {
  const [first] = report.issues;
  if (first === undefined) throw new Error('preflightError called with a report that has no issues');
  const kind = first.check === 'port_in_use' ? 'conflict' : 'invalid_input';
  const detail = report.issues.map((i) => `${i.check}: ${i.message}`).join('\n');
  if (report.issues.length === 1) {
    return new OpsError(kind, `The backend cannot start: ${first.message}`, { hint: first.hint, detail });
  }
  const message = [
    `The backend cannot start (${report.issues.length} problems):`,
    ...report.issues.map((i) => `- ${i.message}`),
  ].join('\n');
  const hint = [...new Set(report.issues.map((i) => i.hint))].map((h) => `- ${h}`).join('\n');
  return new OpsError(kind, message, { hint, detail });
}
