import { useConsole } from './console-hooks';
import type { ConsoleTab } from './console-store';
import { writeSwitch } from './console-store';

export interface LiveControlsProps {
  tab: ConsoleTab;
  readOnly: boolean;
  production: boolean;
  running: boolean;
  onExplain(): void;
}

/** Explain, ANALYZE and the write switch: PostgreSQL's, so only on a live database. */
export function LiveControls({ tab, readOnly, production, running, onExplain }: LiveControlsProps) {
  const setAllowWrite = useConsole((s) => s.setAllowWrite);
  const setAnalyze = useConsole((s) => s.setAnalyze);
  const id = tab.id;
  const writes = writeSwitch(readOnly);
  return (
    <>
      <button
        className="button"
        type="button"
        onClick={onExplain}
        disabled={running}
        title="Show the plan — Ctrl/Cmd+Shift+Enter"
        data-testid="console-explain"
      >
        Explain
      </button>
      <label
        className="checkbox"
        title="ANALYZE runs the statement to measure it (inside the same read-only rules as Run)"
      >
        <input
          type="checkbox"
          checked={tab.analyze}
          onChange={(event) => setAnalyze(id, event.target.checked)}
          data-testid="explain-analyze"
        />
        ANALYZE
      </label>
      <span className="console__spacer" />
      <label
        className={writes.enabled ? 'checkbox console__write' : 'checkbox console__write console__write--disabled'}
        title={
          writes.reason ??
          'Off: statements run in a read-only transaction. On: this tab may change data (INSERT, UPDATE, DDL).'
        }
      >
        <input
          type="checkbox"
          checked={tab.allowWrite && writes.enabled}
          disabled={!writes.enabled}
          onChange={(event) => setAllowWrite(id, event.target.checked)}
          aria-describedby={writes.reason ? 'console-write-reason' : undefined}
          data-testid="console-allow-write"
        />
        Allow writes
      </label>
      {writes.reason ? (
        <span className="console__hint" id="console-write-reason">
          read-only connection
        </span>
      ) : tab.allowWrite ? (
        <span className="console__write-on" data-testid="console-write-warning">
          {production ? 'Writes allowed on PRODUCTION' : 'Writes allowed in this tab'}
        </span>
      ) : null}
    </>
  );
}
