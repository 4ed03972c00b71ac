import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  agent,
  confidence,
  currentUsage,
  escalate,
  llm,
  plan,
  retrieval,
  session,
  shutdown,
  snapshot,
  step,
  tool,
} from '../src/index.js';
import type { Memory } from './helpers.js';
import { attr, byName, idOf, initMemory, kindOf, parentOf } from './helpers.js';

let mem: Memory;
beforeAll(() => {
  mem = initMemory();
});
afterAll(async () => {
  await shutdown();
});

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a session', () => {
  it('puts nested agents, parallel sub-agents and async work in one session with the right structure', async () => {
    const seen: unknown[] = [];
    const result = await session(
      {
        id: 'sess-nested',
        agent: 'orchestrator',
        user: 'u-1',
        workflow: 'weekly-report',
        autonomy: 'hotl',
        tags: ['demo'],
        title: 'Weekly report for u-1',
      },
      async (s) => {
        expect(s.id).toBe('sess-nested');
        await agent('planner', async () => {
          await step('plan', () => 'plan ready');
        });
        const parts = await Promise.all(
          ['a', 'b', 'c'].map((seg) =>
            agent(`analyzer-${seg}`, async () => {
              await tick(seg === 'a' ? 15 : 1);
              return tool('query', { segment: seg }, async () => {
                // setTimeout and promise chains keep the context
                await new Promise((r) => setTimeout(r, 2));
                return { rows: seg.length };
              });
            }),
          ),
        );
        seen.push(...parts);
        return 'done';
      },
    );
    expect(result).toBe('done');
    expect(seen).toEqual([{ rows: 1 }, { rows: 1 }, { rows: 1 }]);

    const spans = (await mem.spans()).filter((s) => s.attributes['gen_ai.conversation.id'] === 'sess-nested');
    expect(spans).toHaveLength(1 + 1 + 1 + 3 + 3);
    const root = byName(spans, 'session orchestrator');
    expect(kindOf(root)).toBe('session');
    expect(parentOf(root)).toBeUndefined();
    expect(root.attributes).toMatchObject({
      'gen_ai.agent.name': 'orchestrator',
      'user.id': 'u-1',
      'gen_ai.workflow.name': 'weekly-report',
      'cairn.autonomy_level': 'hotl',
      // A run that names a workflow is a GenAI workflow invocation (semantic-conventions-genai).
      'gen_ai.operation.name': 'invoke_workflow',
      'cairn.session.title': 'Weekly report for u-1',
    });
    expect(attr(root, 'cairn.tags')).toEqual(['demo']);
    // One trace; every span carries the session, workflow and user.
    for (const s of spans) {
      expect(s.spanContext().traceId).toBe(root.spanContext().traceId);
      expect(s.attributes['user.id']).toBe('u-1');
      expect(s.attributes['gen_ai.workflow.name']).toBe('weekly-report');
    }
    const planner = byName(spans, 'invoke_agent planner');
    expect(parentOf(planner)).toBe(idOf(root));
    expect(parentOf(byName(spans, 'plan'))).toBe(idOf(planner));
    expect(byName(spans, 'plan').attributes['gen_ai.agent.name']).toBe('planner');
    const tools = spans.filter((s) => kindOf(s) === 'tool');
    expect(tools).toHaveLength(3);
    for (const seg of ['a', 'b', 'c']) {
      const a = byName(spans, `invoke_agent analyzer-${seg}`);
      expect(parentOf(a)).toBe(idOf(root));
      const t = tools.find((x) => parentOf(x) === idOf(a));
      expect(t, `tool under analyzer-${seg}`).toBeDefined();
      // the enclosing agent's name is on every span inside it
      expect(t!.attributes['gen_ai.agent.name']).toBe(`analyzer-${seg}`);
      expect(t!.attributes['gen_ai.tool.call.arguments']).toBe(JSON.stringify({ segment: seg }));
      expect(t!.attributes['gen_ai.tool.call.result']).toBe('{"rows":1}');
      expect(t!.attributes['gen_ai.operation.name']).toBe('execute_tool');
    }
  });

  it('records snapshots, confidence, escalations and retrieval on the current step', async () => {
    await session({ id: 'sess-events', agent: 'support' }, async () => {
      await retrieval('refund policy', () => [{ id: 'kb-1', text: 'Refunds within 30 days' }], { source: 'kb' });
      await step('decide', (s) => {
        snapshot({ ticket: 42, stage: 'triage' });
        confidence(0.42);
        escalate('confidence below 0.6', 'tier-2');
        s.snapshot({ ticket: 42, stage: 'escalated' });
      });
      confidence(7); // out of range: ignored, never thrown
    });
    const spans = (await mem.spans()).filter((s) => s.attributes['gen_ai.conversation.id'] === 'sess-events');
    const r = byName(spans, 'retrieval kb');
    expect(kindOf(r)).toBe('retrieval');
    // GenAI retrieval names (semantic-conventions-genai docs/registry/attributes/gen-ai.md).
    expect(r.attributes).toMatchObject({
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': 'kb',
      'gen_ai.retrieval.query.text': 'refund policy',
    });
    expect(JSON.parse(String(attr(r, 'gen_ai.retrieval.documents')))).toEqual([{ id: 'kb-1', text: 'Refunds within 30 days' }]);
    expect(attr(r, 'gen_ai.input.messages')).toBeUndefined();
    const d = byName(spans, 'decide');
    expect(kindOf(d)).toBe('step');
    expect(attr(d, 'cairn.confidence')).toBe(0.42);
    const states = d.events
      .filter((e) => e.name === 'cairn.state')
      .map((e) => JSON.parse(String(e.attributes?.['cairn.state.json'])));
    expect(states).toEqual([
      { ticket: 42, stage: 'triage' },
      { ticket: 42, stage: 'escalated' },
    ]);
    const esc = d.events.find((e) => e.name === 'cairn.escalation');
    expect(esc?.attributes).toEqual({ 'cairn.escalation.reason': 'confidence below 0.6', 'cairn.escalation.target': 'tier-2' });
    expect(attr(byName(spans, 'session support'), 'cairn.confidence')).toBeUndefined();
  });

  it('emits the GenAI operation of each kind: plan, and invoke_agent for a run without a workflow', async () => {
    await session({ id: 'sess-ops', agent: 'solo' }, async () => {
      await plan(() => ['look up', 'answer'], { input: 'refund?' });
    });
    const spans = (await mem.spans()).filter((s) => s.attributes['gen_ai.conversation.id'] === 'sess-ops');
    const p = byName(spans, 'plan');
    expect(kindOf(p)).toBe('step');
    expect(p.attributes).toMatchObject({ 'gen_ai.operation.name': 'plan', 'gen_ai.agent.name': 'solo' });
    expect(String(attr(p, 'gen_ai.output.messages'))).toContain('look up');
    expect(attr(byName(spans, 'session solo'), 'gen_ai.operation.name')).toBe('invoke_agent');
  });

  it('records errors with an error status and one exception event where they happened', async () => {
    await expect(
      session({ id: 'sess-err', agent: 'a' }, async () => {
        await agent('worker', async () => {
          await tool('flaky', { n: 1 }, () => {
            throw new TypeError('upstream timeout');
          });
        });
      }),
    ).rejects.toThrow('upstream timeout');
    const spans = (await mem.spans()).filter((s) => s.attributes['gen_ai.conversation.id'] === 'sess-err');
    const t = byName(spans, 'execute_tool flaky');
    expect(t.status).toEqual({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
    const ex = t.events.filter((e) => e.name === 'exception');
    expect(ex).toHaveLength(1);
    expect(ex[0]!.attributes?.['exception.type']).toBe('TypeError');
    for (const name of ['invoke_agent worker', 'session a']) {
      const s = byName(spans, name);
      expect(s.status.code).toBe(SpanStatusCode.ERROR);
      expect(s.events.filter((e) => e.name === 'exception')).toHaveLength(0);
    }
  });

  it('exposes the running cost and tokens, priced like the collector', async () => {
    const seen: number[] = [];
    await session({ id: 'sess-cost', agent: 'a' }, async (s) => {
      expect(currentUsage()?.costUsd).toBe(0);
      await llm({ model: 'gpt-4o-mini', provider: 'openai', input: 'hi' }, (call) => {
        call.record({ usage: { inputTokens: 10_000, outputTokens: 2_000, cacheReadTokens: 4_000 }, output: 'hello' });
      });
      seen.push(s.usage().costUsd);
      await llm({ model: 'gpt-4o-mini' }, (call) => call.record({ usage: { inputTokens: 1000, outputTokens: 0 } }));
      seen.push(currentUsage()!.costUsd);
      expect(s.usage()).toMatchObject({
        inputTokens: 11_000,
        outputTokens: 2_000,
        cacheReadTokens: 4_000,
        llmCalls: 2,
        steps: 2,
        totalTokens: 13_000,
      });
    });
    // gpt-4o-mini: $0.15/M input, $0.075/M cache read, $0.60/M output
    const first = (6000 * 0.15 + 4000 * 0.075 + 2000 * 0.6) / 1e6;
    expect(seen[0]).toBeCloseTo(first, 12);
    expect(seen[1]).toBeCloseTo(first + (1000 * 0.15) / 1e6, 12);
    const spans = (await mem.spans()).filter((s) => s.attributes['gen_ai.conversation.id'] === 'sess-cost');
    const calls = spans.filter((s) => kindOf(s) === 'llm');
    expect(calls.map((c) => c.attributes['cairn.cost.usd'])).toEqual([expect.closeTo(first, 12), expect.closeTo(0.00015, 12)]);
    expect(calls[0]!.attributes).toMatchObject({
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.input_tokens': 10_000,
      'gen_ai.usage.output_tokens': 2_000,
      'gen_ai.usage.cache_read.input_tokens': 4_000,
    });
    // no double counting: cost only on LLM spans
    for (const s of spans.filter((x) => kindOf(x) !== 'llm')) expect(s.attributes['cairn.cost.usd']).toBeUndefined();
  });
});
