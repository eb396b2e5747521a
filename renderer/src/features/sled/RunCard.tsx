import type { ReactNode } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { RunCard as SharedRunCard } from '../../components/RunCard';
import { useNow } from '../backend/use-now';
import { RunProgressView } from './RunProgressView';
import type { SledRun } from './sled-state';
import { useSled } from './sled-hooks';

type RunTitleState = 'running' | 'cancelling' | 'done' | 'cancelled' | 'failed';

/** "Loading into <db>", "Load into <db> failed", "Import of <file> cancelled". */
function runTitle(kind: SledRun['kind'], state: RunTitleState, label: string): ReactNode {
  const what = <span className="mono">{label}</span>;
  if (kind === 'import') {
    switch (state) {
      case 'running':
        return <>Importing {what}</>;
      case 'cancelling':
        return <>Cancelling the import of {what}…</>;
      case 'done':
        return <>Imported {what}</>;
      case 'cancelled':
        return <>Import of {what} cancelled</>;
      case 'failed':
        return <>Import of {what} failed</>;
    }
  }
  switch (state) {
    case 'running':
      return <>Loading into {what}</>;
    case 'cancelling':
      return <>Cancelling the load into {what}…</>;
    case 'done':
      return <>Loaded into {what}</>;
    case 'cancelled':
      return <>Load into {what} cancelled</>;
    case 'failed':
      return <>Load into {what} failed</>;
  }
}

const cancelledNotes: Record<SledRun['kind'], string> = {
  import:
    'Cancelled: the import stopped where it was. Its staging database is listed as cancelled; delete it or import again.',
  load: 'Cancelled: each committed batch stays, recorded with its provenance. Load again to finish — nothing is loaded twice.',
};

/** The import or load of `kind` going on (or just ended): live progress, Cancel, then how it ended. */
export function RunCard({ kind }: { kind: SledRun['kind'] }) {
  const run = useSled((s) => (s.run?.kind === kind ? s.run : null));
  const cancel = useSled((s) => s.cancelRun);
  const dismiss = useSled((s) => s.dismissRun);
  const running = run !== null && run.outcome === null;
  const now = useNow(250, running);
  if (!run) return null;
  const { outcome } = run;
  const state = outcome ? outcome.kind : running && run.cancelling ? 'cancelling' : 'running';
  const elapsedMs = run.elapsedMs ?? Math.max(0, now - run.startedAt);
  return (
    <SharedRunCard
      state={outcome ? outcome.kind : 'running'}
      title={runTitle(kind, state, run.label)}
      ariaLabel={kind === 'import' ? 'Import run' : 'Load run'}
      testId={`sled-${kind}-run`}
      cancelling={run.cancelling}
      onCancel={() => void cancel()}
      onDismiss={dismiss}
      buttonTestId="sled-run"
    >
      {/* Refused before it began (a bad passphrase, a missing file): no progress to show, only why. */}
      {outcome?.kind === 'failed' && !run.started ? null : (
        <RunProgressView
          progress={run.progress}
          elapsedMs={elapsedMs}
          running={running}
          done={outcome?.kind === 'done'}
        />
      )}
      {run.cancelError ? (
        <ErrorBox error={run.cancelError} title="Cancel failed — the run goes on" testId="sled-cancel-error" />
      ) : null}
      {outcome?.kind === 'cancelled' ? (
        <p className="sled-run__outcome" data-testid="sled-run-outcome">
          {cancelledNotes[kind]}
        </p>
      ) : outcome?.kind === 'failed' ? (
        <ErrorBox error={outcome.error} testId="sled-run-error" />
      ) : null}
    </SharedRunCard>
  );
}
