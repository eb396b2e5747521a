import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { BackendConfig } from '../../../common/backend';
import { OpsError } from '../../../common/errors';
import { LineSplitter } from './line-splitter';

/** After 'exit', how long to wait for 'close' so the last output lines are read before the exit is reported. */
const CLOSE_GRACE_MS = 100;

export interface SpawnBackendOptions {
  config: BackendConfig;
  env: NodeJS.ProcessEnv;
  spawnImpl: typeof nodeSpawn;
  clock: () => number;
  onLine: (stream: 'stdout' | 'stderr', text: string) => void;
  /** Called at once when the process exits, before its remaining output is read. */
  onExitNoticed: () => void;
  /** Called once, after the process exited and its output was read (or the short grace passed). */
  onExit: (code: number | null, signal: NodeJS.Signals | null, atMs: number) => void;
  /** Errors after a successful spawn (e.g. a failed kill). */
  onError: (error: Error) => void;
}

export interface SpawnedBackend {
  child: ChildProcess;
  pid: number;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The working folder: config.cwd, or the binary's folder when empty. */
export function backendCwd(config: BackendConfig): string {
  return config.cwd.trim() !== '' ? config.cwd : path.dirname(config.binaryPath);
}

function spawnFailure(error: unknown, config: BackendConfig, cwd: string): OpsError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  // Node reports a missing cwd as ENOENT of the binary; say which one is missing.
  if (code === 'ENOENT' && !fs.existsSync(cwd)) {
    return new OpsError('not_found', `Working directory ${cwd} does not exist`, { hint: 'Fix the working folder.' });
  }
  const hints: Record<string, string> = {
    ENOENT: 'Check the path of the backend binary.',
    EACCES: 'The binary is not executable (chmod +x) or a folder on its path is not readable.',
  };
  return new OpsError(
    code === 'ENOENT' ? 'not_found' : 'unavailable',
    `Could not start ${config.binaryPath}: ${errorText(error)}`,
    {
      hint: hints[code],
    },
  );
}

/**
 * Spawns the backend in its own process group (detached) with piped output
 * split into lines. Resolves once the OS started it; rejects with an OpsError
 * when it could not be started (ENOENT, EACCES, ...).
 */
export async function spawnBackend(options: SpawnBackendOptions): Promise<SpawnedBackend> {
  const { config } = options;
  const cwd = backendCwd(config);
  let child: ChildProcess;
  try {
    child = options.spawnImpl(config.binaryPath, config.args, {
      cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
  } catch (error) {
    throw spawnFailure(error, config, cwd);
  }
  const out = new LineSplitter((text) => options.onLine('stdout', text));
  const err = new LineSplitter((text) => options.onLine('stderr', text));
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));

  let closed = false;
  let onClose: (() => void) | null = null;
  child.once('close', () => {
    closed = true;
    out.flush();
    err.flush();
    onClose?.();
  });
  let spawned = false;
  child.once('exit', (code, signal) => {
    if (!spawned) return;
    const atMs = options.clock();
    options.onExitNoticed();
    // A grandchild holding the pipes open must not delay noticing the exit.
    let reported = false;
    const report = () => {
      if (reported) return;
      reported = true;
      onClose = null;
      out.flush();
      err.flush();
      options.onExit(code, signal, atMs);
    };
    if (closed) return report();
    onClose = report;
    setTimeout(report, CLOSE_GRACE_MS);
  });

  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  }).catch((error: unknown) => {
    throw spawnFailure(error, config, cwd);
  });
  spawned = true;
  child.on('error', options.onError);
  return { child, pid: child.pid! };
}
