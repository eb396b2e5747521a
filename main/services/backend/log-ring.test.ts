import { describe, expect, it } from 'vitest';
import { OpsError } from '../../../common/errors';
import { hasNestedQuantifier, LogRing, truncateLine } from './log-ring';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');

function fill(ring: LogRing, n: number, text = (i: number) => `line ${i}`): void {
  for (let i = 1; i <= n; i++) ring.push(i % 3 === 0 ? 'stderr' : 'stdout', text(i), T0 + i);
}

describe('LogRing', () => {
  it('assigns seqs from 1 and stores time as ISO on read', () => {
    const ring = new LogRing();
    const first = ring.push('stdout', 'hello', T0);
    const second = ring.push('stderr', 'oops', T0 + 1500);
    expect(first).toEqual({ seq: 1, at: '2025-03-01T12:00:00.000Z', stream: 'stdout', text: 'hello' });
    expect(second).toEqual({ seq: 2, at: '2025-03-01T12:00:01.500Z', stream: 'stderr', text: 'oops' });
    expect(ring.query({})).toMatchObject({ size: 2, firstSeq: 1, lastSeq: 2, evicted: 0 });
  });

  it('evicts the oldest lines past the line bound, keeping seqs contiguous and never reused', () => {
    const ring = new LogRing({ maxLines: 100 });
    fill(ring, 250);
    const page = ring.query({ limit: 1000 });
    expect(page).toMatchObject({ size: 100, firstSeq: 151, lastSeq: 250, evicted: 150 });
    expect(page.lines.map((l) => l.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 151 + i));
    expect(page.lines[0]?.text).toBe('line 151');
    expect(ring.push('system', 'next', T0).seq).toBe(251);
  });

  it('evicts the oldest lines past the byte bound', () => {
    // 10 chars = 20 bytes a line; 1000 bytes hold 50 lines.
    const ring = new LogRing({ maxLines: 10_000, maxBytes: 1000 });
    fill(ring, 120, () => 'x'.repeat(10));
    expect(ring.size).toBe(50);
    expect(ring.bytes).toBe(1000);
    expect(ring.evicted).toBe(70);
    ring.push('stdout', 'y'.repeat(100), T0);
    expect(ring.bytes).toBeLessThanOrEqual(1000);
    expect(ring.size).toBe(41);
    expect(ring.query({}).firstSeq).toBe(81);
  });

  it('cuts a line bigger than the whole byte bound instead of holding it', () => {
    const ring = new LogRing({ maxBytes: 200 });
    ring.push('stdout', 'a', T0);
    const big = ring.push('stdout', 'z'.repeat(10_000), T0);
    expect(ring.bytes).toBeLessThanOrEqual(200);
    expect(ring.size).toBe(1);
    expect(big.text).toMatch(/^z+ …\[\d+ more characters\]$/);
    expect(big.text.length).toBe(100);
  });

  it('pages forward from afterSeq and returns the last lines without it', () => {
    const ring = new LogRing();
    fill(ring, 30);
    expect(ring.query({ limit: 5 }).lines.map((l) => l.seq)).toEqual([26, 27, 28, 29, 30]);
    expect(ring.query({ afterSeq: 10, limit: 3 }).lines.map((l) => l.seq)).toEqual([11, 12, 13]);
    expect(ring.query({ afterSeq: 28 }).lines.map((l) => l.seq)).toEqual([29, 30]);
    expect(ring.query({ afterSeq: -1, limit: 2 }).lines.map((l) => l.seq)).toEqual([1, 2]);
    expect(ring.query({ afterSeq: 30 }).lines).toEqual([]);
  });

  it('pages from afterSeq older than the ring by starting at its oldest line', () => {
    const ring = new LogRing({ maxLines: 10 });
    fill(ring, 25);
    expect(ring.query({ afterSeq: 3, limit: 2 }).lines.map((l) => l.seq)).toEqual([16, 17]);
  });

  it('filters by stream', () => {
    const ring = new LogRing();
    fill(ring, 12);
    const page = ring.query({ streams: ['stderr'] });
    expect(page.lines.map((l) => l.seq)).toEqual([3, 6, 9, 12]);
    expect(page.lines.every((l) => l.stream === 'stderr')).toBe(true);
    expect(ring.query({ streams: [] }).lines).toEqual([]);
  });

  it('searches plain text case-insensitively, treating regex characters literally', () => {
    const ring = new LogRing();
    ring.push('stdout', 'GET /api/users 200', T0);
    ring.push('stdout', 'SELECT * FROM users WHERE id = $1', T0);
    ring.push('stderr', 'ERROR: connection refused', T0);
    ring.push('stdout', 'price (USD) 1.50', T0);
    expect(ring.query({ search: 'users' }).lines.map((l) => l.seq)).toEqual([1, 2]);
    expect(ring.query({ search: 'error' }).lines.map((l) => l.seq)).toEqual([3]);
    expect(ring.query({ search: '(usd) 1.5' }).lines.map((l) => l.seq)).toEqual([4]);
    expect(ring.query({ search: '* from' }).lines.map((l) => l.seq)).toEqual([2]);
    expect(ring.query({ search: 'users', streams: ['stderr'] }).lines).toEqual([]);
  });

  it('searches with a regular expression, limit counting matches only', () => {
    const ring = new LogRing();
    for (let i = 1; i <= 50; i++) ring.push('stdout', `GET /api/item/${i} ${i % 10 === 0 ? 500 : 200}`, T0);
    const page = ring.query({ search: ' 5\\d\\d$', regex: true, limit: 3 });
    expect(page.lines.map((l) => l.seq)).toEqual([30, 40, 50]);
    expect(ring.query({ search: '^get /API/item/1\\d ', regex: true }).lines).toHaveLength(10);
  });

  it('rejects an invalid regular expression as invalid_input with a hint', () => {
    const ring = new LogRing();
    fill(ring, 3);
    const run = () => ring.query({ search: 'foo(', regex: true });
    expect(run).toThrow(OpsError);
    try {
      run();
    } catch (error) {
      expect(error).toMatchObject({ kind: 'invalid_input', message: 'Invalid regular expression: Unterminated group' });
      expect((error as OpsError).hint).toBeTruthy();
    }
    expect(ring.query({ search: 'foo(' }).lines).toEqual([]);
  });

  it('rejects nested repetition, the shape of catastrophic backtracking', () => {
    const ring = new LogRing();
    fill(ring, 3);
    expect(() => ring.query({ search: '(a+)+$', regex: true })).toThrow(/repeated group contains a repetition/);
    expect(hasNestedQuantifier('(\\w*\\s?)*')).toBe(true);
    expect(hasNestedQuantifier('((ab)+){2,}')).toBe(true);
    expect(hasNestedQuantifier('(a+)x+')).toBe(false);
    expect(hasNestedQuantifier('[(a+)]+')).toBe(false);
    expect(hasNestedQuantifier('\\(a+\\)+')).toBe(false);
    expect(hasNestedQuantifier('(ab)+ (c|d)*')).toBe(false);
  });

  it('stops a regex search that runs past its time budget with a timeout error', () => {
    let now = 0;
    const ring = new LogRing({ regexBudgetMs: 50, now: () => (now += 10) });
    fill(ring, 100);
    expect(() => ring.query({ search: 'line', regex: true })).toThrow(expect.objectContaining({ kind: 'timeout' }));
    expect(() => ring.query({ search: 'line' })).not.toThrow();
  });

  it('tails the last n lines, oldest first', () => {
    const ring = new LogRing({ maxLines: 10 });
    expect(ring.tail(5)).toEqual([]);
    fill(ring, 15);
    expect(ring.tail(3).map((l) => l.text)).toEqual(['line 13', 'line 14', 'line 15']);
    expect(ring.tail(100)).toHaveLength(10);
    expect(ring.tail(0)).toEqual([]);
  });
});

describe('truncateLine', () => {
  it('keeps short lines and marks cut ones', () => {
    expect(truncateLine('short', 10)).toBe('short');
    const cut = truncateLine('x'.repeat(1000), 100);
    expect(cut).toHaveLength(100);
    expect(cut.endsWith(' …[900 more characters]')).toBe(true);
  });
});
