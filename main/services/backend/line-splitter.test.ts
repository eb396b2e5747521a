import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter';

function collect(maxLineLength?: number): { lines: string[]; splitter: LineSplitter } {
  const lines: string[] = [];
  return { lines, splitter: new LineSplitter((text) => lines.push(text), maxLineLength) };
}

/** Feeds `bytes` in chunks cut at the given offsets. */
function feed(splitter: LineSplitter, bytes: Buffer, cuts: number[]): void {
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    splitter.push(bytes.subarray(start, cut));
    start = cut;
  }
}

describe('LineSplitter', () => {
  it('splits on \\n and keeps empty lines', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('one\ntwo\n\nthree\n'));
    expect(lines).toEqual(['one', 'two', '', 'three']);
  });

  it('strips the \\r of CRLF, also when \\r and \\n arrive in different chunks, and keeps a lone \\r', () => {
    const { lines, splitter } = collect();
    feed(splitter, Buffer.from('a\r\nb\r\nc\rd\r\n'), [2, 5]);
    expect(lines).toEqual(['a', 'b', 'c\rd']);
  });

  it('decodes multi-byte UTF-8 characters cut between chunks at every byte', () => {
    const text = 'héllo € 😀 ok\nсервер\n';
    const bytes = Buffer.from(text, 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      const { lines, splitter } = collect();
      feed(splitter, bytes, [cut]);
      expect(lines).toEqual(['héllo € 😀 ok', 'сервер']);
    }
    const { lines, splitter } = collect();
    feed(
      splitter,
      bytes,
      Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
    );
    expect(lines).toEqual(['héllo € 😀 ok', 'сервер']);
  });

  it('holds a last line without newline until more data or flush()', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('first\nsec'));
    expect(lines).toEqual(['first']);
    splitter.push(Buffer.from('ond\nthi'));
    expect(lines).toEqual(['first', 'second']);
    splitter.flush();
    expect(lines).toEqual(['first', 'second', 'thi']);
    splitter.flush();
    expect(lines).toEqual(['first', 'second', 'thi']);
  });

  it('flushes a character cut short at the end as a replacement character', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('x€', 'utf8').subarray(0, 3));
    splitter.flush();
    expect(lines).toEqual(['x\ufffd']);
  });

  it('emits a long line in pieces of maxLineLength, whether it comes in one chunk or many', () => {
    const long = 'x'.repeat(25);
    const one = collect(10);
    one.splitter.push(Buffer.from(`${long}\nnext\n`));
    expect(one.lines).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5), 'next']);

    const many = collect(10);
    for (const ch of `${long}\nnext\n`) many.splitter.push(Buffer.from(ch));
    expect(many.lines).toEqual(one.lines);
  });

  it('does not emit an empty extra line when a long line ends exactly on a piece boundary', () => {
    const { lines, splitter } = collect(4);
    for (const chunk of ['abcd', 'efgh', '\r', '\n', 'z\n']) splitter.push(Buffer.from(chunk));
    expect(lines).toEqual(['abcd', 'efgh', 'z']);
  });

  it('never splits a surrogate pair between pieces', () => {
    const { lines, splitter } = collect(4);
    splitter.push(Buffer.from('abc😀def\n'));
    expect(lines.join('')).toBe('abc😀def');
    expect(lines.every((line) => !/[\ud800-\udbff]$/.test(line))).toBe(true);
  });

  it('keeps memory bounded for output without any newline', () => {
    const { lines, splitter } = collect(1000);
    const chunk = Buffer.from('y'.repeat(333));
    for (let i = 0; i < 3000; i++) splitter.push(chunk);
    splitter.flush();
    expect(lines.every((line) => line.length <= 1000)).toBe(true);
    expect(lines.join('').length).toBe(333 * 3000);
  });

  it('returns every line of a large stream cut at random places, in order', () => {
    const text = Array.from({ length: 100_000 }, (_, i) => `flood ${i + 1} ✓`).join('\n') + '\n';
    const bytes = Buffer.from(text);
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) * 70_000;
    const cuts: number[] = [];
    for (let at = Math.ceil(random()); at < bytes.length; at += 1 + Math.ceil(random())) cuts.push(at);
    const { lines, splitter } = collect();
    feed(splitter, bytes, cuts);
    splitter.flush();
    expect(lines.length).toBe(100_000);
    expect(lines[0]).toBe('flood 1 ✓');
    expect(lines[99_999]).toBe('flood 100000 ✓');
    expect(lines.every((line, i) => line === `flood ${i + 1} ✓`)).toBe(true);
  });
});
