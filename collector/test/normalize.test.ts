import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_BOOK, computeCost, type SpanRow } from '@cairn/schemas';
import type { Attributes, DecodedEvent, DecodedSpan } from '../src/otlp/decoded.js';
import { normalizeSpan } from '../src/normalize/normalize.js';
import { normalizeProvider } from '../src/normalize/provider.js';
import { MAX_PAYLOAD_CHARS, TRUNCATION_MARK } from '../src/normalize/attr-values.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';
const ctx = { projectId: 'p1', priceBook: DEFAULT_PRICE_BOOK };

function span(attributes: Attributes, over: Partial<DecodedSpan> = {}): DecodedSpan {
  return {
    traceId: TRACE,
    spanId: SPAN,
    parentSpanId: '00f067aa0ba902b7',
    name: 'step',
    spanKind: 1,
    startNs: 1_700_000_000_000_000_000n,
    endNs: 1_700_000_000_500_000_000n,
    attributes,
    events: [],
    statusCode: 0,
    statusMessage: '',
    resource: { 'service.name': 'svc' },
    scopeName: 'scope',
    scopeVersion: '1',
    ...over,
  };
}

function row(attributes: Attributes, over: Partial<DecodedSpan> = {}): SpanRow {
  const r = normalizeSpan(span(attributes, over), ctx);
  if (!('row' in r)) throw new Error(`rejected: ${r.rejected}`);
  return r.row;
}

function rejected(over: Partial<DecodedSpan>): string {
  const r = normalizeSpan(span({}, over), ctx);
  if (!('rejected' in r)) throw new Error('expected a rejection');
  return r.rejected;
}

const ev = (name: string, attributes: Attributes = {}, timeNs = 1_700_000_000_100_000_000n): DecodedEvent => ({
  name,
  timeNs,
  attributes,
});

describe('rejections', () => {
  it.each([
    [{ traceId: 'abc' }, /invalid trace id "abc"/],
    [{ traceId: '0'.repeat(32) }, /invalid trace id/],
    [{ traceId: 'g'.repeat(32) }, /invalid trace id/],
    [{ spanId: '' }, /invalid span id ""/],
    [{ spanId: '0'.repeat(16) }, /invalid span id/],
    [{ parentSpanId: '1234' }, /invalid parent span id/],
    [{ startNs: 0n }, /missing start time/],
    [{ endNs: 0n }, /missing end time/],
    [{ endNs: 1n }, /end time 1 is before start time/],
    [{ endNs: 2n ** 63n }, /beyond the year 2262/],
  ])('%o', (over, reason) => {
    expect(rejected(over)).toMatch(reason);
  });

  it('treats an all-zero parent span id as a root', () => {
    expect(row({}, { parentSpanId: '0000000000000000' }).parent_span_id).toBe('');
  });
});

describe('kind', () => {
  it.each<[Attributes, Partial<DecodedSpan>, string]>([
    [{ 'cairn.span.kind': 'state', 'gen_ai.operation.name': 'chat' }, {}, 'state'],
    [{ 'cairn.span.kind': 'bogus', 'gen_ai.operation.name': 'chat' }, {}, 'llm'],
    [{ 'gen_ai.operation.name': 'embeddings' }, {}, 'llm'],
    [{ 'gen_ai.operation.name': 'generate_content' }, {}, 'llm'],
    [{ 'gen_ai.operation.name': 'execute_tool' }, {}, 'tool'],
    [{ 'gen_ai.operation.name': 'create_agent' }, {}, 'agent'],
    [{ 'openinference.span.kind': 'RETRIEVER' }, {}, 'retrieval'],
    [{ 'openinference.span.kind': 'RERANKER' }, {}, 'retrieval'],
    [{ 'openinference.span.kind': 'EMBEDDING' }, {}, 'llm'],
    [{ 'openinference.span.kind': 'GUARDRAIL' }, {}, 'guardrail'],
    [{ 'openinference.span.kind': 'EVALUATOR' }, {}, 'other'],
    [{ 'openinference.span.kind': 'CHAIN' }, {}, 'step'],
    [{ 'openinference.span.kind': 'CHAIN', 'session.id': 's' }, { parentSpanId: '' }, 'step'],
    [{}, { name: 'ai.streamText.doStream' }, 'llm'],
    [{}, { name: 'ai.embed.doEmbed' }, 'llm'],
    [{}, { name: 'ai.streamText' }, 'agent'],
    [{}, { name: 'ai.embed' }, 'other'],
    [{ 'ai.operationId': 'ai.toolCall' }, { name: 'custom name' }, 'tool'],
    [{ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.prompt_tokens': 3 }, {}, 'llm'],
    [{ 'tool.name': 'search' }, {}, 'tool'],
    [{ 'gen_ai.conversation.id': 'c1' }, { parentSpanId: '' }, 'session'],
    [{ 'gen_ai.conversation.id': 'c1' }, {}, 'other'],
    [{}, { parentSpanId: '' }, 'other'],
  ])('%o %o → %s', (attrs, over, kind) => {
    expect(row(attrs, over).kind).toBe(kind);
  });
});

describe('context columns', () => {
  it('takes session, agent, workflow, user, autonomy in convention order', () => {
    const r = row({
      'gen_ai.conversation.id': 'conv',
      'session.id': 'oi-session',
      'gen_ai.agent.name': 'a1',
      'agent.name': 'a2',
      'gen_ai.workflow.name': 'wf',
      'ai.telemetry.functionId': 'fn',
      'user.id': 'u1',
      'cairn.autonomy_level': 'hotl',
    });
    expect([r.session_id, r.agent_name, r.workflow, r.user_id, r.autonomy_level, r.service_name]).toEqual([
      'conv',
      'a1',
      'wf',
      'u1',
      'hotl',
      'svc',
    ]);
    const attrs = JSON.parse(r.attributes) as Record<string, unknown>;
    expect(attrs['session.id']).toBe('oi-session');
    expect(attrs['agent.name']).toBe('a2');
    expect(attrs['ai.telemetry.functionId']).toBe('fn');
    expect(attrs['gen_ai.conversation.id']).toBeUndefined();
  });

  it('uses the Vercel functionId as workflow and agent when nothing else names them', () => {
    const r = row({ 'ai.telemetry.functionId': 'fn', 'ai.telemetry.metadata.userId': 'u2' });
    expect([r.agent_name, r.workflow, r.user_id]).toEqual(['fn', 'fn', 'u2']);
  });

  it('ignores an unknown autonomy level', () => {
    const r = row({ 'cairn.autonomy_level': 'yolo' });
    expect(r.autonomy_level).toBe('');
    expect(JSON.parse(r.attributes)).toEqual({ 'cairn.autonomy_level': 'yolo' });
  });

  it('prefers the response model and normalizes the provider', () => {
    const r = row({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gemini-2.5-flash',
      'gen_ai.response.model': 'gemini-2.5-flash-001',
      'gen_ai.system': 'vertex_ai',
    });
    expect(r.model).toBe('gemini-2.5-flash-001');
    expect(r.provider).toBe('gcp.vertex_ai');
    expect(JSON.parse(r.attributes)['gen_ai.request.model']).toBe('gemini-2.5-flash');
  });

  it('fills a missing provider from the price table', () => {
    expect(
      row({
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'claude-3-5-haiku-20241022',
        'gen_ai.usage.input_tokens': 1,
      }).provider,
    ).toBe('anthropic');
  });

  it.each([
    ['openai.responses', 'openai'],
    ['anthropic.messages', 'anthropic'],
    ['google.generative-ai', 'gcp.gemini'],
    ['google.vertex.chat', 'gcp.vertex_ai'],
    ['mistralai', 'mistral_ai'],
    ['mistral.chat', 'mistral_ai'],
    ['DeepSeek', 'deepseek'],
    ['amazon-bedrock', 'aws.bedrock'],
    ['az.ai.openai', 'azure.ai.openai'],
    ['xai', 'x_ai'],
    ['meta', 'meta'],
    ['some-new-lab', 'some-new-lab'],
  ])('provider %s → %s', (raw, want) => {
    expect(normalizeProvider(raw)).toBe(want);
  });
});

describe('tokens and cost', () => {
  const llm = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' };

  it('computes the cost from the price table, billing cache reads and writes at their rates', () => {
    const r = row({
      ...llm,
      'gen_ai.usage.input_tokens': 5000,
      'gen_ai.usage.output_tokens': 800,
      'gen_ai.usage.cache_read.input_tokens': 1000,
      'gen_ai.usage.reasoning.output_tokens': 300,
    });
    const price = DEFAULT_PRICE_BOOK.find('gpt-4o-mini');
    expect(price).toBeDefined();
    expect(r.cost_source).toBe('computed');
    expect(r.cost_usd).toBe(computeCost({ input_tokens: 5000, output_tokens: 800, cache_read_tokens: 1000 }, price!));
    expect(r.cost_usd).toBeCloseTo((4000 * 0.15 + 1000 * 0.075 + 800 * 0.6) / 1e6, 12);
    expect([r.input_tokens, r.output_tokens, r.cache_read_tokens, r.reasoning_tokens]).toEqual([5000, 800, 1000, 300]);
  });

  it('reads OpenInference cache-write and reasoning tokens and deprecated GenAI names', () => {
    const r = row({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'claude-sonnet-4-5',
      'llm.token_count.prompt': 3000,
      'llm.token_count.completion': 100,
      'llm.token_count.prompt_details.cache_write': 2000,
      'llm.token_count.completion_details.reasoning': 40,
    });
    expect([r.input_tokens, r.cache_write_tokens, r.reasoning_tokens, r.provider]).toEqual([3000, 2000, 40, 'anthropic']);
    expect(r.cost_usd).toBeCloseTo((1000 * 3 + 2000 * 3.75 + 100 * 15) / 1e6, 12);
    const d = row({ ...llm, 'gen_ai.usage.prompt_tokens': '12', 'gen_ai.usage.completion_tokens': 3 });
    expect([d.input_tokens, d.output_tokens]).toEqual([12, 3]);
  });

  it('adds cache tokens back when a source counted input without them', () => {
    const r = row({ ...llm, 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.cache_read.input_tokens': 1000 });
    expect(r.input_tokens).toBe(1010);
  });

  it('marks an unknown model as unknown with cost 0, and keeps its tokens', () => {
    const r = row({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'my-private-model',
      'gen_ai.usage.input_tokens': 10,
    });
    expect([r.cost_source, r.cost_usd, r.input_tokens]).toEqual(['unknown', 0, 10]);
    expect(row({ 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 10 }).cost_source).toBe('unknown');
  });

  it('lets a provided cost win, from cairn.cost.usd or llm.cost.total', () => {
    expect(row({ ...llm, 'gen_ai.usage.input_tokens': 10, 'cairn.cost.usd': 0.5 })).toMatchObject({
      cost_usd: 0.5,
      cost_source: 'provided',
    });
    expect(row({ ...llm, 'llm.cost.total': '0.25' })).toMatchObject({ cost_usd: 0.25, cost_source: 'provided' });
    expect(
      row({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'paid_search', 'cairn.cost.usd': 0.01 }),
    ).toMatchObject({ cost_usd: 0.01, cost_source: 'provided' });
    expect(row({ ...llm, 'cairn.cost.usd': -1, 'gen_ai.usage.input_tokens': 1000 }).cost_source).toBe('computed');
  });

  it('never puts cost or tokens on session and agent spans', () => {
    const agent = row({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 99,
      'cairn.cost.usd': 3,
    });
    expect(agent).toMatchObject({ kind: 'agent', input_tokens: 0, cost_usd: 0, cost_source: 'none' });
    expect(JSON.parse(agent.attributes)).toMatchObject({ 'gen_ai.usage.input_tokens': 99, 'cairn.cost.usd': 3 });
    const session = row({ 'cairn.span.kind': 'session', 'cairn.cost.usd': 3 });
    expect(session).toMatchObject({ cost_usd: 0, cost_source: 'none' });
  });

  it('gives other spans cost source none', () => {
    expect(row({ 'some.attr': 1 }).cost_source).toBe('none');
  });
});

describe('prompt and response from older and event-based conventions', () => {
  const CANON_IN = '[{"role":"user","content":"Hi"}]';
  const CANON_OUT = '[{"role":"assistant","content":"Hello!"}]';
  const chat = { 'gen_ai.operation.name': 'chat' };

  it('reads GenAI span events (gen_ai.user.message, gen_ai.choice) and drops them from events', () => {
    const r = row(chat, {
      events: [
        ev('gen_ai.user.message', { content: 'Hi' }),
        ev('gen_ai.choice', { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hello!' } }),
        ev('other'),
      ],
    });
    expect(r.input).toBe(CANON_IN);
    expect(r.output).toBe(CANON_OUT);
    expect(JSON.parse(r.events)).toEqual([{ name: 'other', time_ns: '1700000000100000000', attributes: {} }]);
  });

  it('reads the inference operation-details event', () => {
    const r = row(chat, {
      events: [
        ev('gen_ai.client.inference.operation.details', {
          'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]',
          'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"Hello!"}]}]',
        }),
      ],
    });
    expect([r.input, r.output, r.events]).toEqual([CANON_IN, CANON_OUT, '[]']);
  });

  it('reads OpenLLMetry flattened gen_ai.prompt.N / gen_ai.completion.N', () => {
    const r = row({
      ...chat,
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'Hi',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'Hello!',
    });
    // No token counts on this chat span: the collector says so (cairn.usage.reported).
    expect([r.input, r.output, r.attributes]).toEqual([
      CANON_IN,
      CANON_OUT,
      '{"gen_ai.operation.name":"chat","cairn.usage.reported":false}',
    ]);
  });

  it('keeps plain-text deprecated gen_ai.prompt / gen_ai.completion as text', () => {
    const r = row({ ...chat, 'gen_ai.prompt': 'Hi there', 'gen_ai.completion': 'Hello!' });
    expect([r.input, r.output]).toEqual(['Hi there', 'Hello!']);
  });

  it('renders tool calls and tool results in the canonical message shape', () => {
    const r = row({
      ...chat,
      'gen_ai.input.messages': JSON.stringify([
        { role: 'user', parts: [{ type: 'text', content: 'Weather?' }] },
        { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } }] },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: 'sunny' }] },
      ]),
    });
    expect(JSON.parse(r.input)).toEqual([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
      { role: 'tool', content: 'sunny', tool_call_id: 'c1' },
    ]);
    const oi = row({
      'openinference.span.kind': 'LLM',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'c1',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'get_weather',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"city":"Paris"}',
    });
    expect(JSON.parse(oi.output)).toEqual([
      { role: 'assistant', content: '', tool_calls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
    ]);
  });

  it('keeps invalid JSON messages as text rather than failing', () => {
    expect(row({ ...chat, 'gen_ai.input.messages': '[{"role":' }).input).toBe('[{"role":');
  });

  it('ignores absurd flattened message indexes instead of allocating them', () => {
    const r = row({
      'openinference.span.kind': 'LLM',
      'llm.input_messages.999999999.message.content': 'x',
      'llm.input_messages.0.message.content': 'y',
    });
    expect(JSON.parse(r.input)).toEqual([{ role: 'user', content: 'y' }]);
  });
});

describe('tools', () => {
  const tool = (args: string, name = 'search'): SpanRow =>
    row({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.arguments': args });

  it('gives equal calls the same key whatever their key order or spacing', () => {
    const a = tool('{"q":"x","n":{"b":1,"a":2}}');
    expect(a.tool_call_key).toBe(tool('{ "n": {"a": 2, "b": 1}, "q": "x" }').tool_call_key);
    expect(a.tool_call_key).not.toBe(tool('{"q":"y","n":{"b":1,"a":2}}').tool_call_key);
    expect(a.tool_call_key).not.toBe(tool('{"q":"x","n":{"b":1,"a":2}}', 'other').tool_call_key);
    expect(a.tool_call_key).toMatch(/^[0-9a-f]{16}$/);
    expect(a.input).toBe('{"q":"x","n":{"b":1,"a":2}}');
    // Keys stored before must still match: sha1(name NUL sorted-args), first 16 hex.
    expect(a.tool_call_key).toBe(
      createHash('sha1').update('search').update('\u0000').update('{"n":{"a":2,"b":1},"q":"x"}').digest('hex').slice(0, 16),
    );
  });

  it('keys non-JSON arguments by their text', () => {
    expect(tool('rm -rf /tmp/x').tool_call_key).toBe(tool('  rm -rf /tmp/x ').tool_call_key);
    expect(tool('rm -rf /tmp/x').input).toBe('rm -rf /tmp/x');
  });
});

describe('events, status, state, confidence', () => {
  it('stores the last state snapshot and flags escalations and limit hits', () => {
    const r = row(
      {},
      {
        events: [
          ev('cairn.state', { 'cairn.state.json': '{"step":1}' }),
          ev('cairn.escalation', { 'cairn.escalation.reason': 'low confidence', 'cairn.escalation.target': 'human' }),
          ev('cairn.state', { 'cairn.state.json': '{"step":2}' }),
          ev('cairn.limit.exceeded', { 'cairn.limit.kind': 'cost', 'cairn.limit.value': 1 }),
        ],
      },
    );
    expect(r.state).toBe('{"step":2}');
    expect(r.has_escalation).toBe(true);
    expect(r.has_limit_hit).toBe(true);
    const events = JSON.parse(r.events) as { name: string; attributes: Record<string, unknown> }[];
    expect(events.map((e) => e.name)).toEqual(['cairn.state', 'cairn.escalation', 'cairn.state', 'cairn.limit.exceeded']);
    expect(events[0]?.attributes).toEqual({ 'cairn.state.json': '{"step":1}' });
    expect(events[2]?.attributes).toEqual({});
    expect(row({ 'cairn.span.kind': 'escalation' }).has_escalation).toBe(true);
    expect(row({}).has_escalation || row({}).has_limit_hit).toBe(false);
  });

  it('flags a step carrying only a review decision and keeps the decision event for the replay', () => {
    const decision = { 'cairn.decision': 'edit', 'cairn.decision.by': 'ann', 'cairn.decision.action': '{"refund_usd":60}' };
    const r = row({}, { events: [ev('cairn.escalation.decision', decision)] });
    expect(r.has_escalation).toBe(true);
    const events = JSON.parse(r.events) as { name: string; attributes: Record<string, unknown> }[];
    expect(events).toEqual([expect.objectContaining({ name: 'cairn.escalation.decision', attributes: decision })]);
  });

  it('maps status codes, and an exception event to an error with its message', () => {
    expect(row({}, { statusCode: 2, statusMessage: 'boom' })).toMatchObject({ status: 'error', status_message: 'boom' });
    expect(row({}, { statusCode: 1 }).status).toBe('ok');
    expect(row({}).status).toBe('unset');
    expect(
      row({}, { events: [ev('exception', { 'exception.type': 'TimeoutError', 'exception.message': 'took too long' })] }),
    ).toMatchObject({
      status: 'error',
      status_message: 'TimeoutError: took too long',
    });
    expect(row({}, { statusCode: 1, events: [ev('exception', { 'exception.message': 'handled' })] }).status).toBe('ok');
  });

  it('accepts confidence in 0..1 only', () => {
    expect(row({ 'cairn.confidence': 0.7 }).confidence).toBe(0.7);
    expect(row({ 'cairn.confidence': '0.25' }).confidence).toBe(0.25);
    expect(row({ 'cairn.confidence': 1.5 }).confidence).toBeNull();
    expect(row({ 'cairn.confidence': 'high' }).confidence).toBeNull();
    expect(row({ 'gen_ai.evaluation.score.value': 0 }).confidence).toBe(0);
    expect(row({}, { events: [ev('gen_ai.evaluation.result', { 'gen_ai.evaluation.score.value': 0.9 })] }).confidence).toBe(0.9);
    expect(row({}).confidence).toBeNull();
  });
});

describe('size caps and odd values', () => {
  it('truncates a huge prompt with a marker and caps long attribute values', () => {
    const big = 'x'.repeat(MAX_PAYLOAD_CHARS + 10);
    const r = row({ 'input.value': big, 'some.blob': 'y'.repeat(100_000) });
    expect(r.input.length).toBeLessThan(MAX_PAYLOAD_CHARS + 100);
    expect(r.input.endsWith(`${TRUNCATION_MARK}${big.length}]`)).toBe(true);
    const blob = (JSON.parse(r.attributes) as Record<string, string>)['some.blob'] as string;
    expect(blob.length).toBeLessThan(100_000);
    expect(blob).toContain(TRUNCATION_MARK);
  });

  it('serializes int64 attributes beyond 2^53 as decimal strings', () => {
    expect(JSON.parse(row({ huge: 2n ** 60n, small: 1 }).attributes)).toEqual({ huge: String(2n ** 60n), small: 1 });
  });

  it('shares one resource JSON text across spans of a resource', () => {
    const resource = { 'service.name': 'svc', 'host.name': 'h' };
    const a = row({}, { resource });
    expect(a.resource_attributes).toBe('{"service.name":"svc","host.name":"h"}');
    expect(row({}, { resource }).resource_attributes).toBe(a.resource_attributes);
  });
});
