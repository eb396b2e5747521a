import type { BackendConfig, ProbeResult } from '../../../common/backend';

/** The URL actually probed: config.healthUrl (default http://127.0.0.1:$PORT/health) with `$PORT` filled in. */
export function resolveHealthUrl(config: Pick<BackendConfig, 'healthUrl' | 'port'>): string {
  const template = config.healthUrl.trim() === '' ? 'http://127.0.0.1:$PORT/health' : config.healthUrl.trim();
  return template.replaceAll('$PORT', String(config.port));
}

function probeError(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  // undici reports "fetch failed" and keeps the socket error as the cause.
  const cause: unknown = error.cause;
  if (cause instanceof Error && cause.message !== '') return cause.message;
  return error.message;
}

/**
 * One HTTP GET. Success is a 2xx status; redirects are not followed (a health
 * endpoint that redirects is misconfigured). The body is read and dropped so
 * the keep-alive connection can be reused; the timeout covers it too.
 */
export async function probeHealth(
  url: string,
  timeoutMs: number,
  fetchImpl: typeof fetch,
  clock: () => number,
): Promise<ProbeResult> {
  const at = new Date(clock()).toISOString();
  const started = performance.now();
  const latency = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const response = await fetchImpl(url, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
      headers: { 'user-agent': 'ops-console-health-probe' },
    });
    try {
      await response.arrayBuffer();
    } catch {
      // The status is what counts; a body cut short does not change it.
    }
    const ok = response.status >= 200 && response.status < 300;
    return { ok, at, latencyMs: latency(), status: response.status, error: ok ? null : `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, at, latencyMs: latency(), status: null, error: probeError(error, timeoutMs) };
  }
}
