/** Adds picked paths to a one-path-a-line text: blank lines dropped, a path already there not repeated. */
export function appendPathLines(text: string, paths: readonly string[]): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  for (const p of paths) if (!lines.includes(p)) lines.push(p);
  return lines.join('\n');
}

/** The folder of a path, for a dialog's starting place (null when it names none). */
export function folderOf(path: string): string | null {
  const trimmed = path.trim();
  const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (cut < 0) return null;
  return cut === 0 ? trimmed.slice(0, 1) : trimmed.slice(0, cut);
}
