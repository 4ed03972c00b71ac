/**
 * From an empty project to an alert in the UI, against a real `startCairn` with its alert engine:
 * the onboarding empty state, `cairn demo` data (the example agents), a webhook and a budget made
 * through the UI, spend driven over 50 % through OTLP, and the alert showing up on the page
 * (and at the webhook receiver, signed with the secret the UI showed).
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { runDemo } from '@cairn/examples';
import { sessionSpans } from './support/otlp';
import { INGEST_KEY, launch, send, shot, signIn, startEnv, type Env } from './support/fixture';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let env: Env;
let browser: Browser;
let page: Page;
let base: string;
let receiver: Server;
let hookUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  env = await startEnv({ CAIRN_ALERT_INTERVAL_MS: '300', CAIRN_WEBHOOK_ALLOW_PRIVATE: '1' });
  base = env.cairn.apiUrl;
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cairn-hook`;
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
  await signIn(page, base);
});

afterAll(async () => {
  await browser?.close();
  await env?.close();
  await new Promise((r) => receiver?.close(r));
});

describe('dashboard: empty state, demo data, budgets, webhooks and alerts', () => {
  it('shows a new project its OTLP endpoint, ingest key, SDK snippet and the demo command', async () => {
    await page.goto(`${base}/sessions`);
    await page.waitForSelector('[data-testid=onboarding]');
    const text = await page.textContent('[data-testid=onboarding]');
    expect(text).toContain(':4318');
    expect(text).toContain('cairn demo --key cairn_ik_');
    expect(text).toContain("from '@cairn/sdk'");
    expect(text).toContain('OTEL_EXPORTER_OTLP_ENDPOINT=');
    await page.click('button:has-text("Create an ingest key")');
    await page.waitForFunction(() =>
      /^cairn_ik_[A-Za-z0-9_-]{16,}$/.test(document.querySelector('[data-testid=ingest-key]')?.textContent ?? ''),
    );
    const key = await page.textContent('[data-testid=ingest-key]');
    expect(await page.textContent('[data-testid=onboarding]')).toContain(`cairn demo --key ${key}`);
    await shot(page, '00-empty-state');
  });

  it('lists the sessions of `cairn demo`', async () => {
    const demo = await runDemo({ endpoint: env.cairn.otlpUrl, apiKey: INGEST_KEY, timeScale: 0.02 });
    await env.cairn.flush();
    await page.goto(`${base}/sessions`);
    await page.waitForSelector('[data-testid=sessions-table] tbody tr');
    const shown = await page.$$eval('[data-testid=sessions-table] tbody tr', (r) => r.map((x) => x.getAttribute('data-session')));
    expect(shown.sort()).toEqual([...demo.sessions].sort());
    await shot(page, '08-sessions-demo');
    await page.click(`tr[data-session="${demo.sessions[0]}"]`);
    await page.waitForSelector('[data-testid=step-panel]');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => !document.querySelector('.tab-body .skeleton'));
    await shot(page, '09-replay-demo');
  });

  it('creates a webhook and sends it a test event, with a delivery log', async () => {
    await page.goto(`${base}/budgets`);
    await page.waitForSelector('[data-testid=webhooks]');
    await page.click('button:has-text("New webhook")');
    await page.fill('#w-name', 'ops hook');
    await page.fill('#w-url', hookUrl);
    await page.click('button:has-text("Add webhook")');
    await page.waitForSelector('[data-testid=webhook-secret]');
    await page.waitForSelector('tr[data-webhook]');
    await page.click('button:has-text("Send test event")');
    await page.waitForSelector('[data-testid=test-result]:has-text("delivered")');
    expect(received.length).toBe(1);
    await page.click('button:has-text("Deliveries")');
    await page.waitForSelector('[data-testid=delivery-log] tbody tr');
    expect(await page.textContent('[data-testid=delivery-log]')).toContain('200');
  });

  it('creates a budget in the UI; spend over 50 % raises an alert on the page and at the webhook', async () => {
    const secret = (await page.textContent('[data-testid=webhook-secret] pre'))!.trim();
    await page.click('button:has-text("New budget")');
    await page.fill('#b-name', 'e2e coder daily');
    await page.fill('#b-limit', '0.1');
    await page.fill('#b-agent', 'e2e-coder');
    await page.click('.drawer button[type=submit]');
    await page.waitForSelector('tr[data-budget="e2e coder daily"]');
    expect(await page.textContent('tr[data-budget="e2e coder daily"] [data-testid=budget-state]')).toBe('ok');

    // $0.06 of a $0.10 budget: 60 %, over the 50 % mark, under 80 %.
    await send(env, sessionSpans({ sessionId: 'sess-e2e-coder', agent: 'e2e-coder', rounds: 5, costPerCall: 0.012 }));
    await page.waitForSelector('[data-testid=alert-feed] tr[data-alert-type="budget.threshold_crossed"][data-threshold="50"]', {
      timeout: 45_000,
    });
    expect(await page.$$('[data-testid=alert-feed] tr[data-threshold="80"]')).toHaveLength(0);
    await page.waitForFunction(
      () => document.querySelector('tr[data-budget="e2e coder daily"] [data-testid=budget-state]')?.textContent === 'warning',
    );
    expect(
      Number(await page.getAttribute('tr[data-budget="e2e coder daily"] [data-testid=budget-bar]', 'data-percent')),
    ).toBeCloseTo(60, 0);
    await shot(page, '10-budgets-alerts');

    // The same alert reached the receiver, signed with the secret the UI showed once.
    await expect
      .poll(() => received.filter((r) => r.headers['x-cairn-event'] !== 'test' && String(r.body).includes('threshold')).length, {
        timeout: 30_000,
      })
      .toBeGreaterThan(0);
    const hit = received.find((r) => String(r.body).includes('e2e coder daily'))!;
    const ts = String(hit.headers['x-cairn-timestamp']);
    expect(hit.headers['x-cairn-signature']).toBe(
      `sha256=${createHmac('sha256', secret).update(`${ts}.${hit.body}`).digest('hex')}`,
    );
  });

  it('shows costs: KPIs, spend by agent, top sessions and the budget burn', async () => {
    await page.goto(`${base}/costs`);
    await page.waitForSelector('[data-testid=spend-chart] .recharts-bar-rectangle', { state: 'attached' });
    await page.waitForSelector('[data-testid=top-sessions] tbody tr');
    expect(await page.textContent('[data-testid=top-sessions] tbody tr')).toContain('$');
    await page.waitForSelector('.burn-row [data-testid=budget-bar][data-state=warning]');
    expect(await page.textContent('[data-testid=kpi-day] .value')).toMatch(/^\$0\.\d+|^\$\d/);
    await shot(page, '11-costs');
    await page.click('[aria-label="group by"] button:has-text("model")');
    await page.waitForURL(/group=model/);
    await page.goto(`${base}/settings`);
    await page.waitForSelector('table.grid tbody tr');
    await shot(page, '12-settings');
  });
});
