import { createStore } from 'zustand/vanilla';
import type { ClientTransport, LinkState } from '../../api/client';

export interface StatusState {
  transport: ClientTransport;
  link: LinkState;
  /** Follow the event link state; returns a stop function. */
  connect(): () => void;
}

export function createStatusStore(deps: {
  transport: ClientTransport;
  onLinkState(listener: (state: LinkState) => void): () => void;
}) {
  return createStore<StatusState>()((set) => ({
    transport: deps.transport,
    link: 'connecting',
    connect: () => deps.onLinkState((link) => set({ link })),
  }));
}
