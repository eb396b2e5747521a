import type { ReactNode } from 'react';

/** A grid of small labelled figures (phase, rows, rate, time left…), four a row. */
export function StatGrid({ children }: { children: ReactNode }) {
  return <dl className="stat-grid">{children}</dl>;
}

export interface StatProps {
  label: ReactNode;
  children: ReactNode;
  /** Spans three columns (a file or table name). */
  wide?: boolean;
  mono?: boolean;
  title?: string | undefined;
  testId?: string;
}

export function Stat({ label, children, wide = false, mono = false, title, testId }: StatProps) {
  return (
    <div className={`stat-grid__item${wide ? ' stat-grid__item--wide' : ''}`}>
      <dt>{label}</dt>
      <dd className={mono ? 'mono' : undefined} title={title} data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

/** A small spinning ring before a running phase's name. */
export function Spinner() {
  return <span className="spinner" aria-hidden="true" />;
}
