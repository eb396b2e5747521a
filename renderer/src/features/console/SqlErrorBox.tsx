import type { SqlError } from './console-store';

export interface SqlErrorBoxProps {
  error: SqlError;
  cancelled: boolean;
  /** Select the error position in the editor again. */
  onShowPosition(): void;
}

/** PostgreSQL's message, detail and hint, and where in the text it went wrong. Props only. */
export function SqlErrorBox({ error, cancelled, onShowPosition }: SqlErrorBoxProps) {
  return (
    <div
      className={cancelled ? 'error-box error-box--cancelled' : 'error-box'}
      role="alert"
      data-testid="console-error"
      data-cancelled={cancelled}
    >
      <div className="error-box__head">
        <strong className="error-box__title">{cancelled ? 'Cancelled' : 'The statement failed'}</strong>
        <span className="error-box__kind">{error.kind}</span>
        {error.location ? (
          <button
            type="button"
            className="sql-error__position"
            onClick={onShowPosition}
            title="Select it in the editor"
            data-testid="console-error-position"
          >
            line {error.location.line}, column {error.location.column}
          </button>
        ) : error.position !== null ? (
          <span className="sql-error__position" data-testid="console-error-position">
            character {error.position}
          </span>
        ) : null}
      </div>
      <p className="error-box__message">{error.message}</p>
      {error.detail ? (
        <p className="sql-error__field">
          <span className="sql-error__label">Detail</span> {error.detail}
        </p>
      ) : null}
      {error.hint ? (
        <p className="sql-error__field">
          <span className="sql-error__label">Hint</span> {error.hint}
        </p>
      ) : null}
    </div>
  );
}
