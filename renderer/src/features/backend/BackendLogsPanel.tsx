import type { FormEvent } from 'react';
import { useEffect, useId, useMemo, useState } from 'react';
import type { BackendLogLine } from '../../../../common/backend';
import { ErrorBox } from '../../components/ErrorBox';
import { useBackendLogs } from './backend-hooks';
import { visibleLines } from './backend-logs-store';
import { linesAsText, logStreams, missingLines, searchMatcher } from './log-buffer';
import { BackendLogList } from './BackendLogList';

/** How long typing rests before the search runs in main. */
const SEARCH_DEBOUNCE_MS = 300;

const n = (value: number) => value.toLocaleString('en-US');

/** The output of the backend on screen: live, pausable, filtered by stream, searched in main's buffer, copyable. */
export function BackendLogsPanel() {
  const lines = useBackendLogs((s) => s.lines);
  const frozen = useBackendLogs((s) => s.frozen);
  const follow = useBackendLogs((s) => s.follow);
  const streams = useBackendLogs((s) => s.streams);
  const search = useBackendLogs((s) => s.search);
  const loading = useBackendLogs((s) => s.loading);
  const loadError = useBackendLogs((s) => s.loadError);
  const setFollow = useBackendLogs((s) => s.setFollow);

  const base = frozen ?? lines;
  const matcher = useMemo(() => (search?.state === 'done' ? searchMatcher(search.text, search.regex) : null), [search]);
  const visible = useMemo(() => visibleLines(base, search, streams, matcher), [base, search, streams, matcher]);

  return (
    <section className="card backend-logs" aria-label="Output" data-testid="backend-logs">
      <LogsToolbar visible={visible} />
      {loadError ? (
        <ErrorBox error={loadError} title="Could not read the backend’s output" testId="backend-logs-error" />
      ) : null}
      {search?.state === 'failed' ? (
        <ErrorBox error={search.error} title="Search failed" testId="backend-search-error" />
      ) : null}
      {frozen ? <PausedNote frozen={frozen} lines={lines} /> : null}
      {visible.length > 0 ? (
        <BackendLogList lines={visible} follow={follow} onScrollAway={() => setFollow(false)} />
      ) : (
        <div className="backend-log-list backend-log-list--empty" data-testid="backend-log-list">
          {emptyText(loading, search?.state ?? null, base.length)}
        </div>
      )}
      <LogCounter visible={visible.length} />
    </section>
  );
}

function emptyText(loading: boolean, search: 'running' | 'done' | 'failed' | null, collected: number): string {
  if (loading) return 'Loading…';
  if (search === 'running') return 'Searching…';
  if (search !== null) return 'No lines match the search.';
  if (collected > 0) return 'No lines of the chosen streams.';
  return 'No output yet. Lines appear here as the backend prints them.';
}

function LogsToolbar({ visible }: { visible: readonly BackendLogLine[] }) {
  const searchId = useId();
  const streams = useBackendLogs((s) => s.streams);
  const searchText = useBackendLogs((s) => s.searchText);
  const regex = useBackendLogs((s) => s.regex);
  const follow = useBackendLogs((s) => s.follow);
  const paused = useBackendLogs((s) => s.frozen !== null);
  const searching = useBackendLogs((s) => s.search?.state === 'running');
  const setStream = useBackendLogs((s) => s.setStream);
  const setSearchText = useBackendLogs((s) => s.setSearchText);
  const setRegex = useBackendLogs((s) => s.setRegex);
  const runSearch = useBackendLogs((s) => s.runSearch);
  const setFollow = useBackendLogs((s) => s.setFollow);
  const pause = useBackendLogs((s) => s.pause);
  const resume = useBackendLogs((s) => s.resume);
  const [copyNote, setCopyNote] = useState<string | null>(null);

  useEffect(() => {
    const timer = setTimeout(() => void runSearch(), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [searchText, runSearch]);

  useEffect(() => {
    if (copyNote === null) return;
    const timer = setTimeout(() => setCopyNote(null), 3000);
    return () => clearTimeout(timer);
  }, [copyNote]);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void runSearch();
  };

  const onCopy = () => {
    const count = visible.length;
    navigator.clipboard.writeText(linesAsText(visible)).then(
      () => setCopyNote(`Copied ${n(count)} ${count === 1 ? 'line' : 'lines'}`),
      () => setCopyNote('Copy failed: the clipboard is not available'),
    );
  };

  return (
    <div className="backend-logs__toolbar" role="group" aria-label="Output controls">
      <span className="backend-logs__streams" role="group" aria-label="Streams">
        {logStreams.map((stream) => (
          <label key={stream} className="checkbox">
            <input
              type="checkbox"
              checked={streams[stream]}
              onChange={(event) => setStream(stream, event.target.checked)}
              data-testid={`stream-${stream}`}
            />
            <span className={`stream--${stream}`}>{stream}</span>
          </label>
        ))}
      </span>
      <form className="backend-logs__search" role="search" onSubmit={onSubmit}>
        <label className="visually-hidden" htmlFor={searchId}>
          Search the output
        </label>
        <input
          id={searchId}
          className="text-input mono"
          type="search"
          value={searchText}
          onChange={(event) => setSearchText(event.target.value)}
          placeholder={regex ? 'Regular expression' : 'Search text'}
          spellCheck={false}
          data-testid="backend-log-search"
        />
        <label className="checkbox" title="Search with a regular expression (case-insensitive)">
          <input
            type="checkbox"
            checked={regex}
            onChange={(event) => setRegex(event.target.checked)}
            data-testid="backend-log-regex"
          />
          Regex
        </label>
        {searching ? <span className="muted">Searching…</span> : null}
      </form>
      <span className="backend-logs__actions">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={follow}
            onChange={(event) => setFollow(event.target.checked)}
            data-testid="backend-log-follow"
          />
          Follow
        </label>
        <button
          className="button button--small"
          type="button"
          onClick={paused ? resume : pause}
          aria-pressed={paused}
          data-testid="backend-log-pause"
        >
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button
          className="button button--small"
          type="button"
          onClick={onCopy}
          disabled={visible.length === 0}
          title="Copy the lines shown (after filters and search) as text"
          data-testid="backend-log-copy"
        >
          Copy
        </button>
        {copyNote ? (
          <span className="backend-logs__note" role="status" data-testid="backend-log-copied">
            {copyNote}
          </span>
        ) : null}
      </span>
    </div>
  );
}

function PausedNote({ frozen, lines }: { frozen: readonly BackendLogLine[]; lines: readonly BackendLogLine[] }) {
  const since = frozen.at(-1)?.seq ?? 0;
  const newer = Math.max(0, (lines.at(-1)?.seq ?? since) - since);
  return (
    <p className="backend-logs__paused" role="status" data-testid="backend-log-paused">
      Paused — {n(newer)} newer {newer === 1 ? 'line' : 'lines'} collected meanwhile. Resume to see them.
    </p>
  );
}

function LogCounter({ visible }: { visible: number }) {
  const lines = useBackendLogs((s) => s.lines);
  const cap = useBackendLogs((s) => s.cap);
  const search = useBackendLogs((s) => s.search);
  const dropped = useBackendLogs((s) => s.droppedFromPush);
  const refilled = useBackendLogs((s) => s.refilled);
  const missing = missingLines(lines);
  const lastSeq = lines.at(-1)?.seq ?? 0;

  let text: string;
  if (search?.state === 'done') {
    text = `${n(visible)} ${visible === 1 ? 'match' : 'matches'}${search.limited ? ' (the newest; refine the search for older ones)' : ''}`;
  } else {
    text = visible === lines.length ? `${n(lines.length)} lines` : `${n(visible)} of ${n(lines.length)} lines`;
    if (dropped > 0) {
      const after = missing > 0 ? `${n(missing)} not fetched back` : 'gaps fetched back from the buffer';
      text += ` (${n(dropped)} dropped from live view; ${after})`;
    }
  }
  return (
    <p
      className="backend-logs__count"
      data-testid="backend-log-count"
      data-lines={lines.length}
      data-visible={visible}
      data-last-seq={lastSeq}
      data-dropped={dropped}
      data-refilled={refilled}
      data-missing={missing}
      title={`The view keeps the newest ${n(cap)} lines; main keeps the same in its buffer and everything in the log file.`}
    >
      {text}
    </p>
  );
}
