import { createStore } from 'zustand/vanilla';
import type { SectionId } from './sections';
import { defaultSection, parseSectionHash, sectionHash } from './sections';

/** The slice of `window.location` navigation needs; a fake stands in under test. */
export interface HashLocation {
  read(): string;
  write(hash: string): void;
  /** Calls back when the hash changes by any means (links, back/forward); returns an unsubscribe. */
  subscribe(listener: () => void): () => void;
}

export interface NavigationState {
  section: SectionId;
  navigate(section: SectionId): void;
  /** Follow the location from now on; returns a stop function. */
  connect(): () => void;
}

export function createNavigationStore(location: HashLocation) {
  const current = () => parseSectionHash(location.read()) ?? defaultSection;
  return createStore<NavigationState>()((set) => ({
    section: current(),
    navigate(section) {
      // The hash is the source of truth so reload and back/forward keep the section.
      if (location.read() !== sectionHash(section)) location.write(sectionHash(section));
      set({ section });
    },
    connect() {
      set({ section: current() });
      return location.subscribe(() => set({ section: current() }));
    },
  }));
}

export function browserHashLocation(target: Window): HashLocation {
  return {
    read: () => target.location.hash,
    write: (hash) => {
      target.location.hash = hash;
    },
    subscribe(listener) {
      target.addEventListener('hashchange', listener);
      return () => target.removeEventListener('hashchange', listener);
    },
  };
}
