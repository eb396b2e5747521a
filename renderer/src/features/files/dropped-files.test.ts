import { describe, expect, it } from 'vitest';
import { unplacedNote } from './dropped-files';

describe('unplacedNote', () => {
  it('says nothing when every dropped file has a path', () => {
    expect(unplacedNote([], true)).toBeNull();
    expect(unplacedNote([], false)).toBeNull();
  });

  it('names the files, in the singular or the plural, and says what to do', () => {
    expect(unplacedNote(['a.jsonl'], true)).toBe(
      'a.jsonl: not a file on this machine, so there is no path to read it from.',
    );
    expect(unplacedNote(['a.jsonl', 'b.json'], true)).toBe(
      'a.jsonl, b.json: not files on this machine, so there are no paths to read them from.',
    );
    expect(unplacedNote(['a.jsonl'], false)).toBe(
      'a.jsonl: a browser does not tell ops-console where a dropped file is. Type its path (ops-console reads it on this machine), or use the desktop app, where dropping works.',
    );
    expect(unplacedNote(['a.jsonl', 'b.json'], false)).toBe(
      'a.jsonl, b.json: a browser does not tell ops-console where dropped files are. Type their paths (ops-console reads them on this machine), or use the desktop app, where dropping works.',
    );
  });
});
