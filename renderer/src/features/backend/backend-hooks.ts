/**
 * The window's backends and backend-log stores over the API client. Kept
 * beside the feature (not in stores.ts) like the migrations store; both are
 * started with the window, since the status bar shows the backends everywhere
 * and no status event should be missed while another view is open.
 */
import { useStore } from 'zustand';
import { api } from '../../api/client';
import type { BackendLogsState } from './backend-logs-store';
import { createBackendLogsStore } from './backend-logs-store';
import type { BackendsState } from './backends-store';
import { createBackendsStore } from './backends-store';

export const backendsStore = createBackendsStore({
  list: () => api().invoke('backend.list', {}),
  save: (input) => api().invoke('backend.save', input),
  remove: async (id) => {
    await api().invoke('backend.delete', { id });
  },
  start: (id) => api().invoke('backend.start', { id }),
  stop: (id) => api().invoke('backend.stop', { id }),
  restart: (id) => api().invoke('backend.restart', { id }),
  preflight: (id) => api().invoke('backend.preflight', { id }),
  onStatus: (listener) => api().on('backend.status', listener),
});

export const backendLogsStore = createBackendLogsStore({
  query: (input) => api().invoke('backend.logs', input),
  onBatch: (listener) => api().on('backend.logs', listener),
});

export function startBackendStores(): void {
  backendsStore.getState().connect();
  backendLogsStore.getState().connect();
}

export const useBackends = <T>(selector: (state: BackendsState) => T): T => useStore(backendsStore, selector);
export const useBackendLogs = <T>(selector: (state: BackendLogsState) => T): T => useStore(backendLogsStore, selector);
