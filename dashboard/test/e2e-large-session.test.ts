/**
 * A 10,000-step session through OTLP, opened in the replay: it renders, the tree is virtualized
 * (far fewer rows in the DOM than steps) and scrolls, End reaches the last step. The time to
 * first render is printed and written to test-output/ for BENCHMARKS.md — recorded, not asserted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { bigSessionSpans } from './support/otlp';
import { launch, SCREENSHOT_DIR, send, shot, signIn, startEnv, type Env } from './support/fixture';

const STEPS = 10_000;
let env: Env;
let browser: Browser;

beforeAll(async () => {
  env = await startEnv();
  await send(env, bigSessionSpans('sess-10k', STEPS), 2500);
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

it('opens and scrolls a 10,000-step session, virtualized', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
  const base = env.cairn.apiUrl;
  await signIn(page, base);

  const t0 = Date.now();
  await page.goto(`${base}/sessions/sess-10k`);
  await page.waitForSelector('[data-testid=step-tree] .tree-row');
  const firstRender = Date.now() - t0;
  // The whole session, not just the first page of steps, ends up loaded.
  await page.waitForFunction((n) => document.querySelector('[data-testid=step-counter]')?.textContent === `step 1 / ${n}`, STEPS);
  const allSteps = Date.now() - t0;
  await page.waitForSelector('[data-testid=cost-chart] .recharts-line', { state: 'attached' });
  const withCharts = Date.now() - t0;

  const rows = await page.$$eval('[data-testid=step-tree] .tree-row', (r) => r.length);
  expect(rows).toBeGreaterThan(5);
  expect(rows).toBeLessThan(200);

  // Scroll the tree to the middle: other rows are rendered, still only a window of them.
  await page.$eval('[data-testid=step-tree]', (el) => (el.scrollTop = el.scrollHeight / 2));
  await page.waitForFunction(() => {
    const idx = [...document.querySelectorAll('[data-testid=step-tree] .tree-row')].map((r) =>
      Number(r.getAttribute('data-index')),
    );
    return idx.some((i) => i > 4000 && i < 6000);
  });
  expect(await page.$$eval('[data-testid=step-tree] .tree-row', (r) => r.length)).toBeLessThan(200);

  await page.keyboard.press('End');
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid=step-counter]')?.textContent === `step ${n} / ${n}`,
    STEPS,
  );
  await page.waitForSelector(`.tree-row.current[data-index="${STEPS - 1}"]`);
  await page.waitForFunction(() => !!document.querySelector('.tab-body') && !document.querySelector('.tab-body .skeleton'));
  await shot(page, '07-replay-10k-steps');

  const line = `replay of a ${STEPS}-step session: first render ${firstRender} ms, all steps loaded ${allSteps} ms, charts drawn ${withCharts} ms`;
  console.log(line);
  const out = join(dirname(SCREENSHOT_DIR), 'replay-10k.txt');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${new Date().toISOString()} ${line}\n`);
});
