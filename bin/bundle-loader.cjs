// Loads the CommonJS build of the CLI (dist/cli/ops-console.cjs, made beside the
// ESM one by scripts/build-cli.mjs) with a V8 code cache kept next to it, the
// way v8-compile-cache does for modules but written after the command has run,
// so the cache also holds every function that run compiled lazily: a command
// then starts without parsing and compiling 1.8 MB of JavaScript again (about
// 0.1 s of a one-shot command on this kind of machine). V8 refuses a cache made
// for other source or another V8, and the cache is then simply written anew;
// where it cannot be written (a read-only install) the CLI runs without it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

/** Compiles and runs the bundle `file`; its exports, whether a cache was used, and saveCache() for after the run. */
function loadBundle(file) {
  const cacheFile = `${file}.v8cache`;
  const source = fs.readFileSync(file, 'utf8');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // The bundle has no import(): a script compiled from a cache loses its dynamic-import hook on Node 20.
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(file), module, file, path.dirname(file));
  const cacheUsed = cachedData !== undefined && !script.cachedDataRejected;
  return {
    exports: module.exports,
    cacheUsed,
    /** Writes the cache when there was none or V8 refused it; true when written. */
    saveCache() {
      if (cacheUsed) return false;
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(temporary, script.createCachedData());
        // Atomic: commands running at the same time each write their own file and rename it.
        fs.renameSync(temporary, cacheFile);
        return true;
      } catch {
        fs.rmSync(temporary, { force: true });
        return false;
      }
    },
  };
}

module.exports = { loadBundle };
