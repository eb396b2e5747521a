import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AppStore } from './app-store';

const dirs: string[] = [];
function tempFile() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-store-'));
  dirs.push(dir);
  return path.join(dir, 'nested', 'ops-console.db');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('AppStore (real SQLite file)', () => {
  it('creates the file with WAL, foreign keys and its schema version', () => {
    const file = tempFile();
    const store = new AppStore({ file, clock: () => new Date('2026-01-02T03:04:05Z') });
    expect(store.schemaVersion()).toBe(3);
    expect(store.meta('created_at')).toBe('2026-01-02T03:04:05.000Z');
    store.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('keeps its data across reopen and does not reset creation time', () => {
    const file = tempFile();
    const first = new AppStore({ file, clock: () => new Date('2026-01-01T00:00:00Z') });
    first.setMeta('install_id', 'abc');
    first.close();
    const second = new AppStore({ file, clock: () => new Date('2027-01-01T00:00:00Z') });
    expect(second.meta('install_id')).toBe('abc');
    expect(second.meta('created_at')).toBe('2026-01-01T00:00:00.000Z');
    second.close();
  });

  it('refuses a store written by a newer version with a clear error', () => {
    const file = tempFile();
    new AppStore({ file }).close();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => new AppStore({ file })).toThrowError(/Cannot open the app store/);
    try {
      new AppStore({ file });
    } catch (error) {
      expect((error as { kind: string }).kind).toBe('unavailable');
      expect((error as { detail: string }).detail).toMatch(/newer than this build/);
    }
  });

  it('refuses a file that is not a database', () => {
    const file = tempFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'this is not sqlite at all, just text that is long enough to look like a header');
    expect(() => new AppStore({ file })).toThrowError(/Cannot open the app store/);
  });
});
