/**
 * The shape of the connections store (quick connect, saved profiles, the
 * active connection and its pool, the embedded local server), what it needs
 * from main, and the selectors other features read it through.
 */
import type { SchemaListing } from '../../../../common/domain';
import type {
  ConnectionProfile,
  ConnectionRef,
  ConnectionStatus,
  DataSourceRef,
  DoctorReport,
  LocalPgStatus,
  ProfileInput,
} from '../../../../common/profiles';
import type { ErrorInfo } from '../../api/error-info';
import type { OpenSnapshot } from './data-source';
import type { ProfileForm } from './profile-form';

/** The database the user last listed with the quick-connect form. */
export interface AdHocListing {
  /**
   * The URL as typed, password included. It lives in this store (memory) only
   * so the Schema view can use it; it is never written to localStorage,
   * sessionStorage or anything else that outlives the window.
   */
  url: string;
  includeSystem: boolean;
  listing: SchemaListing;
  /** ISO time of the listing shown. */
  listedAt: string;
}

export type ProfileAction = 'connect' | 'disconnect' | 'check' | 'delete';
export type LocalPgAction = 'start' | 'stop';

export interface ConnectionsState {
  // ---- Quick connect: an ad-hoc URL -------------------------------------
  draftUrl: string;
  includeSystem: boolean;
  pending: 'list' | null;
  /** Why the last "List schemas" failed (cleared by the next attempt). */
  listError: ErrorInfo | null;
  adHoc: AdHocListing | null;
  setDraftUrl(url: string): void;
  setIncludeSystem(include: boolean): void;
  /** List the schemas at the draft URL; on success the URL becomes the active connection. */
  listSchemas(): Promise<void>;

  // ---- Saved profiles ---------------------------------------------------
  profiles: readonly ConnectionProfile[];
  profilesLoaded: boolean;
  profilesError: ErrorInfo | null;
  form: ProfileForm | null;
  formSaving: boolean;
  formError: ErrorInfo | null;
  /** The profile whose deletion waits for confirmation. */
  deleteTarget: string | null;
  busy: Readonly<Record<string, ProfileAction>>;
  profileErrors: Readonly<Record<string, ErrorInfo>>;
  doctor: Readonly<Record<string, DoctorReport>>;
  loadProfiles(): Promise<void>;
  newProfile(): void;
  editProfile(id: string): void;
  updateForm(patch: Partial<ProfileForm>): void;
  cancelForm(): void;
  saveForm(): Promise<void>;
  askDelete(id: string): void;
  cancelDelete(): void;
  confirmDelete(): Promise<void>;
  connectProfile(id: string): Promise<void>;
  disconnectProfile(id: string): Promise<void>;
  checkProfile(id: string): Promise<void>;

  // ---- The active connection and the open pools -------------------------
  /** What every other view works on (schema browser, data grid, SQL console). */
  activeConnection: ConnectionRef | null;
  /** The pool key main reports for the active connection (profile id or url:<hash>). */
  activeKey: string | null;
  activeStatus: ConnectionStatus | null;
  /** Why the active connection could not be opened, when it could not. */
  activeError: ErrorInfo | null;
  /** Every pool main has told us about, by key. */
  statuses: Readonly<Record<string, ConnectionStatus>>;
  applyStatus(status: ConnectionStatus): void;
  refreshStatuses(): Promise<void>;
  disconnectActive(): Promise<void>;

  // ---- The data source: the live connection, or a snapshot opened offline ----
  /** The snapshot the views browse instead of the live connection, when one is open. */
  openSnapshot: OpenSnapshot | null;
  /**
   * What the schema browser, data grid and SQL console read from: `{snapshotId}` while a snapshot is
   * open, else the active connection. Calls that never take a snapshot keep using `activeConnection`.
   */
  activeSource: DataSourceRef | null;
  /** Browse a snapshot offline; the live connection stays as it is underneath. */
  openSnapshotSource(snapshot: OpenSnapshot): void;
  /** The open snapshot was renamed. */
  renameOpenSnapshot(id: string, name: string): void;
  /** Back to the live connection (if there is one). */
  closeSnapshot(): void;

  // ---- The embedded local PostgreSQL ------------------------------------
  localPg: LocalPgStatus | null;
  localPgError: ErrorInfo | null;
  localPgBusy: LocalPgAction | null;
  loadLocalPg(): Promise<void>;
  startLocalPg(): Promise<void>;
  stopLocalPg(): Promise<void>;

  /** Load profiles, pools and local server state and follow their events; returns a stop function. */
  connect(): () => void;
}

export interface ConnectionsDeps {
  listSchemas(url: string, includeSystem: boolean): Promise<SchemaListing>;
  listProfiles(): Promise<ConnectionProfile[]>;
  saveProfile(input: ProfileInput): Promise<ConnectionProfile>;
  deleteProfile(id: string): Promise<unknown>;
  connect(connection: ConnectionRef): Promise<ConnectionStatus>;
  disconnect(connection: ConnectionRef): Promise<unknown>;
  statuses(): Promise<ConnectionStatus[]>;
  check(connection: ConnectionRef): Promise<DoctorReport>;
  localPgStatus(): Promise<LocalPgStatus>;
  localPgStart(): Promise<LocalPgStatus>;
  localPgStop(): Promise<LocalPgStatus>;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  onLocalPgStatus(listener: (status: LocalPgStatus) => void): () => void;
  /** Runs `tick` every `ms` until the returned function is called (pool stats between events). */
  every?: (ms: number, tick: () => void) => () => void;
  clock?: () => Date;
}

export function isProfileRef(ref: ConnectionRef | null, id: string): boolean {
  return ref !== null && 'profileId' in ref && ref.profileId === id;
}

/** The saved profile behind the active connection, if it is one. */
export function activeProfileOf(state: Pick<ConnectionsState, 'activeConnection' | 'profiles'>) {
  const ref = state.activeConnection;
  if (!ref || !('profileId' in ref)) return null;
  return state.profiles.find((p) => p.id === ref.profileId) ?? null;
}

/** Whether a snapshot is open: the views are offline and read-only. */
export function isSnapshotOpen(state: Pick<ConnectionsState, 'openSnapshot'>): boolean {
  return state.openSnapshot !== null;
}

/**
 * Whether to mark the window as working on production: the active connection is production and no
 * snapshot is open (with one open, nothing the views do reaches the live database).
 */
export function isShowingProduction(state: ConnectionsState): boolean {
  return state.openSnapshot === null && isActiveProduction(state);
}

/** Whether the active connection is marked production (the status knows; the profile knows before connecting). */
export function isActiveProduction(state: ConnectionsState): boolean {
  return state.activeStatus?.production ?? activeProfileOf(state)?.production ?? false;
}

export function isActiveReadOnly(state: ConnectionsState): boolean {
  return state.activeStatus?.readOnly ?? activeProfileOf(state)?.readOnly ?? false;
}
