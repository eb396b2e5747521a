import type { SledStep } from './sled-state';
import { sledSteps, stepLabels } from './sled-state';

export interface StepperProps {
  current: SledStep;
  /** Whether each step can be opened (its predecessor is done). */
  reachable(step: SledStep): boolean;
  /** Whether each step is finished. */
  done(step: SledStep): boolean;
  /** Why a step cannot be opened yet, for its title. */
  lockedReason(step: SledStep): string;
  onSelect(step: SledStep): void;
}

/** The wizard's steps across the top: done ones ticked, the current one marked, later ones locked. Props only. */
export function Stepper({ current, reachable, done, lockedReason, onSelect }: StepperProps) {
  return (
    <nav className="sled-stepper" aria-label="Import steps">
      <ol className="sled-stepper__list">
        {sledSteps.map((step, index) => {
          const open = reachable(step);
          const finished = done(step);
          const state = step === current ? 'current' : finished ? 'done' : open ? 'open' : 'locked';
          return (
            <li key={step} className={`sled-stepper__item sled-stepper__item--${state}`}>
              <button
                type="button"
                className="sled-stepper__button"
                onClick={() => onSelect(step)}
                disabled={!open}
                aria-current={step === current ? 'step' : undefined}
                title={open ? undefined : lockedReason(step)}
                data-testid={`sled-step-${step}`}
                data-state={state}
              >
                <span className="sled-stepper__number" aria-hidden="true">
                  {finished && step !== current ? '✓' : index + 1}
                </span>
                <span className="sled-stepper__label">{stepLabels[step]}</span>
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
