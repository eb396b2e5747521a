import type { ErrorKind } from '../../../common/errors';
import { RemoteError } from '../../../common/errors';

/** A failure as the UI shows it: plain data, safe to keep in a store. */
export interface ErrorInfo {
  kind: ErrorKind;
  message: string;
  hint?: string;
  detail?: string;
}

/** Turns whatever a call rejected with into something an ErrorBox can show. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof RemoteError) {
    return {
      kind: error.kind,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      ...(error.detail ? { detail: error.detail } : {}),
    };
  }
  // Not from the transport: a bug in the renderer. The message is all we can say.
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'internal', message: message || 'Something went wrong in this window' };
}
