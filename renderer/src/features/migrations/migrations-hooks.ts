/**
 * The one migrations store of the window, over the API client. Kept beside
 * the feature (not in stores.ts) while stores.ts is being reworked, like the
 * console and data stores; it uses the same client singleton. The UI always
 * works on the migrations shipped with the app, so no `dir` is ever sent.
 */
import { useStore } from 'zustand';
import { api } from '../../api/client';
import type { MigrationsState } from './migrations-store';
import { createMigrationsStore } from './migrations-store';

export const migrationsStore = createMigrationsStore({
  status: (connection) => api().invoke('migrations.status', { connection }),
  plan: (input) => api().invoke('migrations.plan', input),
  apply: (input) => api().invoke('migrations.apply', input),
  baseline: (input) => api().invoke('migrations.baseline', input),
  resolve: (input) => api().invoke('migrations.resolve', input),
  onProgress: (listener) => api().on('migrations.progress', listener),
});

export const useMigrations = <T>(selector: (state: MigrationsState) => T): T => useStore(migrationsStore, selector);
