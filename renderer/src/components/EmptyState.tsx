import type { ReactNode } from 'react';

export interface EmptyStateProps {
  title?: string;
  children: ReactNode;
  /** An optional working control (e.g. a button that navigates somewhere useful). */
  action?: ReactNode;
  testId?: string;
}

export function EmptyState({ title, children, action, testId }: EmptyStateProps) {
  return (
    <div className="empty-state" data-testid={testId}>
      {title ? <h2 className="empty-state__title">{title}</h2> : null}
      <div className="empty-state__body">{children}</div>
      {action ? <div className="empty-state__action">{action}</div> : null}
    </div>
  );
}
