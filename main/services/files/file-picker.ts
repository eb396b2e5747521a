/**
 * The system's file dialogs, for the UI's "Browse…" buttons. Only the desktop
 * app has them (main/electron/file-picker.ts); in serve mode the browser runs
 * on the same machine but cannot hand the server a path, and the CLI takes
 * paths as arguments, so there the calls are refused and the UI offers none.
 */
import type { FileChoice, FileFilter } from '../../../common/domain';
import { OpsError } from '../../../common/errors';

export interface OpenRequest {
  title: string;
  choose: FileChoice;
  filters?: FileFilter[];
  defaultPath?: string;
}

export interface SaveRequest {
  title: string;
  defaultPath?: string;
  filters?: FileFilter[];
}

export interface FilePicker {
  /** The chosen paths; none when the dialog was cancelled. */
  chooseOpen(request: OpenRequest): Promise<string[]>;
  /** The chosen path; null when the dialog was cancelled. */
  chooseSave(request: SaveRequest): Promise<string | null>;
}

function noDialog(): OpsError {
  return new OpsError('unavailable', 'File dialogs exist only in the desktop app.', {
    hint: 'Type the path of the file on the machine running ops-console.',
  });
}

/** Serve mode and the CLI: no dialogs. */
export class NoFilePicker implements FilePicker {
  chooseOpen(): Promise<string[]> {
    return Promise.reject(noDialog());
  }

  chooseSave(): Promise<string | null> {
    return Promise.reject(noDialog());
  }
}
