/**
 * A leaner V8 heap while a Sled import or load runs: V8's heap growing
 * factor (`--heap-growing-percent`) at 2 instead of the up to 4 it picks by
 * itself. Each of those pages a million entries through JavaScript,
 * allocating tens of MB a batch of which little stays live; left alone V8
 * lets that garbage grow the heap past 200 MB before a full collection.
 * Measured on the benchmark's million entries: a load peaks near 240 MB
 * instead of 320 to 370 MB at the same speed (its collections overlap
 * PostgreSQL's work). A plan runs without it: on its own thread
 * (sled-thread.ts) the lean heap made it 40 % slower (18 s instead of 13 s),
 * and without it the whole process peaks near 250 MB.
 *
 * The flag is process-wide and V8 reads it each time it sizes the heap after
 * a collection, so it is set when the first such run starts and put back to
 * V8's own choice (0) when the last one ends: the desktop app and `serve`
 * keep V8's defaults for everything else. A process started with its own
 * --heap-growing-percent is left alone.
 */
import v8 from 'node:v8';

export const LEAN_HEAP_GROWING_PERCENT = 100;
const FLAG = '--heap-growing-percent';

/** Runs `fn` with the lean heap on; nested and concurrent runs share it. */
export type LeanHeap = <T>(fn: () => Promise<T>) => Promise<T>;

/** Whether the process was started with its own heap growing flag (then it is not ours to change). */
export function heapFlagGiven(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const given = (arg: string) => arg === FLAG || arg.startsWith(`${FLAG}=`) || arg.startsWith('--heap_growing_percent');
  return execArgv.some(given) || (nodeOptions ?? '').split(/\s+/).some(given);
}

/** A LeanHeap over `setFlags` (v8.setFlagsFromString in the app, a recorder in tests). */
export function leanHeap(
  setFlags: (flags: string) => void = (flags) => v8.setFlagsFromString(flags),
  given = heapFlagGiven(process.execArgv, process.env.NODE_OPTIONS),
): LeanHeap {
  let runs = 0;
  return async (fn) => {
    if (given) return fn();
    if (runs === 0) setFlags(`${FLAG}=${LEAN_HEAP_GROWING_PERCENT}`);
    runs += 1;
    try {
      return await fn();
    } finally {
      runs -= 1;
      if (runs === 0) setFlags(`${FLAG}=0`);
    }
  };
}
