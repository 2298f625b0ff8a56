// @ts-check
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

/** Import zones (style.md §1): each runtime layer may only import what it can run with. */
const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'crypto',
  'http',
  'https',
  'net',
  'child_process',
  'events',
];
const zone = (files, patterns, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group, message })) }],
  },
});

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'out/', 'bench/results/', 'test-results/', '**/*.d.ts', '**/*.d.mts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.ts', 'scripts/*.mjs'] } },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  // Svelte components and rune modules (style.md §5): parsed by svelte-eslint-parser, with the TypeScript
  // parser (and the renderer's tsconfig, through the project service) for their scripts.
  ...svelte.configs.recommended,
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.svelte'],
        svelteConfig,
      },
    },
  },
  zone(
    ['src-shared/**'],
    [['electron', ...nodeBuiltins, '**/src-main/**', '**/src-renderer/**', '**/kvs-local/**', 'ws']],
    'src-shared is pure TypeScript: no DOM, no Node, nothing of ours outside it.',
  ),
  zone(
    ['src-renderer/**'],
    [['electron', ...nodeBuiltins, '**/src-main/**', '**/kvs-local/**']],
    'The renderer is sandboxed: no Node, no electron, no main-process code.',
  ),
  zone(
    ['src-main/core/**'],
    [['electron', '**/src-renderer/**', '**/src-main/electron/**', '**/kvs-local/**']],
    "src-main/core runs under plain Node: only src-main/electron may import 'electron'.",
  ),
  zone(
    ['src-main/preload/**'],
    [['**/src-main/core/**', '**/src-renderer/**', '**/kvs-local/**', ...nodeBuiltins]],
    'The preload only sees the IPC contract keys.',
  ),
  zone(
    ['kvs-local/**'],
    [['electron', '**/src-main/**', '**/src-renderer/**']],
    'kvs-local is a separate service: it speaks the wire protocol, not our internals.',
  ),
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Only src-main/electron/ipc.ts may touch ipcMain (style.md §1: one file registers IPC).
    files: ['src-main/electron/**'],
    ignores: ['src-main/electron/ipc.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              importNames: ['ipcMain'],
              message: 'Register IPC in src-main/electron/ipc.ts only.',
            },
          ],
        },
      ],
    },
  },
);
