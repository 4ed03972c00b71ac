import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';

/** Imports of another package's folders or internals (`src`: a source file; '': a test). */
const packagePatterns = (where) => [
  {
    regex: '^(\\.\\./)+(schemas|storage|sdk|collector|alerts|ingest-api|examples|dashboard|cli|testkit)/',
    message:
      where === 'src'
        ? 'Import another package by its name, not through its folders.'
        : "Import another package by its name, not through its folders (shared test helpers: '@cairn/testkit').",
  },
  {
    regex: '^(@cairn/[a-z-]+|cairn)/(src|test|dist)(/|$)',
    message: 'Import a package by its name or an exported subpath, not its internals.',
  },
];
const STORE_CLIENTS = {
  regex: '^(chdb|@clickhouse/client(-[a-z]+)?)(/|$)',
  message: 'Only @cairn/storage talks to ClickHouse: use its typed functions (storage/src/<family>.ts), not a client.',
};
/**
 * Raw SQL on the store (`store.query(…)`, its clients): only storage's own modules may. The
 * exported `Store` type has none of them (tests reach them with `rawSql` from
 * `@cairn/storage/testing`); this catches a cast around the type.
 */
const RAW_STORE = '/^(query|command|insertRows|read|write)$/';
const NO_RAW_STORE = [
  `MemberExpression[property.name=${RAW_STORE}][object.name=/^(store|.*Store)$/]`,
  `MemberExpression[property.name=${RAW_STORE}][object.property.name=/^(store|.*Store)$/]`,
].map((selector) => ({
  selector,
  message:
    'Only @cairn/storage runs SQL: add a typed function to storage/src (e.g. storage/src/alerts/*.ts), not store.query / command / insertRows.',
}));
const NO_TESTKIT = { name: '@cairn/testkit', message: 'The test kit is for tests only.' };
/** Raw SQL on a store (`rawSql`) is for tests, the test kit and bench/: code uses storage's typed functions. */
const NO_RAW_SQL = {
  name: '@cairn/storage/testing',
  message: 'Raw SQL is for tests and bench/ only: add a typed function to storage/src (e.g. storage/src/alerts/*.ts).',
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', 'test-output/**', '**/*.config.*', 'dashboard/dev/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['*/src/**/*.{ts,tsx}', '*/test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      'import-x/no-cycle': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Packages meet through their names (an index or an exported subpath), never through another
    // package's folders; tests share helpers through @cairn/testkit, which no source may import.
    // ClickHouse is reached only through @cairn/storage: its clients are imported in storage/src alone.
    files: ['*/test/**/*.ts', 'testkit/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...packagePatterns(''), STORE_CLIENTS] }] },
  },
  {
    files: ['*/src/**/*.{ts,tsx}'],
    ignores: ['testkit/src/**', 'storage/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [NO_TESTKIT, NO_RAW_SQL], patterns: [...packagePatterns('src'), STORE_CLIENTS] },
      ],
      'no-restricted-syntax': ['error', ...NO_RAW_STORE],
    },
  },
  {
    // The alert engine runs without the HTTP API (`cairn worker`): the API depends on it, never the reverse.
    files: ['alerts/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_TESTKIT, { name: '@cairn/ingest-api', message: 'The alert engine must not depend on the HTTP API.' }],
          patterns: [...packagePatterns('src'), STORE_CLIENTS],
        },
      ],
    },
  },
  {
    files: ['storage/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_TESTKIT, NO_RAW_SQL], patterns: packagePatterns('src') }] },
  },
  {
    // The classic hook rules; the React Compiler rules of v7's preset assume a compiler we do not use.
    files: ['dashboard/src/**/*.tsx', 'dashboard/src/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  {
    // Tests read JSON answers and assert on their shape; typing every body would add nothing.
    files: ['*/test/**/*.ts', 'testkit/src/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
