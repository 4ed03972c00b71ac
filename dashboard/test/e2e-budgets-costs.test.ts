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
import { runDemo, SUPPORT_CAPS } from '@cairn/examples';
import { PRICE_TABLE, type SessionDetailResponse } from '@cairn/schemas';
import { init, llm, session, shutdown, step } from '@cairn/sdk';
import { api, ApiError } from '../src/api/client';
import { sessionSpans } from './support/otlp';
import { ADMIN_KEY, INGEST_KEY, launch, send, shot, signIn, startEnv, type Env } from './support/fixture';

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
let demoSessions: string[] = [];

async function detail(id: string): Promise<SessionDetailResponse> {
  const r = await fetch(`${base}/api/sessions/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return (await r.json()) as SessionDetailResponse;
}

/** Opens a replay and waits for its (lazily loaded) charts. */
async function openCharts(id: string): Promise<void> {
  await page.goto(`${base}/sessions/${encodeURIComponent(id)}`);
  await page.waitForSelector('[data-testid=cost-chart] .recharts-line', { state: 'attached' });
}
const capKind = () => page.getAttribute('[data-testid=charts]', 'data-cost-cap');

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
    expect(text).toContain(env.cairn.otlpUrl); // the collector's real address, from /api/auth/me
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
    demoSessions = demo.sessions;
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

  it("replay: a run's cost cap shows as 50/80/100 % lines once reached, as a note below half, not at all without caps", async () => {
    // Sent by the SDK like an agent's run: a $0.02 cap that gpt-4o calls of $0.01 each reach and cross.
    init({ endpoint: env.cairn.otlpUrl, apiKey: INGEST_KEY, serviceName: 'e2e-capped', env: {} });
    try {
      await session({ id: 'sess-capped', agent: 'e2e-capped', caps: { maxCostUsd: 0.02 } }, async () => {
        for (let i = 0; i < 4; i++)
          await llm({ model: 'gpt-4o', provider: 'openai' }, (c) => c.record({ usage: { inputTokens: 0, outputTokens: 1000 } }));
      }).catch(() => undefined); // the cap ends the run with CairnLimitError: that is the point
      await session({ id: 'sess-uncapped', agent: 'e2e-capped' }, async () => {
        await llm({ model: 'gpt-4o', provider: 'openai' }, (c) => c.record({ usage: { inputTokens: 0, outputTokens: 1000 } }));
        await step('wrap up', () => 1);
      });
    } finally {
      await shutdown();
    }
    await env.cairn.flush();

    expect((await detail('sess-capped')).caps?.max_cost_usd).toBe(0.02);
    await openCharts('sess-capped');
    await page.waitForSelector('[data-testid=cost-chart] .cap-line-100 line', { state: 'attached' });
    expect(await capKind()).toBe('lines');
    const labels = await page.$$eval('[data-testid=cost-chart] .cap-label', (t) => t.map((x) => x.textContent));
    expect(labels).toEqual(['50% $0.0100', '80% $0.0160', '100% $0.0200']);
    // Horizontal, inside the plot, in order up the y-axis (SVG y grows downwards).
    const ys = await page.$$eval('[data-testid=cost-chart] .cap-line line', (ls) =>
      ls.map((l) => [Number(l.getAttribute('y1')), Number(l.getAttribute('y2'))]),
    );
    expect(ys).toHaveLength(3);
    for (const [y1, y2] of ys) expect(y1).toBe(y2);
    expect(ys[0]![0]).toBeGreaterThan(ys[1]![0]!);
    expect(ys[1]![0]).toBeGreaterThan(ys[2]![0]!);
    expect(await page.$('[data-testid=cost-cap-note]')).toBeNull();
    await shot(page, '09b-replay-cost-cap');

    // The example support agent runs under SUPPORT_CAPS ($0.25) and spends far less: a note, no lines.
    const support = demoSessions[1]!;
    const d = await detail(support);
    expect(d.session.agent_name).toBe('support-agent');
    expect(d.caps?.max_cost_usd).toBe(SUPPORT_CAPS.maxCostUsd);
    expect(d.session.cost_usd).toBeLessThan(SUPPORT_CAPS.maxCostUsd / 2);
    await openCharts(support);
    await page.waitForSelector('[data-testid=cost-cap-note]');
    expect(await page.textContent('[data-testid=cost-cap-note]')).toContain('cap $0.2500');
    expect(await capKind()).toBe('note');
    expect(await page.$$('[data-testid=cost-chart] .cap-line')).toHaveLength(0);

    // No caps recorded: neither.
    expect((await detail('sess-uncapped')).caps).toBeNull();
    await openCharts('sess-uncapped');
    expect(await capKind()).toBe('none');
    expect(await page.$('[data-testid=cost-cap-note]')).toBeNull();
    expect(await page.$$('[data-testid=cost-chart] .cap-line')).toHaveLength(0);
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

  it('settings: the model price table, searchable, with how prices apply', async () => {
    await page.goto(`${base}/settings`);
    const table = '[data-testid=prices-table]';
    const rows = () => page.$$eval(`${table} tbody tr[data-model]`, (r) => r.map((x) => x.getAttribute('data-model')));
    await page.waitForSelector(`${table} tr[data-model="gpt-4o"]`);
    expect((await rows()).length).toBe(PRICE_TABLE.length);
    const shipped = PRICE_TABLE.find((p) => p.model === 'gpt-4o')!;
    const cells = await page.$$eval(`${table} tr[data-model="gpt-4o"] td`, (tds) => tds.map((t) => t.textContent));
    expect(cells.slice(0, 5)).toEqual(['openai', 'gpt-4o', shipped.pattern, '$2.50', '$10.00']);
    expect(cells[7]).toBe(shipped.taken);
    expect(await page.getAttribute(`${table} tr[data-model="gpt-4o"] td:nth-child(3)`, 'class')).toContain('mono');
    const note = await page.textContent('[data-testid=prices] p');
    expect(note).toMatch(/does not carry\s+its own: a span with a cost/);
    expect(note).toMatch(/matched\s+by pattern/);
    await shot(page, '13-settings-prices');

    await page.fill('#price-search', 'claude');
    await page.waitForURL(/[?&]price=claude/);
    await page.waitForFunction(() => !document.querySelector('[data-testid=prices-table] tr[data-model="gpt-4o"]'));
    const claude = await rows();
    expect(claude.length).toBeGreaterThan(0);
    expect(claude.length).toBeLessThan(PRICE_TABLE.length);
    expect(claude.every((m) => m!.startsWith('claude'))).toBe(true);

    // A pasted model id finds the row that prices it.
    await page.fill('#price-search', 'openai/gpt-4o-2024-08-06');
    await page.waitForSelector(`${table} tr[data-model="gpt-4o"] .badge`);
    expect(await rows()).toEqual(['gpt-4o']);
    // A Bedrock id, normalized as the collector does (region and vendor prefix, `-v1:0`).
    await page.fill('#price-search', 'us.anthropic.claude-3-5-haiku-20241022-v1:0');
    await page.waitForSelector(`${table} tr[data-model="claude-3.5-haiku"] .badge`);
    expect(await rows()).toEqual(['claude-3.5-haiku']);
  });

  it('tells a route the server lacks from a missing record by the error code alone', async () => {
    // The dashboard's own client against the real API: an unknown route and an unknown session.
    const auth = { headers: { authorization: `Bearer ${ADMIN_KEY}` } };
    const noRoute = await api(`${base}/api/no-such-feature`, auth).catch((e: unknown) => e);
    expect(noRoute).toBeInstanceOf(ApiError);
    expect([(noRoute as ApiError).code, (noRoute as ApiError).unavailable]).toEqual(['CAIRN_ROUTE_NOT_FOUND', true]);
    const noRecord = await api(`${base}/api/sessions/no-such-session`, auth).catch((e: unknown) => e);
    expect([(noRecord as ApiError).code, (noRecord as ApiError).unavailable]).toEqual(['CAIRN_NOT_FOUND', false]);

    // A server without the budgets API: the page's list request reaches a path the server has no
    // route for, so the real not-found answer (whatever its wording) shows "not available".
    await page.route(`${base}/api/budgets`, (route) => route.continue({ url: `${base}/api/budgets-not-on-this-server` }));
    try {
      await page.goto(`${base}/budgets`);
      await page.waitForSelector('[data-testid=unavailable]');
      expect(await page.textContent('[data-testid=unavailable] h3')).toBe('Budgets and alerts are not available on this server');
    } finally {
      await page.unroute(`${base}/api/budgets`);
    }
    await page.goto(`${base}/budgets`);
    await page.waitForSelector('[data-testid=budget-bar]');
    expect(await page.$('[data-testid=unavailable]')).toBeNull();
  });
});
