import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

interface Loaded {
  exports: { answer(): number; dir: string };
  cacheUsed: boolean;
  saveCache(): boolean;
}
const { loadBundle } = createRequire(import.meta.url)('../bin/bundle-loader.cjs') as {
  loadBundle(file: string): Loaded;
};

describe('bin/bundle-loader.cjs (the CLI bundle with a V8 code cache)', () => {
  const dirs: string[] = [];
  const bundleIn = (source: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-bundle-loader-'));
    dirs.push(dir);
    const file = path.join(dir, 'bundle.cjs');
    fs.writeFileSync(file, source);
    return file;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the bundle as CommonJS, writes the cache after the run, and uses it next time', () => {
    const file = bundleIn(
      `const path = require('node:path');
       exports.answer = () => [1, 2, 3].reduce((a, b) => a + b, 36);
       exports.dir = path.basename(__dirname) + '|' + path.basename(__filename);`,
    );
    const first = loadBundle(file);
    expect(first.exports.answer()).toBe(42);
    expect(first.exports.dir).toBe(`${path.basename(path.dirname(file))}|bundle.cjs`);
    expect(first.cacheUsed).toBe(false);
    expect(first.saveCache()).toBe(true);
    expect(fs.statSync(`${file}.v8cache`).size).toBeGreaterThan(0);
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const second = loadBundle(file);
    expect(second.cacheUsed).toBe(true);
    expect(second.exports.answer()).toBe(42);
    expect(second.saveCache()).toBe(false);
  });

  it('refuses a cache made for other source, runs the new source, and writes the cache anew', () => {
    const file = bundleIn('exports.answer = () => 1;');
    const first = loadBundle(file);
    first.saveCache();
    const before = fs.readFileSync(`${file}.v8cache`);
    fs.writeFileSync(file, 'exports.answer = () => 2 + 2;');
    const changed = loadBundle(file);
    expect(changed.cacheUsed).toBe(false);
    expect(changed.exports.answer()).toBe(4);
    expect(changed.saveCache()).toBe(true);
    expect(fs.readFileSync(`${file}.v8cache`).equals(before)).toBe(false);
    expect(loadBundle(file).cacheUsed).toBe(true);
  });

  it('runs without a cache where none can be written, and leaves no temporary file', () => {
    const file = bundleIn('exports.answer = () => 7;');
    // The cache's place is taken by a directory: the rename fails, as on a read-only install.
    fs.mkdirSync(`${file}.v8cache`);
    const loaded = loadBundle(file);
    expect(loaded.exports.answer()).toBe(7);
    expect(loaded.cacheUsed).toBe(false);
    expect(loaded.saveCache()).toBe(false);
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(['bundle.cjs', 'bundle.cjs.v8cache']);
  });
});
