import { createStore } from 'zustand/vanilla';
import type { LogLine } from '../../../../common/domain';
import type { ErrorInfo } from '../../api/error-info';
import { toErrorInfo } from '../../api/error-info';
import type { LevelFilter } from './log-lines';
import { MAX_LOG_LINES, mergeLogLines } from './log-lines';

/** How many lines the Logs view asks for when it opens. */
export const RECENT_LIMIT = 1000;

export interface LogsState {
  lines: readonly LogLine[];
  loading: boolean;
  loadError: ErrorInfo | null;
  levelFilter: LevelFilter;
  textFilter: string;
  follow: boolean;
  /** Fetch the recent lines from main and merge them in (safe to call on every open). */
  loadRecent(): Promise<void>;
  append(lines: readonly LogLine[]): void;
  setLevelFilter(level: LevelFilter): void;
  setTextFilter(text: string): void;
  setFollow(follow: boolean): void;
  /** Subscribe to live lines (once, however often called); returns a stop function. */
  connect(): () => void;
}

export interface LogsDeps {
  loadRecent(limit: number): Promise<LogLine[]>;
  subscribe(listener: (line: LogLine) => void): () => void;
  /** Runs `flush` soon; live lines are applied in batches so a burst renders once. */
  schedule?: (flush: () => void) => void;
  cap?: number;
}

const defaultSchedule = (flush: () => void) => {
  setTimeout(flush, 50);
};

export function createLogsStore(deps: LogsDeps) {
  const cap = deps.cap ?? MAX_LOG_LINES;
  const schedule = deps.schedule ?? defaultSchedule;
  let pending: LogLine[] = [];
  let flushScheduled = false;
  let unsubscribe: (() => void) | null = null;

  return createStore<LogsState>()((set, get) => {
    const flush = () => {
      flushScheduled = false;
      const batch = pending;
      pending = [];
      get().append(batch);
    };

    return {
      lines: [],
      loading: false,
      loadError: null,
      levelFilter: 'all',
      textFilter: '',
      follow: true,

      async loadRecent() {
        if (get().loading) return;
        set({ loading: true, loadError: null });
        try {
          const recent = await deps.loadRecent(RECENT_LIMIT);
          set({ loading: false, lines: mergeLogLines(get().lines, recent, cap) });
        } catch (error) {
          set({ loading: false, loadError: toErrorInfo(error) });
        }
      },

      append(lines) {
        const merged = mergeLogLines(get().lines, lines, cap);
        if (merged !== get().lines) set({ lines: merged });
      },

      setLevelFilter: (levelFilter) => set({ levelFilter }),
      setTextFilter: (textFilter) => set({ textFilter }),
      setFollow: (follow) => set({ follow }),

      connect() {
        unsubscribe ??= deps.subscribe((line) => {
          pending.push(line);
          if (!flushScheduled) {
            flushScheduled = true;
            schedule(flush);
          }
        });
        return () => {
          unsubscribe?.();
          unsubscribe = null;
        };
      },
    };
  });
}
