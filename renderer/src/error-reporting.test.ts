import { describe, expect, it, vi } from 'vitest';
import { createErrorReporter, describeThrown, MAX_REPORT_CHARS, truncateReport } from './error-reporting';

// This test runs in vitest's Node environment; the renderer project has no Node types.
declare const process: {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): void;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): void;
};

describe('error reporting', () => {
  it('writes each report through logs.write', () => {
    const write = vi.fn(async () => null);
    const report = createErrorReporter({ write });
    report('Uncaught error: boom');
    expect(write).toHaveBeenCalledWith('Uncaught error: boom');
  });

  it('swallows a failing write instead of raising a new rejection', async () => {
    const write = vi.fn(() => Promise.reject(new Error('server gone')));
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      createErrorReporter({ write })('boom');
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(write).toHaveBeenCalledTimes(1);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('rate-limits a flood and says how many it dropped', () => {
    let time = 0;
    const write = vi.fn(async () => null);
    const report = createErrorReporter({ write, now: () => time, maxPerWindow: 3, windowMs: 1000 });
    for (let i = 0; i < 10; i += 1) report(`error ${i}`);
    expect(write).toHaveBeenCalledTimes(3);
    time = 1000;
    report('after the window');
    expect(write.mock.calls.map((call: unknown[]) => call[0])).toEqual([
      'error 0',
      'error 1',
      'error 2',
      '7 further renderer error(s) were not logged (rate limit)',
      'after the window',
    ]);
  });

  it('keeps reports within the length logs.write accepts and never empty', () => {
    expect(truncateReport('x'.repeat(MAX_REPORT_CHARS + 50))).toHaveLength(MAX_REPORT_CHARS);
    expect(truncateReport('   ')).toBe('(no message)');
  });

  it('describes errors with their stack and other values as text', () => {
    const error = new TypeError('bad thing');
    expect(describeThrown(error)).toMatch(/^TypeError: bad thing\n\s+at /);
    expect(describeThrown({ code: 42 })).toBe('{"code":42}');
    expect(describeThrown('plain')).toBe('plain');
  });
});
