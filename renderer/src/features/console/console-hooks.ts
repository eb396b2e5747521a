/**
 * The one SQL console store of the window, over the API client. Kept beside
 * the feature (not in stores.ts) while stores.ts is being reworked; it uses
 * the same client singleton and can move there as is.
 */
import { useStore } from 'zustand';
import { api } from '../../api/client';
import type { ConsoleState } from './console-store';
import { createConsoleStore } from './console-store';

export const consoleStore = createConsoleStore({
  run: (input) => api().invoke('sql.run', input),
  explain: (input) => api().invoke('sql.explain', input),
  cancel: (runId) => api().invoke('sql.cancel', { runId }),
  loadModel: (connection) => api().invoke('schema.model', { connection }),
});

export const useConsole = <T>(selector: (state: ConsoleState) => T): T => useStore(consoleStore, selector);
