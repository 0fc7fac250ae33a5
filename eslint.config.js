// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/** Module boundaries: each adapter is the only door to its library. */
const boundaries = {
  'no-restricted-imports': [
    'error',
    {
      paths: [
        { name: '@gitbeaker/rest', message: 'Only src/gitlab talks to GitLab.' },
        { name: 'better-sqlite3', message: 'Only src/store touches SQLite.' },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      eqeqeq: ['error', 'smart'],
      curly: ['error', 'multi-line'],
      'no-console': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/ban-ts-comment': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // No import cycles, type-only ones included: each module sits on what it imports.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: { 'import-x/no-cycle': 'error' },
  },
  { files: ['src/**/*.ts'], ignores: ['src/gitlab/**', 'src/store/**'], rules: boundaries },
  {
    // Log cleaning exists to find control characters.
    files: [
      'src/patterns/**/*.ts',
      'src/render/**/*.ts',
      'src/simulator/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
    ],
    rules: { 'no-control-regex': 'off' },
  },
  {
    // Terminal entry points and benchmarks print to the console on purpose.
    files: ['src/cli.ts', 'src/cli/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
