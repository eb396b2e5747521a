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
