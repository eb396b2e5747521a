import type { Handlers } from '../router';
import type { CoreServices } from './deps';

type SnapshotHandlers = Pick<
  Handlers,
  | 'snapshot.list'
  | 'snapshot.show'
  | 'snapshot.create'
  | 'snapshot.cancel'
  | 'snapshot.rename'
  | 'snapshot.delete'
  | 'snapshot.check'
  | 'snapshot.export'
  | 'snapshot.import'
  | 'snapshot.diff'
>;

/** Offline snapshots: capture, manage, diff. Browsing goes through schema.*, data.page and sql.run. */
export function snapshotHandlers({ snapshots }: CoreServices): SnapshotHandlers {
  return {
    'snapshot.list': () => snapshots.list(),
    'snapshot.show': (input) => snapshots.detail(input.id),
    'snapshot.create': (input) => snapshots.create(input),
    'snapshot.cancel': (input) => ({ cancelled: snapshots.cancel(input.captureId) }),
    'snapshot.rename': (input) => snapshots.rename(input.id, input.name),
    'snapshot.delete': (input) => {
      snapshots.delete(input.id);
      return null;
    },
    'snapshot.check': (input) => snapshots.integrity(input.id),
    'snapshot.export': (input) => snapshots.exportTo(input.id, input.file, input.overwrite ?? false),
    'snapshot.import': (input) => snapshots.importFrom(input.file),
    'snapshot.diff': (input) => snapshots.diff(input.left, input.right, input.rowLimit),
  };
}
