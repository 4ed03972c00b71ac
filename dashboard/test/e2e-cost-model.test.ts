/**
 * The cost-model page in real Chromium against a real Cairn, with runs sent through the
 * collector (OTLP/JSON) whose scenarios are known: baseline runs cost $0.10 (2 tool calls),
 * replanning runs $0.50 (the worker agent invoked twice), failing runs $4.00 (4 tool calls, the
 * same search failing twice). The page's figures must be the API's, and move with the controls.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { CostModelResponse } from '@cairn/schemas';
import { money } from '../src/lib/format';
import { hex, type SpanSpec } from './support/otlp';
import { ADMIN_KEY, launch, send, shot, signIn, startEnv, type Env } from './support/fixture';

let env: Env;
let browser: Browser;
let page: Page;
let base: string;

type Kind = 'base' | 'replan' | 'fail';

function run(id: string, kind: Kind, startMs: number, workflow = 'billing'): SpanSpec[] {
  const traceId = hex(16);
  const rootId = hex(8);
  const attrs = { 'gen_ai.conversation.id': id, 'gen_ai.workflow.name': workflow, 'gen_ai.agent.name': 'billing-bot' };
  const cost = { base: 0.1, replan: 0.5, fail: 4 }[kind];
  let t = startMs + 10;
  const child = (name: string, extra: Record<string, string | number>, error?: string): SpanSpec => {
    t += 20;
    return {
      traceId,
      spanId: hex(8),
      parentSpanId: rootId,
      name,
      startMs: t,
      endMs: t + 10,
      attrs: { ...attrs, ...extra },
      error,
    };
  };
  const tool = (name: string, args: string, error?: string) =>
    child(
      `execute_tool ${name}`,
      {
        'gen_ai.operation.name': 'execute_tool',
        'cairn.span.kind': 'tool',
        'gen_ai.tool.name': name,
        'gen_ai.tool.call.arguments': args,
      },
      error,
    );
  const spans = [
    child('chat gpt-4o-mini', {
      'gen_ai.operation.name': 'chat',
      'cairn.span.kind': 'llm',
      'gen_ai.request.model': 'gpt-4o-mini',
      'cairn.cost.usd': cost,
    }),
    ...(kind === 'fail'
      ? [tool('search', '{"q":"invoice"}', 'timeout'), tool('search', '{"q":"invoice"}', 'timeout'), tool('search', '{"q":"x"}')]
      : [tool('search', '{"q":"invoice"}')]),
    tool('fetch', '{"id":1}'),
    ...(kind === 'replan'
      ? ['worker', 'worker'].map((a) =>
          child(`invoke_agent ${a}`, {
            'gen_ai.operation.name': 'invoke_agent',
            'cairn.span.kind': 'agent',
            'gen_ai.agent.name': a,
          }),
        )
      : []),
  ];
  const root: SpanSpec = {
    traceId,
    spanId: rootId,
    name: 'invoke_agent billing-bot',
    startMs,
    endMs: t + 50,
    attrs: { ...attrs, 'cairn.span.kind': 'session' },
  };
  return [root, ...spans];
}

async function model(q: string): Promise<CostModelResponse> {
  const r = await fetch(`${base}/api/cost-model?${q}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return (await r.json()) as CostModelResponse;
}
const text = async (id: string) => (await page.textContent(`[data-testid=${id}]`)) ?? '';

beforeAll(async () => {
  env = await startEnv();
  base = env.cairn.apiUrl;
  const t0 = Date.now() - 3_600_000;
  const spans: SpanSpec[] = [];
  let i = 0;
  const add = (n: number, kind: Kind, workflow?: string) => {
    for (let k = 0; k < n; k++, i++)
      spans.push(...run(`cm-${workflow ?? 'billing'}-${kind}-${k}`, kind, t0 + i * 1000, workflow));
  };
  add(20, 'base');
  add(5, 'replan');
  add(5, 'fail');
  add(3, 'base', 'other-flow');
  await send(env, spans);
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'dark', acceptDownloads: true });
  await signIn(page, base);
});

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('dashboard: cost model', () => {
  it('picks a workflow and shows the distribution, the three scenarios, the risk exposure and the cap', async () => {
    await page.click('nav >> text=Cost model');
    await page.waitForURL(/\/cost-model/);
    await page.waitForSelector('#cm-workflow option[value=billing]', { state: 'attached' });
    await page.selectOption('#cm-workflow', 'billing');
    await page.waitForURL(/workflow=billing/);
    await page.waitForSelector('[data-testid=cm-scenarios] .recharts-bar-rectangle', { state: 'attached' });
    await page.waitForSelector('[data-testid=cm-distribution] .recharts-bar-rectangle', { state: 'attached' });
    await page.waitForFunction(() => document.querySelector('[data-testid=cm-runs] .value')?.textContent === '30');

    const api = await model(`workflow=billing&from=${new Date(Date.now() - 30 * 86_400_000).toISOString()}`);
    // The corpus's known figures: expected $0.10; failure mixes w = 0.3 / 1.7 of $4.00 runs in.
    expect(api.scenarios.expected?.mean_usd).toBeCloseTo(0.1, 9);
    const w = 0.3 / 1.7;
    const k = Math.round(w * 10_000);
    expect(api.scenarios.failure?.mean_usd).toBeCloseTo((k * 4 + (10_000 - k) * 0.1) / 10_000, 9);
    expect(api.scenarios.edge?.mean_usd).toBeCloseTo(0.14, 9);

    expect(await text('cm-ratio')).toContain(`${api.failure_to_expected!.toFixed(1)}×`);
    expect(await text('cm-risk-run')).toContain(money(api.risk.per_run_usd));
    expect(await text('cm-risk-month')).toContain(money(api.risk.per_month_usd));
    expect(await text('cm-risk-month')).toContain('at 10.0k runs');
    expect(await text('cm-scenario-failure')).toContain(money(api.scenarios.failure!.mean_usd));
    expect(await text('cm-scenario-edge')).toContain(money(api.scenarios.edge!.mean_usd));
    expect(await text('cm-cap')).toContain(money(api.cap!.usd));
    expect(await text('cm-cap')).toContain('maxCostUsd: 0.1');
    await shot(page, 'cost-model');
  });

  it('recomputes when the failing tool call rate and run volume change', async () => {
    const before = await text('cm-risk-month');
    await page.fill('#cm-fail', '30');
    await page.press('#cm-fail', 'Enter');
    await page.fill('#cm-runs', '2000');
    await page.press('#cm-runs', 'Enter');
    await page.waitForURL(/fail=30/);
    await page.waitForURL(/runs=2000/);
    const api = await model(
      `workflow=billing&failure_rate=0.3&runs_per_month=2000&from=${new Date(Date.now() - 30 * 86_400_000).toISOString()}`,
    );
    // w = 0.6 / (2 − 0.3·2) of the runs fail now.
    expect(api.scenarios.failure?.mix.tool_failures).toBeCloseTo(0.6 / 1.4, 12);
    await page.waitForFunction(
      (want) => document.querySelector('[data-testid=cm-risk-month] .value')?.textContent === want,
      money(api.risk.per_month_usd),
    );
    expect(await text('cm-risk-month')).not.toBe(before);
    expect(await text('cm-risk-month')).toContain('at 2000 runs');
  });

  it('exports the report as CSV with a header, through the signed-in session', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=cm-export-csv]')]);
    expect(download.suggestedFilename()).toBe('cairn-cost-model-billing.csv');
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('section,key,metric,value');
    expect(lines).toContain('params,,failure_rate,0.3');
    expect(lines).toContain('sessions,,total,30');
  });
});
