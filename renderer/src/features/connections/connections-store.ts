import { createStore } from 'zustand/vanilla';
import { databaseUrl } from '../../../../common/contract';
import type { ConnectionProfile, ConnectionRef, ConnectionStatus, LocalPgStatus } from '../../../../common/profiles';
import type { ErrorInfo } from '../../api/error-info';
import { toErrorInfo } from '../../api/error-info';
import type { ConnectionsDeps, ConnectionsState, LocalPgAction, ProfileAction } from './connections-state';
import { isProfileRef } from './connections-state';
import type { OpenSnapshot } from './data-source';
import { sourceFor } from './data-source';
import { emptyProfileForm, formFromProfile, profileFormToInput, updateProfileForm } from './profile-form';

export type {
  AdHocListing,
  ConnectionsDeps,
  ConnectionsState,
  LocalPgAction,
  ProfileAction,
} from './connections-state';
export {
  activeProfileOf,
  isActiveProduction,
  isActiveReadOnly,
  isProfileRef,
  isShowingProduction,
  isSnapshotOpen,
} from './connections-state';
export type { OpenSnapshot } from './data-source';

/** How often pool stats are re-read while a connection is active: main only pushes state changes. */
export const STATUS_POLL_MS = 3000;

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

function without<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const { [key]: _removed, ...rest } = record;
  return rest;
}

const defaultEvery = (ms: number, tick: () => void) => {
  const timer = setInterval(tick, ms);
  return () => clearInterval(timer);
};

export function createConnectionsStore(deps: ConnectionsDeps) {
  const clock = deps.clock ?? (() => new Date());
  const every = deps.every ?? defaultEvery;
  // Only the newest request may write its result; an older one that finishes late is ignored.
  let latestList = 0;
  let latestActivation = 0;
  let stopFollowing: (() => void) | null = null;

  return createStore<ConnectionsState>()((set, get) => {
    const setBusy = (id: string, action: ProfileAction | null) =>
      set((s) => ({ busy: action ? { ...s.busy, [id]: action } : without(s.busy, id) }));
    const setProfileError = (id: string, error: ErrorInfo | null) =>
      set((s) => ({ profileErrors: error ? { ...s.profileErrors, [id]: error } : without(s.profileErrors, id) }));
    /** Change the active connection or the open snapshot, and with them the data source the views read. */
    const setSource = (change: Partial<Omit<ConnectionsState, 'activeSource'>>) =>
      set((s) => {
        const connection = 'activeConnection' in change ? (change.activeConnection ?? null) : s.activeConnection;
        const snapshot: OpenSnapshot | null = 'openSnapshot' in change ? (change.openSnapshot ?? null) : s.openSnapshot;
        return { ...change, activeSource: sourceFor(connection, snapshot, s.activeSource) };
      });

    /**
     * Open the pool of `ref` and make it the active connection. A profile becomes active only once main has
     * connected; an ad-hoc URL that was just listed (`immediately`) is active at once, so the Schema view can use it.
     */
    const activate = async (ref: ConnectionRef, immediately = false, goLive = false): Promise<ErrorInfo | null> => {
      const activation = ++latestActivation;
      // Connecting on purpose means working on that database: an open snapshot closes.
      const live = goLive ? { openSnapshot: null } : {};
      if (immediately)
        setSource({ activeConnection: ref, activeKey: null, activeStatus: null, activeError: null, ...live });
      try {
        const status = await deps.connect(ref);
        if (activation !== latestActivation) return null;
        setSource({
          activeConnection: ref,
          activeKey: status.key,
          activeStatus: status,
          activeError: null,
          statuses: { ...get().statuses, [status.key]: status },
          ...live,
        });
        return null;
      } catch (error) {
        const info = toErrorInfo(error);
        if (activation === latestActivation && immediately) set({ activeError: info });
        return info;
      }
    };

    const clearActive = () => {
      latestActivation++;
      setSource({ activeConnection: null, activeKey: null, activeStatus: null, activeError: null });
    };

    const runLocalPg = async (action: LocalPgAction, call: () => Promise<LocalPgStatus>) => {
      if (get().localPgBusy) return;
      set({ localPgBusy: action, localPgError: null });
      try {
        set({ localPg: await call(), localPgBusy: null });
      } catch (error) {
        set({ localPgBusy: null, localPgError: toErrorInfo(error) });
      }
    };

    return {
      draftUrl: '',
      includeSystem: false,
      pending: null,
      listError: null,
      adHoc: null,
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
        const request = ++latestList;
        set({ pending: 'list', listError: null });
        try {
          const listing = await deps.listSchemas(url, includeSystem);
          if (request !== latestList) return;
          set({ pending: null, adHoc: { url, includeSystem, listing, listedAt: clock().toISOString() } });
        } catch (error) {
          if (request !== latestList) return;
          set({ pending: null, listError: toErrorInfo(error) });
          return;
        }
        // The listed database becomes what the schema browser and the console work on.
        await activate({ url }, true, true);
      },

      profiles: [],
      profilesLoaded: false,
      profilesError: null,
      form: null,
      formSaving: false,
      formError: null,
      deleteTarget: null,
      busy: {},
      profileErrors: {},
      doctor: {},

      async loadProfiles() {
        try {
          set({ profiles: await deps.listProfiles(), profilesLoaded: true, profilesError: null });
        } catch (error) {
          set({ profilesLoaded: true, profilesError: toErrorInfo(error) });
        }
      },

      newProfile: () => set({ form: emptyProfileForm(), formError: null }),
      editProfile(id) {
        const profile = get().profiles.find((p) => p.id === id);
        if (profile && profile.kind !== 'local') set({ form: formFromProfile(profile), formError: null });
      },
      updateForm(patch) {
        const { form } = get();
        if (form) set({ form: updateProfileForm(form, patch) });
      },
      cancelForm: () => set({ form: null, formError: null, formSaving: false }),

      async saveForm() {
        const { form, formSaving } = get();
        if (!form || formSaving) return;
        const converted = profileFormToInput(form);
        if (!converted.ok) {
          set({ formError: converted.error });
          return;
        }
        set({ formSaving: true, formError: null });
        let saved: ConnectionProfile;
        try {
          saved = await deps.saveProfile(converted.input);
        } catch (error) {
          // e.g. serve mode refusing to store a password: the form stays open with the reason.
          set({ formSaving: false, formError: toErrorInfo(error) });
          return;
        }
        set({ formSaving: false, form: null, formError: null });
        await get().loadProfiles();
        // Main closed the pool of a changed profile; if it was the active one, open it again with the new settings.
        if (isProfileRef(get().activeConnection, saved.id)) await activate({ profileId: saved.id }, true);
      },

      askDelete(id) {
        const profile = get().profiles.find((p) => p.id === id);
        if (profile && profile.kind !== 'local') set({ deleteTarget: id });
      },
      cancelDelete: () => set({ deleteTarget: null }),

      async confirmDelete() {
        const id = get().deleteTarget;
        if (!id || get().busy[id]) return;
        setBusy(id, 'delete');
        setProfileError(id, null);
        try {
          await deps.deleteProfile(id);
          if (isProfileRef(get().activeConnection, id)) clearActive();
          set((s) => ({ deleteTarget: null, doctor: without(s.doctor, id), statuses: without(s.statuses, id) }));
          await get().loadProfiles();
        } catch (error) {
          set({ deleteTarget: null });
          setProfileError(id, toErrorInfo(error));
        } finally {
          setBusy(id, null);
        }
      },

      async connectProfile(id) {
        if (get().busy[id]) return;
        setBusy(id, 'connect');
        setProfileError(id, null);
        const error = await activate({ profileId: id }, false, true);
        if (error) setProfileError(id, error);
        setBusy(id, null);
      },

      async disconnectProfile(id) {
        if (get().busy[id]) return;
        setBusy(id, 'disconnect');
        setProfileError(id, null);
        try {
          await deps.disconnect({ profileId: id });
          if (isProfileRef(get().activeConnection, id)) clearActive();
        } catch (error) {
          setProfileError(id, toErrorInfo(error));
        } finally {
          setBusy(id, null);
        }
      },

      async checkProfile(id) {
        if (get().busy[id]) return;
        setBusy(id, 'check');
        setProfileError(id, null);
        set((s) => ({ doctor: without(s.doctor, id) }));
        try {
          const report = await deps.check({ profileId: id });
          set((s) => ({ doctor: { ...s.doctor, [id]: report } }));
        } catch (error) {
          setProfileError(id, toErrorInfo(error));
        } finally {
          setBusy(id, null);
        }
      },

      activeConnection: null,
      activeKey: null,
      activeStatus: null,
      activeError: null,
      statuses: {},

      applyStatus(status) {
        set((s) => ({
          statuses: { ...s.statuses, [status.key]: status },
          ...(status.key === s.activeKey ? { activeStatus: status } : {}),
        }));
      },

      async refreshStatuses() {
        let list: ConnectionStatus[];
        try {
          list = await deps.statuses();
        } catch {
          // Pool stats are a convenience; the next tick or event tries again.
          return;
        }
        const statuses: Record<string, ConnectionStatus> = {};
        for (const status of list) statuses[status.key] = status;
        set((s) => {
          const key = s.activeKey;
          if (!key) return { statuses };
          const current = statuses[key];
          // A pool main no longer lists was closed (e.g. the profile was saved); it reopens on the next call.
          const activeStatus =
            current ??
            (s.activeStatus
              ? {
                  ...s.activeStatus,
                  state: 'disconnected' as const,
                  pool: { ...s.activeStatus.pool, total: 0, idle: 0, waiting: 0 },
                }
              : null);
          return { statuses, activeStatus };
        });
      },

      async disconnectActive() {
        const ref = get().activeConnection;
        if (!ref) return;
        if ('profileId' in ref) return get().disconnectProfile(ref.profileId);
        clearActive();
        try {
          await deps.disconnect(ref);
        } catch {
          // An ad-hoc pool that cannot be closed is closed at quit; nothing for the user to do.
        }
      },

      openSnapshot: null,
      activeSource: null,
      openSnapshotSource: (snapshot) => setSource({ openSnapshot: snapshot }),
      renameOpenSnapshot(id, name) {
        const open = get().openSnapshot;
        if (open?.id === id) set({ openSnapshot: { ...open, name } });
      },
      closeSnapshot: () => setSource({ openSnapshot: null }),

      localPg: null,
      localPgError: null,
      localPgBusy: null,

      async loadLocalPg() {
        try {
          set({ localPg: await deps.localPgStatus(), localPgError: null });
        } catch (error) {
          set({ localPgError: toErrorInfo(error) });
        }
      },
      startLocalPg: () => runLocalPg('start', deps.localPgStart),
      stopLocalPg: () => runLocalPg('stop', deps.localPgStop),

      connect() {
        if (!stopFollowing) {
          const stops = [
            deps.onStatus((status) => get().applyStatus(status)),
            deps.onLocalPgStatus((localPg) => set({ localPg })),
            every(STATUS_POLL_MS, () => {
              if (get().activeConnection) void get().refreshStatuses();
            }),
          ];
          stopFollowing = () => stops.forEach((stop) => stop());
          void get().loadProfiles();
          void get().refreshStatuses();
          void get().loadLocalPg();
        }
        return () => {
          stopFollowing?.();
          stopFollowing = null;
        };
      },
    };
  });
}
