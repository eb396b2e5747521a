import fs from 'node:fs';
import path from 'node:path';
import { OpsError } from '../../common/errors';
import type { CliIo } from './context';

/** A plain aligned text table for humans; --json is for machines. */
export function printTable(io: CliIo, headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  io.stdout(`${line(headers)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) io.stdout(`${line(row)}\n`);
  if (rows.length === 0) io.stdout('(none)\n');
}

const WRITE_PROBLEMS: Record<string, (dir: string) => string> = {
  ENOENT: (dir) => `the folder ${dir} does not exist`,
  ENOTDIR: (dir) => `${dir} is not a folder`,
  EACCES: (dir) => `permission denied in ${dir}`,
  EPERM: (dir) => `permission denied in ${dir}`,
  EROFS: (dir) => `${dir} is on a read-only file system`,
  ENOSPC: (dir) => `no space left on the device of ${dir}`,
  EISDIR: () => 'it is a folder',
};

/**
 * Writes a file the user named (--out): whole or not at all (a temporary file
 * beside it, renamed over it), and a failure says why in words.
 */
export function writeOutputFile(file: string, text: string): void {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  const temporary = path.join(dir, `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temporary, text, { flag: 'wx' });
    fs.renameSync(temporary, target);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const problem = WRITE_PROBLEMS[code]?.(dir) ?? (error instanceof Error ? error.message : String(error));
    throw new OpsError('invalid_input', `Cannot write ${target}: ${problem}`, {
      hint: 'Give --out a file in a folder that exists and that you can write to.',
    });
  }
}
