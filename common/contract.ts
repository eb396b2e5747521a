/**
 * The one API contract. Every call the renderer (or the CLI, or the HTTP
 * transport) can make is declared here once: its `area.verb` name, a zod schema
 * for its input and its output type. Every event main pushes is declared here
 * too. Transports and the router derive everything from this file.
 */
import { z } from 'zod';
import type { AppInfo, LogLine, SchemaListing } from './domain';
import { logLevels } from './domain';
import type { SerializedError } from './errors';

interface CallSpec<I extends z.ZodType, O> {
  input: I;
  /** Phantom field: carries the output type, never read at run time. */
  output?: O;
  description: string;
}

function call<O>() {
  return <I extends z.ZodType>(input: I, description: string): CallSpec<I, O> => ({ input, description });
}

const noInput = z.object({}).strict();

/** A postgres:// or postgresql:// URL. The password in it never leaves main. */
export const databaseUrl = z
  .string()
  .trim()
  .min(1, 'A database URL is required')
  .max(4096)
  .regex(/^postgres(ql)?:\/\/\S*$/i, 'Expected a postgres:// or postgresql:// URL without spaces');

export const contract = {
  'app.info': call<AppInfo>()(noInput, 'Version, data folder, platform and transport of the running app'),
  'db.listSchemas': call<SchemaListing>()(
    z.object({ url: databaseUrl, includeSystem: z.boolean().optional() }).strict(),
    'List the schemas of the database at a URL',
  ),
  'logs.recent': call<LogLine[]>()(
    z.object({ limit: z.number().int().min(1).max(5000).optional() }).strict(),
    'The most recent application log lines (already redacted)',
  ),
  'logs.write': call<null>()(
    z.object({ level: z.enum(logLevels), message: z.string().min(1).max(8000) }).strict(),
    'Write a renderer log line into the application log',
  ),
} as const;

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type CallInput<N extends CallName> = z.input<Contract[N]['input']>;
export type ParsedInput<N extends CallName> = z.output<Contract[N]['input']>;
export type CallOutput<N extends CallName> = Exclude<Contract[N]['output'], undefined>;

export const callNames = Object.freeze(Object.keys(contract) as CallName[]);

export function isCallName(value: unknown): value is CallName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(contract, value);
}

/** Events main pushes to every connected renderer. */
export interface EventMap {
  /** A new (redacted) application log line. */
  'logs.line': LogLine;
  /** A service changed state (starting, ready, stopping, stopped, failed). */
  'app.serviceStatus': { service: string; status: ServiceStatus; message?: string };
}

export type ServiceStatus = 'starting' | 'ready' | 'stopping' | 'stopped' | 'failed';
export type EventName = keyof EventMap;
export const eventNames: readonly EventName[] = Object.freeze(['logs.line', 'app.serviceStatus'] as EventName[]);

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (eventNames as readonly string[]).includes(value);
}

export interface EventEnvelope<E extends EventName = EventName> {
  event: E;
  payload: EventMap[E];
}

/** Result envelope used by the IPC and HTTP transports alike. */
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

/** The client surface both transports give the renderer. */
export interface OpsConsoleClient {
  invoke<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
}

/** What the preload exposes on window.opsConsole (raw envelopes, no classes cross contextBridge). */
export interface PreloadBridge {
  invoke(name: string, input: unknown): Promise<CallResult<unknown>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}
