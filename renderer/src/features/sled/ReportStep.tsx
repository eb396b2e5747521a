import { useEffect, useId } from 'react';
import type { SledReport } from '../../../../common/sled';
import { sledTargets } from '../../../../common/sled';
import { Badge } from '../../components/Badge';
import { ErrorBox } from '../../components/ErrorBox';
import { useConnections } from '../../stores';
import { downloadJson, reportFileName } from './download';
import { ProblemExample } from './ProblemExample';
import { SamplesTable } from './SamplesTable';
import { formatCount, formatTime, outcomeLabels, plural } from './sled-format';
import { isRunning } from './sled-state';
import { useSled } from './sled-hooks';

const outcomeOrder = ['loaded', 'skipped', 'failed', 'pending'] as const;

/** Step 5: every staged entry accounted for, the checks that must hold, verify against the database, export. */
export function ReportStep() {
  const report = useSled((s) => s.report);
  const reporting = useSled((s) => s.reporting);
  const reportError = useSled((s) => s.reportError);
  const fetchReport = useSled((s) => s.fetchReport);

  useEffect(() => {
    // Reopened: read what the staging database knows (a failure is shown, not retried in a loop).
    if (report === null && !reporting && reportError === null) void fetchReport(null);
  }, [report, reporting, reportError, fetchReport]);

  return (
    <div className="sled-step" data-testid="sled-report-step">
      {reportError ? (
        <ErrorBox error={reportError} title="Could not make the report" testId="sled-report-error" />
      ) : null}
      {report ? <ReportView report={report} /> : reporting ? <p className="muted">Reading the report…</p> : null}
    </div>
  );
}

function ReportView({ report }: { report: SledReport }) {
  return (
    <>
      <ReportHeader report={report} />
      <section className="card" aria-labelledby="sled-tables-title">
        <h2 className="card__title" id="sled-tables-title">
          By target table
        </h2>
        <div className="table-wrap">
          <table className="data-table" aria-labelledby="sled-tables-title" data-testid="sled-report-tables">
            <thead>
              <tr>
                <th>Target table</th>
                {outcomeOrder.map((o) => (
                  <th key={o} className="num">
                    {outcomeLabels[o]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {[...report.tables]
                .sort((a, b) => rank(a.target) - rank(b.target))
                .map((t) => (
                  <tr key={t.target ?? 'none'} data-testid="sled-report-row" data-target={t.target ?? ''}>
                    <td className="mono">{t.target ?? <span className="muted">no target (problems)</span>}</td>
                    <td className="num" data-testid="sled-report-loaded">
                      {formatCount(t.loaded)}
                    </td>
                    <td className="num">{formatCount(t.skipped)}</td>
                    <td className={t.failed > 0 ? 'num text-danger' : 'num'}>{formatCount(t.failed)}</td>
                    <td className="num">{formatCount(t.pending)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </section>
      <ChecksCard report={report} />
      <ReasonsCard report={report} />
    </>
  );
}

const rank = (target: string | null) => {
  const index = target === null ? -1 : (sledTargets as readonly string[]).indexOf(target);
  return index < 0 ? sledTargets.length : index;
};

/** Check the report against a profile's database: the load target, or another chosen here. */
function VerifyControl() {
  const selectId = useId();
  const targetId = useSled((s) => s.targetId);
  const reporting = useSled((s) => s.reporting);
  const running = useSled(isRunning);
  const fetchReport = useSled((s) => s.fetchReport);
  const setTarget = useSled((s) => s.setTarget);
  const profiles = useConnections((s) => s.profiles);
  const database = profiles.find((p) => p.id === targetId)?.database ?? null;
  if (profiles.length === 0) return null;
  return (
    <span className="sled-verify">
      <label className="visually-hidden" htmlFor={selectId}>
        Verify against profile
      </label>
      <select
        id={selectId}
        className="select"
        value={database ? (targetId ?? '') : ''}
        onChange={(event) => setTarget(event.target.value)}
        disabled={reporting || running}
        data-testid="sled-verify-target"
      >
        {database ? null : <option value="">Choose a profile…</option>}
        {profiles.map((p) => (
          <option key={p.id} value={p.id} title={`${p.database} on ${p.host}:${p.port}`}>
            {p.name}
          </option>
        ))}
      </select>
      <button
        className="button"
        type="button"
        onClick={() => targetId && void fetchReport({ profileId: targetId })}
        disabled={database === null || reporting || running}
        title={database === null ? 'Choose the profile whose database to check' : undefined}
        data-testid="sled-verify"
      >
        {reporting ? 'Verifying…' : database ? `Verify against ${database}` : 'Verify against database'}
      </button>
    </span>
  );
}

function ReportHeader({ report }: { report: SledReport }) {
  const accounted = outcomeOrder.reduce((sum, o) => sum + report.outcomes[o], 0);
  return (
    <section
      className={report.reconciled ? 'card sled-report sled-report--ok' : 'card sled-report sled-report--bad'}
      aria-labelledby="sled-report-title"
      data-testid="sled-report"
      data-reconciled={report.reconciled}
    >
      <div className="sled-card-head">
        <h2 className="card__title" id="sled-report-title">
          Report
        </h2>
        <span
          className={report.reconciled ? 'sled-verdict sled-verdict--ok' : 'sled-verdict sled-verdict--bad'}
          role="status"
          data-testid="sled-reconciled"
        >
          {report.reconciled ? '✓ Reconciled' : '✗ Not reconciled'}
        </span>
      </div>
      <p className="field-note" data-testid="sled-report-source">
        Made {formatTime(report.generatedAt)},{' '}
        {report.verifiedAgainst ? (
          <>
            checked against <span className="mono">{report.verifiedAgainst}</span>
          </>
        ) : (
          'from the staging database only (not checked against a database)'
        )}
        . {formatCount(accounted)} of {plural(report.entries, 'staged entry', 'staged entries')} accounted for.
      </p>
      <dl className="sled-outcomes">
        {outcomeOrder.map((o) => (
          <div key={o} className={`sled-outcome sled-outcome--${o}`} data-testid={`sled-outcome-${o}`}>
            <dt>{outcomeLabels[o]}</dt>
            <dd>{formatCount(report.outcomes[o])}</dd>
          </div>
        ))}
        <div className="sled-outcome sled-outcome--secrets" data-testid="sled-report-secrets">
          <dt>Wallet secrets</dt>
          <dd>
            <span className="sled-outcome__line" data-testid="sled-secrets-encrypted">
              {formatCount(report.secrets.encrypted)} <span className="sled-outcome__unit">encrypted</span>
            </span>
            <span className="sled-outcome__line" data-testid="sled-secrets-left-out">
              {formatCount(report.secrets.leftOut)} <span className="sled-outcome__unit">left out</span>
            </span>
          </dd>
        </div>
      </dl>
      <div className="sled-actions">
        <VerifyControl />
        <button
          className="button"
          type="button"
          onClick={() => downloadJson(reportFileName(report.importId), report)}
          data-testid="sled-export-json"
        >
          Export JSON
        </button>
      </div>
    </section>
  );
}

function ChecksCard({ report }: { report: SledReport }) {
  const recorded = report.checks.find((c) => c.recorded)?.recorded;
  return (
    <section className="card" aria-labelledby="sled-checks-title">
      <h2 className="card__title" id="sled-checks-title">
        Checks <span className="count">{report.checks.length}</span>
      </h2>
      {recorded ? (
        <p className="field-note sled-checks-note" data-testid="sled-checks-recorded">
          Checks marked <span className="sled-check__recorded">last load</span> are as the load of{' '}
          {formatTime(recorded.at)} recorded them against{' '}
          <span className="mono">{recorded.against ?? 'an unknown database'}</span>; verify against a database to check
          them now.
        </p>
      ) : null}
      {report.checks.length === 0 ? (
        <p className="field-note">No checks: nothing has been loaded yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table sled-checks" aria-labelledby="sled-checks-title" data-testid="sled-checks">
            <thead>
              <tr>
                <th>Check</th>
                <th className="num">Expected</th>
                <th className="num">Actual</th>
                <th>Result</th>
              </tr>
            </thead>
            <tbody>
              {report.checks.map((check) => (
                <tr
                  key={check.name}
                  className={check.ok ? 'sled-check sled-check--ok' : 'sled-check sled-check--bad'}
                  data-testid="sled-check"
                  data-ok={check.ok}
                >
                  <td>
                    {check.name}
                    {check.recorded ? (
                      <span
                        className="sled-check__recorded"
                        data-testid="sled-check-recorded"
                        title={`Recorded by the load of ${formatTime(check.recorded.at)}`}
                      >
                        last load
                      </span>
                    ) : null}
                  </td>
                  <td className="num mono">{check.expected}</td>
                  <td className="num mono">{check.actual}</td>
                  <td>
                    <Badge tone={check.ok ? 'ok' : 'danger'}>{check.ok ? 'ok' : 'mismatch'}</Badge>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ReasonsCard({ report }: { report: SledReport }) {
  return (
    <section className="card" aria-labelledby="sled-reasons-title">
      <h2 className="card__title" id="sled-reasons-title">
        Skipped and failed, by reason <span className="count">{report.reasons.length}</span>
      </h2>
      {report.reasons.length === 0 ? (
        <p className="sled-ok-note">Nothing skipped or failed.</p>
      ) : (
        <ul className="sled-problems">
          {report.reasons.map((r) => (
            <li
              key={`${r.outcome}:${r.reason}`}
              className="sled-problem"
              data-testid="sled-report-reason"
              data-outcome={r.outcome}
            >
              <details>
                <summary>
                  <Badge tone={r.outcome === 'failed' ? 'danger' : 'neutral'}>{r.outcome}</Badge>
                  <span className="sled-problem__text">
                    <span className="sled-problem__label">{r.reason}</span>
                    {r.samples[0] ? <ProblemExample example={r.samples[0]} groupReason={r.reason} /> : null}
                  </span>
                  <span className="sled-problem__count">{formatCount(r.count)}</span>
                </summary>
                <SamplesTable samples={r.samples} total={r.count} label={`Samples: ${r.reason}`} />
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
