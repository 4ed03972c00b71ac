import { defineConfig } from 'vitest/config';
import root from '../../vitest.config.ts';

// `npx vitest run -c dashboard/dev/vitest.dev.config.ts dashboard/dev`: a long-running Cairn with
// demo data on :4010 (API + dashboard) and :4328 (OTLP) for working on the UI by hand. Not part of
// `npm test`. Only the root aliases are reused: merging configs would concatenate `include`.
export default defineConfig({
  resolve: root.resolve,
  test: { include: ['dashboard/dev/*.dev.ts'], pool: 'forks', testTimeout: 0, hookTimeout: 120_000 },
});
