import { useEffect } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBox } from '../../components/ErrorBox';
import { PageHeader } from '../../components/PageHeader';
import type { TabItem } from '../../components/Tabs';
import { Tabs } from '../../components/Tabs';
import { useConnections, useNavigation } from '../../stores';
import { activeProfileOf } from '../connections/connections-store';
import { CaptureFormCard, CaptureProgressCard } from './CapturePanel';
import { DiffView } from './DiffView';
import { ImportCard } from './ImportCard';
import { SnapshotDetailCard } from './SnapshotDetailCard';
import { SnapshotTable } from './SnapshotTable';
import { useSnapshots } from './snapshots-hooks';
import { isCapturing } from './snapshots-store';

type SnapshotsTab = 'list' | 'diff';

/** The active connection as the UI names it (status label, profile name, or the listed target). */
function useConnectionLabel(): string {
  return useConnections(
    (s) => s.activeStatus?.label ?? activeProfileOf(s)?.name ?? s.adHoc?.listing.target ?? 'the active connection',
  );
}

export function SnapshotsView() {
  const tab = useSnapshots((s) => s.tab);
  const count = useSnapshots((s) => s.snapshots.length);
  const setTab = useSnapshots((s) => s.setTab);
  const load = useSnapshots((s) => s.load);

  useEffect(() => {
    // The files may have changed while the section was closed (the CLI, another window): read them each visit.
    void load();
  }, [load]);

  const tabs: TabItem<SnapshotsTab>[] = [
    { id: 'list', label: 'Snapshots', count, testId: 'snapshots-tab-list' },
    { id: 'diff', label: 'Diff', testId: 'snapshots-tab-diff' },
  ];
  return (
    <div className="page page--snapshots" data-testid="view-snapshots">
      <SnapshotsHeader />
      <Tabs tabs={tabs} selected={tab} onSelect={setTab} idPrefix="snapshots" label="Snapshots" />
      <div className="snapshots__panel" id="snapshots-panel" role="tabpanel" aria-labelledby={`snapshots-tab-${tab}`}>
        {tab === 'list' ? <ListPanel /> : <DiffView />}
      </div>
      <DeleteDialog />
    </div>
  );
}

function SnapshotsHeader() {
  const connection = useConnections((s) => s.activeConnection);
  const capturing = useSnapshots(isCapturing);
  const formOpen = useSnapshots((s) => s.captureForm !== null);
  const importOpen = useSnapshots((s) => s.importOpen);
  const openForm = useSnapshots((s) => s.openCaptureForm);
  const openImport = useSnapshots((s) => s.openImport);
  const setTab = useSnapshots((s) => s.setTab);
  return (
    <PageHeader
      title="Snapshots"
      description="Captures of a database in one SQLite file: browse them offline, compare them, move them between machines."
      actions={
        <>
          {/* Not while the form is open: it is right there. */}
          {connection && !formOpen ? (
            <button
              className="button button--primary"
              type="button"
              onClick={() => {
                setTab('list');
                openForm();
              }}
              disabled={capturing}
              title={capturing ? 'A capture is running: one at a time' : undefined}
              data-testid="snapshot-new"
            >
              New snapshot
            </button>
          ) : null}
          {importOpen ? null : (
            <button
              className="button"
              type="button"
              onClick={() => {
                setTab('list');
                openImport();
              }}
              data-testid="snapshot-import"
            >
              Import…
            </button>
          )}
        </>
      }
    />
  );
}

function ListPanel() {
  const connection = useConnections((s) => s.activeConnection);
  const label = useConnectionLabel();
  const openId = useConnections((s) => s.openSnapshot?.id ?? null);
  const closeSnapshot = useConnections((s) => s.closeSnapshot);
  const navigate = useNavigation((s) => s.navigate);
  const snapshots = useSnapshots((s) => s.snapshots);
  const loaded = useSnapshots((s) => s.loaded);
  const loadError = useSnapshots((s) => s.loadError);
  const selectedId = useSnapshots((s) => s.selectedId);
  const busy = useSnapshots((s) => s.busy);
  const errors = useSnapshots((s) => s.errors);
  const openError = Object.values(errors).find((e) => e.action === 'open') ?? null;
  const imported = useSnapshots((s) => s.imported);
  const open = useSnapshots((s) => s.open);
  const toggleDetails = useSnapshots((s) => s.toggleDetails);
  const capturing = useSnapshots((s) => s.capture !== null);
  const capturingNow = useSnapshots(isCapturing);
  const formOpen = useSnapshots((s) => s.captureForm !== null);

  const onOpen = (id: string) => {
    void open(id).then((opened) => {
      if (opened) navigate('schema');
    });
  };

  return (
    <div className="snapshots__list">
      {!connection && !formOpen && !capturing ? (
        <p className="snapshots__hint" data-testid="snapshot-new-hint">
          To capture a new snapshot, connect to the database first.{' '}
          <button className="link-button" type="button" onClick={() => navigate('connections')}>
            Go to Connections
          </button>
        </p>
      ) : null}
      {/* While a capture runs its progress is what matters; the form comes back (as it was) if it does not succeed. */}
      {connection && !capturingNow ? <CaptureFormCard connection={connection} label={label} /> : null}
      <CaptureProgressCard onOpen={onOpen} />
      <ImportCard />
      {imported ? (
        <p className="snapshots__note" role="status" data-testid="import-result">
          Imported <strong>{imported.name}</strong> ({imported.database}) — checked and listed read-only.
        </p>
      ) : null}
      {loadError ? <ErrorBox error={loadError} title="Could not list the snapshots" testId="snapshots-error" /> : null}
      {openError ? <ErrorBox error={openError.error} title="Could not open the snapshot" testId="open-error" /> : null}
      {loaded && snapshots.length === 0 && !loadError ? (
        <EmptyState testId="snapshots-empty">
          <p className="empty-state__lead">No snapshots yet</p>
          <p>
            A snapshot captures the catalog, the rows (all, or a pattern of tables and a row limit) and the migration
            history of a database into one SQLite file. Open it to browse with no connection, or diff it with another
            snapshot or the live database.
          </p>
        </EmptyState>
      ) : null}
      {snapshots.length > 0 ? (
        <SnapshotTable
          snapshots={snapshots}
          selectedId={selectedId}
          openId={openId}
          busy={busy}
          onOpen={onOpen}
          onClose={closeSnapshot}
          onDetails={(id) => void toggleDetails(id)}
        />
      ) : null}
      <SnapshotDetailCard />
    </div>
  );
}

function DeleteDialog() {
  const target = useSnapshots((s) =>
    s.deleteTarget ? (s.snapshots.find((x) => x.id === s.deleteTarget) ?? null) : null,
  );
  const isOpen = useConnections((s) => target !== null && s.openSnapshot?.id === target.id);
  const cancel = useSnapshots((s) => s.cancelDelete);
  const confirm = useSnapshots((s) => s.confirmDelete);
  if (!target) return null;
  return (
    <ConfirmDialog
      title={`Delete snapshot ${target.name}?`}
      confirmLabel="Delete"
      danger
      onConfirm={() => void confirm()}
      onCancel={cancel}
      confirmTestId="confirm-delete"
      testId="delete-dialog"
    >
      <p>
        The snapshot file of <span className="mono">{target.database}</span> is removed from the data folder. This
        cannot be undone{target.imported ? '' : ' — export it first to keep a copy'}.
      </p>
      {isOpen ? <p>It is open for browsing: Schema and SQL console go back to the live connection.</p> : null}
    </ConfirmDialog>
  );
}
