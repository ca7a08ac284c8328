import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'docs-api/**', '.ci/node/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: ['rxjs/internal/*'] }],
    },
  },
  {
    // Plain Node scripts (benchmarks, configs): Node's globals, no type information.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        global: 'readonly',
        globalThis: 'readonly',
      },
    },
  },
  {
    // The dashboard page's scripts run in the browser.
    files: ['src/dashboard/assets/**/*.js'],
    languageOptions: {
      globals: { document: 'readonly', window: 'readonly', EventSource: 'readonly', setTimeout: 'readonly' },
    },
  },
  {
    files: ['src/flows/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['rxjs/internal/*', '**/streams/**', '**/adapters/**'] }],
    },
  },
  {
    files: ['src/streams/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['rxjs/internal/*', '**/adapters/**', '**/dashboard/**'] }],
    },
  },
);
