import { describe, expect, it } from 'vitest';
import { logLine, range, seqs } from './backend-fixtures';
import {
  allStreams,
  batchGap,
  filterByStreams,
  linesAsText,
  mergeLines,
  missingLines,
  searchMatcher,
  trimGaps,
} from './log-buffer';

describe('mergeLines', () => {
  it('appends a live batch after the lines it has', () => {
    expect(seqs(mergeLines(range(1, 3), range(4, 6)))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('fills a gap in order, without duplicates', () => {
    const existing = [...range(1, 3), ...range(8, 10)];
    expect(seqs(mergeLines(existing, range(2, 9)))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('keeps the first copy of a seq', () => {
    const merged = mergeLines([logLine(2, 'stdout', 'original')], [logLine(2, 'stdout', 'copy'), logLine(1)]);
    expect(merged.map((l) => l.text)).toEqual(['line 1', 'original']);
  });

  it('returns the same array when nothing is new', () => {
    const existing = range(1, 5);
    expect(mergeLines(existing, range(2, 4))).toBe(existing);
    expect(mergeLines(existing, [])).toBe(existing);
  });

  it('orders an unordered page', () => {
    expect(seqs(mergeLines(range(5, 6), [logLine(3), logLine(1), logLine(2)]))).toEqual([1, 2, 3, 5, 6]);
  });

  it('keeps only the newest lines up to the cap', () => {
    const merged = mergeLines(range(1, 90), range(91, 120), 100);
    expect(merged).toHaveLength(100);
    expect(merged[0]?.seq).toBe(21);
    expect(merged.at(-1)?.seq).toBe(120);
  });

  it('keeps only the window of seqs from fromSeq, so a hole the ring cannot fill slides out', () => {
    // 1..50 live, 51..140 dropped and gone from the ring, 141..150 live: the window is the newest 100 seqs.
    const merged = mergeLines(range(1, 50), range(141, 150), 100, 150 - 100 + 1);
    expect(seqs(merged)).toEqual(range(141, 150).map((l) => l.seq));
    expect(missingLines(merged)).toBe(0);
    // Without the window the old lines stay, with a hole of 90 in between.
    expect(missingLines(mergeLines(range(1, 50), range(141, 150), 100))).toBe(90);
  });

  it('keeps the newest after a refill that would overflow the cap', () => {
    const existing = [...range(1, 50), ...range(151, 200)];
    const merged = mergeLines(existing, range(51, 150), 100);
    expect(seqs(merged)).toEqual(range(101, 200).map((l) => l.seq));
  });
});

describe('missingLines', () => {
  it('counts the seqs absent between the oldest and newest line', () => {
    expect(missingLines([])).toBe(0);
    expect(missingLines(range(5, 9))).toBe(0);
    expect(missingLines([...range(1, 3), ...range(10, 12)])).toBe(6);
  });
});

describe('trimGaps', () => {
  it('asks for at most the newest cap lines of one gap', () => {
    expect(trimGaps([{ from: 101, to: 500 }], 100, 100)).toEqual([{ from: 401, to: 500 }]);
  });

  it('drops gaps older than what the cap keeps and clips the one that straddles it', () => {
    const gaps = [
      { from: 10, to: 20 },
      { from: 50, to: 80 },
      { from: 101, to: 150 },
    ];
    expect(trimGaps(gaps, 160, 100)).toEqual([
      { from: 61, to: 80 },
      { from: 101, to: 150 },
    ]);
  });
});

describe('batchGap', () => {
  const at = (...list: number[]) => list.map((seq) => ({ seq }));

  it('puts what a batch dropped after its last line when the lines are contiguous', () => {
    expect(batchGap(at(1, 2, 3), 5, 0)).toEqual({ gap: { from: 4, to: 8 }, cursor: 8 });
  });

  it('finds lines a thinned batch left out between its lines, and the rest after them', () => {
    // 3, 6 and 7 were left out between the lines; the fourth dropped line is 9.
    expect(batchGap(at(1, 2, 4, 5, 8), 4, 0)).toEqual({ gap: { from: 3, to: 9 }, cursor: 9 });
  });

  it('finds lines left out between the previous batch and this one', () => {
    expect(batchGap(at(15, 16), 4, 10)).toEqual({ gap: { from: 11, to: 14 }, cursor: 16 });
  });

  it('does not guess before the first line while the cursor is unknown', () => {
    expect(batchGap(at(50, 51, 52), 2, null)).toEqual({ gap: { from: 53, to: 54 }, cursor: 54 });
    expect(batchGap(at(50, 51, 52), 0, null)).toEqual({ gap: null, cursor: 52 });
  });

  it('reports nothing for a complete batch, and keeps the cursor for an empty one', () => {
    expect(batchGap(at(11, 12), 0, 10)).toEqual({ gap: null, cursor: 12 });
    expect(batchGap([], 0, 12)).toEqual({ gap: null, cursor: 12 });
    expect(batchGap([], 3, 12)).toEqual({ gap: { from: 13, to: 15 }, cursor: 15 });
  });
});

describe('filterByStreams', () => {
  const lines = [logLine(1, 'stdout'), logLine(2, 'stderr'), logLine(3, 'system')];
  it('returns the same list when every stream is on', () => {
    expect(filterByStreams(lines, allStreams)).toBe(lines);
  });
  it('keeps only the chosen streams', () => {
    expect(seqs(filterByStreams(lines, { stdout: false, stderr: true, system: true }))).toEqual([2, 3]);
  });
});

describe('searchMatcher', () => {
  it('matches plain text ignoring case', () => {
    const match = searchMatcher('GET "/health"', false)!;
    expect(match('[GIN] 200 | get "/health"')).toBe(true);
    expect(match('POST "/api"')).toBe(false);
  });

  it('treats regex characters literally without the regex flag', () => {
    expect(searchMatcher('a.c', false)!('abc')).toBe(false);
    expect(searchMatcher('a.c', true)!('ABC')).toBe(true);
  });

  it('gives null for a pattern that does not compile', () => {
    expect(searchMatcher('(unclosed', true)).toBeNull();
  });
});

describe('linesAsText', () => {
  it('writes one line per log line with time and stream', () => {
    const text = linesAsText([logLine(1, 'stdout', 'hello'), logLine(2, 'stderr', 'oops')]);
    expect(text.split('\n')).toEqual(['2026-01-01T00:00:00.001Z stdout hello', '2026-01-01T00:00:00.002Z stderr oops']);
  });
});
