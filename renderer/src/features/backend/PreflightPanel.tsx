import type { PreflightReport } from '../../../../common/backend';

export interface PreflightPanelProps {
  report: PreflightReport;
  onDismiss(): void;
}

/** The result of Check: every problem a start would hit, each with its fix, or a plain "ok". */
export function PreflightPanel({ report, onDismiss }: PreflightPanelProps) {
  return (
    <section
      className={report.ok ? 'preflight preflight--ok' : 'preflight preflight--issues'}
      data-testid="preflight-result"
      data-ok={report.ok}
    >
      <div className="preflight__head">
        <strong>
          {report.ok
            ? 'Pre-flight: all checks passed'
            : `Pre-flight: ${report.issues.length} ${report.issues.length === 1 ? 'problem' : 'problems'}`}
        </strong>
        <button className="button button--small" type="button" onClick={onDismiss} data-testid="preflight-dismiss">
          Dismiss
        </button>
      </div>
      {report.ok ? (
        <p className="preflight__note">
          The binary, the working directory, the port and DATABASE_URL are ready for a start.
        </p>
      ) : (
        <ul className="preflight__issues">
          {report.issues.map((issue) => (
            <li key={`${issue.check}:${issue.message}`} data-testid="preflight-issue" data-check={issue.check}>
              <span className="preflight__message">{issue.message}</span>
              <span className="preflight__hint">{issue.hint}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
