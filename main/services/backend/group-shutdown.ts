import { signalGroup, groupAlive, waitGroupGone } from './process-tree';
import { seconds } from './restart-policy';

/** After SIGKILL, how long to wait for the kernel to report the exit. */
const KILL_WAIT_MS = 5_000;

export type Say = (text: string, level?: 'error' | 'warn' | 'info') => void;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function sendToGroup(pid: number, signal: 'SIGTERM' | 'SIGKILL', say: Say): void {
  try {
    signalGroup(pid, signal);
  } catch (error) {
    say(`could not send ${signal} to process group ${pid}: ${errorText(error)}`, 'error');
  }
}

/** True when `promise` settled within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const done = await Promise.race([promise.then(() => true as const), timeout]);
  clearTimeout(timer);
  return done;
}

/**
 * Requested stop: SIGTERM to the group, SIGKILL when the leader has not
 * exited within the stop timeout; then anything left in the group (a
 * grandchild that ignored SIGTERM) gets SIGKILL once the same deadline
 * passes. Returns why force was needed, or null.
 */
export async function stopGroup(options: {
  pid: number;
  /** Settles once the leader's exit was handled. */
  exited: Promise<void>;
  alreadyExited: boolean;
  stopTimeoutMs: number;
  say: Say;
}): Promise<string | null> {
  const { pid, exited, stopTimeoutMs, say } = options;
  const deadline = performance.now() + stopTimeoutMs;
  let forced: string | null = null;
  if (!options.alreadyExited) {
    say(`sending SIGTERM to process group ${pid}`);
    sendToGroup(pid, 'SIGTERM', say);
    if (!(await settlesWithin(exited, stopTimeoutMs))) {
      say(`process ${pid} still running after the ${seconds(stopTimeoutMs)} stop timeout; sending SIGKILL`, 'warn');
      sendToGroup(pid, 'SIGKILL', say);
      forced = `killed with SIGKILL after the ${seconds(stopTimeoutMs)} stop timeout`;
      if (!(await settlesWithin(exited, KILL_WAIT_MS))) {
        say(`process ${pid} did not exit after SIGKILL`, 'error');
        return `process ${pid} did not exit after SIGKILL`;
      }
    }
  }
  await exited;
  if (!(await waitGroupGone(pid, Math.max(0, deadline - performance.now())))) {
    say(`processes left in group ${pid} after the stop timeout; sending SIGKILL`, 'warn');
    sendToGroup(pid, 'SIGKILL', say);
    forced ??= 'leftover processes in its group killed with SIGKILL';
    await waitGroupGone(pid, KILL_WAIT_MS);
  }
  return forced;
}

/** The leader exited on its own: anything it forked into its group goes too (SIGTERM, then SIGKILL). */
export async function clearGroup(pid: number, stopTimeoutMs: number, say: Say): Promise<void> {
  if (!groupAlive(pid)) return;
  say(`process ${pid} left processes in its group; sending SIGTERM`, 'warn');
  sendToGroup(pid, 'SIGTERM', say);
  if (await waitGroupGone(pid, stopTimeoutMs)) return;
  say(`processes in group ${pid} still running after ${seconds(stopTimeoutMs)}; sending SIGKILL`, 'warn');
  sendToGroup(pid, 'SIGKILL', say);
  await waitGroupGone(pid, KILL_WAIT_MS);
}
