import { useEffect, useId, useMemo } from 'react';
import type { MigrationState, MigrationStatusReport } from '../../../../common/migrations';
import { migrationStates } from '../../../../common/migrations';
import { Badge } from '../../components/Badge';
import { EmptyState } from '../../components/EmptyState';
import { NO_CONNECTION_YET, NoConnectionPage } from '../../components/NoConnectionPage';
import { ErrorBox } from '../../components/ErrorBox';
import { KeyValue } from '../../components/KeyValue';
import { PageHeader } from '../../components/PageHeader';
import { useConnections, useNavigation } from '../../stores';
import { isActiveProduction, isActiveReadOnly } from '../connections/connections-store';
import { BaselinePanel } from './BaselinePanel';
import { BlockersPanel, resolveLabels } from './BlockersPanel';
import { MigrationConfirmDialog } from './MigrationConfirmDialog';
import { plural, stateLabels, versionLabel } from './migration-format';
import { MigrationTable } from './MigrationTable';
import { useMigrations } from './migrations-hooks';
import { applyDisabledReason, canBaseline, effectiveTarget, isBusy, runnableVersions } from './migrations-store';
import { PlanPanel } from './PlanPanel';
import { RunPanel } from './RunPanel';

const noFiles: ReadonlyMap<number, string> = new Map();

/** File names by version, from the status (missing files have none). */
function useFileNames(): ReadonlyMap<number, string> {
  const status = useMigrations((s) => s.status);
  return useMemo(() => {
    if (!status) return noFiles;
    const names = new Map<number, string>();
    for (const e of status.entries) if (e.fileName) names.set(e.version, e.fileName);
    return names;
  }, [status]);
}

function useWriteGuard() {
  const production = useConnections(isActiveProduction);
  const readOnly = useConnections(isActiveReadOnly);
  return useMemo(() => ({ production, readOnly }), [production, readOnly]);
}

export function MigrationsView() {
  const activeConnection = useConnections((s) => s.activeConnection);
  const snapshot = useConnections((s) => s.openSnapshot);
  const closeSnapshot = useConnections((s) => s.closeSnapshot);
  const load = useMigrations((s) => s.load);
  const clear = useMigrations((s) => s.clear);
  const navigate = useNavigation((s) => s.navigate);
  const offline = snapshot !== null;

  useEffect(() => {
    // Read once per connection; a later visit shows what is known until the user reloads (runs reload by themselves).
    // Not while a snapshot is open: the window is offline then.
    if (offline) return;
    if (activeConnection) void load(activeConnection);
    else clear();
  }, [activeConnection, offline, load, clear]);

  if (snapshot) {
    return (
      <div className="page page--narrow" data-testid="view-migrations">
        <PageHeader title="Migrations" />
        <EmptyState
          testId="migrations-offline"
          action={
            <button className="button button--primary" type="button" onClick={closeSnapshot}>
              Close snapshot
            </button>
          }
        >
          <p className="empty-state__lead">A snapshot is open — migrations work on the live database</p>
          <p>
            Snapshot <strong>{snapshot.name}</strong> is being browsed offline and read-only. Close it to see and apply
            the migrations of {activeConnection ? 'the active connection' : 'a connected database'}; its recorded
            migration history is in its details under Snapshots.
          </p>
        </EmptyState>
      </div>
    );
  }

  if (!activeConnection) {
    return (
      <NoConnectionPage
        title="Migrations"
        testId="migrations-empty"
        pageTestId="view-migrations"
        lead={NO_CONNECTION_YET}
        onGoToConnections={() => navigate('connections')}
      >
        <p>
          Migrations compares the active database’s <span className="mono">_sqlx_migrations</span> history with the
          migrations shipped with the app, and applies the pending ones in order, with checksums, a lock and a verified
          dry run.
        </p>
      </NoConnectionPage>
    );
  }

  return (
    <div className="page page--migrations" data-testid="view-migrations">
      <MigrationsHeader />
      <StatusSection />
      <BlockersSection />
      <OutOfOrderSection />
      <ResolutionSection />
      <RunSection />
      <PlanSection />
      <BaselineSection />
      <EntriesSection />
      <ConfirmSection />
    </div>
  );
}

function MigrationsHeader() {
  const status = useMigrations((s) => s.status);
  const loading = useMigrations((s) => s.loading);
  const connection = useMigrations((s) => s.connection);
  const load = useMigrations((s) => s.load);
  const description = status
    ? `${status.database} · PostgreSQL ${status.serverVersion}`
    : loading
      ? 'Reading the migration history…'
      : 'The migration history of the active connection.';
  return (
    <PageHeader
      title="Migrations"
      description={<span data-testid="migrations-description">{description}</span>}
      actions={
        <button
          className="button"
          type="button"
          onClick={() => connection && void load(connection, { force: true })}
          disabled={loading || !connection}
          data-testid="migrations-reload"
        >
          {loading ? 'Loading…' : 'Reload'}
        </button>
      }
    />
  );
}

function stateCounts(status: MigrationStatusReport): string {
  const counts = new Map<MigrationState, number>();
  for (const e of status.entries) counts.set(e.state, (counts.get(e.state) ?? 0) + 1);
  const parts = migrationStates.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${stateLabels[s]}`);
  return parts.length > 0 ? parts.join(' · ') : 'no migrations';
}

function StatusSection() {
  const status = useMigrations((s) => s.status);
  const loading = useMigrations((s) => s.loading);
  const loadError = useMigrations((s) => s.loadError);
  const connection = useMigrations((s) => s.connection);
  const load = useMigrations((s) => s.load);

  const error = loadError ? (
    <ErrorBox
      error={loadError}
      title={status ? 'Reload failed — showing the status read before' : 'Could not read the migration status'}
      testId="migrations-load-error"
    />
  ) : null;

  if (!status) {
    return (
      <>
        {error}
        {loadError ? (
          <div>
            <button
              className="button"
              type="button"
              onClick={() => connection && void load(connection, { force: true })}
              data-testid="migrations-retry"
            >
              Try again
            </button>
          </div>
        ) : null}
        {loading ? (
          <p className="muted" data-testid="migrations-loading">
            Reading the migration history…
          </p>
        ) : null}
      </>
    );
  }

  return (
    <>
      {error}
      <section className="card migration-status" data-testid="migration-status">
        <KeyValue
          items={[
            { label: 'Database', value: status.database, mono: true, testId: 'migrations-database' },
            {
              label: 'Source',
              value: (
                <>
                  <span className="mono" data-testid="migrations-source">
                    {status.source.dir}
                  </span>{' '}
                  {status.source.builtIn ? <Badge tone="neutral">shipped with the app</Badge> : null}
                </>
              ),
            },
            {
              label: 'History',
              testId: 'migrations-history',
              value: status.historyTable ? (
                <>
                  <span className="mono">_sqlx_migrations</span> exists
                </>
              ) : (
                <>
                  <span className="mono">_sqlx_migrations</span> does not exist yet — the first Apply or a Baseline
                  creates it
                </>
              ),
            },
            { label: 'State', value: stateCounts(status), testId: 'migrations-counts' },
          ]}
        />
        {status.source.ignored.length > 0 ? (
          <details className="migration-ignored">
            <summary>{plural(status.source.ignored.length, 'file')} in the folder not taken as migrations</summary>
            <ul>
              {status.source.ignored.map((f) => (
                <li key={f.fileName}>
                  <span className="mono">{f.fileName}</span> <span className="muted">— {f.reason}</span>
                </li>
              ))}
            </ul>
          </details>
        ) : null}
        <ActionsBar status={status} />
      </section>
    </>
  );
}

function ActionsBar({ status }: { status: MigrationStatusReport }) {
  const selectId = useId();
  const fileNames = useFileNames();
  const guard = useWriteGuard();
  const allowOutOfOrder = useMigrations((s) => s.allowOutOfOrder);
  const target = useMigrations((s) => effectiveTarget(s));
  const disabledReason = useMigrations(applyDisabledReason);
  const busy = useMigrations(isBusy);
  const planRunning = useMigrations((s) => s.plan?.state === 'running');
  const setTarget = useMigrations((s) => s.setTarget);
  const requestApply = useMigrations((s) => s.requestApply);
  const requestBaseline = useMigrations((s) => s.requestBaseline);
  const makePlan = useMigrations((s) => s.makePlan);

  const runnable = useMemo(() => runnableVersions(status, allowOutOfOrder), [status, allowOutOfOrder]);
  const label = (version: number) => versionLabel(version, fileNames.get(version) ?? null);
  const canPlan = !busy && !planRunning;

  return (
    <div className="migration-actions" data-testid="migration-actions">
      <button
        className="button button--primary"
        type="button"
        onClick={() => requestApply('all', guard)}
        disabled={disabledReason !== null}
        title={disabledReason ?? `Apply ${runnable.map(label).join(', ')} in order`}
        data-testid="apply-all"
      >
        Apply all{runnable.length > 0 ? ` (${runnable.length})` : ''}
      </button>
      <span className="migration-actions__group">
        <label className="field-label" htmlFor={selectId}>
          Up to
        </label>
        <select
          id={selectId}
          className="select"
          value={target ?? ''}
          onChange={(event) => setTarget(Number(event.target.value))}
          disabled={runnable.length === 0 || busy}
          data-testid="apply-target"
        >
          {runnable.length === 0 ? <option value="">nothing pending</option> : null}
          {runnable.map((v) => (
            <option key={v} value={v}>
              {fileNames.get(v) ?? label(v)}
            </option>
          ))}
        </select>
        <button
          className="button"
          type="button"
          onClick={() => requestApply('target', guard)}
          disabled={disabledReason !== null || target === null}
          title={disabledReason ?? undefined}
          data-testid="apply-to"
        >
          {target !== null ? `Apply up to ${label(target)}` : 'Apply up to'}
        </button>
      </span>
      <span className="migration-actions__group">
        <button
          className="button"
          type="button"
          onClick={() => void makePlan(false)}
          disabled={!canPlan}
          title="List what apply would run, with the SQL of each file"
          data-testid="plan-button"
        >
          Plan
        </button>
        <button
          className="button"
          type="button"
          onClick={() => void makePlan(true)}
          disabled={!canPlan}
          title="Run the plan in one transaction and roll it back, to prove that it applies"
          data-testid="verify-button"
        >
          Verify plan
        </button>
      </span>
      {canBaseline(status) ? (
        <button
          className="button"
          type="button"
          onClick={() => requestBaseline(guard)}
          disabled={busy}
          title="Record migrations as applied on a database built without history, after checking their objects exist"
          data-testid="baseline-button"
        >
          Baseline…
        </button>
      ) : null}
      {disabledReason && !busy ? (
        <span className="field-note" data-testid="apply-disabled-reason">
          {disabledReason}
        </span>
      ) : null}
    </div>
  );
}

function BlockersSection() {
  const blockers = useMigrations((s) => s.status?.blockers);
  const busy = useMigrations(isBusy);
  const requestResolve = useMigrations((s) => s.requestResolve);
  const fileNames = useFileNames();
  const guard = useWriteGuard();
  if (!blockers || blockers.length === 0) return null;
  return (
    <BlockersPanel
      blockers={blockers}
      fileNames={fileNames}
      busy={busy}
      onResolve={(version, action) => requestResolve(version, action, guard)}
    />
  );
}

function OutOfOrderSection() {
  const outOfOrder = useMigrations((s) => s.status?.outOfOrder);
  const allow = useMigrations((s) => s.allowOutOfOrder);
  const busy = useMigrations(isBusy);
  const setAllow = useMigrations((s) => s.setAllowOutOfOrder);
  const fileNames = useFileNames();
  if (!outOfOrder || outOfOrder.length === 0) return null;
  return (
    <div className="migration-warning" role="note" data-testid="out-of-order">
      <p>
        <strong>Out of order:</strong> {outOfOrder.map((v) => fileNames.get(v) ?? versionLabel(v, null)).join(', ')}{' '}
        {outOfOrder.length === 1 ? 'is' : 'are'} not applied, but a later version already is. Running{' '}
        {outOfOrder.length === 1 ? 'it' : 'them'} now may not give the schema a fresh database would get.
      </p>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={allow}
          disabled={busy}
          onChange={(event) => setAllow(event.target.checked)}
          data-testid="allow-out-of-order"
        />
        Allow out-of-order (plan and apply include {outOfOrder.length === 1 ? 'it' : 'them'})
      </label>
    </div>
  );
}

function ResolutionSection() {
  const resolution = useMigrations((s) => s.resolution);
  const dismiss = useMigrations((s) => s.dismissResolution);
  const fileNames = useFileNames();
  if (!resolution) return null;
  const what = `${resolveLabels[resolution.action]} ${versionLabel(resolution.version, fileNames.get(resolution.version) ?? null)}`;
  return (
    <div className="migration-resolution" data-testid="resolution" data-state={resolution.state}>
      {resolution.state === 'running' ? <p className="muted">{what}…</p> : null}
      {resolution.state === 'done' ? (
        <p className="op-result op-result--ok" data-testid="resolution-message">
          {resolution.value.message}
        </p>
      ) : null}
      {resolution.state === 'failed' ? (
        <ErrorBox error={resolution.error} title={`${what} failed`} testId="resolution-error" />
      ) : null}
      {resolution.state !== 'running' ? (
        <button className="button button--small" type="button" onClick={dismiss} data-testid="resolution-dismiss">
          Dismiss
        </button>
      ) : null}
    </div>
  );
}

function RunSection() {
  const run = useMigrations((s) => s.run);
  const database = useMigrations((s) => s.status?.database ?? '');
  const plan = useMigrations((s) => (s.plan?.state === 'done' ? s.plan.value : null));
  const dismiss = useMigrations((s) => s.dismissRun);
  const fileNames = useFileNames();
  if (!run) return null;
  return <RunPanel run={run} database={database} fileNames={fileNames} plan={plan} onDismiss={dismiss} />;
}

function PlanSection() {
  const plan = useMigrations((s) => s.plan);
  const verifyProgress = useMigrations((s) => s.verifyProgress);
  const closePlan = useMigrations((s) => s.closePlan);
  const fileNames = useFileNames();
  if (!plan) return null;
  return <PlanPanel plan={plan} verifyProgress={verifyProgress} fileNames={fileNames} onClose={closePlan} />;
}

function BaselineSection() {
  const baseline = useMigrations((s) => s.baseline);
  const dismiss = useMigrations((s) => s.dismissBaseline);
  if (!baseline) return null;
  return <BaselinePanel baseline={baseline} onDismiss={dismiss} />;
}

function EntriesSection() {
  const entries = useMigrations((s) => s.status?.entries);
  if (!entries) return null;
  return (
    <section className="card migration-entries">
      <h2 className="card__title">
        Migrations <span className="count">{entries.length}</span>
      </h2>
      <MigrationTable entries={entries} />
    </section>
  );
}

function ConfirmSection() {
  const confirm = useMigrations((s) => s.confirm);
  const status = useMigrations((s) => s.status);
  const allowOutOfOrder = useMigrations((s) => s.allowOutOfOrder);
  const setTyped = useMigrations((s) => s.setConfirmTyped);
  const setBaselineTo = useMigrations((s) => s.setBaselineTo);
  const cancel = useMigrations((s) => s.cancelConfirm);
  const confirmAction = useMigrations((s) => s.confirmAction);
  const production = useConnections(isActiveProduction);
  const fileNames = useFileNames();
  const baselineVersions = useMemo(
    () => (status ? status.entries.filter((e) => e.fileName !== null).map((e) => e.version) : []),
    [status],
  );
  if (!confirm) return null;
  return (
    <MigrationConfirmDialog
      confirm={confirm}
      fileNames={fileNames}
      applyVersions={(to) => runnableVersions(status, allowOutOfOrder).filter((v) => to === null || v <= to)}
      baselineVersions={baselineVersions}
      production={production}
      onTyped={setTyped}
      onBaselineTo={setBaselineTo}
      onConfirm={() => void confirmAction()}
      onCancel={cancel}
    />
  );
}
