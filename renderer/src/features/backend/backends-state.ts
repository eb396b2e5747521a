/**
 * The shape of the backends store, what it needs from main, and the
 * selectors the view reads it through (which action applies in which state).
 */
import type {
  BackendConfigInput,
  BackendConfigView,
  BackendState,
  BackendStatus,
  PreflightReport,
} from '../../../../common/backend';
import type { ErrorInfo } from '../../api/error-info';
import type { BackendForm, EnvRow, FormError } from './backend-form';

export interface BackendEntry {
  config: BackendConfigView;
  status: BackendStatus;
}

export type BackendAction = 'start' | 'stop' | 'restart' | 'preflight' | 'delete';

export interface ActionError {
  action: BackendAction;
  error: ErrorInfo;
}

export interface BackendsState {
  entries: readonly BackendEntry[];
  loaded: boolean;
  loading: boolean;
  loadError: ErrorInfo | null;
  selectedId: string | null;
  /** The configuration being created or edited; the detail shows the form instead of the status. */
  form: BackendForm | null;
  formSaving: boolean;
  formError: FormError | null;
  /** The backend whose deletion waits for confirmation. */
  deleteTarget: string | null;
  /** The call in flight per backend id. */
  pending: Readonly<Record<string, BackendAction>>;
  errors: Readonly<Record<string, ActionError>>;
  preflight: Readonly<Record<string, PreflightReport>>;

  load(): Promise<void>;
  select(id: string): void;
  newBackend(): void;
  editBackend(id: string): void;
  updateForm(patch: Partial<Omit<BackendForm, 'env' | 'id'>>): void;
  addEnvRow(): void;
  updateEnvRow(rowId: string, patch: Partial<Omit<EnvRow, 'rowId' | 'stored'>>): void;
  replaceSecret(rowId: string): void;
  removeEnvRow(rowId: string): void;
  cancelForm(): void;
  saveForm(): Promise<void>;
  askDelete(id: string): void;
  cancelDelete(): void;
  confirmDelete(): Promise<void>;
  start(id: string): Promise<void>;
  stop(id: string): Promise<void>;
  restart(id: string): Promise<void>;
  check(id: string): Promise<void>;
  dismissError(id: string): void;
  dismissPreflight(id: string): void;
  /** A status pushed by main (every transition and stats sample). */
  applyStatus(status: BackendStatus): void;
  /** Follow status events; returns a stop function. */
  connect(): () => void;
}

export interface BackendsDeps {
  list(): Promise<BackendEntry[]>;
  save(input: BackendConfigInput): Promise<BackendConfigView>;
  remove(id: string): Promise<void>;
  start(id: string): Promise<BackendStatus>;
  stop(id: string): Promise<BackendStatus>;
  restart(id: string): Promise<BackendStatus>;
  preflight(id: string): Promise<PreflightReport>;
  onStatus(listener: (status: BackendStatus) => void): () => void;
}

const startable: readonly BackendState[] = ['stopped', 'crashed', 'failed', 'backoff'];
const stoppable: readonly BackendState[] = ['starting', 'running', 'unhealthy', 'backoff'];
const restartable: readonly BackendState[] = ['running', 'unhealthy', 'starting'];

export const canStart = (state: BackendState) => startable.includes(state);
export const canStop = (state: BackendState) => stoppable.includes(state);
export const canRestart = (state: BackendState) => restartable.includes(state);

/** Alive states: the process exists (or is being spawned or stopped). */
export const isAlive = (state: BackendState) =>
  state === 'starting' || state === 'running' || state === 'unhealthy' || state === 'stopping';

export function selectedEntry(state: Pick<BackendsState, 'entries' | 'selectedId'>): BackendEntry | null {
  return state.entries.find((e) => e.config.id === state.selectedId) ?? null;
}
