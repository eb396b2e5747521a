import type { ReactNode } from 'react';

export type RunCardState = 'running' | 'done' | 'cancelled' | 'failed';

export interface RunCardProps {
  state: RunCardState;
  title: ReactNode;
  /** The heading's level where the card sits. */
  heading?: 'h2' | 'h3';
  ariaLabel: string;
  testId: string;
  /** Cancel while running (disabled once asked), Dismiss once ended; their test ids are `${buttonTestId}-cancel` / `-dismiss`. */
  cancelling: boolean;
  onCancel(): void;
  onDismiss(): void;
  buttonTestId: string;
  /** A class of the feature's own, for what only it shows. */
  className?: string;
  children: ReactNode;
}

/** A long run's card (an import, a load, a capture): a border in the state's colour, the title, Cancel or Dismiss, then the body. */
export function RunCard({
  state,
  title,
  heading: Heading = 'h3',
  ariaLabel,
  testId,
  cancelling,
  onCancel,
  onDismiss,
  buttonTestId,
  className,
  children,
}: RunCardProps) {
  return (
    <section
      className={`card run-card run-card--${state}${className ? ` ${className}` : ''}`}
      aria-label={ariaLabel}
      aria-live="polite"
      data-testid={testId}
      data-state={state}
    >
      <div className="run-card__head">
        <Heading className="card__title">{title}</Heading>
        {state === 'running' ? (
          <button
            className="button button--small"
            type="button"
            onClick={onCancel}
            disabled={cancelling}
            data-testid={`${buttonTestId}-cancel`}
          >
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : (
          <button
            className="button button--small"
            type="button"
            onClick={onDismiss}
            data-testid={`${buttonTestId}-dismiss`}
          >
            Dismiss
          </button>
        )}
      </div>
      {children}
    </section>
  );
}
