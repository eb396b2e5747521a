import type { ReactNode } from 'react';
import { EmptyState } from './EmptyState';
import { PageHeader } from './PageHeader';

/** The lead of a page that browses or changes the active database. */
export const NO_CONNECTION_YET = 'No connection yet — connect a profile or list a database from Connections';

export interface NoConnectionPageProps {
  /** The page's title, as when it has a connection. */
  title: string;
  testId: string;
  /** The page element's test id, where the page has one. */
  pageTestId?: string;
  /** The line that says what is missing. */
  lead: string;
  /** What the page does once there is a connection. */
  children: ReactNode;
  onGoToConnections(): void;
}

/** A page that needs the active connection, before there is one: what it does, and the way to Connections. */
export function NoConnectionPage({
  title,
  testId,
  pageTestId,
  lead,
  children,
  onGoToConnections,
}: NoConnectionPageProps) {
  return (
    <div className="page page--narrow" data-testid={pageTestId}>
      <PageHeader title={title} />
      <EmptyState
        testId={testId}
        action={
          <button className="button button--primary" type="button" onClick={onGoToConnections}>
            Go to Connections
          </button>
        }
      >
        <p className="empty-state__lead">{lead}</p>
        {children}
      </EmptyState>
    </div>
  );
}
