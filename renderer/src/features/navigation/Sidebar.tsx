import type { ReactNode } from 'react';
import { useNavigation } from '../../stores';
import { sectionHash, sections } from './sections';

export function Sidebar({ footer }: { footer: ReactNode }) {
  const current = useNavigation((s) => s.section);
  return (
    <aside className="sidebar">
      <div className="sidebar__brand">
        <span className="sidebar__name">ops-console</span>
        <span className="sidebar__tagline">PostgreSQL · Go backend · Sled</span>
      </div>
      <nav className="sidebar__nav" aria-label="Sections">
        <ul>
          {sections.map((section) => (
            <li key={section.id}>
              {/* Plain links: the hash is the route, so middle-click, reload and back/forward all work. */}
              <a
                href={sectionHash(section.id)}
                className={section.available ? 'nav-link' : 'nav-link nav-link--planned'}
                aria-current={section.id === current ? 'page' : undefined}
                data-testid={`nav-${section.id}`}
                title={section.available ? undefined : 'Not available in this build yet'}
              >
                {section.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="sidebar__footer">{footer}</div>
    </aside>
  );
}
