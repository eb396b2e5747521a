import { describe, expect, it } from 'vitest';
import { appendPathLines, folderOf } from './path-lines';

describe('appendPathLines', () => {
  it('adds picked paths after the typed ones, without blanks or repeats', () => {
    expect(appendPathLines('', ['/srv/a.jsonl', '/srv/b.json'])).toBe('/srv/a.jsonl\n/srv/b.json');
    expect(appendPathLines('/srv/a.jsonl\n\n  \n', ['/srv/b.json', '/srv/a.jsonl'])).toBe('/srv/a.jsonl\n/srv/b.json');
    expect(appendPathLines('  /srv/x.jsonl  ', [])).toBe('/srv/x.jsonl');
  });
});

describe('folderOf', () => {
  it('gives the folder of a POSIX or Windows path, or null for a bare name', () => {
    expect(folderOf('/srv/exports/a.jsonl')).toBe('/srv/exports');
    expect(folderOf('/a.jsonl')).toBe('/');
    expect(folderOf('C:\\exports\\a.jsonl')).toBe('C:\\exports');
    expect(folderOf('a.jsonl')).toBeNull();
    expect(folderOf('')).toBeNull();
  });
});
