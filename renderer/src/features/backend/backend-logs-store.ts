/**
 * The log view of the backend on screen: its recent lines (bounded), live
 * batches applied with one update each, what the push left out fetched back
 * from main's ring, pause (the view freezes, collection goes on), stream
 * filters, and a server-side search that covers the whole ring.
 *
 * Separate from the backends store on purpose: it changes up to ten times a
 * second under a flood, and nothing in the status panel should re-run then.
 */
import { createStore } from 'zustand/vanilla';
import type { BackendLogBatch, BackendLogLine, BackendLogPage, LogStream } from '../../../../common/backend';
import type { CallInput } from '../../../../common/contract';
import type { ErrorInfo } from '../../api/error-info';
import { toErrorInfo } from '../../api/error-info';
import type { SeqGap, StreamFilter } from './log-buffer';
import {
  allStreams,
  allStreamsOn,
  batchGap,
  logStreams,
  MAX_BACKEND_LOG_LINES,
  mergeLines,
  trimGaps,
} from './log-buffer';

/** Matches the search asks main for (the newest ones). */
export const SEARCH_LIMIT = 5_000;

export type SearchState =
  | { state: 'running'; text: string; regex: boolean }
  | {
      state: 'done';
      text: string;
      regex: boolean;
      lines: readonly BackendLogLine[];
      /** The ring's newest seq when main answered: live lines after it are matched here. */
      lastSeq: number;
      /** Main had more matches than SEARCH_LIMIT; the oldest were left out. */
      limited: boolean;
    }
  | { state: 'failed'; text: string; regex: boolean; error: ErrorInfo };

export interface BackendLogsState {
  backendId: string | null;
  /** Collected lines, oldest first, at most `cap`. */
  lines: readonly BackendLogLine[];
  /** While paused: what the view shows. */
  frozen: readonly BackendLogLine[] | null;
  follow: boolean;
  streams: StreamFilter;
  searchText: string;
  regex: boolean;
  search: SearchState | null;
  /** Lines the live push left out since this backend was opened (batches' `dropped`). */
  droppedFromPush: number;
  /** Lines fetched back from main to fill those gaps. */
  refilled: number;
  loading: boolean;
  loadError: ErrorInfo | null;
  cap: number;

  /** Show this backend's output (reads its recent lines); null shows nothing. */
  watch(id: string | null): Promise<void>;
  /** Read the recent lines again (merged with what is here). */
  reload(): Promise<void>;
  setFollow(follow: boolean): void;
  pause(): void;
  resume(): void;
  setStream(stream: LogStream, on: boolean): void;
  setSearchText(text: string): void;
  setRegex(regex: boolean): void;
  runSearch(): Promise<void>;
  clearSearch(): void;
  /** Apply one pushed batch (one state update). */
  applyBatch(batch: BackendLogBatch): void;
  /** Subscribe to pushed batches (once, however often called); returns a stop function. */
  connect(): () => void;
}

export interface BackendLogsDeps {
  query(input: CallInput<'backend.logs'>): Promise<BackendLogPage>;
  onBatch(listener: (batch: BackendLogBatch) => void): () => void;
  cap?: number;
  searchLimit?: number;
}

export function createBackendLogsStore(deps: BackendLogsDeps) {
  const cap = deps.cap ?? MAX_BACKEND_LOG_LINES;
  const searchLimit = deps.searchLimit ?? SEARCH_LIMIT;
  let unsubscribe: (() => void) | null = null;
  /** Bumped when the backend on screen changes: answers about the previous one are dropped. */
  let generation = 0;
  let latestSearch = 0;
  let gaps: SeqGap[] = [];
  let filling = false;
  /** The newest seq received for the current backend (in a batch, a page or a refill): the view's window ends here. */
  let newestSeq = 0;
  /** Where the push has got to (lines pushed or dropped); null until known. */
  let pushCursor: number | null = null;

  return createStore<BackendLogsState>()((set, get) => {
    const streamsParam = (): { streams?: LogStream[] } => {
      const { streams } = get();
      return allStreamsOn(streams) ? {} : { streams: logStreams.filter((s) => streams[s]) };
    };

    /** Merge into the window of the newest `cap` seqs received (what main's ring holds). */
    const addLines = (incoming: readonly BackendLogLine[]) => {
      const last = incoming.at(-1)?.seq;
      if (last !== undefined) newestSeq = Math.max(newestSeq, last);
      return mergeLines(get().lines, incoming, cap, newestSeq - cap + 1);
    };

    /** Fetch the newest gap still worth having, one request at a time, until none is left or the view pauses. */
    const fillGaps = async () => {
      if (filling) return;
      const id = get().backendId;
      if (!id) return;
      filling = true;
      const started = generation;
      try {
        while (started === generation && get().frozen === null) {
          gaps = trimGaps(gaps, newestSeq, cap);
          const gap = gaps.pop();
          if (!gap) break;
          let page: BackendLogPage;
          try {
            page = await deps.query({ id, afterSeq: gap.from - 1, limit: gap.to - gap.from + 1 });
          } catch {
            // The ring cannot answer now; the counter still says lines are missing.
            break;
          }
          if (started !== generation) break;
          // Lines past the gap are real too (main's ring is ahead of the push): keep them.
          const wanted = page.lines.filter((l) => l.seq >= gap.from);
          const before = get().lines;
          const lines = addLines(wanted);
          if (lines !== before) set({ lines, refilled: get().refilled + wanted.length });
        }
      } finally {
        filling = false;
      }
    };

    const loadRecent = async () => {
      const id = get().backendId;
      if (!id) return;
      const started = generation;
      set({ loading: true, loadError: null });
      try {
        const page = await deps.query({ id, limit: cap });
        if (started !== generation) return;
        // The ring is never behind the push: batches from here on continue after its newest line.
        pushCursor = Math.max(pushCursor ?? 0, page.lastSeq ?? 0);
        set({ loading: false, lines: addLines(page.lines) });
      } catch (error) {
        if (started !== generation) return;
        set({ loading: false, loadError: toErrorInfo(error) });
      }
    };

    return {
      backendId: null,
      lines: [],
      frozen: null,
      follow: true,
      streams: allStreams,
      searchText: '',
      regex: false,
      search: null,
      droppedFromPush: 0,
      refilled: 0,
      loading: false,
      loadError: null,
      cap,

      async watch(id) {
        if (id === get().backendId) return;
        generation++;
        latestSearch++;
        gaps = [];
        newestSeq = 0;
        pushCursor = null;
        set({
          backendId: id,
          lines: [],
          frozen: null,
          follow: true,
          search: null,
          droppedFromPush: 0,
          refilled: 0,
          loading: false,
          loadError: null,
        });
        await loadRecent();
      },

      reload: loadRecent,

      setFollow(follow) {
        if (follow && get().frozen !== null) get().resume();
        else set({ follow });
      },

      pause() {
        if (get().frozen === null) set({ frozen: get().lines, follow: false });
      },

      resume() {
        set({ frozen: null, follow: true });
        void fillGaps();
      },

      setStream(stream, on) {
        set({ streams: { ...get().streams, [stream]: on } });
        if (get().search) void get().runSearch();
      },

      setSearchText: (searchText) => set({ searchText }),

      setRegex(regex) {
        set({ regex });
        if (get().search) void get().runSearch();
      },

      async runSearch() {
        const { backendId: id, searchText: text, regex } = get();
        if (!id) return;
        const request = ++latestSearch;
        if (text === '') {
          set({ search: null });
          return;
        }
        set({ search: { state: 'running', text, regex } });
        try {
          const page = await deps.query({ id, search: text, regex, limit: searchLimit, ...streamsParam() });
          if (request !== latestSearch) return;
          set({
            search: {
              state: 'done',
              text,
              regex,
              lines: page.lines,
              lastSeq: page.lastSeq ?? 0,
              limited: page.lines.length >= searchLimit,
            },
          });
        } catch (error) {
          if (request !== latestSearch) return;
          set({ search: { state: 'failed', text, regex, error: toErrorInfo(error) } });
        }
      },

      clearSearch() {
        latestSearch++;
        set({ searchText: '', search: null });
      },

      applyBatch(batch) {
        if (batch.id !== get().backendId) return;
        const { gap, cursor } = batchGap(batch.lines, batch.dropped, pushCursor);
        pushCursor = cursor;
        if (gap) {
          gaps.push(gap);
          // While paused nothing is fetched: keep only the gaps the cap could still show.
          if (gaps.length > 64) gaps = trimGaps(gaps, newestSeq, cap);
        }
        const lines = addLines(batch.lines);
        const dropped = batch.dropped > 0 ? { droppedFromPush: get().droppedFromPush + batch.dropped } : {};
        if (lines !== get().lines || batch.dropped > 0) set({ lines, ...dropped });
        if (gap && get().frozen === null) void fillGaps();
      },

      connect() {
        unsubscribe ??= deps.onBatch((batch) => get().applyBatch(batch));
        return () => {
          unsubscribe?.();
          unsubscribe = null;
        };
      },
    };
  });
}

/** The lines the view shows: frozen or live, narrowed by the search and the stream filter. */
export function visibleLines(
  base: readonly BackendLogLine[],
  search: SearchState | null,
  streams: StreamFilter,
  matcher: ((text: string) => boolean) | null,
): readonly BackendLogLine[] {
  let lines = base;
  if (search?.state === 'done') {
    const live = matcher ? base.filter((l) => l.seq > search.lastSeq && matcher(l.text)) : [];
    lines = live.length > 0 ? search.lines.concat(live) : search.lines;
  } else if (search) {
    lines = [];
  }
  if (allStreamsOn(streams)) return lines;
  return lines.filter((l) => streams[l.stream]);
}
