/**
 * The closed set of error kinds that may cross a transport. Services throw
 * `OpsError` (or a subclass); the router turns anything else into `internal`.
 */
export const errorKinds = [
  'invalid_input',
  'unknown_call',
  'not_found',
  'unauthorized',
  'connection_failed',
  'auth_failed',
  'timeout',
  'database_error',
  'unavailable',
  /** The request cannot run in the current state (a migration blocker, a held lock, a read-only profile). */
  'conflict',
  'internal',
] as const;

export type ErrorKind = (typeof errorKinds)[number];

/** What a transport carries when a call fails: no stack, no secrets. */
export interface SerializedError {
  kind: ErrorKind;
  message: string;
  hint?: string;
  detail?: string;
  /** 1-based character position in the submitted SQL text (PostgreSQL's error position). */
  position?: number;
}

export class OpsError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly detail: string | undefined;
  readonly position: number | undefined;

  constructor(
    kind: ErrorKind,
    message: string,
    options: { hint?: string; detail?: string; position?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OpsError';
    this.kind = kind;
    this.hint = options.hint;
    this.detail = options.detail;
    this.position = options.position;
  }
}

export function isSerializedError(value: unknown): value is SerializedError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.kind === 'string' && (errorKinds as readonly string[]).includes(v.kind) && typeof v.message === 'string'
  );
}

/** Thrown by API clients so renderer code can show message + hint. */
export class RemoteError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly detail: string | undefined;
  readonly position: number | undefined;

  constructor(error: SerializedError) {
    super(error.message);
    this.name = 'RemoteError';
    this.kind = error.kind;
    this.hint = error.hint;
    this.detail = error.detail;
    this.position = error.position;
  }
}
