/**
 * Sends renderer errors nobody caught to the application log, so they end up
 * next to main's lines (and in the Logs view) instead of only in DevTools.
 */

/** logs.write accepts at most this many characters. */
export const MAX_REPORT_CHARS = 8000;

export interface ErrorReporterOptions {
  write(message: string): Promise<unknown>;
  now?: () => number;
  /** At most this many reports per window; a loop that throws must not flood the log. */
  maxPerWindow?: number;
  windowMs?: number;
}

export function describeThrown(value: unknown): string {
  if (value instanceof Error) {
    const stack = value.stack ?? '';
    const head = `${value.name}: ${value.message}`;
    // V8 stacks start with the same "Name: message" line.
    return stack.startsWith(head) ? stack : stack ? `${head}\n${stack}` : head;
  }
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function truncateReport(text: string): string {
  const clean = text.trim() || '(no message)';
  return clean.length <= MAX_REPORT_CHARS ? clean : `${clean.slice(0, MAX_REPORT_CHARS - 1)}…`;
}

export function createErrorReporter(options: ErrorReporterOptions) {
  const now = options.now ?? Date.now;
  const maxPerWindow = options.maxPerWindow ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  let windowStart = Number.NEGATIVE_INFINITY;
  let count = 0;
  let suppressed = 0;

  const send = (message: string) => {
    // The report itself must never become a new unhandled rejection.
    options.write(truncateReport(message)).catch(() => undefined);
  };

  return function report(message: string): void {
    const time = now();
    if (time - windowStart >= windowMs) {
      if (suppressed > 0) send(`${suppressed} further renderer error(s) were not logged (rate limit)`);
      windowStart = time;
      count = 0;
      suppressed = 0;
    }
    if (count >= maxPerWindow) {
      suppressed += 1;
      return;
    }
    count += 1;
    send(message);
  };
}

/** Listens for uncaught errors and unhandled rejections; returns a function that stops listening. */
export function installErrorReporting(target: Window, report: (message: string) => void): () => void {
  const onError = (event: ErrorEvent) => {
    const where = event.filename ? ` (${event.filename}:${event.lineno}:${event.colno})` : '';
    const what = event.error === undefined || event.error === null ? event.message : describeThrown(event.error);
    report(`Uncaught error in the renderer${where}: ${what}`);
  };
  const onRejection = (event: PromiseRejectionEvent) => {
    report(`Unhandled promise rejection in the renderer: ${describeThrown(event.reason)}`);
  };
  target.addEventListener('error', onError);
  target.addEventListener('unhandledrejection', onRejection);
  return () => {
    target.removeEventListener('error', onError);
    target.removeEventListener('unhandledrejection', onRejection);
  };
}
