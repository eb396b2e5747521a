import { z } from 'zod';
import type { CallName, CallOutput, CallResult, ParsedInput } from '../../common/contract';
import { contract, isCallName } from '../../common/contract';
import type { TransportName } from '../../common/domain';
import type { SerializedError } from '../../common/errors';
import { OpsError } from '../../common/errors';
import type { Logger } from '../services/logging/log-service';
import { redactText } from '../services/logging/redact';

export interface CallContext {
  transport: TransportName;
}

export type Handlers = {
  [N in CallName]: (input: ParsedInput<N>, context: CallContext) => Promise<CallOutput<N>> | CallOutput<N>;
};

export interface Router {
  /** Validate, dispatch and map errors. Never throws; never returns a stack trace. */
  call(name: unknown, input: unknown, context: CallContext): Promise<CallResult<unknown>>;
}

function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'input'}: ${issue.message}`)
    .join('; ');
}

export function serializeError(error: unknown, redact: (text: string) => string = redactText): SerializedError {
  if (error instanceof OpsError) {
    return {
      kind: error.kind,
      message: redact(error.message),
      ...(error.hint ? { hint: redact(error.hint) } : {}),
      ...(error.detail ? { detail: redact(error.detail) } : {}),
      ...(error.position !== undefined ? { position: error.position } : {}),
    };
  }
  return {
    kind: 'internal',
    message: 'An unexpected error occurred; the details are in the application log.',
    hint: 'If it keeps happening, report it with the log file (Logs view shows where it is).',
  };
}

export function createRouter(
  handlers: Handlers,
  logger: Logger,
  redact: (text: string) => string = redactText,
): Router {
  return {
    async call(name, input, context) {
      if (!isCallName(name)) {
        return {
          ok: false,
          error: {
            kind: 'unknown_call',
            message: `Unknown call ${JSON.stringify(String(name)).slice(0, 80)}`,
            hint: 'The renderer and main process may be from different versions; restart the app.',
          },
        };
      }
      const parsed = contract[name].input.safeParse(input ?? {});
      if (!parsed.success) {
        return {
          ok: false,
          error: {
            kind: 'invalid_input',
            message: redact(`Invalid input for ${name}: ${describeZodError(parsed.error)}`),
            hint: 'Correct that value and try again.',
          },
        };
      }
      try {
        const handler = handlers[name] as (input: unknown, context: CallContext) => unknown;
        const value = await handler(parsed.data, context);
        return { ok: true, value: value === undefined ? null : value };
      } catch (error) {
        if (error instanceof OpsError) {
          logger.debug(`${name} failed: ${error.kind}: ${error.message}`);
        } else {
          // Unexpected: the stack goes to the (redacted) log file only.
          logger.error(`${name} failed unexpectedly:`, error instanceof Error ? (error.stack ?? error.message) : error);
        }
        return { ok: false, error: serializeError(error, redact) };
      }
    },
  };
}
