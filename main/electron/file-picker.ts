/**
 * The UI's "Browse…" buttons in the desktop app: Electron's open and save
 * dialogs, modal to the main window. Only paths come back, and only to the
 * window's own IPC calls (registerIpc checks the sender first).
 */
import type { BrowserWindow, Dialog, OpenDialogOptions, SaveDialogOptions } from 'electron';
import type { FilePicker, OpenRequest, SaveRequest } from '../services/files/file-picker';

export type DialogApi = Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>;

const openProperties: Record<OpenRequest['choose'], OpenDialogOptions['properties']> = {
  file: ['openFile'],
  files: ['openFile', 'multiSelections'],
  folder: ['openDirectory', 'createDirectory'],
};

export class ElectronFilePicker implements FilePicker {
  constructor(
    private readonly dialog: DialogApi,
    private readonly getWindow: () => BrowserWindow | null,
  ) {}

  async chooseOpen(request: OpenRequest): Promise<string[]> {
    const options: OpenDialogOptions = {
      title: request.title,
      properties: openProperties[request.choose],
      ...(request.filters ? { filters: request.filters } : {}),
      ...(request.defaultPath ? { defaultPath: request.defaultPath } : {}),
    };
    const window = this.getWindow();
    const result = window
      ? await this.dialog.showOpenDialog(window, options)
      : await this.dialog.showOpenDialog(options);
    if (result.canceled) return [];
    return request.choose === 'files' ? result.filePaths : result.filePaths.slice(0, 1);
  }

  async chooseSave(request: SaveRequest): Promise<string | null> {
    const options: SaveDialogOptions = {
      title: request.title,
      properties: ['createDirectory', 'showOverwriteConfirmation'],
      ...(request.filters ? { filters: request.filters } : {}),
      ...(request.defaultPath ? { defaultPath: request.defaultPath } : {}),
    };
    const window = this.getWindow();
    const result = window
      ? await this.dialog.showSaveDialog(window, options)
      : await this.dialog.showSaveDialog(options);
    return result.canceled || result.filePath === '' ? null : result.filePath;
  }
}
