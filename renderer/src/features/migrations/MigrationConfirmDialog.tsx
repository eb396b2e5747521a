import { useId } from 'react';
import type { ResolveAction } from '../../../../common/migrations';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { resolveLabels } from './BlockersPanel';
import { plural, versionLabel } from './migration-format';
import type { ConfirmState } from './migrations-state';

export interface MigrationConfirmDialogProps {
  confirm: ConfirmState;
  /** File names by version. */
  fileNames: ReadonlyMap<number, string>;
  /** Versions an apply up to `to` would run (for the text). */
  applyVersions(to: number | null): number[];
  /** Versions with a file, for the baseline's "up to". */
  baselineVersions: readonly number[];
  production: boolean;
  onTyped(text: string): void;
  onBaselineTo(version: number | null): void;
  onConfirm(): void;
  onCancel(): void;
}

const resolveExplanations: Record<ResolveAction, string> = {
  retry:
    'Deletes the failed history row so the next Apply runs the file again. A no-transaction migration was not rolled back: check first what its partial run left behind.',
  mark_applied:
    'Records the migration as applied successfully without running anything. Do this only once you have finished by hand what the file does.',
  accept_checksum:
    'Records the file’s current checksum, as if the edited file is what ran. The database itself is not changed.',
  forget: 'Deletes the history row of a migration whose file is gone. The objects it created stay in the database.',
};

/** The one confirmation of the Migrations view: apply, resolve or baseline, naming the database and the versions. */
export function MigrationConfirmDialog({
  confirm,
  fileNames,
  applyVersions,
  baselineVersions,
  production,
  onTyped,
  onBaselineTo,
  onConfirm,
  onCancel,
}: MigrationConfirmDialogProps) {
  const selectId = useId();
  const { action, database } = confirm;
  const label = (version: number) => versionLabel(version, fileNames.get(version) ?? null);
  const where = (
    <>
      the database <strong className="mono">{database}</strong>
      {production ? ' — a PRODUCTION database' : ''}
    </>
  );
  const requireText = confirm.requireTyped
    ? {
        expected: database,
        value: confirm.typed,
        label: (
          <>
            Type the database name <span className="mono">{database}</span> to confirm
          </>
        ),
        onChange: onTyped,
        testId: 'confirm-database-input',
      }
    : undefined;

  switch (action.kind) {
    case 'apply': {
      const versions = applyVersions(action.to);
      return (
        <ConfirmDialog
          title={`Apply ${plural(versions.length, 'migration')} to ${database}?`}
          confirmLabel="Apply"
          danger
          requireText={requireText}
          onConfirm={onConfirm}
          onCancel={onCancel}
          confirmTestId="confirm-apply"
          testId="apply-dialog"
        >
          <p>
            This runs {versions.map(label).join(', ')} on {where}, each in its own transaction unless the file says
            otherwise. What they change is committed.
          </p>
        </ConfirmDialog>
      );
    }
    case 'resolve':
      return (
        <ConfirmDialog
          title={`${resolveLabels[action.action]}: migration ${label(action.version)} on ${database}?`}
          confirmLabel={resolveLabels[action.action]}
          danger={action.action !== 'retry'}
          requireText={requireText}
          onConfirm={onConfirm}
          onCancel={onCancel}
          confirmTestId="confirm-resolve"
          testId="resolve-dialog"
        >
          <p>
            Changes the history of {where} for version <strong className="mono">{label(action.version)}</strong>
            {fileNames.get(action.version) ? (
              <>
                {' '}
                (<span className="mono">{fileNames.get(action.version)}</span>)
              </>
            ) : null}
            .
          </p>
          <p>{resolveExplanations[action.action]}</p>
        </ConfirmDialog>
      );
    case 'baseline':
      return (
        <ConfirmDialog
          title={`Baseline ${database}?`}
          confirmLabel="Baseline"
          danger
          requireText={requireText}
          onConfirm={onConfirm}
          onCancel={onCancel}
          confirmTestId="confirm-baseline"
          testId="baseline-dialog"
        >
          <p>
            Records migrations as applied on {where} without running them, after checking that the objects each file
            creates already exist. If any are missing, nothing is recorded.
          </p>
          <div className="dialog__confirm">
            <label className="field-label" htmlFor={selectId}>
              Record versions up to
            </label>
            <select
              id={selectId}
              className="select"
              value={action.to ?? ''}
              onChange={(event) => onBaselineTo(event.target.value === '' ? null : Number(event.target.value))}
              data-testid="baseline-to"
            >
              <option value="">All ({plural(baselineVersions.length, 'file')})</option>
              {baselineVersions.map((v) => (
                <option key={v} value={v}>
                  {fileNames.get(v) ?? label(v)}
                </option>
              ))}
            </select>
          </div>
        </ConfirmDialog>
      );
  }
}
