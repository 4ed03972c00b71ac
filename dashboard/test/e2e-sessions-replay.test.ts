/**
 * The dashboard against a real `startCairn` (collector + API serving dashboard/dist) in Chromium:
 * sign-in, sessions filters in the URL, anomaly badges and the "anomalies only" filter (flags from
 * the real alert engine), replay with keyboard, playback, state diff, chart cursor and deep links.
 * Data goes in through OTLP, like an agent's would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SessionDetailResponse } from '@cairn/schemas';
import { ADMIN_KEY, launch, seedDemo, send, shot, startEnv, type Env } from './support/fixture';
import { retryLoopSpans } from './support/otlp';

let env: Env;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let base: string;

async function steps(id: string): Promise<SessionDetailResponse> {
  const r = await fetch(`${base}/api/sessions/${id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return (await r.json()) as SessionDetailResponse;
}
const counter = () => page.textContent('[data-testid=step-counter]');
/** Waits (no time bar: the test timeout) until the transport shows this step. */
async function atStep(p: Page, n: number, total: number): Promise<void> {
  await p.waitForFunction((t) => document.querySelector('[data-testid=step-counter]')?.textContent === t, `step ${n} / ${total}`);
}
const cursorX = () => page.getAttribute('[data-testid=cost-chart] .chart-cursor line', 'x1');
const tableSessions = () =>
  page.$$eval('[data-testid=sessions-table] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-session')));
const rowCount = (n: number) =>
  page.waitForFunction((want) => document.querySelectorAll('[data-testid=sessions-table] tbody tr').length === want, n);

beforeAll(async () => {
  env = await startEnv();
  base = env.cairn.apiUrl;
  await seedDemo(env);
  browser = await launch();
  ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
  page = await ctx.newPage();
});

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('dashboard: sign-in, sessions, replay', () => {
  it('sends a signed-out visitor to sign-in and keeps the key out of the URL and of script reach', async () => {
    await page.goto(`${base}/sessions?agent=coder`);
    await page.waitForURL(/\/sign-in\?next=/);
    await shot(page, '01-sign-in');
    await page.fill('#admin-key', 'cairn_ak_wrongwrongwrongwrongwrong');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error-box');
    expect(await page.textContent('.error-box')).toMatch(/unknown or revoked/);
    await page.fill('#admin-key', ADMIN_KEY);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/sessions\?agent=coder$/); // back where the visitor was going
    expect(page.url()).not.toContain(ADMIN_KEY);
    const cookies = await ctx.cookies();
    expect(cookies.find((c) => c.name === 'cairn_session')?.httpOnly).toBe(true);
    expect(await page.evaluate(() => document.cookie)).not.toContain('cairn_session');
  });

  it("names sessions by their title (cairn.session.title, else the root span's name), the id under it", async () => {
    await page.goto(`${base}/sessions`);
    await page.waitForSelector('[data-testid=sessions-table] tbody tr');
    const row = (id: string) => `[data-testid=sessions-table] tbody tr[data-session="${id}"]`;
    // The attribute wins over the root span's name; the id stays on the row, monospace, under it.
    expect(await page.textContent(`${row('sess-support-1')} .session-title`)).toBe('Refund for order #1182');
    expect(await page.textContent(`${row('sess-support-1')} .session-sub .mono`)).toBe('sess-support-1');
    // No attribute: the root span's name.
    expect(await page.textContent(`${row('sess-coder-1')} .session-title`)).toBe('invoke_agent coder');
    await shot(page, '02a-sessions-titles');
    // The replay header names it the same way.
    await page.click(row('sess-support-1'));
    await page.waitForSelector('[data-testid=replay-header] .session-title');
    expect(await page.textContent('[data-testid=replay-header] .session-title')).toBe('Refund for order #1182');
    expect(await page.textContent('[data-testid=replay-header] .session-sub .mono')).toBe('sess-support-1');
    await shot(page, '02b-replay-title');
  });

  it('lists sessions and filters them by agent and by cost, with the filters in a shareable URL', async () => {
    await page.goto(`${base}/sessions`);
    await page.waitForSelector('[data-testid=sessions-table] tbody tr');
    expect((await tableSessions()).length).toBe(7);
    await shot(page, '02-sessions');

    await page.fill('#f-agent', 'support-bot');
    await page.press('#f-agent', 'Enter');
    await page.waitForURL(/agent=support-bot/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=sessions-table] tbody tr').length === 4);
    expect((await tableSessions()).sort()).toEqual(['sess-support-1', 'sess-support-2', 'sess-support-3', 'sess-support-4']);

    await page.fill('#f-min_cost', '0.01');
    await page.press('#f-min_cost', 'Enter');
    await page.waitForURL(/min_cost=0\.01/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=sessions-table] tbody tr').length === 1);
    expect(await tableSessions()).toEqual(['sess-support-4']);
    await shot(page, '03-sessions-filtered');

    // The same URL in a fresh tab reproduces the view.
    const shared = page.url();
    const other = await ctx.newPage();
    await other.goto(shared);
    await other.waitForSelector('[data-testid=sessions-table] tbody tr');
    expect(
      await other.$$eval('[data-testid=sessions-table] tbody tr', (r) => r.map((x) => x.getAttribute('data-session'))),
    ).toEqual(['sess-support-4']);
    expect(await other.inputValue('#f-agent')).toBe('support-bot');
    await other.close();

    // Sorting by cost puts the most expensive first.
    await page.goto(`${base}/sessions`);
    await page.click('th:has-text("cost")');
    await page.waitForURL(/sort=cost/);
    await page.waitForFunction(
      () => document.querySelector('[data-testid=sessions-table] tbody tr')?.getAttribute('data-session') === 'sess-research-big',
    );
  });

  it('badges a session the retry-loop detector flagged; "anomalies only" narrows the table to it', async () => {
    await send(env, retryLoopSpans('sess-loop-1', 'billing-bot'));
    // The in-process engine ticks every 10 s; one tick on demand flags the session now.
    await env.cairn.alerts!.runOnce();
    await page.goto(`${base}/sessions`);
    const badge = 'tr[data-session=sess-loop-1] [data-anomaly=retry_loop]';
    await page.waitForSelector(badge);
    expect(await page.textContent(badge)).toBe('retry loop');
    expect(await page.getAttribute(badge, 'title')).toMatch(/same tool was called with the same arguments/);
    // The demo sessions are normal: the loop is the only badge on the page.
    expect(await page.$$('[data-testid=sessions-table] [data-anomaly]')).toHaveLength(1);
    expect((await tableSessions()).length).toBe(8);

    await page.check('#f-anomalies-only');
    await page.waitForURL(/[?&]anomaly=any/);
    await rowCount(1);
    expect(await tableSessions()).toEqual(['sess-loop-1']);
    await shot(page, '03b-sessions-anomalies');

    // Narrowing to another detector's type leaves nothing; back to retry loops, the session again.
    await page.selectOption('#f-anomaly', 'session_cost');
    await page.waitForURL(/[?&]anomaly=session_cost/);
    await page.waitForSelector('[data-testid=no-match]');
    await page.selectOption('#f-anomaly', 'retry_loop');
    await page.waitForURL(/[?&]anomaly=retry_loop/);
    await rowCount(1);
    expect(await tableSessions()).toEqual(['sess-loop-1']);

    // The link reproduces the filter in a fresh tab.
    const other = await ctx.newPage();
    await other.goto(page.url());
    await other.waitForSelector('[data-testid=sessions-table] tbody tr');
    expect(await other.isChecked('#f-anomalies-only')).toBe(true);
    expect(await other.inputValue('#f-anomaly')).toBe('retry_loop');
    expect(
      await other.$$eval('[data-testid=sessions-table] tbody tr', (r) => r.map((x) => x.getAttribute('data-session'))),
    ).toEqual(['sess-loop-1']);
    await other.close();

    await page.uncheck('#f-anomalies-only');
    await page.waitForURL((u) => !u.searchParams.has('anomaly'));
    await rowCount(8);

    // The replay header shows the same badge.
    await page.click('tr[data-session=sess-loop-1]');
    await page.waitForSelector('[data-testid=replay-header] [data-anomaly=retry_loop]');
    expect(await page.textContent('[data-testid=replay-header] [data-anomaly=retry_loop]')).toBe('retry loop');
  });

  it('opens a replay, steps with the keyboard, and the step panel, state diff and chart cursor follow', async () => {
    const detail = await steps('sess-coder-1');
    await page.goto(`${base}/sessions?agent=coder`);
    await page.click('tr[data-session=sess-coder-1]');
    await page.waitForURL(/\/sessions\/sess-coder-1/);
    await page.waitForSelector('[data-testid=replay]');
    await page.waitForSelector('[data-testid=cost-chart] .chart-cursor line', { state: 'attached' });
    await atStep(page, 1, detail.steps.length);
    const x0 = await cursorX();

    for (let k = 0; k < 3; k++) await page.keyboard.press('ArrowRight');
    await atStep(page, 4, detail.steps.length);
    const s3 = detail.steps[3]!;
    expect(page.url()).toContain(`step=${s3.span_id}`);
    expect(await page.getAttribute('[data-testid=step-panel]', 'data-span')).toBe(s3.span_id);
    await page.waitForSelector('[data-testid=messages] [data-role=assistant]');
    expect(await page.textContent('[data-testid=messages]')).toContain('Round 1: what next?');
    const x3 = await cursorX();
    expect(Number(x3)).toBeGreaterThan(Number(x0));
    await page.waitForSelector('.tree-row.current[data-index="3"]');

    // Tab 3 = State: round 1 added a draft and a fact, and moved the plan on.
    await page.keyboard.press('3');
    await page.waitForSelector('[data-testid=state-tree]');
    expect(await page.textContent('[data-testid=state-summary]')).toMatch(/vs the previous one/);
    expect(await page.getAttribute('[data-key=draft]', 'data-status')).toBe('added');
    expect(await page.getAttribute('[data-key=step]', 'data-status')).toBe('changed');
    expect(await page.textContent('[data-key=step]')).toMatch(/2.*was 1/);
    await shot(page, '04-replay-state-diff');

    // Two steps on (round 2's chat) the goal was dropped: the diff follows the step.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await atStep(page, 6, detail.steps.length);
    await page.waitForSelector('[data-key=goal][data-status=removed]');
    expect(Number(await cursorX())).toBeGreaterThan(Number(x3));

    await page.keyboard.press('End');
    await atStep(page, detail.steps.length, detail.steps.length);
    await page.keyboard.press('Home');
    await atStep(page, 1, detail.steps.length);
    // Shift+→ jumps to the first error (the failing tool call of round 1).
    await page.keyboard.press('Shift+ArrowRight');
    const firstError = detail.steps.findIndex((s) => s.status === 'error');
    expect(firstError).toBeGreaterThan(0);
    await atStep(page, firstError + 1, detail.steps.length);
    await page.waitForSelector('[data-testid=step-panel] .error-box:has-text("search backend timed out")');
  });

  it('plays and pauses, and a deep link opens the same step', async () => {
    const detail = await steps('sess-research-big');
    await page.goto(`${base}/sessions/sess-research-big`);
    await page.waitForSelector('[data-testid=replay]');
    await page.click('[role=group][aria-label=speed] button:has-text("4×")');
    await page.keyboard.press('Space');
    expect(await page.getAttribute('button.play', 'data-playing')).toBe('true');
    await page.waitForFunction(() =>
      /step ([4-9]|\d\d+) \//.test(document.querySelector('[data-testid=step-counter]')?.textContent ?? ''),
    );
    await page.keyboard.press('Space');
    expect(await page.getAttribute('button.play', 'data-playing')).toBe('false');
    const paused = await counter();
    await page.waitForTimeout(800); // 4× fixed pace would have moved on by now if still playing
    expect(await counter()).toBe(paused);
    await shot(page, '05-replay');

    const n = Number(/step (\d+)/.exec(paused ?? '')![1]);
    const link = page.url();
    expect(link).toContain(`step=${detail.steps[n - 1]!.span_id}`);
    const fresh = await ctx.newPage();
    await fresh.setViewportSize({ width: 1440, height: 900 });
    await fresh.goto(link);
    await fresh.waitForSelector('[data-testid=step-panel]');
    expect(await fresh.textContent('[data-testid=step-counter]')).toBe(paused);
    expect(await fresh.getAttribute('[data-testid=step-panel]', 'data-span')).toBe(detail.steps[n - 1]!.span_id);
    await fresh.close();
  });

  it('renders the light theme and the shortcut help', async () => {
    await page.evaluate(() => localStorage.setItem('cairn.theme', 'light'));
    await page.goto(`${base}/sessions/sess-research-big?tab=messages`);
    await page.waitForSelector('[data-testid=messages], [data-testid=step-panel]');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('?');
    await page.waitForSelector('[role=dialog][aria-label="keyboard shortcuts"]');
    await shot(page, '06-replay-light-help');
    await page.keyboard.press('Escape');
    await page.evaluate(() => localStorage.setItem('cairn.theme', 'dark'));
  });

  it('signs out', async () => {
    await page.goto(`${base}/sessions`);
    await page.click('button:has-text("Sign out")');
    await page.waitForURL(/\/sign-in/);
    const r = await page.evaluate(async () => (await fetch('/api/sessions')).status);
    expect(r).toBe(401);
  });
});
