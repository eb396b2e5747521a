/**
 * The shape of the Sled import store (the imports in the data folder and the
 * wizard over one of them: files, staging summary, plan, load, report), what
 * it needs from main, and the pure rules the views and the store share.
 */
import type { CallInput } from '../../../../common/contract';
import type { ConnectionProfile, ConnectionRef } from '../../../../common/profiles';
import type { SledImportSummary, SledPlan, SledProgress, SledReport, SledSettings } from '../../../../common/sled';
import { DEFAULT_SLED_NAMESPACE } from '../../../../common/sled';
import type { ErrorInfo } from '../../api/error-info';

/** The wizard's steps, in order. */
export const sledSteps = ['files', 'summary', 'plan', 'load', 'report'] as const;
export type SledStep = (typeof sledSteps)[number];

export const stepLabels: Record<SledStep, string> = {
  files: 'Files',
  summary: 'Summary',
  plan: 'Plan',
  load: 'Load',
  report: 'Report',
};

/** The plan's choices as the user types them. */
export interface SettingsForm {
  ttlDays: string;
  ttlHours: string;
  /** Seconds below an hour in the saved TTL (set by the CLI); kept as they are. */
  ttlExtraSeconds: number;
  uuidNamespace: string;
  secrets: SledSettings['secrets'];
}

export type RunOutcome = { kind: 'done' } | { kind: 'cancelled' } | { kind: 'failed'; error: ErrorInfo };

/** An import or a load going on (or just finished), followed by the run id the renderer chose. */
export interface SledRun {
  runId: string;
  kind: 'import' | 'load';
  /** The import loaded (null for an import until main answers). */
  importId: string | null;
  /** What it works on, as the UI names it: the files, or the target database. */
  label: string;
  /** ms since the epoch, from the store's clock. */
  startedAt: number;
  /** The last progress event of this run (a starting state until the first arrives). */
  progress: SledProgress;
  /** Whether a progress event of this run has arrived. */
  started: boolean;
  cancelling: boolean;
  /** Why the last cancel request failed (the run goes on). */
  cancelError: ErrorInfo | null;
  /** Null while it runs. */
  outcome: RunOutcome | null;
  /** ms the run took, once it ended. */
  elapsedMs: number | null;
}

/** A load waiting for its confirmation: the target named, the database typed for production. */
export interface LoadConfirm {
  profileId: string;
  database: string;
  production: boolean;
  typed: string;
}

export interface SledState {
  // ---- The imports in the data folder -------------------------------------
  imports: readonly SledImportSummary[];
  listLoaded: boolean;
  listLoading: boolean;
  listError: ErrorInfo | null;
  loadList(): Promise<void>;

  // ---- The wizard ------------------------------------------------------------
  /** The import the wizard works on; null for a new one (the Files step). */
  currentId: string | null;
  step: SledStep;
  goTo(step: SledStep): void;
  /** Start over with new files. */
  newImport(): void;
  /** Reopen a staged import (its staging database is kept in the data folder). */
  open(id: string): Promise<void>;
  showError: ErrorInfo | null;

  // ---- 1. Files --------------------------------------------------------------
  /** Paths on the machine running ops-console, one a line. */
  filesText: string;
  filesError: ErrorInfo | null;
  setFilesText(text: string): void;
  startImport(): Promise<void>;

  /** The import or load running (one at a time), or the last one until dismissed. */
  run: SledRun | null;
  cancelRun(): Promise<void>;
  dismissRun(): void;

  // ---- 3. Plan ---------------------------------------------------------------
  /** The profile chosen as the load target; null until the user picks one (the view defaults to the active one). */
  targetId: string | null;
  setTarget(profileId: string): void;
  plan: SledPlan | null;
  /** The profile the plan's skip counts were checked against, or null (staging only). */
  plannedFor: string | null;
  planning: boolean;
  /** The run id of the plan being counted (its progress events and its cancel), null when none is. */
  planRunId: string | null;
  /** The profile the plan being counted checks against; null when none is, or it reads the staging database only. */
  planningFor: string | null;
  /** The last progress event of that plan; null until one arrives. */
  planProgress: SledProgress | null;
  /** Asks main to stop the plan being counted; it then fails as cancelled (planError), and Re-plan counts again. */
  cancelPlan(): Promise<void>;
  planError: ErrorInfo | null;
  settingsForm: SettingsForm | null;
  updateSettings(patch: Partial<SettingsForm>): void;
  resetNamespace(): void;
  /**
   * Ask main for the plan of the current import. With `saveSettings` the form's choices go with it
   * (main saves them); without, the saved ones come back and fill the form.
   */
  makePlan(target: { profileId: string } | null, saveSettings: boolean): Promise<void>;

  // ---- 4. Load ---------------------------------------------------------------
  loadConfirm: LoadConfirm | null;
  askLoad(target: ConnectionProfile): void;
  setConfirmTyped(text: string): void;
  cancelLoad(): void;
  /** Load the current import into the confirmed target; the passphrase goes to main with the call and no further. */
  confirmLoad(passphrase: string | undefined): Promise<void>;

  // ---- 5. Report -------------------------------------------------------------
  report: SledReport | null;
  reporting: boolean;
  reportError: ErrorInfo | null;
  /** Read the report from the staging database, or check it against `target`'s database. */
  fetchReport(target: { profileId: string } | null): Promise<void>;

  // ---- Delete ----------------------------------------------------------------
  deleteTarget: string | null;
  deleting: string | null;
  deleteError: ErrorInfo | null;
  askDelete(id: string): void;
  cancelDelete(): void;
  confirmDelete(): Promise<void>;
}

export interface SledDeps {
  list(): Promise<SledImportSummary[]>;
  show(id: string): Promise<SledImportSummary>;
  importFiles(input: CallInput<'sled.import'>): Promise<SledImportSummary>;
  plan(input: CallInput<'sled.plan'>): Promise<SledPlan>;
  load(input: CallInput<'sled.load'>): Promise<SledReport>;
  cancel(runId: string): Promise<{ cancelled: boolean }>;
  report(input: CallInput<'sled.report'>): Promise<SledReport>;
  remove(id: string): Promise<unknown>;
  onProgress(listener: (progress: SledProgress) => void): () => void;
  newRunId?(): string;
  now?(): number;
  /** How long to keep listening for a run's last events after its answer arrived. */
  lingerMs?: number;
}

/** The paths typed in the Files step: one a line, blank lines and surrounding spaces dropped. */
export function parseFiles(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** The files text with picked paths added after those typed: blank lines dropped, none repeated. */
export function addFiles(text: string, paths: readonly string[]): string {
  return [...new Set([...parseFiles(text), ...paths])].join('\n');
}

export function settingsFormOf(settings: SledSettings): SettingsForm {
  const seconds = settings.cacheTtlSeconds;
  return {
    ttlDays: String(Math.floor(seconds / 86_400)),
    ttlHours: String(Math.floor((seconds % 86_400) / 3600)),
    ttlExtraSeconds: seconds % 3600,
    uuidNamespace: settings.uuidNamespace,
    secrets: settings.secrets,
  };
}

/**
 * The form as settings main can check, or what keeps it from being sent. Only what cannot be
 * sent (days or hours that are not whole numbers) is caught here; the ranges and the namespace's
 * shape are main's to judge, and its answer is shown beside the form.
 */
export function settingsOfForm(
  form: SettingsForm,
): { ok: true; settings: SledSettings } | { ok: false; error: ErrorInfo } {
  const days = form.ttlDays.trim() === '' ? '0' : form.ttlDays.trim();
  const hours = form.ttlHours.trim() === '' ? '0' : form.ttlHours.trim();
  if (!/^\d{1,7}$/.test(days) || !/^\d{1,9}$/.test(hours)) {
    return {
      ok: false,
      error: {
        kind: 'invalid_input',
        message: 'The cache TTL needs whole numbers of days and hours',
        hint: 'For example 7 days 0 hours (the default), or 0 days 36 hours.',
      },
    };
  }
  return {
    ok: true,
    settings: {
      cacheTtlSeconds: Number(days) * 86_400 + Number(hours) * 3600 + form.ttlExtraSeconds,
      uuidNamespace: form.uuidNamespace.trim(),
      secrets: form.secrets,
    },
  };
}

export function sameSettings(a: SledSettings, b: SledSettings): boolean {
  return (
    a.cacheTtlSeconds === b.cacheTtlSeconds &&
    a.uuidNamespace.toLowerCase() === b.uuidNamespace.toLowerCase() &&
    a.secrets === b.secrets
  );
}

/** Whether the form says something other than the plan shown (Re-plan saves it). */
export function settingsChanged(state: Pick<SledState, 'plan' | 'settingsForm'>): boolean {
  const { plan, settingsForm } = state;
  if (!plan || !settingsForm) return false;
  const built = settingsOfForm(settingsForm);
  return !built.ok || !sameSettings(built.settings, plan.settings);
}

export const isDefaultNamespace = (namespace: string) =>
  namespace.trim().toLowerCase() === DEFAULT_SLED_NAMESPACE.toLowerCase();

export type StepGate = Pick<SledState, 'run' | 'plan' | 'plannedFor' | 'settingsForm' | 'report'> & {
  current: SledImportSummary | null;
};

/** Whether the plan shown is what a load would do: checked against `targetId` and with the settings saved. */
export function planIsCurrent(state: StepGate, targetId: string | null): boolean {
  return state.plan !== null && targetId !== null && state.plannedFor === targetId && !settingsChanged(state);
}

/** Whether a step is finished, so the next one may be opened. */
export function stepDone(state: StepGate, step: SledStep, targetId: string | null): boolean {
  const staged = state.current?.state === 'staged';
  switch (step) {
    case 'files':
    case 'summary':
      return staged;
    case 'plan':
      return staged && planIsCurrent(state, targetId);
    case 'load':
      return staged && (state.report !== null || state.current?.lastLoadAt != null);
    case 'report':
      return state.report !== null;
  }
}

/** Each step opens once the one before it is done; the Files step always opens. */
export function stepReachable(state: StepGate, step: SledStep, targetId: string | null): boolean {
  const index = sledSteps.indexOf(step);
  const previous = sledSteps[index - 1];
  return previous === undefined || stepDone(state, previous, targetId);
}

export function isRunning(state: Pick<SledState, 'run'>): boolean {
  return state.run !== null && state.run.outcome === null;
}

/** The field main named in an invalid_input message ("Invalid input for sled.plan: settings.uuidNamespace: …"). */
export function fieldErrors(error: ErrorInfo | null): Partial<Record<string, string>> {
  if (!error || error.kind !== 'invalid_input') return {};
  const found: Partial<Record<string, string>> = {};
  const pattern = /(?:^|[:;]\s*)((?:settings\.)?[A-Za-z]+): ([^;]+)/g;
  for (const match of error.message.matchAll(pattern)) {
    const field = match[1]?.replace(/^settings\./, '');
    const message = match[2]?.trim();
    if (field && message && field !== 'input') found[field] ??= message;
  }
  return found;
}

/** The target as the UI names it: "database on host:port". */
export function targetLabel(profile: Pick<ConnectionProfile, 'database' | 'host' | 'port'>): string {
  return `${profile.database} on ${profile.host}:${profile.port}`;
}

export function connectionOf(profileId: string): ConnectionRef {
  return { profileId };
}

/** What a failed plan's error box is titled: a plan the user stopped did not fail. */
export function planTitle(error: ErrorInfo): string {
  return error.kind === 'conflict' && /cancelled/i.test(error.message) ? 'Plan stopped' : 'Could not plan';
}
