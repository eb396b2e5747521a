import type { MigrationPlan } from '../../../../common/migrations';
import { ErrorBox } from '../../components/ErrorBox';
import { FailureView } from './FailureView';
import { failureStartLine } from './migration-progress';
import { formatMs, plural, versionLabel } from './migration-format';
import type { ApplyRun } from './migrations-state';
import { NOTABLE_LOCK_WAIT_MS, RunProgressView } from './RunProgressView';

export interface RunPanelProps {
  run: ApplyRun;
  database: string;
  fileNames: ReadonlyMap<number, string>;
  /** The last plan, if any: it knows where each statement starts. */
  plan: MigrationPlan | null;
  onDismiss(): void;
}

/** An apply run: live progress while it goes, then what it applied or where it failed. Props only. */
export function RunPanel({ run, database, fileNames, plan, onDismiss }: RunPanelProps) {
  const { outcome, progress } = run;
  const label = (version: number) => versionLabel(version, fileNames.get(version) ?? null);
  const scope = run.to === null ? 'all pending migrations' : `migrations up to ${label(run.to)}`;
  const result = outcome?.kind === 'result' ? outcome.result : null;
  const state = !outcome
    ? 'running'
    : outcome.kind === 'error' || result?.failure
      ? 'failed'
      : result?.upToDate
        ? 'up-to-date'
        : 'applied';

  return (
    <section className="card migration-run" aria-live="polite" data-testid="migration-run" data-state={state}>
      <div className="migration-panel__head">
        <h2 className="card__title">
          {outcome ? 'Last run' : 'Applying'} <span className="muted">· {scope} on</span>{' '}
          <span className="mono">{database}</span>
        </h2>
        {outcome ? (
          <button className="button button--small" type="button" onClick={onDismiss} data-testid="run-dismiss">
            Dismiss
          </button>
        ) : null}
      </div>

      {result ? (
        <p
          className={
            result.failure ? 'migration-run__summary migration-run__summary--failed' : 'migration-run__summary'
          }
          data-testid="run-summary"
        >
          {result.upToDate
            ? 'Nothing to apply: the database was already up to date.'
            : `Applied ${plural(result.applied.length, 'migration')} in ${formatMs(outcome?.kind === 'result' ? outcome.elapsedMs : 0)}` +
              (result.failure ? `, then ${label(result.failure.version)} failed` : '') +
              '.'}
          {result.lockWaitMs >= NOTABLE_LOCK_WAIT_MS ? (
            <span className="muted"> Waited {formatMs(result.lockWaitMs)} for the migration lock.</span>
          ) : null}
        </p>
      ) : null}

      {outcome?.kind === 'error' ? (
        <ErrorBox error={outcome.error} title="The run did not start" testId="run-error" />
      ) : null}

      {outcome?.kind !== 'error' ? <RunProgressView progress={progress} fileNames={fileNames} /> : null}

      {result?.failure ? (
        <FailureView
          failure={result.failure}
          startLine={failureStartLine(result.failure, progress, plan)}
          title={`Migration ${label(result.failure.version)} failed`}
        />
      ) : null}

      {result && result.skippedOutOfOrder.length > 0 ? (
        <p className="field-note" data-testid="run-skipped-out-of-order">
          Left pending, out of order: {result.skippedOutOfOrder.map(label).join(', ')} (tick “Allow out-of-order” to run{' '}
          {result.skippedOutOfOrder.length === 1 ? 'it' : 'them'}).
        </p>
      ) : null}

      {result && result.notRun.length > 0 ? (
        <p className="field-note" data-testid="run-not-run">
          Not run because of the failure: {result.notRun.map(label).join(', ')}.
        </p>
      ) : null}
    </section>
  );
}
