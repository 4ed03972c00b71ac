#!/usr/bin/env node
// The `cairn` command as npm links it (package.json "bin"). Committed, not built: npm links bin
// targets at install time, before `npm run build` has made dist/, so a bin pointing into dist/
// would be skipped and `npx cairn` would answer "cairn: not found" on a fresh clone.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('cairn: the CLI is not built yet (no cli/dist/main.js). Run `npm run build` in the repository first.\n');
  process.exit(1);
}
await import(main.href);
