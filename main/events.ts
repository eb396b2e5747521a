import type { EventEnvelope, EventMap, EventName } from '../common/contract';

type Listener = (envelope: EventEnvelope) => void;

/** Fan-out of contract events from services to every connected transport. */
export class EventHub {
  private readonly listeners = new Set<Listener>();

  emit<E extends EventName>(event: E, payload: EventMap[E]): void {
    const envelope = { event, payload } as EventEnvelope;
    for (const listener of this.listeners) {
      try {
        listener(envelope);
      } catch {
        // A broken subscriber (closed socket, destroyed window) must not stop the others.
      }
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }
}
