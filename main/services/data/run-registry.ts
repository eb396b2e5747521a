import type { ConnectionRef } from '../../../common/profiles';
import { OpsError } from '../../../common/errors';
import { redactText } from '../logging/redact';

/** Sends pg_cancel_backend for a backend of a connection; true when a signal was sent. */
export type CancelBackend = (ref: ConnectionRef, backendPid: number) => Promise<boolean>;

export interface RunningQuery {
  ref: ConnectionRef;
  pid: number | null;
  cancelRequested: boolean;
}

/**
 * The queries running now, by the run id the renderer chose, so sql.cancel
 * can find the backend to signal. A run is listed only while its own
 * statement executes: once it finishes the backend may serve someone else,
 * and a late cancel must not hit them.
 */
export class RunRegistry {
  private readonly runs = new Map<string, RunningQuery>();
  private readonly cancelBackend: CancelBackend;

  constructor(cancelBackend: CancelBackend) {
    this.cancelBackend = cancelBackend;
  }

  /** Claim a run id; a second run with the same id while the first is running is refused. */
  start(runId: string, ref: ConnectionRef): RunningQuery {
    if (this.runs.has(runId)) {
      throw new OpsError('invalid_input', `A query with run id ${runId} is already running`, {
        hint: 'Wait for it to finish or cancel it first.',
      });
    }
    const run: RunningQuery = { ref, pid: null, cancelRequested: false };
    this.runs.set(runId, run);
    return run;
  }

  finish(runId: string, run: RunningQuery): void {
    if (this.runs.get(runId) === run) this.runs.delete(runId);
  }

  /**
   * Cancel a run. Before its backend is known the request is remembered and
   * the run stops before it starts; unknown or finished runs give false.
   */
  async cancel(runId: string): Promise<boolean> {
    const run = this.runs.get(runId);
    if (!run) return false;
    run.cancelRequested = true;
    if (run.pid === null) return true;
    try {
      return await this.cancelBackend(run.ref, run.pid);
    } catch (error) {
      if (error instanceof OpsError) throw error;
      throw new OpsError('connection_failed', 'Could not send the cancel request', {
        detail: redactText(error instanceof Error ? error.message : String(error)),
        hint: 'The query keeps running until it ends or the statement timeout stops it.',
        cause: error,
      });
    }
  }

  isRunning(runId: string): boolean {
    return this.runs.has(runId);
  }
}
