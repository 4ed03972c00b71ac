/**
 * The replay of a run traced with the current OpenTelemetry GenAI conventions
 * (open-telemetry/semantic-conventions-genai: operation names from docs/registry/attributes/gen-ai.md,
 * `apply_guardrail` from docs/gen-ai/gen-ai-guardrails.md, MCP from model/mcp/*.yaml, the
 * `gen_ai.evaluation.result` event from model/gen-ai/events.yaml), in Chromium against a real
 * `startCairn`: the new kinds are labelled, an MCP tool call shows its server, the model call its
 * tool definitions and its evaluation scores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launch, send, shot, signIn, startEnv, type Env } from './support/fixture';
import { hex, type SpanSpec } from './support/otlp';

const SESSION = 'sess-genai-replay';
let env: Env;
let browser: Browser;
let page: Page;

const trace = hex(16);
const ids = { wf: hex(8), agent: hex(8), memory: hex(8), chat: hex(8), mcp: hex(8), guard: hex(8) };

function genAiRun(): SpanSpec[] {
  const t0 = Date.now() - 10_000;
  const conv = { 'gen_ai.conversation.id': SESSION };
  const span = (id: string, parent: string | undefined, name: string, at: number, attrs: SpanSpec['attrs']): SpanSpec => ({
    traceId: trace,
    spanId: id,
    ...(parent ? { parentSpanId: parent } : {}),
    name,
    startMs: t0 + at,
    endMs: t0 + at + 100,
    attrs: { ...conv, ...attrs },
  });
  return [
    {
      ...span(ids.wf, undefined, 'invoke_workflow trip_planner', 0, {
        'gen_ai.operation.name': 'invoke_workflow',
        'gen_ai.workflow.name': 'trip_planner',
      }),
      endMs: t0 + 1000,
    },
    {
      ...span(ids.agent, ids.wf, 'invoke_agent planner', 10, {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'planner',
      }),
      endMs: t0 + 900,
    },
    span(ids.memory, ids.agent, 'search_memory prefs', 100, {
      'gen_ai.operation.name': 'search_memory',
      'gen_ai.memory.query.text': 'seat preference',
      'gen_ai.memory.records': JSON.stringify([{ id: 'mem_1', content: 'aisle seat' }]),
    }),
    {
      ...span(ids.chat, ids.agent, 'chat gpt-4o', 300, {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 1000,
        'gen_ai.usage.output_tokens': 200,
        'gen_ai.tool.definitions': JSON.stringify([{ type: 'function', name: 'search_flights', description: 'Find flights' }]),
      }),
      events: [
        {
          name: 'gen_ai.evaluation.result',
          timeMs: t0 + 450,
          attrs: {
            'gen_ai.evaluation.name': 'Relevance',
            'gen_ai.evaluation.score.value': 4.5,
            'gen_ai.evaluation.explanation': 'On topic.',
          },
        },
      ],
    },
    span(ids.mcp, ids.agent, 'tools/call search_flights', 500, {
      'mcp.method.name': 'tools/call',
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'search_flights',
      'server.address': 'flights.mcp.internal',
      'server.port': 8443,
    }),
    span(ids.guard, ids.agent, 'apply_guardrail Amazon Bedrock Guardrails', 700, {
      'gen_ai.operation.name': 'apply_guardrail',
      'gen_ai.guardrail.result.type': 'action',
      'gen_ai.guardrail.result.value': 'NONE',
    }),
  ];
}

beforeAll(async () => {
  env = await startEnv({ CAIRN_ALERT_INTERVAL_MS: '600000' });
  await send(env, genAiRun());
  browser = await launch();
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await signIn(page, env.cairn.apiUrl);
});

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const openStep = async (spanId: string): Promise<void> => {
  await page.goto(`${env.cairn.apiUrl}/sessions/${SESSION}?step=${spanId}`);
  await page.waitForSelector(`[data-testid=step-panel][data-span="${spanId}"]`);
};

describe('replay of a GenAI-convention run', () => {
  it('labels each step with its kind, memory and guardrail included', async () => {
    await openStep(ids.memory);
    const kinds = await page.$$eval('.tree-row .kind', (els) => els.map((e) => e.textContent));
    expect(kinds).toEqual(['session', 'agent', 'memory', 'llm', 'tool', 'guardrail']);
    expect(await page.textContent('[data-testid=step-panel] .step-head .kind')).toBe('memory');
    await page.waitForSelector('[data-testid=messages]');
    expect(await page.textContent('[data-testid=step-panel]')).toContain('aisle seat');
    await shot(page, 'genai-01-memory-step');
  });

  it('shows an MCP tool call with its server', async () => {
    await openStep(ids.mcp);
    await page.waitForSelector('[data-testid=tool-server]');
    expect(await page.textContent('[data-testid=tool]')).toContain('search_flights');
    expect(await page.textContent('[data-testid=tool-server]')).toContain('MCP tools/call on flights.mcp.internal:8443');
  });

  it("shows the model call's tool definitions and its evaluation score", async () => {
    await openStep(ids.chat);
    await page.waitForSelector('[data-testid=tool-definitions]');
    expect(await page.textContent('[data-testid=tool-definitions]')).toContain('search_flights');
    await page.waitForSelector('[data-testid=step-score]');
    expect(await page.textContent('[data-testid=step-score][data-source=eval]')).toBe('Relevance 4.5');
    expect(await page.getAttribute('[data-testid=step-score]', 'title')).toBe('On topic.');
    await shot(page, 'genai-02-chat-scores');
  });
});
