import type { ErrorInfo as ReactErrorInfo, ReactNode } from 'react';
import { Component } from 'react';

export interface ErrorBoundaryProps {
  children: ReactNode;
  onError(error: unknown, componentStack: string): void;
}

interface ErrorBoundaryState {
  error: unknown;
  failed: boolean;
}

/** Keeps the shell (sidebar, status bar) usable when one view throws while rendering. */
export class ErrorBoundary extends Component<ErrorBoundaryProps, ErrorBoundaryState> {
  override state: ErrorBoundaryState = { error: null, failed: false };

  static getDerivedStateFromError(error: unknown): ErrorBoundaryState {
    return { error, failed: true };
  }

  override componentDidCatch(error: unknown, info: ReactErrorInfo): void {
    this.props.onError(error, info.componentStack ?? '');
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    const message = this.state.error instanceof Error ? this.state.error.message : String(this.state.error);
    return (
      <div className="error-box" role="alert">
        <div className="error-box__head">
          <strong className="error-box__title">This view stopped working</strong>
        </div>
        <p className="error-box__message">{message}</p>
        <p className="error-box__hint">
          The error was written to the application log. Open another section and come back to retry.
        </p>
      </div>
    );
  }
}
