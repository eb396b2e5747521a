/**
 * Files dropped on a path field. The desktop app's preload says where each
 * one is (webUtils.getPathForFile); a browser tells the page no path, only
 * names, so serve mode can only say to type the path.
 */

export interface DroppedFiles {
  /** Where the dropped files are (desktop app only). */
  paths: string[];
  /** The names of those whose path is not known (a browser, or something not on disk). */
  unplaced: string[];
}

/** Whether a drag carries files (not text or a link). */
export function carriesFiles(transfer: DataTransfer | null): boolean {
  return transfer !== null && Array.from(transfer.types).includes('Files');
}

export function droppedFiles(transfer: DataTransfer | null): DroppedFiles {
  const out: DroppedFiles = { paths: [], unplaced: [] };
  const bridge = window.opsConsole;
  for (const file of Array.from(transfer?.files ?? [])) {
    const path = bridge ? bridge.pathForFile(file) : '';
    if (path) out.paths.push(path);
    else out.unplaced.push(file.name);
  }
  return out;
}

/**
 * What to tell the user about dropped files whose path the page was not given:
 * in the desktop app (`desktop`), files not on disk; in a browser, any file.
 */
export function unplacedNote(unplaced: readonly string[], desktop = window.opsConsole !== undefined): string | null {
  if (unplaced.length === 0) return null;
  const names = unplaced.join(', ');
  const one = unplaced.length === 1;
  if (desktop) {
    return one
      ? `${names}: not a file on this machine, so there is no path to read it from.`
      : `${names}: not files on this machine, so there are no paths to read them from.`;
  }
  return one
    ? `${names}: a browser does not tell ops-console where a dropped file is. Type its path (ops-console reads it on this machine), or use the desktop app, where dropping works.`
    : `${names}: a browser does not tell ops-console where dropped files are. Type their paths (ops-console reads them on this machine), or use the desktop app, where dropping works.`;
}

/**
 * A file dropped where no field takes it would make a browser open it in
 * place of the app (the desktop window refuses to navigate, silently). Any
 * drop of files no drop zone took is refused instead, with the no-drop cursor.
 */
export function keepDroppedFilesInPage(target: Pick<Window, 'addEventListener'>): void {
  const refuse = (event: DragEvent) => {
    if (event.defaultPrevented || !carriesFiles(event.dataTransfer)) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'none';
  };
  target.addEventListener('dragover', refuse);
  target.addEventListener('drop', refuse);
}
