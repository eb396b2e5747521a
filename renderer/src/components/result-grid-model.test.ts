import { describe, expect, it } from 'vitest';
import {
  TRUNCATE_AT,
  cycleSort,
  displayCell,
  fullValueText,
  initialColumnWidth,
  isNumericType,
} from './result-grid-model';

describe('cycleSort', () => {
  it('cycles a plain click asc → desc → none on one column', () => {
    const asc = cycleSort([], 'id', false);
    expect(asc).toEqual([{ column: 'id', direction: 'asc' }]);
    const desc = cycleSort(asc, 'id', false);
    expect(desc).toEqual([{ column: 'id', direction: 'desc' }]);
    expect(cycleSort(desc, 'id', false)).toEqual([]);
  });

  it('replaces a multi-column sort on a plain click', () => {
    const current = [
      { column: 'a', direction: 'asc' as const },
      { column: 'b', direction: 'desc' as const },
    ];
    expect(cycleSort(current, 'c', false)).toEqual([{ column: 'c', direction: 'asc' }]);
  });

  it('adds and cycles secondary keys in place on shift-click', () => {
    let sort = cycleSort([], 'a', false);
    sort = cycleSort(sort, 'b', true);
    expect(sort).toEqual([
      { column: 'a', direction: 'asc' },
      { column: 'b', direction: 'asc' },
    ]);
    sort = cycleSort(sort, 'a', true);
    expect(sort).toEqual([
      { column: 'a', direction: 'desc' },
      { column: 'b', direction: 'asc' },
    ]);
    sort = cycleSort(sort, 'a', true);
    expect(sort).toEqual([{ column: 'b', direction: 'asc' }]);
  });
});

describe('displayCell', () => {
  const text = { type: 'text' };

  it('tells NULL and the empty string apart', () => {
    expect(displayCell(null, text)).toEqual({ kind: 'null' });
    expect(displayCell('', text)).toEqual({ kind: 'empty' });
    expect(displayCell('NULL', text)).toEqual({ kind: 'text', text: 'NULL', truncated: false });
  });

  it('keeps numbers as their exact text', () => {
    expect(displayCell('9007199254740993', { type: 'bigint' })).toEqual({
      kind: 'text',
      text: '9007199254740993',
      truncated: false,
    });
    expect(displayCell('12345678901234567890.0123456789', { type: 'numeric(30,10)' })).toMatchObject({
      text: '12345678901234567890.0123456789',
    });
    expect(isNumericType('numeric(30,10)')).toBe(true);
    expect(isNumericType('text')).toBe(false);
  });

  it('shortens long text at a code point boundary and flags it', () => {
    const long = `${'a'.repeat(TRUNCATE_AT - 1)}😀${'b'.repeat(500)}`;
    const shown = displayCell(long, text);
    expect(shown).toEqual({ kind: 'text', text: `${'a'.repeat(TRUNCATE_AT - 1)}😀…`, truncated: true });
    expect(displayCell('x'.repeat(TRUNCATE_AT), text)).toMatchObject({ truncated: false });
  });

  it('shows line breaks as ↵ so a row stays one line', () => {
    expect(displayCell('a\nb\r\nc', text)).toMatchObject({ text: 'a↵b↵c' });
  });

  it('shows json compact in the cell and pretty in the panel', () => {
    const value = { a: 1, b: [true, null] };
    expect(displayCell(value, { type: 'jsonb' })).toEqual({
      kind: 'json',
      text: '{"a":1,"b":[true,null]}',
      truncated: false,
    });
    expect(displayCell('just a string', { type: 'json' })).toMatchObject({ kind: 'json', text: '"just a string"' });
    expect(fullValueText(value, true)).toBe(JSON.stringify(value, null, 2));
    expect(fullValueText('plain', false)).toBe('plain');
    expect(fullValueText(null, true)).toBe('NULL');
  });
});

describe('initialColumnWidth', () => {
  it('fits the header and the widest sampled value, within bounds', () => {
    const note = { name: 'n', type: 'text' };
    const narrow = initialColumnWidth(note, [['a'], [null]], 0);
    const wide = initialColumnWidth(note, [['a'], ['9007199254740993 and then some more']], 0);
    expect(wide).toBeGreaterThan(narrow);
    expect(wide).toBeGreaterThanOrEqual(34 * 7 + 16);
    const header = initialColumnWidth({ name: 'amount', type: 'numeric(30,10)' }, [['1']], 0);
    expect(header).toBeGreaterThanOrEqual(6 * 7 + 14 * 5 + 40);
    expect(initialColumnWidth({ name: 'body', type: 'text' }, [['x'.repeat(5000)]], 0)).toBeLessThanOrEqual(440);
  });
});
