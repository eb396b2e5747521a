import type { ReactNode } from 'react';

export interface KeyValueItem {
  label: string;
  value: ReactNode;
  testId?: string;
  /** Long unbreakable values (paths, URLs) in monospace that wrap anywhere. */
  mono?: boolean;
}

export interface KeyValueProps {
  items: readonly KeyValueItem[];
  compact?: boolean;
}

export function KeyValue({ items, compact = false }: KeyValueProps) {
  return (
    <dl className={compact ? 'key-value key-value--compact' : 'key-value'}>
      {items.map((item) => (
        <div className="key-value__row" key={item.label}>
          <dt className="key-value__label">{item.label}</dt>
          <dd className={item.mono ? 'key-value__value mono' : 'key-value__value'} data-testid={item.testId}>
            {item.value}
          </dd>
        </div>
      ))}
    </dl>
  );
}
