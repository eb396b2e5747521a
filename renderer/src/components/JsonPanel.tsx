import { useEffect, useRef, useState } from 'react';
import type { CellValue } from '../../../common/data';
import { fullValueText } from './result-grid-model';

export interface JsonPanelProps {
  /** What the value is, e.g. `payload (jsonb) · row 12`. */
  title: string;
  value: CellValue;
  /** Pretty-print as JSON (json/jsonb columns); otherwise the text as it is. */
  json: boolean;
  onClose(): void;
}

type CopyState = 'idle' | 'copied' | 'failed';

/** The full value of one cell beside the grid: JSON formatted, long text whole, with Copy. */
export function JsonPanel({ title, value, json, onClose }: JsonPanelProps) {
  const text = fullValueText(value, json);
  const [copy, setCopy] = useState<CopyState>('idle');
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    closeRef.current?.focus();
  }, [value]);

  const onCopy = () => {
    navigator.clipboard.writeText(text).then(
      () => setCopy('copied'),
      () => setCopy('failed'),
    );
  };

  return (
    <aside
      className="value-panel"
      aria-label={`Value of ${title}`}
      data-testid="json-panel"
      onKeyDown={(event) => {
        if (event.key === 'Escape') onClose();
      }}
    >
      <header className="value-panel__head">
        <span className="value-panel__title" title={title}>
          {title}
        </span>
        <button className="button grid-button" type="button" onClick={onCopy} data-testid="json-panel-copy">
          {copy === 'copied' ? 'Copied' : copy === 'failed' ? 'Copy failed' : 'Copy'}
        </button>
        <button
          ref={closeRef}
          className="button grid-button"
          type="button"
          onClick={onClose}
          aria-label="Close value panel"
          data-testid="json-panel-close"
        >
          ✕
        </button>
      </header>
      <div className="value-panel__meta">
        {value === null ? 'NULL' : json ? 'JSON, formatted' : `${Array.from(text).length.toLocaleString()} characters`}
      </div>
      <pre className={value === null ? 'value-panel__body value-panel__body--null' : 'value-panel__body'}>{text}</pre>
    </aside>
  );
}
