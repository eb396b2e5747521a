import { useEffect, useRef, useState } from 'react';

export interface CodeBlockProps {
  code: string;
  /** Accessible name of the block, e.g. "DDL of public.User". */
  label: string;
  testId?: string;
  copyTestId?: string;
}

type CopyState = 'idle' | 'copied' | 'failed';

/** Monospace, preformatted text with a Copy button. */
export function CodeBlock({ code, label, testId, copyTestId }: CodeBlockProps) {
  const preRef = useRef<HTMLPreElement>(null);
  const [copy, setCopy] = useState<CopyState>('idle');

  useEffect(() => {
    if (copy === 'idle') return;
    const timer = setTimeout(() => setCopy('idle'), 2000);
    return () => clearTimeout(timer);
  }, [copy]);

  const onCopy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setCopy('copied');
    } catch {
      // No clipboard permission: select the text so Ctrl+C works.
      const pre = preRef.current;
      const selection = window.getSelection();
      if (pre && selection) {
        selection.selectAllChildren(pre);
      }
      setCopy('failed');
    }
  };

  return (
    <div className="code-block">
      <div className="code-block__bar">
        <span className="code-block__label">{label}</span>
        <button className="button button--small" type="button" onClick={() => void onCopy()} data-testid={copyTestId}>
          {copy === 'copied' ? 'Copied' : copy === 'failed' ? 'Selected — press Ctrl+C' : 'Copy'}
        </button>
      </div>
      <pre ref={preRef} className="code-block__code" aria-label={label} tabIndex={0} data-testid={testId}>
        {code}
      </pre>
    </div>
  );
}
