/**
 * What one run (apply, or a verified plan) has done so far, folded from the
 * `migrations.progress` events that carry its run id. Pure, so the order of
 * events can be tested without a transport.
 */
import type {
  LockHolder,
  MigrationFailure,
  MigrationPlan,
  MigrationProgress,
  MigrationRunResult,
} from '../../../../common/migrations';

export type LockProgress =
  { state: 'waiting'; holder: LockHolder | null; waitedMs: number } | { state: 'acquired'; waitedMs: number };

export interface CurrentMigration {
  version: number;
  fileName: string;
  statementCount: number;
  /** 0-based; null until the first statement starts. */
  statementIndex: number | null;
  /** 1-based line in the file where the running statement starts. */
  line: number | null;
  summary: string | null;
}

export interface RunProgress {
  runId: string;
  kind: 'apply' | 'verify';
  /** Versions the run is expected to go through, in order (for the progress bar). */
  expected: readonly number[];
  lock: LockProgress | null;
  current: CurrentMigration | null;
  done: ReadonlyArray<{ version: number; durationMs: number }>;
  failure: MigrationFailure | null;
  /** Where each statement seen so far starts in its file, by `version:index`. */
  statementLines: Readonly<Record<string, number>>;
  finished: boolean;
}

export const statementKey = (version: number, index: number) => `${version}:${index}`;

export function startProgress(runId: string, kind: RunProgress['kind'], expected: readonly number[]): RunProgress {
  return {
    runId,
    kind,
    expected,
    lock: null,
    current: null,
    done: [],
    failure: null,
    statementLines: {},
    finished: false,
  };
}

/** The run after `event`; events of other runs leave it as it is. */
export function applyProgress(run: RunProgress, event: MigrationProgress): RunProgress {
  if (event.runId !== run.runId) return run;
  switch (event.phase) {
    case 'lock_wait':
      return { ...run, lock: { state: 'waiting', holder: event.holder, waitedMs: event.waitedMs } };
    case 'lock_acquired':
      return { ...run, lock: { state: 'acquired', waitedMs: event.waitedMs } };
    case 'migration_start':
      return {
        ...run,
        current: {
          version: event.version,
          fileName: event.fileName,
          statementCount: event.statementCount,
          statementIndex: null,
          line: null,
          summary: null,
        },
      };
    case 'statement': {
      const statementLines = { ...run.statementLines, [statementKey(event.version, event.statementIndex)]: event.line };
      const current =
        run.current?.version === event.version
          ? run.current
          : { version: event.version, fileName: '', statementCount: event.statementCount };
      return {
        ...run,
        statementLines,
        current: {
          ...current,
          statementCount: event.statementCount,
          statementIndex: event.statementIndex,
          line: event.line,
          summary: event.summary,
        },
      };
    }
    case 'migration_done':
      if (run.done.some((d) => d.version === event.version)) return run;
      return {
        ...run,
        current: run.current?.version === event.version ? null : run.current,
        done: [...run.done, { version: event.version, durationMs: event.durationMs }],
      };
    case 'migration_failed':
      return { ...run, failure: event.failure };
    case 'finished':
      return { ...run, finished: true, current: null };
  }
}

/** The run once apply answered: the answer is the truth, whatever events were missed or are still on the way. */
export function settleWithResult(run: RunProgress, result: MigrationRunResult): RunProgress {
  const seen = new Map(run.done.map((d) => [d.version, d.durationMs]));
  return {
    ...run,
    done: result.applied.map((a) => ({ version: a.version, durationMs: seen.get(a.version) ?? a.durationMs })),
    failure: result.failure,
    current: null,
    finished: true,
  };
}

/**
 * Migrations finished so far, and how many the run goes through. A verified
 * plan reports statements only (no migration_done), so the position of the
 * running file among the expected ones counts too.
 */
export function progressCounts(run: RunProgress): { finished: number; total: number } {
  const position = run.current ? run.expected.indexOf(run.current.version) : -1;
  const finished = Math.max(run.done.length, position);
  const total = Math.max(run.expected.length, finished + (run.current ? 1 : 0));
  return { finished, total };
}

/** 0..1: finished migrations, plus the share of statements of the one running. */
export function progressFraction(run: RunProgress): number {
  if (run.finished && !run.failure) return 1;
  const { finished, total } = progressCounts(run);
  if (total === 0) return run.finished ? 1 : 0;
  const partial =
    run.current && run.current.statementIndex !== null && run.current.statementCount > 0
      ? run.current.statementIndex / run.current.statementCount
      : 0;
  return Math.min(1, (finished + partial) / total);
}

/**
 * The line in the file where the failed statement starts: as main reports it,
 * else from the run's own progress or the plan's statements, else the
 * failure's line when it is the statement's start (no exact position).
 */
export function failureStartLine(
  failure: MigrationFailure,
  run: Pick<RunProgress, 'statementLines'> | null,
  plan: Pick<MigrationPlan, 'migrations'> | null,
): number | null {
  if (failure.statementLine !== null) return failure.statementLine;
  if (failure.statementIndex === null) return null;
  const fromRun = run?.statementLines[statementKey(failure.version, failure.statementIndex)];
  if (fromRun !== undefined) return fromRun;
  const planned = plan?.migrations
    .find((m) => m.version === failure.version)
    ?.statements.find((s) => s.index === failure.statementIndex);
  if (planned) return planned.line;
  if (!failure.exactPosition && failure.line !== null) return failure.line;
  return null;
}
