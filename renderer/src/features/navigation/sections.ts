/** The sections of the app, in the order the sidebar lists them. */
export const sections = [
  { id: 'connections', label: 'Connections', available: true },
  { id: 'schema', label: 'Schema', available: true },
  { id: 'console', label: 'SQL console', available: true },
  { id: 'migrations', label: 'Migrations', available: true },
  { id: 'backend', label: 'Backend', available: true },
  { id: 'snapshots', label: 'Snapshots', available: true },
  { id: 'sled-import', label: 'Sled import', available: true },
  { id: 'logs', label: 'Logs', available: true },
] as const;

export type SectionId = (typeof sections)[number]['id'];

export const defaultSection: SectionId = 'connections';

const sectionIds: ReadonlySet<string> = new Set(sections.map((section) => section.id));

export function isSectionId(value: string): value is SectionId {
  return sectionIds.has(value);
}

/** `#/schema` (or `#schema`, `#/schema/`) -> 'schema'; anything unknown -> null. */
export function parseSectionHash(hash: string): SectionId | null {
  const id = hash
    .replace(/^#/, '')
    .replace(/^\/+|\/+$/g, '')
    .toLowerCase();
  return isSectionId(id) ? id : null;
}

export function sectionHash(id: SectionId): string {
  return `#/${id}`;
}

export function sectionLabel(id: SectionId): string {
  return sections.find((section) => section.id === id)?.label ?? id;
}
