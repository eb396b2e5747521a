/**
 * Redaction applied to every log line and every error message before it is
 * written or sent anywhere. It removes passwords in connection URLs and
 * conninfo strings, bearer tokens, `token=` query parameters and values of
 * secret-looking keys, plus any exact secret registered at run time.
 */
export const REDACTED = '***';

const patterns: Array<[RegExp, string]> = [
  // scheme://user:password@host  (postgres, http, redis, ...)
  [/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s"']*:)([^@\s/]*)@/gi, `$1${REDACTED}@`],
  // Authorization: Bearer xxx / Basic xxx
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
  // key=value pairs in query strings, conninfo and env dumps
  [
    /\b([A-Za-z_]*(?:password|passwd|pwd|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|sslpassword)[A-Za-z_]*)(\s*=\s*)('[^']*'|"[^"]*"|[^\s&;,'"]+)/gi,
    `$1$2${REDACTED}`,
  ],
  // "password": "value" in JSON-ish text
  [
    /("[A-Za-z_]*(?:password|passwd|secret|token|api[_-]?key|private[_-]?key|access[_-]?key)[A-Za-z_]*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
    `$1"${REDACTED}"`,
  ],
];

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Register a value that must never be written, wherever it appears. */
  addSecret(secret: string | undefined | null): void {
    if (secret && secret.length >= 4) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
    return out;
  }
}

/** Redaction with no run-time secrets, for places that have no Redactor at hand. */
export function redactText(text: string): string {
  return defaultRedactor.redact(text);
}

const defaultRedactor = new Redactor();

/** Turn any logged value into one redacted line of text. */
export function formatLogValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) {
    const withKind = value as Error & { kind?: string };
    return withKind.kind ? `${value.name}[${withKind.kind}]: ${value.message}` : `${value.name}: ${value.message}`;
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
