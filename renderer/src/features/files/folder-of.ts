/** The folder of a path, for a dialog's starting place (null when it names none). */
export function folderOf(path: string): string | null {
  const trimmed = path.trim();
  const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (cut < 0) return null;
  return cut === 0 ? trimmed.slice(0, 1) : trimmed.slice(0, cut);
}
