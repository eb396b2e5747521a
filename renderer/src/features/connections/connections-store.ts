import { createStore } from 'zustand/vanilla';
import { databaseUrl } from '../../../../common/contract';
import type { SchemaListing } from '../../../../common/domain';
import type { ErrorInfo } from '../../api/error-info';
import { toErrorInfo } from '../../api/error-info';

/** The database the user last listed successfully. */
export interface ActiveConnection {
  /**
   * The URL as typed, password included. It lives in this store (memory) only
   * so Schema can refresh; it is never written to localStorage, sessionStorage
   * or anything else that outlives the window.
   */
  url: string;
  includeSystem: boolean;
  listing: SchemaListing;
  /** ISO time of the listing shown. */
  listedAt: string;
}

export type PendingRequest = 'list' | 'refresh' | null;

export interface ConnectionsState {
  draftUrl: string;
  includeSystem: boolean;
  pending: PendingRequest;
  /** Why the last "List schemas" failed (cleared by the next attempt). */
  listError: ErrorInfo | null;
  /** Why the last refresh of the active connection failed. */
  refreshError: ErrorInfo | null;
  active: ActiveConnection | null;
  setDraftUrl(url: string): void;
  setIncludeSystem(include: boolean): void;
  /** List the schemas at the draft URL; on success it becomes the active connection. */
  listSchemas(): Promise<void>;
  /** List the active connection's schemas again. */
  refresh(): Promise<void>;
}

export interface ConnectionsDeps {
  listSchemas(url: string, includeSystem: boolean): Promise<SchemaListing>;
  clock?: () => Date;
}

/** Same rules main applies, so a typo is caught without a round trip. */
export function validateDatabaseUrl(url: string): ErrorInfo | null {
  const parsed = databaseUrl.safeParse(url);
  if (parsed.success) return null;
  return {
    kind: 'invalid_input',
    message: parsed.error.issues[0]?.message ?? 'Not a valid database URL',
    hint: 'Use the form postgres://user:password@host:5432/database',
  };
}

export function createConnectionsStore(deps: ConnectionsDeps) {
  const clock = deps.clock ?? (() => new Date());
  // Only the newest request may write its result; an older one that finishes late is ignored.
  let latestRequest = 0;

  return createStore<ConnectionsState>()((set, get) => ({
    draftUrl: '',
    includeSystem: false,
    pending: null,
    listError: null,
    refreshError: null,
    active: null,
    setDraftUrl: (draftUrl) => set({ draftUrl }),
    setIncludeSystem: (includeSystem) => set({ includeSystem }),

    async listSchemas() {
      const { draftUrl, includeSystem, pending } = get();
      if (pending) return;
      const url = draftUrl.trim();
      const invalid = validateDatabaseUrl(url);
      if (invalid) {
        set({ listError: invalid });
        return;
      }
      const request = ++latestRequest;
      set({ pending: 'list', listError: null });
      try {
        const listing = await deps.listSchemas(url, includeSystem);
        if (request !== latestRequest) return;
        set({
          pending: null,
          refreshError: null,
          active: { url, includeSystem, listing, listedAt: clock().toISOString() },
        });
      } catch (error) {
        if (request !== latestRequest) return;
        set({ pending: null, listError: toErrorInfo(error) });
      }
    },

    async refresh() {
      const { active, pending } = get();
      if (!active || pending) return;
      const request = ++latestRequest;
      set({ pending: 'refresh', refreshError: null });
      try {
        const listing = await deps.listSchemas(active.url, active.includeSystem);
        if (request !== latestRequest) return;
        set({ pending: null, active: { ...active, listing, listedAt: clock().toISOString() } });
      } catch (error) {
        if (request !== latestRequest) return;
        // The last good listing stays on screen, marked stale by the error.
        set({ pending: null, refreshError: toErrorInfo(error) });
      }
    },
  }));
}
