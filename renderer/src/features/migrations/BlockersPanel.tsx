import type { BlockerKind, MigrationBlocker, ResolveAction } from '../../../../common/migrations';
import { Badge } from '../../components/Badge';
import { versionLabel } from './migration-format';

export interface BlockersPanelProps {
  blockers: readonly MigrationBlocker[];
  fileNames: ReadonlyMap<number, string>;
  /** Something is running: the buttons wait. */
  busy: boolean;
  onResolve(version: number, action: ResolveAction): void;
}

export const resolveLabels: Record<ResolveAction, string> = {
  retry: 'Retry',
  mark_applied: 'Mark as applied',
  accept_checksum: 'Accept new checksum',
  forget: 'Forget',
};

/** The resolve actions that fit each kind of blocker, the usual one first. */
export const actionsFor: Record<BlockerKind, readonly ResolveAction[]> = {
  failed: ['retry', 'mark_applied'],
  changed: ['accept_checksum'],
  missing: ['forget'],
};

const kindLabels: Record<BlockerKind, string> = {
  failed: 'failed',
  changed: 'changed',
  missing: 'missing',
};

/** What stops apply, how to recover, and the buttons that do it (each behind a confirmation). Props only. */
export function BlockersPanel({ blockers, fileNames, busy, onResolve }: BlockersPanelProps) {
  return (
    <section className="card migration-blockers" data-testid="migration-blockers">
      <h2 className="card__title">
        Blocked <span className="count">{blockers.length}</span>
      </h2>
      <p className="field-note">Apply refuses to run until each of these is resolved.</p>
      <ul className="blocker-list">
        {blockers.map((blocker) => (
          <li
            key={`${blocker.version}:${blocker.kind}`}
            className="blocker"
            data-testid="migration-blocker"
            data-version={blocker.version}
            data-kind={blocker.kind}
          >
            <div className="blocker__head">
              <Badge tone={blocker.kind === 'failed' ? 'danger' : 'warn'}>{kindLabels[blocker.kind]}</Badge>
              <span className="mono strong">
                {versionLabel(blocker.version, fileNames.get(blocker.version) ?? null)}
              </span>
              <span className="blocker__message">{blocker.message}</span>
            </div>
            {blocker.recovery.length > 0 ? (
              <ol className="migration-recovery__steps">
                {blocker.recovery.map((step, i) => (
                  <li key={i}>{step}</li>
                ))}
              </ol>
            ) : null}
            <div className="blocker__actions">
              {actionsFor[blocker.kind].map((action) => (
                <button
                  key={action}
                  className={action === 'retry' ? 'button button--small' : 'button button--small button--quiet-danger'}
                  type="button"
                  disabled={busy}
                  onClick={() => onResolve(blocker.version, action)}
                  data-testid={`resolve-${action}`}
                >
                  {resolveLabels[action]}…
                </button>
              ))}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
