#!/usr/bin/env node
// The CLI entry. It runs the prebuilt bundle (dist/cli, made by `npm ci`'s
// prepare step) when that is at least as new as every source file under main/
// and common/, and otherwise runs the TypeScript sources through tsx — so
// `npx ops-console` works right after `npm ci`, and an edited source is never
// shadowed by a stale bundle. The bundle is run from its CommonJS build with a
// V8 code cache (bundle-loader.cjs).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/cli/ops-console.cjs', import.meta.url));

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  }
  return newest;
}

function bundleIsFresh() {
  if (process.env.OPS_CONSOLE_FROM_SOURCE === '1') return false;
  let built;
  try {
    built = fs.statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  const sources = ['../main', '../common'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return sources.every((dir) => newestSource(dir) <= built);
}

let runCli;
let loaded = null;
if (bundleIsFresh()) {
  const { loadBundle } = createRequire(import.meta.url)('./bundle-loader.cjs');
  loaded = loadBundle(bundle);
  ({ runCli } = loaded.exports);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ runCli } = await import('../main/cli/index.ts'));
}
const code = await runCli(process.argv);
loaded?.saveCache();
// Every command has finished its work (serve waits inside runCli until it is
// stopped), so exit as soon as the output is flushed rather than after Node has
// torn down a heap that may hold a large catalog: tens of milliseconds.
let flushed = 0;
const flush = () => {
  flushed += 1;
  if (flushed === 2) process.exit(code);
};
process.stdout.write('', flush);
process.stderr.write('', flush);
