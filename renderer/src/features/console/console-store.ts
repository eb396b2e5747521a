/**
 * The SQL console: tabs of SQL text, each with its own result and its own
 * "allow writes" switch; running, cancelling and explaining by run id; and the
 * catalog model per connection for name completion, fetched once.
 */
import { createStore } from 'zustand/vanilla';
import type { CatalogModel } from '../../../../common/catalog';
import type { CallInput } from '../../../../common/contract';
import type { ExplainResult, SqlResult } from '../../../../common/data';
import { RemoteError } from '../../../../common/errors';
import type { DataSourceRef } from '../../../../common/profiles';
import type { ErrorInfo } from '../../api/error-info';
import { toErrorInfo } from '../../api/error-info';
import { connectionKey } from '../data/table-key';
import type { CompletionSchema } from './completion-schema';
import { buildCompletionSchema } from './completion-schema';
import type { SnapshotTableMapping } from './snapshot-completion';
import { buildSnapshotCompletion, parseSnapshotTables, SNAPSHOT_TABLES_SQL } from './snapshot-completion';
import type { SqlLocation } from './sql-position';
import { locateError } from './sql-position';

export interface RunningQuery {
  runId: string;
  kind: 'run' | 'explain';
  /** ms since the epoch, from the store's clock. */
  startedAt: number;
  cancelling: boolean;
  /** Why the last cancel request failed (the query is still running). */
  cancelError: ErrorInfo | null;
}

export interface SqlError extends ErrorInfo {
  /** PostgreSQL's position (1-based characters into the submitted text). */
  position: number | null;
  /** Where that is in the tab's text. */
  location: SqlLocation | null;
}

export type ConsoleOutcome =
  | { kind: 'result'; result: SqlResult; wroteAllowed: boolean }
  | { kind: 'explain'; explain: ExplainResult }
  | { kind: 'error'; error: SqlError; cancelled: boolean; elapsedMs: number };

export interface ConsoleTab {
  id: string;
  title: string;
  sql: string;
  /** Off by default; ignored (and shown disabled) on a read-only connection. */
  allowWrite: boolean;
  /** EXPLAIN ANALYZE runs the statement: off by default. */
  analyze: boolean;
  running: RunningQuery | null;
  outcome: ConsoleOutcome | null;
}

export type ModelEntry =
  | { status: 'loading' }
  | {
      status: 'ready';
      completion: CompletionSchema;
      /** On a snapshot: its data tables and the source tables they hold (null on a live database). */
      mapping: readonly SnapshotTableMapping[] | null;
    }
  | { status: 'error'; error: ErrorInfo };

/** What a run needs to know about the source it runs on. */
export interface RunContext {
  /** A live connection, or a snapshot (SQLite SQL over its file, read-only; no EXPLAIN). */
  connection: DataSourceRef;
  /** The connection is read-only (profile or server, or a snapshot): writing is never allowed. */
  readOnly: boolean;
}

/** A part of the tab's text to run instead of all of it (the editor selection). */
export interface TextRange {
  from: number;
  to: number;
}

export interface ConsoleState {
  tabs: ConsoleTab[];
  activeTabId: string;
  models: Readonly<Record<string, ModelEntry>>;
  newTab(): void;
  closeTab(id: string): void;
  selectTab(id: string): void;
  setSql(id: string, sql: string): void;
  setAllowWrite(id: string, allow: boolean): void;
  setAnalyze(id: string, analyze: boolean): void;
  run(id: string, context: RunContext, range?: TextRange | null): Promise<void>;
  explain(id: string, context: RunContext, range?: TextRange | null): Promise<void>;
  cancel(id: string): Promise<void>;
  /** Load the names to complete for a source once (again only after a failure or when forced). */
  ensureModel(connection: DataSourceRef, force?: boolean): Promise<void>;
}

export interface ConsoleDeps {
  run(input: CallInput<'sql.run'>): Promise<SqlResult>;
  explain(input: CallInput<'sql.explain'>): Promise<ExplainResult>;
  cancel(runId: string): Promise<{ cancelled: boolean }>;
  loadModel(connection: DataSourceRef): Promise<CatalogModel>;
  newRunId?(): string;
  now?(): number;
  /** Rows a result keeps at most. */
  maxRows?: number;
}

export const DEFAULT_MAX_RESULT_ROWS = 10_000;

/** Whether the "Allow writes" switch may be turned on, and why not. */
export function writeSwitch(readOnly: boolean | null): { enabled: boolean; reason: string | null } {
  return readOnly
    ? { enabled: false, reason: 'This connection is read-only: statements always run in a read-only transaction.' }
    : { enabled: true, reason: null };
}

/** EXPLAIN is PostgreSQL's planner: a snapshot (SQLite over a file) has none to ask. */
export const EXPLAIN_OFFLINE = 'EXPLAIN is not available on a snapshot: it shows the plan of the live database.';

/** True when PostgreSQL stopped the statement because we asked it to (pg_cancel_backend). */
export function isCancellation(error: ErrorInfo): boolean {
  return /canceling statement due to user request|cancell?ed/i.test(error.message);
}

function randomRunId(): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return `run-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function createConsoleStore(deps: ConsoleDeps) {
  const now = deps.now ?? (() => Date.now());
  const newRunId = deps.newRunId ?? randomRunId;
  const maxRows = deps.maxRows ?? DEFAULT_MAX_RESULT_ROWS;
  let tabNumber = 1;
  const makeTab = (): ConsoleTab => {
    const n = tabNumber++;
    return {
      id: `tab-${n}`,
      title: `Query ${n}`,
      sql: '',
      allowWrite: false,
      analyze: false,
      running: null,
      outcome: null,
    };
  };
  const first = makeTab();

  return createStore<ConsoleState>()((set, get) => {
    const tab = (id: string) => get().tabs.find((t) => t.id === id);
    const patch = (id: string, change: Partial<ConsoleTab>) =>
      set({ tabs: get().tabs.map((t) => (t.id === id ? { ...t, ...change } : t)) });
    /** Only the run that is still the tab's current one may write its outcome. */
    const isCurrent = (id: string, runId: string) => tab(id)?.running?.runId === runId;

    const execute = async (
      id: string,
      kind: 'run' | 'explain',
      context: RunContext,
      range: TextRange | null | undefined,
    ) => {
      const current = tab(id);
      if (!current || current.running) return;
      const full = current.sql;
      const base = range && range.to > range.from ? range.from : 0;
      const submitted = range && range.to > range.from ? full.slice(range.from, range.to) : full;
      if (submitted.trim() === '') {
        patch(id, {
          outcome: {
            kind: 'error',
            error: { kind: 'invalid_input', message: 'Nothing to run', position: null, location: null },
            cancelled: false,
            elapsedMs: 0,
          },
        });
        return;
      }
      const source = context.connection;
      if (kind === 'explain' && 'snapshotId' in source) {
        patch(id, {
          outcome: {
            kind: 'error',
            error: { kind: 'invalid_input', message: EXPLAIN_OFFLINE, position: null, location: null },
            cancelled: false,
            elapsedMs: 0,
          },
        });
        return;
      }
      const runId = newRunId();
      const startedAt = now();
      patch(id, { running: { runId, kind, startedAt, cancelling: false, cancelError: null } });
      try {
        if (kind === 'run') {
          // A snapshot is read-only whatever the tab says: main refuses allowWrite there.
          const allowWrite = current.allowWrite && !context.readOnly && !('snapshotId' in source);
          const result = await deps.run({ connection: source, sql: submitted, runId, allowWrite, maxRows });
          if (!isCurrent(id, runId)) return;
          patch(id, { running: null, outcome: { kind: 'result', result, wroteAllowed: allowWrite } });
        } else if (!('snapshotId' in source)) {
          const explain = await deps.explain({
            connection: source,
            sql: submitted,
            analyze: current.analyze,
            runId,
          });
          if (!isCurrent(id, runId)) return;
          patch(id, { running: null, outcome: { kind: 'explain', explain } });
        }
      } catch (thrown) {
        if (!isCurrent(id, runId)) return;
        const info = toErrorInfo(thrown);
        const position = thrown instanceof RemoteError && thrown.position !== undefined ? thrown.position : null;
        const cancelling = tab(id)?.running?.cancelling ?? false;
        patch(id, {
          running: null,
          outcome: {
            kind: 'error',
            error: {
              ...info,
              position,
              location: position === null ? null : locateError(full, base, submitted, position),
            },
            cancelled: cancelling || isCancellation(info),
            elapsedMs: now() - startedAt,
          },
        });
      }
    };

    return {
      tabs: [first],
      activeTabId: first.id,
      models: {},

      newTab() {
        const created = makeTab();
        set({ tabs: [...get().tabs, created], activeTabId: created.id });
      },

      closeTab(id) {
        const { tabs, activeTabId } = get();
        const index = tabs.findIndex((t) => t.id === id);
        const closing = tabs[index];
        if (!closing) return;
        // Nothing keeps running for a tab that is gone.
        if (closing.running) void deps.cancel(closing.running.runId).catch(() => undefined);
        const rest = tabs.filter((t) => t.id !== id);
        if (rest.length === 0) {
          const fresh = makeTab();
          set({ tabs: [fresh], activeTabId: fresh.id });
          return;
        }
        const neighbour = rest[Math.min(index, rest.length - 1)]!;
        set({ tabs: rest, activeTabId: activeTabId === id ? neighbour.id : activeTabId });
      },

      selectTab(id) {
        if (tab(id)) set({ activeTabId: id });
      },

      setSql(id, sql) {
        if (tab(id)?.sql !== sql) patch(id, { sql });
      },

      setAllowWrite(id, allow) {
        patch(id, { allowWrite: allow });
      },

      setAnalyze(id, analyze) {
        patch(id, { analyze });
      },

      run: (id, context, range) => execute(id, 'run', context, range),
      explain: (id, context, range) => execute(id, 'explain', context, range),

      async cancel(id) {
        const running = tab(id)?.running;
        if (!running || running.cancelling) return;
        patch(id, { running: { ...running, cancelling: true, cancelError: null } });
        try {
          await deps.cancel(running.runId);
        } catch (error) {
          // The cancel did not reach the server: say why, and let the user try again.
          const still = tab(id)?.running;
          if (still?.runId === running.runId) {
            patch(id, { running: { ...still, cancelling: false, cancelError: toErrorInfo(error) } });
          }
        }
      },

      async ensureModel(connection, force = false) {
        const key = connectionKey(connection);
        const entry = get().models[key];
        if (entry && (entry.status === 'loading' || (entry.status === 'ready' && !force))) return;
        set({ models: { ...get().models, [key]: { status: 'loading' } } });
        try {
          let entry: ModelEntry;
          if ('snapshotId' in connection) {
            // The snapshot's own tables (d_<n>) are what its SQL names; snapshot_tables says which is which.
            const result = await deps.run({
              connection,
              sql: SNAPSHOT_TABLES_SQL,
              runId: newRunId(),
              maxRows: 100_000,
            });
            const mapping = parseSnapshotTables(result);
            entry = { status: 'ready', completion: buildSnapshotCompletion(mapping), mapping };
          } else {
            const model = await deps.loadModel(connection);
            entry = { status: 'ready', completion: buildCompletionSchema(model), mapping: null };
          }
          set({ models: { ...get().models, [key]: entry } });
        } catch (error) {
          set({ models: { ...get().models, [key]: { status: 'error', error: toErrorInfo(error) } } });
        }
      },
    };
  });
}
