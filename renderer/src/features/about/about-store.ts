import { createStore } from 'zustand/vanilla';
import type { AppInfo } from '../../../../common/domain';
import type { ErrorInfo } from '../../api/error-info';
import { toErrorInfo } from '../../api/error-info';

export interface AboutState {
  info: AppInfo | null;
  error: ErrorInfo | null;
  load(): Promise<void>;
}

export function createAboutStore(deps: { loadInfo(): Promise<AppInfo> }) {
  return createStore<AboutState>()((set) => ({
    info: null,
    error: null,
    async load() {
      try {
        set({ info: await deps.loadInfo(), error: null });
      } catch (error) {
        set({ error: toErrorInfo(error) });
      }
    },
  }));
}
