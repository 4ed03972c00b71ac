import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (dir: string): string => fileURLToPath(new URL(`./${dir}/src/index.ts`, import.meta.url));

// One run for every package. Each test file runs in its own process (forks): chDB allows one
// data directory per process, and every file that needs storage opens its own temporary one.
// In-process imports of workspace packages resolve to their sources, so tests need no build;
// tests that spawn `cairn` as a process use the built CLI (`npm test` builds first).
export default defineConfig({
  resolve: {
    alias: {
      // Before '@cairn/schemas', which would otherwise match this subpath as a prefix.
      '@cairn/schemas/conventions': fileURLToPath(new URL('./schemas/src/conventions.ts', import.meta.url)),
      '@cairn/schemas/http-errors': fileURLToPath(new URL('./schemas/src/http-errors.ts', import.meta.url)),
      '@cairn/schemas': pkg('schemas'),
      // Before '@cairn/storage', which would otherwise match these subpaths as a prefix.
      '@cairn/storage/encode': fileURLToPath(new URL('./storage/src/encode.ts', import.meta.url)),
      '@cairn/storage/testing': fileURLToPath(new URL('./storage/src/testing.ts', import.meta.url)),
      '@cairn/storage': pkg('storage'),
      '@cairn/collector': pkg('collector'),
      '@cairn/alerts': pkg('alerts'),
      '@cairn/ingest-api': pkg('ingest-api'),
      '@cairn/sdk': pkg('sdk'),
      '@cairn/examples': pkg('examples'),
      cairn: pkg('cli'),
      '@cairn/testkit': pkg('testkit'),
    },
  },
  test: {
    include: ['*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
