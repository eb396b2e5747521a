import type { FormEvent, ReactNode } from 'react';
import { useEffect, useId, useRef } from 'react';

export interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** A destructive or risky action: the confirm button is red. */
  danger?: boolean;
  busy?: boolean;
  /** When set, the user must type this text exactly to enable the confirm button. */
  requireText?: { expected: string; value: string; label: ReactNode; onChange(value: string): void; testId?: string };
  onConfirm(): void;
  onCancel(): void;
  confirmTestId?: string;
  testId?: string;
}

/** A modal confirmation. Escape or Cancel closes it; focus starts in the dialog. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger = false,
  busy = false,
  requireText,
  onConfirm,
  onCancel,
  confirmTestId,
  testId,
}: ConfirmDialogProps) {
  const titleId = useId();
  const inputId = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);
  const matches = !requireText || requireText.value.trim() === requireText.expected;

  useEffect(() => {
    // With a text to type, the input has autoFocus; otherwise Cancel is the safe default.
    if (!requireText) cancelRef.current?.focus();
    // Only on open.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onCancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCancel]);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (matches && !busy) onConfirm();
  };

  return (
    <div className="dialog-backdrop">
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onSubmit={onSubmit}
        data-testid={testId}
      >
        <h2 className="dialog__title" id={titleId}>
          {title}
        </h2>
        <div className="dialog__body">{children}</div>
        {requireText ? (
          <div className="dialog__confirm">
            <label className="field-label" htmlFor={inputId}>
              {requireText.label}
            </label>
            <input
              id={inputId}
              className="text-input mono"
              type="text"
              value={requireText.value}
              onChange={(event) => requireText.onChange(event.target.value)}
              autoComplete="off"
              spellCheck={false}
              autoFocus
              data-testid={requireText.testId}
            />
          </div>
        ) : null}
        <div className="dialog__actions">
          <button ref={cancelRef} className="button" type="button" onClick={onCancel}>
            Cancel
          </button>
          <button
            className={danger ? 'button button--danger' : 'button button--primary'}
            type="submit"
            disabled={!matches || busy}
            data-testid={confirmTestId}
          >
            {confirmLabel}
          </button>
        </div>
      </form>
    </div>
  );
}
