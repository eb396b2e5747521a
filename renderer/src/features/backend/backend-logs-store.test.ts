import { describe, expect, it, vi } from 'vitest';
import type { BackendLogBatch, BackendLogLine, BackendLogPage } from '../../../../common/backend';
import type { CallInput } from '../../../../common/contract';
import { RemoteError } from '../../../../common/errors';
import { logLine, page, range, seqs } from './backend-fixtures';
import { createBackendLogsStore, visibleLines } from './backend-logs-store';
import { allStreams, searchMatcher } from './log-buffer';

type Query = CallInput<'backend.logs'>;

/**
 * A fake main: a ring of lines per backend that answers queries the way
 * main's LogRing does (afterSeq, limit, streams, search), and a push channel.
 */
function setup(options: { ring?: BackendLogLine[]; cap?: number; searchLimit?: number } = {}) {
  let ring = options.ring ?? [];
  let listener: ((batch: BackendLogBatch) => void) | null = null;
  const query = vi.fn(async (q: Query): Promise<BackendLogPage> => {
    if (q.regex && q.search === '(') {
      throw new RemoteError({
        kind: 'invalid_input',
        message: 'Invalid regular expression: Unterminated group',
        hint: 'Check the pattern, or turn regular expressions off to search for the text as typed.',
      });
    }
    const matcher = searchMatcher(q.search ?? '', q.regex ?? false)!;
    const matching = ring.filter((l) => (q.streams === undefined || q.streams.includes(l.stream)) && matcher(l.text));
    const limit = q.limit ?? 1000;
    const lines =
      q.afterSeq === undefined ? matching.slice(-limit) : matching.filter((l) => l.seq > q.afterSeq!).slice(0, limit);
    return page(q.id, lines, { lastSeq: ring.at(-1)?.seq });
  });
  const onBatch = vi.fn((l: (batch: BackendLogBatch) => void) => {
    listener = l;
    return () => (listener = null);
  });
  const store = createBackendLogsStore({ query, onBatch, cap: options.cap ?? 100, searchLimit: options.searchLimit });
  return {
    store,
    query,
    onBatch,
    setRing: (lines: BackendLogLine[]) => (ring = lines),
    push: (batch: Omit<BackendLogBatch, 'id'> & { id?: string }) => listener?.({ id: 'b1', ...batch }),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const shown = (t: ReturnType<typeof setup>) => {
  const s = t.store.getState();
  const matcher = s.search?.state === 'done' ? searchMatcher(s.search.text, s.search.regex) : null;
  return seqs(visibleLines(s.frozen ?? s.lines, s.search, s.streams, matcher));
};

describe('backend logs: watching a backend', () => {
  it('reads the recent lines of the backend on screen, at most the cap', async () => {
    const t = setup({ ring: range(1, 150) });
    t.store.getState().connect();
    await t.store.getState().watch('b1');
    expect(t.query).toHaveBeenCalledWith({ id: 'b1', limit: 100 });
    expect(t.store.getState().lines).toHaveLength(100);
    expect(t.store.getState().lines[0]?.seq).toBe(51);
    expect(t.store.getState().follow).toBe(true);
  });

  it('applies each batch with one update, ignoring other backends', async () => {
    const t = setup({ ring: range(1, 3) });
    t.store.getState().connect();
    await t.store.getState().watch('b1');
    const updates = vi.fn();
    t.store.subscribe(updates);
    t.push({ lines: range(4, 50), dropped: 0 });
    t.push({ id: 'other', lines: range(1, 10), dropped: 0 });
    expect(updates).toHaveBeenCalledTimes(1);
    expect(seqs(t.store.getState().lines)).toEqual(range(1, 50).map((l) => l.seq));
  });

  it('never keeps more than the cap however many lines arrive', async () => {
    const t = setup();
    t.store.getState().connect();
    await t.store.getState().watch('b1');
    for (let i = 0; i < 50; i++) t.push({ lines: range(i * 40 + 1, i * 40 + 40), dropped: 0 });
    expect(t.store.getState().lines).toHaveLength(100);
    expect(t.store.getState().lines.at(-1)?.seq).toBe(2000);
  });

  it('merges batches that arrive while the recent lines are being read', async () => {
    const t = setup({ ring: range(1, 10) });
    t.store.getState().connect();
    const watching = t.store.getState().watch('b1');
    t.push({ lines: range(9, 12), dropped: 0 });
    await watching;
    expect(seqs(t.store.getState().lines)).toEqual(range(1, 12).map((l) => l.seq));
  });

  it('starts afresh for another backend and drops the late answer for the previous one', async () => {
    const t = setup({ ring: range(1, 5) });
    let release: () => void = () => undefined;
    t.query.mockImplementationOnce((q) => new Promise((resolve) => (release = () => resolve(page(q.id, range(1, 5))))));
    const first = t.store.getState().watch('b1');
    await t.store.getState().watch('b2');
    release();
    await first;
    expect(t.store.getState().backendId).toBe('b2');
    expect(t.store.getState().lines.every((l) => l.seq <= 5)).toBe(true);
    expect(t.query).toHaveBeenLastCalledWith({ id: 'b2', limit: 100 });
  });

  it('reports a failed read', async () => {
    const t = setup();
    t.query.mockRejectedValueOnce(new RemoteError({ kind: 'not_found', message: 'There is no backend with id b1' }));
    await t.store.getState().watch('b1');
    expect(t.store.getState().loadError?.kind).toBe('not_found');
  });
});

describe('backend logs: drops and gaps', () => {
  it('fetches the lines a batch left out, so the view stays complete', async () => {
    const t = setup();
    t.store.getState().connect();
    await t.store.getState().watch('b1');
    t.setRing(range(1, 30));
    t.push({ lines: range(1, 10), dropped: 15 });
    await settle();
    expect(t.query).toHaveBeenLastCalledWith({ id: 'b1', afterSeq: 10, limit: 15 });
    t.push({ lines: range(26, 30), dropped: 0 });
    await settle();
    expect(seqs(t.store.getState().lines)).toEqual(range(1, 30).map((l) => l.seq));
    expect(t.store.getState()).toMatchObject({ droppedFromPush: 15, refilled: 15 });
  });

  it('only fetches the part of a gap the cap would keep', async () => {
    const t = setup({ cap: 100 });
    t.store.getState().connect();
    await t.store.getState().watch('b1');
    t.setRing(range(1, 1010));
    t.push({ lines: range(1, 10), dropped: 1000 });
    await settle();
    expect(t.query).toHaveBeenLastCalledWith({ id: 'b1', afterSeq: 910, limit: 100 });
    expect(t.store.getState().lines).toHaveLength(100);
    expect(t.store.getState().lines.at(-1)?.seq).toBe(1010);
  });

  it('lets a stretch the ring no longer has slide out of the view instead of leaving a hole', async () => {
    const t = setup({ cap: 100 });
    t.store.getState().connect();
    await t.store.getState().watch('b1');
    // By the time the gap is asked for, the ring has moved on: only 1000.. is left.
    t.setRing(range(1000, 1060));
    t.push({ lines: range(1, 10), dropped: 1000 });
    t.push({ lines: range(1011, 1060), dropped: 0 });
    await settle();
    expect(t.store.getState().lines[0]?.seq).toBe(1000);
    expect(t.store.getState().lines.at(-1)?.seq).toBe(1060);
    expect(t.store.getState().lines).toHaveLength(61);
  });

  it('fills the holes of a thinned batch, and an overcounted drop never pushes real lines out', async () => {
    const t = setup({ ring: range(1, 100), cap: 100 });
    t.store.getState().connect();
    await t.store.getState().watch('b1');
    t.setRing(range(1, 110));
    // 103 and 104 were left out; `dropped` says 50 (more than main actually left out after 110).
    t.push({ lines: [...range(101, 102), ...range(105, 110)], dropped: 50 });
    await settle();
    expect(t.query).toHaveBeenLastCalledWith({ id: 'b1', afterSeq: 102, limit: 56 });
    expect(seqs(t.store.getState().lines)).toEqual(range(11, 110).map((l) => l.seq));
    // The next batch continues where main really is.
    t.setRing(range(1, 112));
    t.push({ lines: range(111, 112), dropped: 0 });
    expect(t.store.getState().lines.at(-1)?.seq).toBe(112);
    expect(t.store.getState().lines).toHaveLength(100);
  });

  it('does not fetch while paused, and catches up on resume', async () => {
    const t = setup();
    t.store.getState().connect();
    await t.store.getState().watch('b1');
    t.push({ lines: range(1, 5), dropped: 0 });
    t.store.getState().pause();
    const calls = t.query.mock.calls.length;
    t.setRing(range(1, 20));
    t.push({ lines: range(6, 10), dropped: 10 });
    await settle();
    expect(t.query.mock.calls.length).toBe(calls);
    // The view is frozen; collection goes on.
    expect(shown(t)).toEqual([1, 2, 3, 4, 5]);
    expect(t.store.getState().lines.at(-1)?.seq).toBe(10);
    t.store.getState().resume();
    await settle();
    expect(shown(t)).toEqual(range(1, 20).map((l) => l.seq));
    expect(t.store.getState().follow).toBe(true);
  });

  it('keeps counting when main cannot answer for a gap', async () => {
    const t = setup();
    t.store.getState().connect();
    await t.store.getState().watch('b1');
    t.query.mockRejectedValueOnce(new RemoteError({ kind: 'unavailable', message: 'gone' }));
    t.push({ lines: range(1, 5), dropped: 5 });
    await settle();
    expect(t.store.getState().droppedFromPush).toBe(5);
    expect(t.store.getState().refilled).toBe(0);
  });
});

describe('backend logs: view controls', () => {
  it('filters by stream', async () => {
    const t = setup({ ring: [logLine(1, 'stdout'), logLine(2, 'stderr'), logLine(3, 'system')] });
    await t.store.getState().watch('b1');
    t.store.getState().setStream('stdout', false);
    expect(shown(t)).toEqual([2, 3]);
    t.store.getState().setStream('system', false);
    expect(shown(t)).toEqual([2]);
  });

  it('stops following when asked and follows again on resume', () => {
    const t = setup();
    t.store.getState().setFollow(false);
    expect(t.store.getState().follow).toBe(false);
    t.store.getState().pause();
    t.store.getState().setFollow(true);
    expect(t.store.getState()).toMatchObject({ follow: true, frozen: null });
  });

  it('searches in main, by text or regex, and matches live lines that come after', async () => {
    const t = setup({
      ring: [
        logLine(1, 'stdout', '[GIN] 200 | GET "/health"'),
        logLine(2, 'stderr', 'SELECT count(*) FROM "sessions"'),
        logLine(3, 'stdout', '[GIN] 404 | GET "/nope"'),
      ],
    });
    t.store.getState().connect();
    await t.store.getState().watch('b1');
    t.store.getState().setSearchText('GIN\\] (200|500)');
    t.store.getState().setRegex(true);
    await t.store.getState().runSearch();
    expect(t.query).toHaveBeenLastCalledWith({ id: 'b1', search: 'GIN\\] (200|500)', regex: true, limit: 5000 });
    expect(shown(t)).toEqual([1]);
    t.push({ lines: [logLine(4, 'stdout', '[GIN] 500 | GET "/health"'), logLine(5, 'stdout', 'other')], dropped: 0 });
    expect(shown(t)).toEqual([1, 4]);

    // The stream filter goes to main as well.
    t.store.getState().setStream('stdout', false);
    await settle();
    expect(t.query).toHaveBeenLastCalledWith(expect.objectContaining({ streams: ['stderr', 'system'] }));
    expect(shown(t)).toEqual([]);

    t.store.getState().clearSearch();
    t.store.getState().setStream('stdout', true);
    expect(shown(t)).toEqual([1, 2, 3, 4, 5]);
  });

  it('shows why a regex is refused', async () => {
    const t = setup({ ring: range(1, 3) });
    await t.store.getState().watch('b1');
    t.store.getState().setRegex(true);
    t.store.getState().setSearchText('(');
    await t.store.getState().runSearch();
    const search = t.store.getState().search;
    expect(search?.state).toBe('failed');
    if (search?.state === 'failed') expect(search.error.message).toContain('Invalid regular expression');
    expect(shown(t)).toEqual([]);
  });

  it('keeps only the answer to the latest search', async () => {
    const t = setup({ ring: [logLine(1, 'stdout', 'alpha'), logLine(2, 'stdout', 'beta')] });
    await t.store.getState().watch('b1');
    let releaseFirst: () => void = () => undefined;
    t.query.mockImplementationOnce(
      (q) => new Promise((resolve) => (releaseFirst = () => resolve(page(q.id, [logLine(1, 'stdout', 'alpha')])))),
    );
    t.store.getState().setSearchText('alpha');
    const first = t.store.getState().runSearch();
    t.store.getState().setSearchText('beta');
    await t.store.getState().runSearch();
    releaseFirst();
    await first;
    expect(shown(t)).toEqual([2]);
  });

  it('shows everything when no search and all streams are on', () => {
    const lines = range(1, 3);
    expect(visibleLines(lines, null, allStreams, null)).toBe(lines);
  });
});
