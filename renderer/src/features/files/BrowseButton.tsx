import { useState } from 'react';
import type { FileFilter } from '../../../../common/domain';
import { toErrorInfo } from '../../api/error-info';
import { fileDialogs, useFileDialogsAvailable } from './file-dialogs';
import { folderOf } from './folder-of';

interface OpenProps {
  /** The dialog's title, which also names the button for screen readers. */
  title: string;
  choose: 'file' | 'files' | 'folder';
  filters?: FileFilter[];
  /** The path in the field now: the dialog starts in its folder. */
  current?: string;
  onPick(paths: string[]): void;
  disabled?: boolean;
  testId: string;
}

/** "Browse…" beside a path field: the system's open dialog (desktop app only; renders nothing elsewhere). */
export function BrowseButton({ title, choose, filters, current, onPick, disabled, testId }: OpenProps) {
  const available = useFileDialogsAvailable();
  const [problem, setProblem] = useState<string | null>(null);
  if (!available) return null;
  const start = current ? (choose === 'folder' ? current.trim() : folderOf(current)) : null;
  const open = async () => {
    setProblem(null);
    try {
      const paths = await fileDialogs.chooseOpen({
        title,
        choose,
        ...(filters ? { filters } : {}),
        ...(start ? { defaultPath: start } : {}),
      });
      if (paths.length > 0) onPick(paths);
    } catch (error) {
      setProblem(toErrorInfo(error).message);
    }
  };
  return (
    <DialogButton label="Browse…" title={title} problem={problem} disabled={disabled} testId={testId} onClick={open} />
  );
}

interface SaveProps {
  title: string;
  /** A suggested file name, or the path in the field now. */
  defaultPath: string;
  filters?: FileFilter[];
  onPick(path: string): void;
  disabled?: boolean;
  testId: string;
}

/** "Choose…" beside a path to write: the system's save dialog (desktop app only). */
export function SaveAsButton({ title, defaultPath, filters, onPick, disabled, testId }: SaveProps) {
  const available = useFileDialogsAvailable();
  const [problem, setProblem] = useState<string | null>(null);
  if (!available) return null;
  const choose = async () => {
    setProblem(null);
    try {
      const path = await fileDialogs.chooseSave({
        title,
        ...(defaultPath.trim() ? { defaultPath: defaultPath.trim() } : {}),
        ...(filters ? { filters } : {}),
      });
      if (path !== null) onPick(path);
    } catch (error) {
      setProblem(toErrorInfo(error).message);
    }
  };
  return (
    <DialogButton
      label="Choose…"
      title={title}
      problem={problem}
      disabled={disabled}
      testId={testId}
      onClick={choose}
    />
  );
}

function DialogButton(props: {
  label: string;
  title: string;
  problem: string | null;
  disabled: boolean | undefined;
  testId: string;
  onClick(): Promise<void>;
}) {
  return (
    <>
      <button
        className="button button--small"
        type="button"
        title={props.title}
        disabled={props.disabled}
        onClick={() => void props.onClick()}
        data-testid={props.testId}
      >
        {props.label}
      </button>
      {props.problem ? (
        <span className="field-error" role="alert" data-testid={`${props.testId}-error`}>
          The dialog could not open: {props.problem}
        </span>
      ) : null}
    </>
  );
}
