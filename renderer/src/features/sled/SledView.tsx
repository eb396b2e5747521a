import { useEffect } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { PageHeader } from '../../components/PageHeader';
import { useConnections } from '../../stores';
import { FilesStep } from './FilesStep';
import { ImportList } from './ImportList';
import { LoadStep } from './LoadStep';
import { PlanStep } from './PlanStep';
import { ReportStep } from './ReportStep';
import { Stepper } from './Stepper';
import { SummaryStep } from './SummaryStep';
import { baseName, formatCount, formatTime } from './sled-format';
import type { SledState, SledStep } from './sled-state';
import { sledSteps, stepDone, stepLabels, stepReachable } from './sled-state';
import { useSled } from './sled-hooks';
import './sled.css';

const lockedReasons: Record<SledStep, string> = {
  files: '',
  summary: 'Import the files first',
  plan: 'Import the files first',
  load: 'Make the plan for a target first (Re-plan after changing the settings)',
  report: 'Load the import first',
};

export function SledView() {
  const loadList = useSled((s) => s.loadList);
  useDefaultTarget();

  useEffect(() => {
    // The data folder may have changed while the section was closed (the CLI): read it each visit.
    void loadList();
  }, [loadList]);

  return (
    <div className="page page--sled" data-testid="view-sled-import">
      <PageHeader
        title="Sled import"
        description="Move the legacy Sled data into PostgreSQL exactly once: stage the export in SQLite, check it, plan, load, and reconcile every entry."
      />
      <div className="sled-layout">
        <ImportList />
        <Wizard />
      </div>
      <DeleteDialog />
    </div>
  );
}

/** The load target defaults to the active connection's profile until the user picks one. */
function useDefaultTarget() {
  const targetId = useSled((s) => s.targetId);
  const setTarget = useSled((s) => s.setTarget);
  const activeProfileId = useConnections((s) =>
    s.activeConnection && 'profileId' in s.activeConnection ? s.activeConnection.profileId : null,
  );
  useEffect(() => {
    if (targetId === null && activeProfileId !== null) setTarget(activeProfileId);
  }, [targetId, activeProfileId, setTarget]);
}

/** Which steps are open and which done, as one string ("10,11,…") so the stepper re-renders only when they change. */
function stepFlags(state: SledState): string {
  const gate = { ...state, current: state.imports.find((i) => i.id === state.currentId) ?? null };
  return sledSteps
    .map(
      (step) => `${stepReachable(gate, step, state.targetId) ? 1 : 0}${stepDone(gate, step, state.targetId) ? 1 : 0}`,
    )
    .join(',');
}

function Wizard() {
  const step = useSled((s) => s.step);
  const goTo = useSled((s) => s.goTo);
  const flags = useSled(stepFlags).split(',');
  const flag = (s: SledStep, index: 0 | 1) => flags[sledSteps.indexOf(s)]?.[index] === '1';
  return (
    <section className="sled-wizard" aria-label="Import wizard">
      <Stepper
        current={step}
        reachable={(s) => flag(s, 0)}
        done={(s) => flag(s, 1)}
        lockedReason={(s) => lockedReasons[s]}
        onSelect={goTo}
      />
      <div className="sled-wizard__panel" role="region" aria-label={stepLabels[step]}>
        {step === 'files' ? (
          <FilesStep />
        ) : step === 'summary' ? (
          <SummaryStep />
        ) : step === 'plan' ? (
          <PlanStep />
        ) : step === 'load' ? (
          <LoadStep />
        ) : (
          <ReportStep />
        )}
      </div>
    </section>
  );
}

function DeleteDialog() {
  const target = useSled((s) => (s.deleteTarget ? (s.imports.find((i) => i.id === s.deleteTarget) ?? null) : null));
  const cancel = useSled((s) => s.cancelDelete);
  const confirm = useSled((s) => s.confirmDelete);
  if (!target) return null;
  const name = target.files.map((f) => baseName(f.path)).join(', ') || target.id;
  return (
    <ConfirmDialog
      title={`Delete import ${name}?`}
      confirmLabel="Delete"
      danger
      onConfirm={() => void confirm()}
      onCancel={cancel}
      confirmTestId="sled-confirm-delete"
      testId="sled-delete-dialog"
    >
      <div className="sled-dialog-text">
        <p>
          The staging database of import <span className="mono">{target.id}</span> (staged{' '}
          {formatTime(target.createdAt)}, {formatCount(target.entries)} entries) is removed from the data folder. This
          cannot be undone: to see its report or load it again, import the files again.
        </p>
        {target.lastLoadAt ? <p>Rows it loaded into PostgreSQL stay there, with their provenance.</p> : null}
      </div>
    </ConfirmDialog>
  );
}
