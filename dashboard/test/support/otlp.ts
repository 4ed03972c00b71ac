/**
 * Builds OTLP/JSON trace bodies with GenAI + cairn.* attributes (the data model, docs/ARCHITECTURE.md) and posts them to
 * the collector, so browser tests drive the real ingest path, not fixtures in the store.
 */
import { randomBytes } from 'node:crypto';

type Attr = string | number | boolean;
export interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startMs: number;
  endMs: number;
  attrs: Record<string, Attr>;
  events?: { name: string; timeMs: number; attrs: Record<string, Attr> }[];
  error?: string;
}

export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

function attrValue(v: Attr) {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}
const attrs = (a: Record<string, Attr>) => Object.entries(a).map(([key, v]) => ({ key, value: attrValue(v) }));
const ns = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

export function otlpBody(spans: SpanSpec[], service = 'dashboard-e2e') {
  return {
    resourceSpans: [
      {
        resource: { attributes: attrs({ 'service.name': service }) },
        scopeSpans: [
          {
            scope: { name: 'cairn-dashboard-test' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: 1,
              startTimeUnixNano: ns(s.startMs),
              endTimeUnixNano: ns(s.endMs),
              attributes: attrs(s.attrs),
              events: (s.events ?? []).map((e) => ({ name: e.name, timeUnixNano: ns(e.timeMs), attributes: attrs(e.attrs) })),
              status: s.error ? { code: 2, message: s.error } : { code: 1 },
            })),
          },
        ],
      },
    ],
  };
}

export async function sendSpans(otlpUrl: string, ingestKey: string, spans: SpanSpec[]): Promise<void> {
  const res = await fetch(`${otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
    body: JSON.stringify(otlpBody(spans)),
  });
  if (!res.ok) throw new Error(`OTLP ${res.status}: ${await res.text()}`);
}

export interface SessionPlan {
  sessionId: string;
  agent: string;
  user?: string;
  workflow?: string;
  /** Number of llm/tool rounds per sub-agent. */
  rounds: number;
  subAgents?: string[];
  costPerCall?: number;
  startMs?: number;
  escalateAt?: number;
  errorAt?: number;
  limitAt?: number;
  /** `cairn.session.title` on the root span (the sessions list shows it in place of the id). */
  title?: string;
}

/**
 * A realistic session: an orchestrator root, sub-agents running in parallel (overlapping in
 * time), each doing chat → tool rounds with state snapshots, falling confidence, and optionally
 * an escalation, a failing tool and a cap hit at given round numbers.
 */
export function sessionSpans(p: SessionPlan): SpanSpec[] {
  const traceId = hex(16);
  const t0 = p.startMs ?? Date.now() - 60_000;
  const base = {
    'gen_ai.conversation.id': p.sessionId,
    'user.id': p.user ?? 'u-1',
    'gen_ai.workflow.name': p.workflow ?? 'research',
  };
  const rootId = hex(8);
  const spans: SpanSpec[] = [];
  const subs = p.subAgents ?? [];
  const cost = p.costPerCall ?? 0.002;
  let end = t0;
  const state: Record<string, unknown> = { goal: 'answer the question', facts: [] as string[], plan: { step: 0 } };
  const lanes = subs.length ? subs : [p.agent];
  lanes.forEach((agent, lane) => {
    const laneId = subs.length ? hex(8) : rootId;
    let t = t0 + 50 + lane * 120;
    const laneStart = t;
    for (let r = 0; r < p.rounds; r++) {
      const conf = Math.max(0.2, 0.95 - r * 0.08 - lane * 0.03);
      const llmId = hex(8);
      const facts = state.facts as string[];
      if (lane === 0) {
        facts.push(`fact ${r}`);
        (state.plan as { step: number }).step = r + 1;
        if (r === 2) delete state.goal;
        if (r === 1) state.draft = 'first draft';
      }
      const events: SpanSpec['events'] = [
        { name: 'cairn.state', timeMs: t + 300, attrs: { 'cairn.state.json': JSON.stringify(state) } },
      ];
      if (lane === 0 && r === p.escalateAt) {
        events.push({
          name: 'cairn.escalation',
          timeMs: t + 350,
          attrs: { 'cairn.escalation.reason': 'low confidence', 'cairn.escalation.target': 'human' },
        });
      }
      if (lane === 0 && r === p.limitAt) {
        events.push({
          name: 'cairn.limit.exceeded',
          timeMs: t + 360,
          attrs: { 'cairn.limit.kind': 'cost', 'cairn.limit.value': 0.05 },
        });
      }
      spans.push({
        traceId,
        spanId: llmId,
        parentSpanId: laneId,
        name: `chat gpt-4o-mini`,
        startMs: t,
        endMs: t + 400,
        attrs: {
          ...base,
          'gen_ai.agent.name': agent,
          'gen_ai.operation.name': 'chat',
          'cairn.span.kind': 'llm',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.provider.name': 'openai',
          'gen_ai.usage.input_tokens': 800 + r * 50,
          'gen_ai.usage.output_tokens': 120,
          'cairn.cost.usd': cost,
          'cairn.confidence': Number(conf.toFixed(2)),
          'gen_ai.input.messages': JSON.stringify([
            { role: 'system', parts: [{ type: 'text', content: `You are ${agent}.` }] },
            { role: 'user', parts: [{ type: 'text', content: `Round ${r}: what next?` }] },
          ]),
          'gen_ai.output.messages': JSON.stringify([
            {
              role: 'assistant',
              parts: [
                { type: 'text', content: `Searching for fact ${r}.` },
                { type: 'tool_call', id: `call_${lane}_${r}`, name: 'search', arguments: { q: `fact ${r}` } },
              ],
            },
          ]),
        },
        events,
      });
      t += 420;
      const failing = lane === 0 && r === p.errorAt;
      spans.push({
        traceId,
        spanId: hex(8),
        parentSpanId: laneId,
        name: 'execute_tool search',
        startMs: t,
        endMs: t + 150,
        attrs: {
          ...base,
          'gen_ai.agent.name': agent,
          'gen_ai.operation.name': 'execute_tool',
          'cairn.span.kind': 'tool',
          'gen_ai.tool.name': 'search',
          'gen_ai.tool.call.id': `call_${lane}_${r}`,
          'gen_ai.tool.call.arguments': JSON.stringify({ q: `fact ${r}` }),
          'gen_ai.tool.call.result': failing ? '' : JSON.stringify({ hits: [`fact ${r} is true`] }),
        },
        error: failing ? 'search backend timed out' : undefined,
      });
      t += 170;
    }
    end = Math.max(end, t);
    if (subs.length) {
      spans.push({
        traceId,
        spanId: laneId,
        parentSpanId: rootId,
        name: `invoke_agent ${agent}`,
        startMs: laneStart - 10,
        endMs: t,
        attrs: { ...base, 'gen_ai.agent.name': agent, 'gen_ai.operation.name': 'invoke_agent', 'cairn.span.kind': 'agent' },
      });
    }
  });
  spans.push({
    traceId,
    spanId: rootId,
    name: `invoke_agent ${p.agent}`,
    startMs: t0,
    endMs: end + 20,
    attrs: {
      ...base,
      'gen_ai.agent.name': p.agent,
      'gen_ai.operation.name': 'invoke_agent',
      'cairn.span.kind': 'session',
      'cairn.autonomy_level': 'hotl',
      ...(p.title ? { 'cairn.session.title': p.title } : {}),
    },
  });
  return spans;
}

/** A flat session of `steps` spans (root included): llm calls with cost and confidence. */
export function bigSessionSpans(sessionId: string, steps: number, agent = 'bulk-agent'): SpanSpec[] {
  const traceId = hex(16);
  const t0 = Date.now() - steps * 20 - 5000;
  const rootId = hex(8);
  const base = { 'gen_ai.conversation.id': sessionId, 'gen_ai.agent.name': agent, 'user.id': 'load-test' };
  const spans: SpanSpec[] = [
    {
      traceId,
      spanId: rootId,
      name: `invoke_agent ${agent}`,
      startMs: t0,
      endMs: t0 + steps * 20 + 10,
      attrs: { ...base, 'cairn.span.kind': 'session' },
    },
  ];
  for (let i = 1; i < steps; i++) {
    const s = t0 + i * 20;
    spans.push({
      traceId,
      spanId: hex(8),
      parentSpanId: rootId,
      name: i % 2 ? 'chat gpt-4o-mini' : 'execute_tool lookup',
      startMs: s,
      endMs: s + 15,
      attrs:
        i % 2
          ? {
              ...base,
              'cairn.span.kind': 'llm',
              'gen_ai.operation.name': 'chat',
              'gen_ai.request.model': 'gpt-4o-mini',
              'gen_ai.usage.input_tokens': 100,
              'gen_ai.usage.output_tokens': 20,
              'cairn.cost.usd': 0.0001,
              'cairn.confidence': 0.5 + 0.4 * Math.sin(i / 50),
            }
          : {
              ...base,
              'cairn.span.kind': 'tool',
              'gen_ai.operation.name': 'execute_tool',
              'gen_ai.tool.name': 'lookup',
              'gen_ai.tool.call.arguments': `{"i":${i}}`,
              'gen_ai.tool.call.result': '{"ok":true}',
            },
    });
  }
  return spans;
}

/**
 * A session stuck in a retry loop: a root and `repeats` calls of one tool with the same
 * arguments (the alert engine's retry_loop detector fires at 5 by default). The key order
 * varies: the collector's canonical arguments still make them one call.
 */
export function retryLoopSpans(sessionId: string, agent: string, repeats = 5): SpanSpec[] {
  const traceId = hex(16);
  const t0 = Date.now() - 30_000;
  const rootId = hex(8);
  const base = { 'gen_ai.conversation.id': sessionId, 'gen_ai.agent.name': agent, 'user.id': 'looper' };
  const spans: SpanSpec[] = [
    {
      traceId,
      spanId: rootId,
      name: `invoke_agent ${agent}`,
      startMs: t0,
      endMs: t0 + repeats * 200 + 100,
      attrs: { ...base, 'gen_ai.operation.name': 'invoke_agent', 'cairn.span.kind': 'session' },
    },
  ];
  for (let i = 0; i < repeats; i++) {
    spans.push({
      traceId,
      spanId: hex(8),
      parentSpanId: rootId,
      name: 'execute_tool fetch_invoice',
      startMs: t0 + 50 + i * 200,
      endMs: t0 + 150 + i * 200,
      attrs: {
        ...base,
        'gen_ai.operation.name': 'execute_tool',
        'cairn.span.kind': 'tool',
        'gen_ai.tool.name': 'fetch_invoice',
        'gen_ai.tool.call.arguments': i % 2 ? '{"page":1,"id":"inv-42"}' : '{"id":"inv-42","page":1}',
      },
      error: 'upstream returned nothing',
    });
  }
  return spans;
}
