/**
 * The window's Sled import store over the API client, kept beside the feature
 * like the snapshots and migrations stores.
 */
import { useStore } from 'zustand';
import { api } from '../../api/client';
import type { SledState } from './store';
import { createSledStore } from './store';

export const sledStore = createSledStore({
  list: () => api().invoke('sled.list', {}),
  show: (id) => api().invoke('sled.show', { id }),
  importFiles: (input) => api().invoke('sled.import', input),
  plan: (input) => api().invoke('sled.plan', input),
  load: (input) => api().invoke('sled.load', input),
  cancel: (runId) => api().invoke('sled.cancel', { runId }),
  report: (input) => api().invoke('sled.report', input),
  remove: (id) => api().invoke('sled.delete', { id }),
  onProgress: (listener) => api().on('sled.progress', listener),
});

export const useSled = <T>(selector: (state: SledState) => T): T => useStore(sledStore, selector);
