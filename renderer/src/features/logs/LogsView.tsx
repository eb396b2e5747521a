import { useEffect, useId, useMemo } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { PageHeader } from '../../components/PageHeader';
import { useLogs } from '../../stores';
import { filterLogLines, isLevelFilter, levelFilters } from './log-lines';
import { LogList } from './LogList';

export function LogsView() {
  const levelId = useId();
  const textId = useId();
  const lines = useLogs((s) => s.lines);
  const loading = useLogs((s) => s.loading);
  const loadError = useLogs((s) => s.loadError);
  const levelFilter = useLogs((s) => s.levelFilter);
  const textFilter = useLogs((s) => s.textFilter);
  const follow = useLogs((s) => s.follow);
  const loadRecent = useLogs((s) => s.loadRecent);
  const setLevelFilter = useLogs((s) => s.setLevelFilter);
  const setTextFilter = useLogs((s) => s.setTextFilter);
  const setFollow = useLogs((s) => s.setFollow);

  // Every open re-reads the recent lines: that also fills any gap left while the event link was down.
  useEffect(() => {
    void loadRecent();
  }, [loadRecent]);

  const visible = useMemo(() => filterLogLines(lines, levelFilter, textFilter), [lines, levelFilter, textFilter]);
  const filtered = visible.length !== lines.length;

  return (
    <div className="page page--fill">
      <PageHeader
        title="Logs"
        description="The application log of this ops-console (main and renderer), already redacted. New lines arrive live."
      />
      <div className="toolbar" role="group" aria-label="Log filters">
        <label className="toolbar__field" htmlFor={levelId}>
          Level
          <select
            id={levelId}
            className="select"
            value={levelFilter}
            onChange={(event) => {
              if (isLevelFilter(event.target.value)) setLevelFilter(event.target.value);
            }}
            data-testid="log-filter-level"
          >
            {levelFilters.map((level) => (
              <option key={level} value={level}>
                {level}
              </option>
            ))}
          </select>
        </label>
        <label className="toolbar__field toolbar__field--grow" htmlFor={textId}>
          Filter
          <input
            id={textId}
            className="text-input"
            type="search"
            value={textFilter}
            onChange={(event) => setTextFilter(event.target.value)}
            placeholder="Text in message or scope"
            spellCheck={false}
            data-testid="log-filter-text"
          />
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={follow}
            onChange={(event) => setFollow(event.target.checked)}
            data-testid="log-follow"
          />
          Follow
        </label>
        <span className="toolbar__count" data-testid="log-count">
          {filtered
            ? `${visible.length.toLocaleString()} of ${lines.length.toLocaleString()} lines`
            : `${lines.length.toLocaleString()} lines`}
        </span>
      </div>

      {loadError ? <ErrorBox error={loadError} title="Could not load recent log lines" testId="logs-error" /> : null}

      {visible.length > 0 ? (
        <LogList lines={visible} follow={follow} onScrollAway={() => setFollow(false)} />
      ) : (
        <div className="log-list log-list--empty" data-testid="log-list">
          {loading ? 'Loading…' : lines.length > 0 ? 'No lines match the filter.' : 'No log lines yet.'}
        </div>
      )}
    </div>
  );
}
