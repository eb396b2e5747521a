import { useEffect } from 'react';
import { Spinner } from '../../components/StatGrid';
import { PlanResult } from './PlanResult';
import { SettingsCard } from './SettingsCard';
import { TargetCard } from './TargetCard';
import { formatCount } from './sled-format';
import { planIsCurrent, settingsChanged } from './sled-state';
import { useSled } from './sled-hooks';

/** Step 3: the target, the settings, and what a load would do per table. */
export function PlanStep() {
  const targetId = useSled((s) => s.targetId);
  const plan = useSled((s) => s.plan);
  const plannedFor = useSled((s) => s.plannedFor);
  const planning = useSled((s) => s.planning);
  const planFailed = useSled((s) => s.planError !== null);
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
      {plan ? (
        <PlanResult plan={plan} stale={changed || (targetId !== null && plannedFor !== targetId)} />
      ) : planning ? (
        <p className="muted" role="status" data-testid="sled-plan-counting">
          <Spinner />
          Counting, per target table, what a load of {entries === null ? 'the' : formatCount(entries)} staged{' '}
          {entries === 1 ? 'entry' : 'entries'} would do{targetId !== null ? ', against the target database' : ''}…
        </p>
      ) : null}
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
