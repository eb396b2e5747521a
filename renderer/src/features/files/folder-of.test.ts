import { describe, expect, it } from 'vitest';
import { folderOf } from './folder-of';

describe('folderOf', () => {
  it('gives the folder of a POSIX or Windows path, or null for a bare name', () => {
    expect(folderOf('/srv/exports/a.jsonl')).toBe('/srv/exports');
    expect(folderOf('/a.jsonl')).toBe('/');
    expect(folderOf('C:\\exports\\a.jsonl')).toBe('C:\\exports');
    expect(folderOf('a.jsonl')).toBeNull();
    expect(folderOf('')).toBeNull();
  });
});
