/**
 * What a new user sees first, in real Chromium against a real Cairn (collector on a port the
 * system picked, never 4318): the collector's real address on the onboarding and Settings pages
 * and in the copy button; an OpenInference session (agent named by its AGENT span, a streamed
 * completion without token counts) whose replay says "usage not reported" instead of $0; and
 * the small wording fixes (case-kept tool-call ids, whole step ticks, unclipped cost axis,
 * "1 cap hit", the status legend, one cost precision per column).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { hex, type SpanSpec } from './support/otlp';
import { launch, send, shot, signIn, startEnv, type Env } from './support/fixture';

let env: Env;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let base: string;

const SESSION = 'oi-weather-1';
const ids = { agent: hex(8), streamed: hex(8), tool: hex(8), priced: hex(8) };

/** One OpenInference run, attribute names as openinference-semantic-conventions publishes them. */
function openInferenceSession(): SpanSpec[] {
  const traceId = hex(16);
  const t0 = Date.now() - 30_000;
  const common = { 'session.id': SESSION, 'user.id': 'new-user' };
  return [
    {
      traceId,
      spanId: ids.agent,
      name: 'weather-agent', // traceAgent(fn, { name: 'weather-agent' }): no agent.name attribute
      startMs: t0,
      endMs: t0 + 4000,
      attrs: { ...common, 'openinference.span.kind': 'AGENT', 'input.value': 'Weather in Paris?', 'output.value': 'Sunny.' },
    },
    {
      traceId,
      spanId: ids.streamed,
      parentSpanId: ids.agent,
      name: 'OpenAI Chat Completions',
      startMs: t0 + 100,
      endMs: t0 + 900,
      // stream: true without stream_options.include_usage: no llm.token_count.*
      attrs: {
        ...common,
        'openinference.span.kind': 'LLM',
        'llm.model_name': 'gpt-4o-mini',
        'llm.provider': 'openai',
        'llm.invocation_parameters': '{"stream":true}',
        'llm.input_messages.0.message.role': 'user',
        'llm.input_messages.0.message.content': 'Weather in Paris?',
        'llm.input_messages.1.message.role': 'tool',
        'llm.input_messages.1.message.tool_call_id': 'call_abc123',
        'llm.input_messages.1.message.content': '{"temp":24}',
        'llm.output_messages.0.message.role': 'assistant',
        'llm.output_messages.0.message.content': 'Sunny.',
      },
      events: [
        { name: 'cairn.limit.exceeded', timeMs: t0 + 900, attrs: { 'cairn.limit.kind': 'steps', 'cairn.limit.value': 3 } },
      ],
    },
    {
      traceId,
      spanId: ids.tool,
      parentSpanId: ids.agent,
      name: 'get_weather',
      startMs: t0 + 1000,
      endMs: t0 + 1200,
      attrs: { ...common, 'openinference.span.kind': 'TOOL', 'input.value': '{"city":"Paris"}', 'output.value': '{"temp":24}' },
    },
    {
      traceId,
      spanId: ids.priced,
      parentSpanId: ids.agent,
      name: 'OpenAI Chat Completions (priced)',
      startMs: t0 + 1300,
      endMs: t0 + 2000,
      attrs: {
        ...common,
        'openinference.span.kind': 'LLM',
        'llm.model_name': 'gpt-4o-mini',
        'llm.token_count.prompt': 40,
        'llm.token_count.completion': 10,
        'llm.cost.total': 0.00008,
      },
    },
  ];
}

beforeAll(async () => {
  env = await startEnv();
  base = env.cairn.apiUrl;
  browser = await launch();
  ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  page = await ctx.newPage();
  await signIn(page, base);
});

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('a new user: the real endpoint, named agents, honest costs', () => {
  it('onboarding shows and copies the collector address the API reports, not a hard-coded :4318', async () => {
    const otlp = env.cairn.otlpUrl;
    expect(otlp).not.toMatch(/:4318$/);
    await page.goto(`${base}/sessions`);
    await page.waitForSelector('[data-testid=onboarding]');
    await page.waitForFunction((want) => document.querySelector('[data-testid=otlp-endpoint]')?.textContent === want, otlp);
    const text = (await page.textContent('[data-testid=onboarding]')) ?? '';
    expect(text).toContain(`OTEL_EXPORTER_OTLP_ENDPOINT=${otlp}`);
    expect(text).toContain(`init({ endpoint: '${otlp}'`);
    await page.click('[aria-label="copy copy"] >> nth=0');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(otlp);
    console.log('screenshot', await shot(page, 'new-user-01-onboarding-endpoint'));
  });

  it('Settings shows the same endpoint', async () => {
    await page.goto(`${base}/settings`);
    await page.waitForSelector('[data-testid=settings-otlp-endpoint]');
    await page.waitForFunction(
      (want) => document.querySelector('[data-testid=settings-otlp-endpoint]')?.textContent === want,
      env.cairn.otlpUrl,
    );
    console.log('screenshot', await shot(page, 'new-user-02-settings-endpoint'));
  });

  it('lists the OpenInference session under its agent, with a status legend', async () => {
    await send(env, openInferenceSession());
    await page.goto(`${base}/sessions`);
    await page.waitForSelector(`tr[data-session="${SESSION}"]`);
    expect(await page.textContent(`tr[data-session="${SESSION}"]`)).toContain('weather-agent');
    expect(await page.textContent('[data-testid=status-legend]')).toMatch(/ok.*error.*running/);
    console.log('screenshot', await shot(page, 'new-user-03-sessions'));
  });

  it('says "usage not reported" for a streamed completion without token counts, and keeps tool-call ids as sent', async () => {
    await page.goto(`${base}/sessions/${SESSION}?step=${ids.streamed}`);
    await page.waitForSelector(`[data-testid=step-panel][data-span="${ids.streamed}"]`);
    expect(await page.innerText('[data-testid=step-cost]')).toBe('usage not reported');
    await page.waitForSelector('.bubble[data-role=tool]');
    // innerText is what the eye sees: text-transform applies to it.
    const toolHeader = await page.innerText('.bubble[data-role=tool] .bubble-role');
    expect(toolHeader).toContain('call_abc123');
    expect(toolHeader).not.toContain('CALL_ABC123');
    const header = await page.innerText('[data-testid=replay-header]');
    expect(header).toContain('1 cap hit');
    expect(header).not.toContain('1 cap hits');
    console.log('screenshot', await shot(page, 'new-user-04-usage-not-reported'));
  });

  it('draws whole step ticks and a cost axis wide enough for $0.00008', async () => {
    await page.goto(`${base}/sessions/${SESSION}?step=${ids.priced}`);
    await page.waitForSelector('[data-testid=cost-chart] .recharts-line', { state: 'attached' });
    const xTicks = await page.$$eval(
      '[data-testid=cost-chart] .recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value',
      (els) => els.map((e) => e.textContent ?? ''),
    );
    expect(xTicks.length).toBeGreaterThan(1);
    for (const t of xTicks) expect(t).toMatch(/^\d+$/);
    const yTicks = await page.$$eval(
      '[data-testid=cost-chart] .recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value',
      (els) => {
        const svg = els[0]?.closest('svg')?.getBoundingClientRect();
        return els.map((e) => ({ text: e.textContent ?? '', left: e.getBoundingClientRect().left - (svg?.left ?? 0) }));
      },
    );
    expect(yTicks.some((t) => t.text === '$0.00008')).toBe(true);
    // A label starting left of the chart's own box is clipped (")0.0000800" was what showed).
    for (const t of yTicks) expect(t.left).toBeGreaterThanOrEqual(0);
    console.log('screenshot', await shot(page, 'new-user-05-replay-axes'));
  });
});
