import { useEffect, useRef } from 'react';
import type { MigrationFailure } from '../../../../common/migrations';
import { versionLabel } from './migration-format';

export interface FailureViewProps {
  failure: MigrationFailure;
  /** The line in the file where the failed statement starts, when known (numbers the statement's lines). */
  startLine: number | null;
  /** "Migration failed", "Verification failed"… */
  title: string;
  testId?: string;
}

interface NumberedLine {
  number: number | null;
  text: string;
  failing: boolean;
}

/** The statement's lines numbered as in the file, with the line PostgreSQL pointed at marked. */
export function numberStatement(failure: MigrationFailure, startLine: number | null): NumberedLine[] {
  const lines = (failure.statement ?? '').split('\n');
  // With an exact position the error line is marked; otherwise the line the statement starts on.
  const failingLine = failure.exactPosition ? failure.line : startLine;
  return lines.map((text, i) => {
    const number = startLine === null ? null : startLine + i;
    return { number, text, failing: number !== null && number === failingLine };
  });
}

/** Where and why a migration failed, what became of its transaction, and what to do next. Props only. */
export function FailureView({ failure, startLine, title, testId = 'migration-failure' }: FailureViewProps) {
  const codeRef = useRef<HTMLPreElement>(null);
  const lines = numberStatement(failure, startLine);
  const where =
    failure.line === null
      ? null
      : failure.exactPosition
        ? `line ${failure.line}${failure.column !== null ? `, column ${failure.column}` : ''}`
        : `statement starts at line ${failure.line}`;

  useEffect(() => {
    // A long statement (a function body) scrolls inside its box so the marked line is in view.
    const pre = codeRef.current;
    const marked = pre?.querySelector<HTMLElement>('[data-testid="failure-line"]');
    if (pre && marked) pre.scrollTop = Math.max(0, marked.offsetTop - pre.clientHeight / 2);
  }, [failure]);

  return (
    <section
      className="error-box migration-failure"
      role="alert"
      data-testid={testId}
      data-version={failure.version}
      data-rolled-back={failure.rolledBack}
    >
      <div className="error-box__head">
        <strong className="error-box__title">{title}</strong>
        {failure.code ? (
          <span className="error-box__kind" title="SQLSTATE" data-testid="failure-code">
            {failure.code}
          </span>
        ) : null}
      </div>
      <p className="migration-failure__where">
        <span className="mono" data-testid="failure-file">
          {failure.fileName}
        </span>{' '}
        <span className="muted">(version {versionLabel(failure.version, failure.fileName)})</span>
        {where ? (
          <>
            {' · '}
            <span data-testid="failure-position">{where}</span>
          </>
        ) : null}
        {failure.statementIndex !== null ? (
          <span className="muted"> · statement {failure.statementIndex + 1}</span>
        ) : null}
      </p>
      <p className="error-box__message" data-testid="failure-message">
        {failure.message}
      </p>
      {failure.detail ? (
        <p className="sql-error__field">
          <span className="sql-error__label">Detail</span> {failure.detail}
        </p>
      ) : null}
      {failure.hint ? (
        <p className="sql-error__field">
          <span className="sql-error__label">Hint</span> {failure.hint}
        </p>
      ) : null}
      <p
        className={
          failure.rolledBack
            ? 'migration-failure__txn migration-failure__txn--rolled-back'
            : 'migration-failure__txn migration-failure__txn--kept'
        }
        data-testid="failure-transaction"
      >
        {failure.rolledBack
          ? 'Rolled back: nothing of this migration was kept.'
          : 'Not rolled back (no-transaction migration): the statements before this one stay applied.'}
      </p>
      {failure.statement !== null ? (
        <pre
          ref={codeRef}
          className="numbered-code"
          aria-label={`Failed statement of ${failure.fileName}`}
          tabIndex={0}
          data-testid="failure-statement"
        >
          {lines.map((line, i) => (
            <span
              key={i}
              className={line.failing ? 'numbered-code__line numbered-code__line--failing' : 'numbered-code__line'}
              data-testid={line.failing ? 'failure-line' : undefined}
              data-line={line.number ?? undefined}
            >
              <span className="numbered-code__number" aria-hidden="true">
                {line.number ?? ''}
              </span>
              <span className="numbered-code__text">{line.text || ' '}</span>
              {line.failing && failure.exactPosition && failure.column !== null ? (
                <span className="numbered-code__caret" aria-hidden="true">
                  {`${' '.repeat(Math.max(0, failure.column - 1))}^`}
                </span>
              ) : null}
            </span>
          ))}
        </pre>
      ) : null}
      {failure.recovery.length > 0 ? (
        <div className="migration-recovery">
          <h4 className="migration-recovery__title">What to do</h4>
          <ol className="migration-recovery__steps" data-testid="failure-recovery">
            {failure.recovery.map((step, i) => (
              <li key={i}>{step}</li>
            ))}
          </ol>
        </div>
      ) : null}
    </section>
  );
}
