import type { MigrationPlan } from '../../../../common/migrations';
import { Badge } from '../../components/Badge';
import { CodeBlock } from '../../components/CodeBlock';
import { ErrorBox } from '../../components/ErrorBox';
import { FailureView } from './FailureView';
import type { RunProgress } from './migration-progress';
import { failureStartLine } from './migration-progress';
import { formatMs, plural, shortChecksum, versionLabel } from './migration-format';
import type { PlanState } from './migrations-state';
import { RunProgressView } from './RunProgressView';

export interface PlanPanelProps {
  plan: PlanState;
  verifyProgress: RunProgress | null;
  fileNames: ReadonlyMap<number, string>;
  onClose(): void;
}

/** What apply would run, file by file with its SQL, and the verification's verdict. Props only. */
export function PlanPanel({ plan, verifyProgress, fileNames, onClose }: PlanPanelProps) {
  const label = (version: number) => versionLabel(version, fileNames.get(version) ?? null);
  const scope = plan.to === null ? '' : ` up to ${label(plan.to)}`;
  return (
    <section className="card migration-plan" data-testid="migration-plan" data-state={plan.state}>
      <div className="migration-panel__head">
        <h2 className="card__title">
          {plan.verify ? 'Verified plan' : 'Plan'}
          {scope ? <span className="muted">{scope}</span> : null}
        </h2>
        {plan.state !== 'running' ? (
          <button className="button button--small" type="button" onClick={onClose} data-testid="plan-close">
            Close
          </button>
        ) : null}
      </div>
      {plan.state === 'running' ? (
        plan.verify && verifyProgress ? (
          <>
            <p className="field-note">
              Running every statement in one transaction that is rolled back at the end: nothing is kept.
            </p>
            <RunProgressView progress={verifyProgress} fileNames={fileNames} />
          </>
        ) : (
          <p className="muted">Reading the plan…</p>
        )
      ) : null}
      {plan.state === 'failed' ? (
        <ErrorBox
          error={plan.error}
          title={plan.verify ? 'Could not verify the plan' : 'Could not make the plan'}
          testId="plan-error"
        />
      ) : null}
      {plan.state === 'done' ? <PlanBody plan={plan.value} /> : null}
    </section>
  );
}

function PlanBody({ plan }: { plan: MigrationPlan }) {
  const { verification } = plan;
  return (
    <div className="migration-plan__body">
      <p data-testid="plan-summary">
        {plan.migrations.length === 0
          ? 'Nothing would run.'
          : `${plural(plan.migrations.length, 'migration')} would run on `}
        {plan.migrations.length > 0 ? <span className="mono">{plan.database}</span> : null}
        {plan.migrations.length > 0 ? ', in this order.' : null}
      </p>
      {plan.blockers.length > 0 ? (
        <p className="console__warning" data-testid="plan-blocked">
          Apply is blocked until {plural(plan.blockers.length, 'blocker')} {plan.blockers.length === 1 ? 'is' : 'are'}{' '}
          resolved (see Blockers).
        </p>
      ) : null}
      {verification ? (
        verification.ok ? (
          <p className="migration-verdict migration-verdict--ok" data-testid="plan-verification" data-ok="true">
            Verified in {formatMs(verification.durationMs)}: every statement ran in one transaction, which was then
            rolled back.
            {verification.skippedNoTransaction.length > 0
              ? ` Not run (no-transaction migrations cannot be rolled back): ${verification.skippedNoTransaction.join(', ')}.`
              : ''}
          </p>
        ) : (
          <div data-testid="plan-verification" data-ok="false">
            {verification.failure ? (
              <FailureView
                failure={verification.failure}
                startLine={failureStartLine(verification.failure, null, plan)}
                title={`Verification failed in ${verification.failure.fileName} — everything was rolled back`}
              />
            ) : (
              <p className="text-danger">Verification failed.</p>
            )}
          </div>
        )
      ) : null}
      {plan.migrations.length > 0 ? (
        <ol className="plan-list" data-testid="plan-list">
          {plan.migrations.map((m) => (
            <li key={m.version} className="plan-item" data-testid="plan-item" data-version={m.version}>
              <details>
                <summary className="plan-item__summary">
                  <span className="plan-item__version mono">{versionLabel(m.version, m.fileName)}</span>
                  <span className="plan-item__file mono" data-testid="plan-item-file">
                    {m.fileName}
                  </span>
                  <span className="muted">{plural(m.statements.length, 'statement')}</span>
                  {m.noTransaction ? (
                    <Badge tone="warn" title="Runs outside a transaction: a failure midway is not rolled back">
                      no transaction
                    </Badge>
                  ) : null}
                  <span className="plan-item__checksum mono muted" title={`SHA-384 ${m.checksum}`}>
                    {shortChecksum(m.checksum)}
                  </span>
                </summary>
                <CodeBlock code={m.sql} label={m.fileName} testId="plan-item-sql" />
              </details>
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}
