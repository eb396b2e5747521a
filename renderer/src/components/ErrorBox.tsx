import type { ErrorInfo } from '../api/error-info';

export interface ErrorBoxProps {
  error: ErrorInfo;
  /** Short lead-in such as "Could not list schemas". */
  title?: string;
  testId?: string;
}

export function ErrorBox({ error, title, testId }: ErrorBoxProps) {
  return (
    <div className="error-box" role="alert" data-testid={testId}>
      <div className="error-box__head">
        {title ? <strong className="error-box__title">{title}</strong> : null}
        <span className="error-box__kind">{error.kind}</span>
      </div>
      <p className="error-box__message">{error.message}</p>
      {error.hint ? <p className="error-box__hint">{error.hint}</p> : null}
      {error.detail ? <pre className="error-box__detail">{error.detail}</pre> : null}
    </div>
  );
}
