import type {
  CallName,
  CallInput,
  CallOutput,
  CallResult,
  EventMap,
  EventName,
  OpsConsoleClient,
  PreloadBridge,
} from '../../../common/contract';
import { eventNames } from '../../../common/contract';
import { RemoteError, isSerializedError } from '../../../common/errors';

export type ClientTransport = 'ipc' | 'http';
export type LinkState = 'connecting' | 'open' | 'closed';

export interface ApiClient extends OpsConsoleClient {
  readonly transport: ClientTransport;
  /** State of the event stream (always open over IPC). */
  onLinkState(listener: (state: LinkState) => void): () => void;
}

declare global {
  interface Window {
    opsConsole?: PreloadBridge;
  }
}

function unwrap<T>(result: unknown): T {
  const r = result as CallResult<T> | null;
  if (r && typeof r === 'object' && 'ok' in r) {
    if (r.ok) return r.value;
    if (isSerializedError(r.error)) throw new RemoteError(r.error);
  }
  throw new RemoteError({ kind: 'internal', message: 'Malformed response from the app' });
}

type AnyListener = (payload: unknown) => void;

class Listeners {
  private readonly byEvent = new Map<string, Set<AnyListener>>();
  add(event: string, listener: AnyListener): () => void {
    let set = this.byEvent.get(event);
    if (!set) {
      set = new Set();
      this.byEvent.set(event, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }
  emit(event: string, payload: unknown): void {
    for (const listener of this.byEvent.get(event) ?? []) listener(payload);
  }
}

function ipcClient(bridge: PreloadBridge): ApiClient {
  return {
    transport: 'ipc',
    async invoke<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
      return unwrap<CallOutput<N>>(await bridge.invoke(name, input));
    },
    on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void) {
      return bridge.on(event, listener as AnyListener);
    },
    onLinkState(listener) {
      listener('open');
      return () => undefined;
    },
  };
}

function httpClient(base: string): ApiClient {
  const listeners = new Listeners();
  const linkListeners = new Set<(state: LinkState) => void>();
  let state: LinkState = 'connecting';
  const setState = (next: LinkState) => {
    state = next;
    for (const l of linkListeners) l(next);
  };
  // The session cookie set by the server authenticates the stream; EventSource reconnects by itself.
  const source = new EventSource(`${base}/api/events`);
  source.onopen = () => setState('open');
  source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
  for (const name of eventNames) {
    source.addEventListener(name, (message: MessageEvent<string>) => {
      try {
        listeners.emit(name, JSON.parse(message.data));
      } catch {
        // A malformed frame is dropped; the next one is independent.
      }
    });
  }
  return {
    transport: 'http',
    async invoke<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
      let response: Response;
      try {
        response = await fetch(`${base}/api/rpc/${encodeURIComponent(name)}`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        throw new RemoteError({
          kind: 'unavailable',
          message: 'The ops-console server cannot be reached',
          hint: 'Is `ops-console serve` still running?',
        });
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        throw new RemoteError({
          kind: 'internal',
          message: `Unexpected response (${response.status}) from the server`,
        });
      }
      return unwrap<CallOutput<N>>(body);
    },
    on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void) {
      return listeners.add(event, listener as AnyListener);
    },
    onLinkState(listener) {
      linkListeners.add(listener);
      listener(state);
      return () => linkListeners.delete(listener);
    },
  };
}

/** Picks the transport: the preload bridge inside Electron, HTTP in a browser. */
export function createApiClient(): ApiClient {
  if (window.opsConsole) return ipcClient(window.opsConsole);
  return httpClient('');
}

let singleton: ApiClient | undefined;
export function api(): ApiClient {
  singleton ??= createApiClient();
  return singleton;
}
