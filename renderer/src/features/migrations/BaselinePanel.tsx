import type { BaselineResult } from '../../../../common/migrations';
import { ErrorBox } from '../../components/ErrorBox';
import { plural, versionLabel } from './migration-format';
import type { OpState } from './migrations-state';

export interface BaselinePanelProps {
  baseline: OpState<BaselineResult>;
  onDismiss(): void;
}

/** The baseline's checks, object by object, and what it recorded or why it refused. Props only. */
export function BaselinePanel({ baseline, onDismiss }: BaselinePanelProps) {
  return (
    <section className="card migration-baseline" data-testid="migration-baseline" data-state={baseline.state}>
      <div className="migration-panel__head">
        <h2 className="card__title">Baseline</h2>
        {baseline.state !== 'running' ? (
          <button className="button button--small" type="button" onClick={onDismiss} data-testid="baseline-dismiss">
            Dismiss
          </button>
        ) : null}
      </div>
      {baseline.state === 'running' ? <p className="muted">Checking that the migrations’ objects exist…</p> : null}
      {baseline.state === 'failed' ? (
        <ErrorBox error={baseline.error} title="Baseline failed" testId="baseline-error" />
      ) : null}
      {baseline.state === 'done' ? <BaselineBody result={baseline.value} /> : null}
    </section>
  );
}

function BaselineBody({ result }: { result: BaselineResult }) {
  const missing = result.checks.filter((c) => c.missing.length > 0);
  return (
    <>
      {result.refused ? (
        <div className="error-box" role="alert" data-testid="baseline-verdict" data-refused="true">
          <strong className="error-box__title">Refused: nothing was recorded</strong>
          <p className="error-box__message">
            {missing.length > 0
              ? `${plural(missing.length, 'migration')} ${missing.length === 1 ? 'has' : 'have'} objects missing in ${result.database}: ` +
                missing.map((c) => `${c.fileName} (${c.missing.length} missing)`).join(', ') +
                '. The table below names them.'
              : `The objects of the migrations could not be confirmed in ${result.database}.`}
          </p>
          <p className="error-box__hint">
            Baseline records only what is already there. Apply the missing migrations instead, or create what is missing
            first.
          </p>
        </div>
      ) : (
        <p className="migration-verdict migration-verdict--ok" data-testid="baseline-verdict" data-refused="false">
          Recorded {plural(result.recorded.length, 'version')} as applied on{' '}
          <span className="mono">{result.database}</span>:{' '}
          <span className="mono" data-testid="baseline-recorded">
            {result.recorded
              .map((v) => versionLabel(v, result.checks.find((c) => c.version === v)?.fileName ?? null))
              .join(', ')}
          </span>
        </p>
      )}
      {result.checks.length > 0 ? (
        <div className="table-wrap">
          <table className="data-table data-table--compact" data-testid="baseline-checks">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Found</th>
                <th scope="col">Missing</th>
                <th scope="col" className="num" title="Statements whose effect cannot be checked (grants, comments…)">
                  Not checkable
                </th>
              </tr>
            </thead>
            <tbody>
              {result.checks.map((check) => (
                <tr
                  key={check.version}
                  data-testid="baseline-check"
                  data-version={check.version}
                  data-missing={check.missing.length}
                >
                  <th scope="row" className="mono">
                    {check.fileName}
                  </th>
                  <td>
                    {check.found.length > 0 ? (
                      <details className="baseline-found">
                        <summary>{plural(check.found.length, 'object')}</summary>
                        <p className="baseline-found__list">{check.found.join(', ')}</p>
                      </details>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>
                    {check.missing.length > 0 ? (
                      <details className="baseline-found baseline-found--missing" open={check.missing.length <= 5}>
                        <summary>{check.missing.length.toLocaleString()} missing</summary>
                        <p className="baseline-found__list">{check.missing.join(', ')}</p>
                      </details>
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </td>
                  <td className="num">{check.unverifiable}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
