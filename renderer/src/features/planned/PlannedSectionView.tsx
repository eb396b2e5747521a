import { PageHeader } from '../../components/PageHeader';
import type { SectionId } from '../navigation/sections';
import { sectionLabel } from '../navigation/sections';

export type PlannedSectionId = Extract<SectionId, 'sled-import'>;

const purpose: Record<PlannedSectionId, string> = {
  'sled-import':
    'Migrate the legacy Sled export into PostgreSQL exactly once: stage it, check it, import it, and record that it was done.',
};

export function PlannedSectionView({ section }: { section: PlannedSectionId }) {
  return (
    <div className="page page--narrow" data-testid={`view-${section}`}>
      <PageHeader title={sectionLabel(section)} />
      <div className="planned">
        <p className="planned__purpose">{purpose[section]}</p>
        <p className="planned__status">Not available in this build yet.</p>
      </div>
    </div>
  );
}
