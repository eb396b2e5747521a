// Bundles the CLI (main/cli/index.ts) into dist/cli/ops-console.mjs with esbuild,
// so `ops-console` starts without compiling TypeScript first. Runs on `npm ci`
// (the prepare script); bin/ops-console.js falls back to running the sources
// through tsx whenever the bundle is missing or older than them.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['main/cli/index.ts'],
  outfile: 'dist/cli/ops-console.mjs',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'silent',
  legalComments: 'none',
});
if (result.warnings.length > 0 || result.errors.length > 0) {
  for (const message of [...result.errors, ...result.warnings]) console.error(`build-cli: ${message.text}`);
  process.exit(1);
}
console.log('build-cli: dist/cli/ops-console.mjs');
