/**
 * The desktop app's file dialogs, for the Browse… buttons beside path fields.
 * Available only where main says so (app.info's filePicker: the Electron
 * window); in the browser the buttons are not shown and paths are typed.
 */
import type { CallInput } from '../../../../common/contract';
import type { FileFilter } from '../../../../common/domain';
import { api } from '../../api/client';
import { useAbout } from '../../stores';

export type OpenRequest = CallInput<'files.chooseOpen'>;
export type SaveRequest = CallInput<'files.chooseSave'>;

export const fileDialogs = {
  async chooseOpen(request: OpenRequest): Promise<string[]> {
    return (await api().invoke('files.chooseOpen', request)).paths;
  },
  async chooseSave(request: SaveRequest): Promise<string | null> {
    return (await api().invoke('files.chooseSave', request)).path;
  },
};

export const useFileDialogsAvailable = (): boolean => useAbout((s) => s.info?.filePicker === true);

export const anyFile: FileFilter = { name: 'All files', extensions: ['*'] };
