/**
 * The window's snapshots and snapshot-diff stores over the API client, kept
 * beside the feature like the migrations and backend stores. Opening a
 * snapshot hands it to the connections store, which holds the data source the
 * Schema, Data grid and SQL console views read.
 */
import { useStore } from 'zustand';
import { api } from '../../api/client';
import { connectionsStore } from '../../stores';
import type { SnapshotDiffState } from './snapshot-diff-store';
import { createSnapshotDiffStore } from './snapshot-diff-store';
import type { SnapshotsState } from './snapshots-store';
import { createSnapshotsStore } from './snapshots-store';

export const snapshotsStore = createSnapshotsStore({
  list: () => api().invoke('snapshot.list', {}),
  show: (id) => api().invoke('snapshot.show', { id }),
  create: (input) => api().invoke('snapshot.create', input),
  cancel: (captureId) => api().invoke('snapshot.cancel', { captureId }),
  rename: (id, name) => api().invoke('snapshot.rename', { id, name }),
  remove: (id) => api().invoke('snapshot.delete', { id }),
  check: (id) => api().invoke('snapshot.check', { id }),
  exportTo: (id, file) => api().invoke('snapshot.export', { id, file }),
  importFrom: (file) => api().invoke('snapshot.import', { file }),
  onProgress: (listener) => api().on('snapshot.progress', listener),
  source: {
    open: (snapshot) => connectionsStore.getState().openSnapshotSource(snapshot),
    close: () => connectionsStore.getState().closeSnapshot(),
    rename: (id, name) => connectionsStore.getState().renameOpenSnapshot(id, name),
    openId: () => connectionsStore.getState().openSnapshot?.id ?? null,
  },
});

export const snapshotDiffStore = createSnapshotDiffStore({
  diff: (input) => api().invoke('snapshot.diff', input),
});

export const useSnapshots = <T>(selector: (state: SnapshotsState) => T): T => useStore(snapshotsStore, selector);
export const useSnapshotDiff = <T>(selector: (state: SnapshotDiffState) => T): T =>
  useStore(snapshotDiffStore, selector);
