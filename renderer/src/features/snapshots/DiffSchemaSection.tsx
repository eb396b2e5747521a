import type { DiffChange, DiffObject, SnapshotDiff } from '../../../../common/snapshots';
import { groupByKind, hasLongValue, sideShortLabel } from './snapshot-diff-model';

const show = (value: string | null) => (value === null ? '—' : value);

function ObjectList({ objects, tone }: { objects: readonly DiffObject[]; tone: 'added' | 'removed' }) {
  return (
    <>
      {groupByKind(objects).map((group) => (
        <div key={group.kind} className="diff-group">
          <h4 className="diff-group__kind">
            {group.kind} <span className="count">{group.items.length}</span>
          </h4>
          <ul className="diff-objects">
            {group.items.map((o) => (
              <li
                key={`${o.kind}:${o.name}`}
                className={`diff-object diff-object--${tone}`}
                data-testid={`diff-${tone}`}
                data-kind={o.kind}
                data-name={o.name}
              >
                <span className="diff-object__sign" aria-hidden="true">
                  {tone === 'added' ? '+' : '−'}
                </span>
                <span className="mono">{o.name}</span>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </>
  );
}

function ChangedObject({ change, left, right }: { change: DiffChange; left: string; right: string }) {
  return (
    <li className="diff-change" data-testid="diff-changed" data-kind={change.kind} data-name={change.name}>
      <p className="diff-change__name">
        <span className="diff-object__sign" aria-hidden="true">
          ~
        </span>
        <span className="mono">{change.name}</span>
      </p>
      <ul className="diff-change__attributes">
        {change.changes.map((c) =>
          hasLongValue(c) ? (
            <li key={c.what} className="diff-attr diff-attr--block" data-testid="diff-attr" data-what={c.what}>
              <span className="diff-attr__what">{c.what}</span>
              <div className="diff-text">
                <div className="diff-text__side">
                  <div className="diff-text__label">{left}</div>
                  <pre className="diff-text__code diff-text__code--before" data-testid="diff-before">
                    {show(c.before)}
                  </pre>
                </div>
                <div className="diff-text__side">
                  <div className="diff-text__label">{right}</div>
                  <pre className="diff-text__code diff-text__code--after" data-testid="diff-after">
                    {show(c.after)}
                  </pre>
                </div>
              </div>
            </li>
          ) : (
            <li key={c.what} className="diff-attr" data-testid="diff-attr" data-what={c.what}>
              <span className="diff-attr__what">{c.what}</span>
              <span className="diff-attr__before mono" data-testid="diff-before">
                {show(c.before)}
              </span>
              <span className="diff-attr__arrow" aria-hidden="true">
                →
              </span>
              <span className="diff-attr__after mono" data-testid="diff-after">
                {show(c.after)}
              </span>
            </li>
          ),
        )}
      </ul>
    </li>
  );
}

/** Schema objects added, removed and changed (each changed attribute before → after). Props only. */
export function DiffSchemaSection({ diff }: { diff: SnapshotDiff }) {
  const { added, removed, changed } = diff.schema;
  const left = sideShortLabel(diff.left);
  const right = sideShortLabel(diff.right);
  const changedGroups = groupByKind(changed);
  return (
    <section className="card diff-schema" aria-label="Schema changes" data-testid="diff-schema">
      <h3 className="card__title">Schema</h3>
      {added.length + removed.length + changed.length === 0 ? (
        <p className="muted">The two sides have the same schema objects, with the same definitions.</p>
      ) : (
        <div className="diff-schema__columns">
          {added.length > 0 ? (
            <div className="diff-schema__block">
              <h4 className="diff-schema__heading diff-schema__heading--added">
                Added <span className="count">{added.length}</span>
              </h4>
              <ObjectList objects={added} tone="added" />
            </div>
          ) : null}
          {removed.length > 0 ? (
            <div className="diff-schema__block">
              <h4 className="diff-schema__heading diff-schema__heading--removed">
                Removed <span className="count">{removed.length}</span>
              </h4>
              <ObjectList objects={removed} tone="removed" />
            </div>
          ) : null}
        </div>
      )}
      {changed.length > 0 ? (
        <div className="diff-schema__block diff-schema__block--changed">
          <h4 className="diff-schema__heading diff-schema__heading--changed">
            Changed <span className="count">{changed.length}</span>
          </h4>
          {changedGroups.map((group) => (
            <div key={group.kind} className="diff-group">
              <h4 className="diff-group__kind">
                {group.kind} <span className="count">{group.items.length}</span>
              </h4>
              <ul className="diff-changes">
                {group.items.map((change) => (
                  <ChangedObject key={`${change.kind}:${change.name}`} change={change} left={left} right={right} />
                ))}
              </ul>
            </div>
          ))}
        </div>
      ) : null}
    </section>
  );
}
