import { defineConfig } from 'vitest/config';

// One run for every package. Each test file runs in its own process (forks): chDB allows one
// data directory per process, and every file that needs storage opens its own temporary one.
export default defineConfig({
  test: {
    include: ['*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
