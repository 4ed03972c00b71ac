#!/usr/bin/env node
/**
 * Initial JS of the built dashboard, gzip-sized: the entry chunk named by dist/index.html plus
 * every chunk it imports statically (recursively). Dynamic imports (lazy routes, recharts) are
 * not initial and are listed separately. Bar: < 250 kB gzip.
 *
 *   npm run build   (or: cd dashboard && npx vite build)
 *   node bench/dashboard/run.mjs [--write]   # --write updates the dashboard section of BENCHMARKS.md
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { reportResult } from '../lib.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = join(root, 'dashboard/dist');
const BAR_KB = 250;

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const entry = /<script type="module"[^>]*src="\/?([^"]+)"/.exec(html)?.[1];
if (!entry) throw new Error('no module script in dashboard/dist/index.html: build the dashboard first');
const css = [...html.matchAll(/<link rel="stylesheet"[^>]*href="\/?([^"]+)"/g)].map((m) => m[1]);

const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
// Static imports in minified ESM: `import"./x.js"` / `from"./x.js"`; dynamic ones are `import("./x.js")`.
const staticImports = (file) => {
  const text = readFileSync(join(dist, file), 'utf8');
  const out = new Set();
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*["'](\.\/[^"']+\.js)["']/g)) out.add(join(dirname(file), m[1]));
  return [...out];
};

const initial = new Set();
const queue = [entry];
while (queue.length) {
  const f = queue.pop();
  if (initial.has(f)) continue;
  initial.add(f);
  queue.push(...staticImports(f));
}
const allJs = readdirSync(join(dist, 'assets'))
  .filter((f) => f.endsWith('.js'))
  .map((f) => `assets/${f}`);
const lazy = allJs.filter((f) => !initial.has(f));

const kb = (n) => (n / 1024).toFixed(1);
const initialGz = [...initial].reduce((s, f) => s + gz(f), 0);
const cssGz = css.reduce((s, f) => s + gz(f), 0);
const rows = [...initial].map((f) => `  initial ${f.padEnd(40)} ${kb(gz(f)).padStart(7)} kB gzip`);
const lazyRows = lazy.map((f) => `  lazy    ${f.padEnd(40)} ${kb(gz(f)).padStart(7)} kB gzip`).sort();
console.log(rows.join('\n'));
console.log(lazyRows.join('\n'));
const summary = `initial JS ${kb(initialGz)} kB gzip (${initial.size} chunk${initial.size > 1 ? 's' : ''}) + CSS ${kb(cssGz)} kB; bar < ${BAR_KB} kB: ${initialGz / 1024 < BAR_KB ? 'met' : 'NOT met'}`;
console.log(summary);
reportResult({ initial_kb_gzip: Number(kb(initialGz)), css_kb_gzip: Number(kb(cssGz)), chunks: initial.size, bar_kb: BAR_KB });

if (process.argv.includes('--write')) {
  const date = new Date().toISOString().slice(0, 10);
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.versions.node}`;
  const biggestLazy = lazy
    .map((f) => [f, gz(f)])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([f, n]) => `\`${f.replace(/^assets\//, '').replace(/-[\w-]{8}\.js$/, '')}\` ${kb(n)} kB`)
    .join(', ');
  let tenK = '';
  try {
    tenK = readFileSync(join(root, 'test-output/replay-10k.txt'), 'utf8').trim();
  } catch {
    tenK = '';
  }
  const section = [
    '<!-- dashboard:start -->',
    '## Dashboard (bench/dashboard)',
    '',
    'Initial JS = the entry chunk of `dashboard/dist/index.html` plus its static imports, gzip level 9;',
    'routes and recharts are lazy chunks fetched when a page needs them. Bar: < 250 kB gzip.',
    '',
    '| date | machine | command | initial JS (gzip) | CSS (gzip) | largest lazy chunks (gzip) |',
    '|---|---|---|---|---|---|',
    `| ${date} | ${machine} | \`npm run build && node bench/dashboard/run.mjs --write\` | **${kb(initialGz)} kB** | ${kb(cssGz)} kB | ${biggestLazy} |`,
    '',
    'Replay of a 10,000-step session (the e2e test `dashboard/test/e2e-large-session.test.ts`, real',
    '`startCairn` + Debian Chromium headless on the same machine; wall time from navigation to the first',
    'tree rows, then to all steps loaded and the charts drawn; recorded, not asserted):',
    '',
    tenK ? `- ${tenK}` : '- (run the e2e test to record it: `npx vitest run dashboard/test/e2e-large-session.test.ts`)',
    '',
    'Where that time goes, and what was changed for it: the "Replay first rows" section below',
    '(`node bench/dashboard/replay-profile.mjs`).',
    '<!-- dashboard:end -->',
  ].join('\n');
  const file = join(root, 'BENCHMARKS.md');
  const md = readFileSync(file, 'utf8');
  const re = /<!-- dashboard:start -->[\s\S]*?<!-- dashboard:end -->/;
  writeFileSync(file, re.test(md) ? md.replace(re, section) : md.trimEnd() + '\n\n' + section + '\n');
  console.log('BENCHMARKS.md updated');
}
