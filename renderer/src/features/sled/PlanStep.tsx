import { useEffect } from 'react';
import { Spinner } from '../../components/StatGrid';
import { PlanResult } from './PlanResult';
import { SettingsCard } from './SettingsCard';
import { TargetCard } from './TargetCard';
import { ErrorBox } from '../../components/ErrorBox';
import { ProgressBar } from '../../components/ProgressBar';
import { formatCount, formatEta, progressFraction } from './sled-format';
import { planIsCurrent, planTitle, settingsChanged } from './sled-state';
import { useSled } from './sled-hooks';

/** Step 3: the target, the settings, and what a load would do per table. */
export function PlanStep() {
  const targetId = useSled((s) => s.targetId);
  const plan = useSled((s) => s.plan);
  const plannedFor = useSled((s) => s.plannedFor);
  const planning = useSled((s) => s.planning);
  const planError = useSled((s) => s.planError);
  const planFailed = planError !== null;
  const hasForm = useSled((s) => s.settingsForm !== null);
  const changed = useSled(settingsChanged);
  const current = useSled((s) => planIsCurrent({ ...s, current: null }, s.targetId));
  const makePlan = useSled((s) => s.makePlan);
  const goTo = useSled((s) => s.goTo);
  const entries = useSled((s) => s.imports.find((i) => i.id === s.currentId)?.entries ?? null);

  useEffect(() => {
    // Count against the chosen target (already loaded rows) as soon as there is one, keeping the saved
    // settings; edited settings wait for Re-plan, which saves them. A failure is shown, not retried in a loop.
    if (planning || planFailed || changed) return;
    if (plan === null || (targetId !== null && plannedFor !== targetId)) {
      void makePlan(targetId ? { profileId: targetId } : null, false);
    }
  }, [plan, plannedFor, targetId, planning, planFailed, changed, makePlan]);

  return (
    <div className="sled-step" data-testid="sled-plan-step">
      <TargetCard />
      <SettingsCard targetId={targetId} />
      {planning ? <PlanCounting entries={entries} /> : null}
      {planError && !hasForm ? (
        // Before any plan has filled the settings card, which otherwise shows the error beside Re-plan.
        <section className="card sled-plan-failed">
          <ErrorBox error={planError} title={planTitle(planError)} testId="sled-plan-error" />
          <div className="sled-actions">
            <button
              className="button button--primary"
              type="button"
              onClick={() => void makePlan(targetId ? { profileId: targetId } : null, false)}
              data-testid="sled-plan-again"
            >
              Plan again
            </button>
          </div>
        </section>
      ) : null}
      {plan ? <PlanResult plan={plan} stale={changed || (targetId !== null && plannedFor !== targetId)} /> : null}
      <div className="sled-actions">
        <button
          className="button button--primary"
          type="button"
          onClick={() => goTo('load')}
          disabled={!current}
          title={
            current
              ? undefined
              : targetId === null
                ? 'Choose the target first'
                : 'Re-plan first: the plan must match the settings and the target'
          }
          data-testid="sled-next"
        >
          Next: load
        </button>
        {!current ? (
          <span className="field-note" data-testid="sled-plan-next-reason">
            {targetId === null
              ? 'Choose the target to load into.'
              : 'Re-plan to save the settings and count against the target.'}
          </span>
        ) : null}
      </div>
    </div>
  );
}

/** The plan being counted: how far (entries decided of all staged), about how long is left, and Stop. */
function PlanCounting({ entries }: { entries: number | null }) {
  const progress = useSled((s) => s.planProgress);
  const againstTarget = useSled((s) => s.planningFor !== null);
  const cancelPlan = useSled((s) => s.cancelPlan);
  const fraction = progress ? progressFraction(progress) : null;
  const eta = progress?.etaSeconds ?? null;
  return (
    <section className="card sled-plan-counting" role="status" data-testid="sled-plan-counting">
      <p className="muted">
        <Spinner />
        Counting, per target table, what a load of {entries === null ? 'the' : formatCount(entries)} staged{' '}
        {entries === 1 ? 'entry' : 'entries'} would do{againstTarget ? ', against the target database' : ''}…
      </p>
      <ProgressBar fraction={fraction} label="Plan progress" testId="sled-plan-progress" />
      <div className="sled-plan-counting__foot">
        <span className="field-note" data-testid="sled-plan-progress-text">
          {progress && progress.total !== null
            ? `${formatCount(progress.done)} of ${formatCount(progress.total)} entries decided` +
              (eta !== null && progress.done > 0 ? `, ${formatEta(eta)} left` : '')
            : 'Starting…'}
        </span>
        <button className="button" type="button" onClick={() => void cancelPlan()} data-testid="sled-plan-stop">
          Stop
        </button>
      </div>
    </section>
  );
}
