// Rebuilds better-sqlite3 for the Electron in node_modules, into build/electron-native/,
// leaving node_modules/better-sqlite3 built for Node (the CLI and the tests load that one).
// The desktop app, when not packaged, points its store at build/electron-native/better_sqlite3.node.
//
//   node scripts/electron-native.mjs            rebuild only if missing or built for another Electron
//   node scripts/electron-native.mjs --force    rebuild anyway
//
// node-gyp downloads Electron's headers from https://electronjs.org/headers. Offline, point it at
// headers you already have with npm_config_nodedir=/path/to/electron-headers.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'build', 'electron-native');
const binding = path.join(outDir, 'better_sqlite3.node');
const versionFile = path.join(outDir, 'version.json');
const sourceDir = path.join(root, 'node_modules', 'better-sqlite3');
const workDir = path.join(outDir, 'better-sqlite3');
const nodeGyp = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');

function fail(message) {
  console.error(`electron-native: ${message}`);
  process.exit(1);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const electronVersion = readJson(path.join(root, 'node_modules', 'electron', 'package.json'))?.version;
if (!electronVersion) fail('node_modules/electron is missing; run `npm install` first.');
const sqliteVersion = readJson(path.join(sourceDir, 'package.json'))?.version;
if (!sqliteVersion) fail('node_modules/better-sqlite3 is missing; run `npm install` first.');
if (!fs.existsSync(nodeGyp)) fail('node_modules/node-gyp is missing; run `npm install` first.');

const wanted = {
  electron: electronVersion,
  arch: process.arch,
  platform: process.platform,
  betterSqlite3: sqliteVersion,
};
const recorded = readJson(versionFile);
const upToDate =
  fs.existsSync(binding) &&
  recorded !== undefined &&
  Object.entries(wanted).every(([key, value]) => recorded[key] === value);

if (upToDate && !process.argv.includes('--force')) {
  console.log(`electron-native: better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} is up to date.`);
  process.exit(0);
}

console.log(
  `electron-native: building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${process.arch})...`,
);
// Invalidate first: a half-finished rebuild must not look current next time.
fs.rmSync(versionFile, { force: true });
fs.rmSync(workDir, { recursive: true, force: true });
fs.mkdirSync(outDir, { recursive: true });
fs.cpSync(sourceDir, workDir, {
  recursive: true,
  // The Node build output would only confuse node-gyp's rebuild.
  filter: (source) => path.relative(sourceDir, source) !== 'build',
});

const gyp = spawnSync(
  process.execPath,
  [
    nodeGyp,
    'rebuild',
    '--release',
    `--target=${electronVersion}`,
    `--arch=${process.arch}`,
    '--dist-url=https://electronjs.org/headers',
  ],
  { cwd: workDir, stdio: 'inherit' },
);
const built = path.join(workDir, 'build', 'Release', 'better_sqlite3.node');
if (gyp.error || gyp.status !== 0 || !fs.existsSync(built)) {
  const why = gyp.error ? gyp.error.message : `node-gyp exited with ${gyp.status ?? gyp.signal}`;
  fail(
    [
      `could not build better-sqlite3 for Electron ${electronVersion}: ${why}.`,
      "  node-gyp needs Electron's headers from https://electronjs.org/headers (internet access) and a C++ toolchain",
      '  (python3, make, a C++20 compiler; on Windows the Visual Studio build tools).',
      '  Offline: set npm_config_nodedir to a folder holding the Electron headers and run this again.',
      '  Until this succeeds the desktop app cannot open its store; the CLI, serve mode and the tests are unaffected.',
    ].join('\n'),
  );
}

fs.copyFileSync(built, binding);
fs.writeFileSync(versionFile, `${JSON.stringify({ ...wanted, builtAt: new Date().toISOString() }, null, 2)}\n`);
console.log(`electron-native: wrote ${path.relative(root, binding)}`);
