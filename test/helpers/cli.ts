import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI entry the user runs (the bundle when fresh, else the sources through tsx). */
export const CLI_BIN = fileURLToPath(new URL('../../bin/ops-console.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `ops-console ARGS` as a real child process and collects its exit code and
 * output. DATABASE_URL and PGPASSWORD of the test run are cleared unless `env` sets them.
 */
export function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
  cwd: string = process.cwd(),
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      {
        env: { ...process.env, DATABASE_URL: '', PGPASSWORD: '', ...env },
        timeout: timeoutMs,
        cwd,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
