import type { DoctorReport, DoctorStepName, DoctorStepStatus } from '../../../../common/profiles';

const stepLabels: Record<DoctorStepName, string> = {
  dns: 'DNS lookup',
  tcp: 'TCP connect',
  tls: 'TLS',
  auth: 'Authentication',
  version: 'Server version',
};

const statusMarks: Record<DoctorStepStatus, { mark: string; label: string }> = {
  pass: { mark: '✓', label: 'passed' },
  fail: { mark: '✗', label: 'failed' },
  skip: { mark: '–', label: 'skipped' },
  warn: { mark: '!', label: 'warning' },
};

/** The connection check, one line per step with its own result, detail, hint and time. Props only. */
export function DoctorReportView({ report }: { report: DoctorReport }) {
  return (
    <div className="doctor" data-testid="doctor-report" data-ok={report.ok}>
      <p className={report.ok ? 'doctor__summary doctor__summary--ok' : 'doctor__summary doctor__summary--fail'}>
        {report.ok ? 'All checks passed' : 'The connection check found a problem'}{' '}
        <span className="mono muted">{report.target}</span>
      </p>
      <ol className="doctor__steps">
        {report.steps.map((step) => {
          const mark = statusMarks[step.status];
          return (
            <li
              key={step.step}
              className={`doctor-step doctor-step--${step.status}`}
              data-testid="doctor-step"
              data-step={step.step}
              data-status={step.status}
            >
              <span className="doctor-step__mark" aria-label={mark.label} title={mark.label}>
                {mark.mark}
              </span>
              <span className="doctor-step__name">{stepLabels[step.step]}</span>
              <span className="doctor-step__detail">{step.detail}</span>
              <span className="doctor-step__time">{Math.round(step.durationMs)} ms</span>
              {step.hint ? <span className="doctor-step__hint">{step.hint}</span> : null}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
