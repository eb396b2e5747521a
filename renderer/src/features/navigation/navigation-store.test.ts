import { describe, expect, it } from 'vitest';
import type { HashLocation } from './navigation-store';
import { createNavigationStore } from './navigation-store';
import { parseSectionHash, sectionHash, sections } from './sections';

function fakeLocation(initial: string) {
  let hash = initial;
  const listeners = new Set<() => void>();
  const location: HashLocation = {
    read: () => hash,
    write: (next) => {
      hash = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    location,
    get hash() {
      return hash;
    },
    /** What the browser does on back/forward or a link click. */
    userChanges(next: string) {
      location.write(next);
    },
    get listenerCount() {
      return listeners.size;
    },
  };
}

describe('section hashes', () => {
  it('lists the sections in the order the sidebar shows them', () => {
    expect(sections.map((s) => s.label)).toEqual([
      'Connections',
      'Schema',
      'SQL console',
      'Migrations',
      'Backend',
      'Snapshots',
      'Sled import',
      'Logs',
    ]);
  });

  it('parses the forms a hash can take', () => {
    expect(parseSectionHash('#/schema')).toBe('schema');
    expect(parseSectionHash('#schema')).toBe('schema');
    expect(parseSectionHash('#/logs/')).toBe('logs');
    expect(parseSectionHash('#/Sled-Import')).toBe('sled-import');
  });

  it('rejects empty and unknown hashes', () => {
    expect(parseSectionHash('')).toBeNull();
    expect(parseSectionHash('#/')).toBeNull();
    expect(parseSectionHash('#/settings')).toBeNull();
    expect(parseSectionHash('#/schema/extra')).toBeNull();
  });

  it('round-trips every section through its hash', () => {
    for (const { id } of sections) expect(parseSectionHash(sectionHash(id))).toBe(id);
  });
});

describe('navigation store', () => {
  it('starts at the section in the hash, so a reload keeps it', () => {
    const fake = fakeLocation('#/logs');
    expect(createNavigationStore(fake.location).getState().section).toBe('logs');
  });

  it('falls back to Connections for an unknown hash', () => {
    const fake = fakeLocation('#/nope');
    expect(createNavigationStore(fake.location).getState().section).toBe('connections');
  });

  it('writes the chosen section into the hash', () => {
    const fake = fakeLocation('');
    const store = createNavigationStore(fake.location);
    store.getState().navigate('sled-import');
    expect(store.getState().section).toBe('sled-import');
    expect(fake.hash).toBe('#/sled-import');
  });

  it('follows hash changes made outside the store until stopped', () => {
    const fake = fakeLocation('#/connections');
    const store = createNavigationStore(fake.location);
    const stop = store.getState().connect();
    fake.userChanges('#/schema');
    expect(store.getState().section).toBe('schema');
    stop();
    expect(fake.listenerCount).toBe(0);
    fake.userChanges('#/logs');
    expect(store.getState().section).toBe('schema');
  });
});
