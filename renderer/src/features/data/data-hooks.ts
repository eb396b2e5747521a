/**
 * The one data-grid store of the window, over the API client. Kept beside the
 * feature (not in stores.ts) while stores.ts is being reworked; it uses the
 * same client singleton and can move there as is.
 */
import { useStore } from 'zustand';
import { api } from '../../api/client';
import type { DataState } from './data-store';
import { createDataStore } from './data-store';

export const dataStore = createDataStore({ loadPage: (input) => api().invoke('data.page', input) });

export const useData = <T>(selector: (state: DataState) => T): T => useStore(dataStore, selector);
