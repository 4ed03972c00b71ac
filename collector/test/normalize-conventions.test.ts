import { context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_BOOK, computeCost, type SpanRow } from '@cairn/schemas';
import { decodeTraceRequestProto } from '../src/otlp/otlp-proto.js';
import { normalizeSpan } from '../src/normalize/normalize.js';
import { normalizeSpans } from '../src/normalize/normalize-batch.js';
import { recordWithSdk, toProto } from './otlp-fixtures.js';

/*
 * One conversation — a weather bot answering "Weather in Paris?" after one tool call — as three
 * instrumentations emit it, built from their published attribute names: OpenTelemetry GenAI
 * semantic conventions, OpenInference (openinference-instrumentation-openai / langchain style)
 * and the Vercel AI SDK's telemetry. Each goes through the real pipeline: OTel SDK spans →
 * OTLP protobuf → decoder → normalizer.
 */

const SYSTEM = 'You are a weather bot.';
const QUESTION = 'Weather in Paris?';
const ANSWER = 'Sunny, 24°C.';
const CANON_INPUT = JSON.stringify([
  { role: 'system', content: SYSTEM },
  { role: 'user', content: QUESTION },
]);
const CANON_OUTPUT = JSON.stringify([{ role: 'assistant', content: ANSWER }]);

function child(tracer: Tracer, parent: Span, name: string, attributes: Attributes): Span {
  return tracer.startSpan(name, { attributes }, trace.setSpan(context.active(), parent));
}

async function rows(build: (tracer: Tracer) => void): Promise<Map<string, SpanRow>> {
  const spans = await recordWithSdk(build, { 'service.name': 'weather-service' });
  const { rows: normalized, rejected } = normalizeSpans(decodeTraceRequestProto(toProto(spans)), {
    projectId: 'proj-1',
    priceBook: DEFAULT_PRICE_BOOK,
  });
  expect(rejected).toEqual([]);
  return new Map(normalized.map((r) => [r.name, r]));
}

function get(m: Map<string, SpanRow>, name: string): SpanRow {
  const r = m.get(name);
  if (!r) throw new Error(`no row named ${name}: ${[...m.keys()].join(', ')}`);
  return r;
}

const genAi = (): Promise<Map<string, SpanRow>> =>
  rows((tracer) => {
    const common = { 'gen_ai.conversation.id': 'sess-42', 'user.id': 'user-7' };
    const agent = tracer.startSpan('invoke_agent weather-bot', {
      attributes: {
        ...common,
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'weather-bot',
        // an aggregate over the run: must not be counted again
        'gen_ai.usage.input_tokens': 1200,
        'gen_ai.usage.output_tokens': 300,
      },
    });
    const tool = child(tracer, agent, 'execute_tool get_weather', {
      ...common,
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.call.id': 'call_1',
      'gen_ai.tool.call.arguments': '{"city":"Paris","unit":"c"}',
      'gen_ai.tool.call.result': '{"temp":24}',
    });
    tool.end();
    const chat = child(tracer, agent, 'chat gpt-4o', {
      ...common,
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.cache_read.input_tokens': 200,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: SYSTEM }]),
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: QUESTION }] }]),
      'gen_ai.output.messages': JSON.stringify([
        { role: 'assistant', parts: [{ type: 'text', content: ANSWER }], finish_reason: 'stop' },
      ]),
    });
    chat.end();
    agent.end();
  });

const openInference = (): Promise<Map<string, SpanRow>> =>
  rows((tracer) => {
    const common = { 'session.id': 'sess-42', 'user.id': 'user-7' };
    const agent = tracer.startSpan('AgentExecutor', {
      attributes: {
        ...common,
        'openinference.span.kind': 'AGENT',
        'agent.name': 'weather-bot',
        'input.value': QUESTION,
        'output.value': ANSWER,
      },
    });
    const tool = child(tracer, agent, 'get_weather', {
      ...common,
      'openinference.span.kind': 'TOOL',
      'tool.name': 'get_weather',
      'tool.description': 'Current weather for a city',
      'tool.parameters': '{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string"}}}',
      // Python's json.dumps: spaces, and this caller's own key order
      'input.value': '{"unit": "c", "city": "Paris"}',
      'input.mime_type': 'application/json',
      'output.value': '{"temp":24}',
    });
    tool.end();
    const llm = child(tracer, agent, 'ChatCompletion', {
      ...common,
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-2024-08-06',
      'llm.provider': 'openai',
      'llm.system': 'openai',
      'llm.invocation_parameters': '{"temperature":0.2}',
      'llm.token_count.prompt': 1200,
      'llm.token_count.completion': 300,
      'llm.token_count.total': 1500,
      'llm.token_count.prompt_details.cache_read': 200,
      'llm.input_messages.0.message.role': 'system',
      'llm.input_messages.0.message.content': SYSTEM,
      'llm.input_messages.1.message.role': 'user',
      'llm.input_messages.1.message.contents.0.message_content.type': 'text',
      'llm.input_messages.1.message.contents.0.message_content.text': QUESTION,
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.content': ANSWER,
      'input.value': JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: QUESTION }] }),
      'input.mime_type': 'application/json',
      'output.value': JSON.stringify({ choices: [{ message: { role: 'assistant', content: ANSWER } }] }),
    });
    llm.end();
    agent.end();
  });

const vercel = (): Promise<Map<string, SpanRow>> =>
  rows((tracer) => {
    const meta = {
      'ai.telemetry.functionId': 'weather-bot',
      'ai.telemetry.metadata.sessionId': 'sess-42',
      'ai.telemetry.metadata.userId': 'user-7',
      'ai.model.id': 'gpt-4o',
      'ai.model.provider': 'openai.chat',
    };
    const outer = tracer.startSpan('ai.generateText', {
      attributes: {
        ...meta,
        'operation.name': 'ai.generateText weather-bot',
        'ai.operationId': 'ai.generateText',
        'ai.prompt': JSON.stringify({ system: SYSTEM, prompt: QUESTION }),
        'ai.response.text': ANSWER,
        'ai.response.finishReason': 'stop',
        // the same usage as the doGenerate child: only the child may count it
        'ai.usage.promptTokens': 1200,
        'ai.usage.completionTokens': 300,
      },
    });
    const toolCall = child(tracer, outer, 'ai.toolCall', {
      'operation.name': 'ai.toolCall',
      'ai.operationId': 'ai.toolCall',
      'ai.toolCall.name': 'get_weather',
      'ai.toolCall.id': 'call_1',
      'ai.toolCall.args': '{"city":"Paris","unit":"c"}',
      'ai.toolCall.result': '{"temp":24}',
    });
    toolCall.end();
    const inner = child(tracer, outer, 'ai.generateText.doGenerate', {
      ...meta,
      'operation.name': 'ai.generateText.doGenerate weather-bot',
      'ai.operationId': 'ai.generateText.doGenerate',
      'ai.prompt.messages': JSON.stringify([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: [{ type: 'text', text: QUESTION }] },
      ]),
      'ai.response.text': ANSWER,
      'ai.response.finishReason': 'stop',
      'ai.response.model': 'gpt-4o-2024-08-06',
      'ai.usage.inputTokens': 1200,
      'ai.usage.outputTokens': 300,
      'ai.usage.cachedInputTokens': 200,
      'gen_ai.system': 'openai.chat',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 300,
    });
    inner.end();
    outer.end();
  });

const price = DEFAULT_PRICE_BOOK.find('gpt-4o-2024-08-06');
const EXPECTED_COST = price ? computeCost({ input_tokens: 1200, output_tokens: 300, cache_read_tokens: 200 }, price) : NaN;

describe('the same conversation from three instrumentations', () => {
  it('maps each LLM call to the same canonical row', async () => {
    const llms = [
      get(await genAi(), 'chat gpt-4o'),
      get(await openInference(), 'ChatCompletion'),
      get(await vercel(), 'ai.generateText.doGenerate'),
    ];
    for (const r of llms) {
      expect({
        session_id: r.session_id,
        kind: r.kind,
        model: r.model,
        provider: r.provider,
        user_id: r.user_id,
        service_name: r.service_name,
        input_tokens: r.input_tokens,
        output_tokens: r.output_tokens,
        cache_read_tokens: r.cache_read_tokens,
        cost_source: r.cost_source,
        input: r.input,
        output: r.output,
      }).toEqual({
        session_id: 'sess-42',
        kind: 'llm',
        model: 'gpt-4o-2024-08-06',
        provider: 'openai',
        user_id: 'user-7',
        service_name: 'weather-service',
        input_tokens: 1200,
        output_tokens: 300,
        cache_read_tokens: 200,
        cost_source: 'computed',
        input: CANON_INPUT,
        output: CANON_OUTPUT,
      });
      expect(r.cost_usd).toBeCloseTo(EXPECTED_COST, 12);
      expect(r.project_id).toBe('proj-1');
      expect(r.tool_call_key).toBe('');
    }
  });

  it('computes the cost from the price table: (1000 × 2.50 + 200 × 1.25 + 300 × 10) / 1e6 USD for gpt-4o', () => {
    expect(price?.model).toBe('gpt-4o');
    expect(EXPECTED_COST).toBeCloseTo(0.00575, 12);
  });

  it('maps each tool call to the same tool row and retry key', async () => {
    const tools = [
      get(await genAi(), 'execute_tool get_weather'),
      get(await openInference(), 'get_weather'),
      get(await vercel(), 'ai.toolCall'),
    ];
    const keys = new Set(tools.map((t) => t.tool_call_key));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f]{16}$/);
    for (const t of tools) {
      expect(t.kind).toBe('tool');
      expect(t.tool_name).toBe('get_weather');
      expect(JSON.parse(t.input)).toEqual({ city: 'Paris', unit: 'c' });
      expect(t.output).toBe('{"temp":24}');
      expect(t.cost_source).toBe('none');
      expect(t.input_tokens + t.output_tokens).toBe(0);
    }
    // Vercel's ai.toolCall span has no metadata of its own: the batch gives it its parent's.
    expect(tools.map((t) => [t.session_id, t.user_id, t.agent_name])).toEqual([
      ['sess-42', 'user-7', 'weather-bot'],
      ['sess-42', 'user-7', 'weather-bot'],
      ['sess-42', 'user-7', 'weather-bot'],
    ]);
  });

  it('falls back to the trace id for a lone span without a session id', async () => {
    const spans = await recordWithSdk((tracer) => {
      tracer
        .startSpan('ai.toolCall', {
          attributes: { 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': 'x', 'ai.toolCall.args': '{}' },
        })
        .end();
    });
    const [d] = decodeTraceRequestProto(toProto(spans));
    const r = normalizeSpan(d!, { projectId: 'p', priceBook: DEFAULT_PRICE_BOOK });
    expect('row' in r && r.row.session_id).toBe(d?.traceId);
  });

  it('never counts an agent span or the Vercel outer call: per-run totals equal the one LLM call', async () => {
    for (const run of [await genAi(), await openInference(), await vercel()]) {
      const all = [...run.values()];
      expect(all.reduce((s, r) => s + r.input_tokens, 0)).toBe(1200);
      expect(all.reduce((s, r) => s + r.output_tokens, 0)).toBe(300);
      expect(all.reduce((s, r) => s + r.cost_usd, 0)).toBeCloseTo(EXPECTED_COST, 12);
      expect(all.filter((r) => r.kind === 'llm')).toHaveLength(1);
    }
  });

  it('keeps the agent aggregates in attributes and names the agent', async () => {
    const g = get(await genAi(), 'invoke_agent weather-bot');
    expect(g.kind).toBe('agent');
    expect(g.agent_name).toBe('weather-bot');
    expect(g.cost_source).toBe('none');
    expect(JSON.parse(g.attributes)).toMatchObject({ 'gen_ai.usage.input_tokens': 1200, 'gen_ai.usage.output_tokens': 300 });

    const o = get(await openInference(), 'AgentExecutor');
    expect(o.kind).toBe('agent');
    expect(o.agent_name).toBe('weather-bot');
    expect(o.input).toBe(QUESTION);
    expect(o.output).toBe(ANSWER);

    const v = get(await vercel(), 'ai.generateText');
    expect(v).toMatchObject({
      kind: 'agent',
      agent_name: 'weather-bot',
      workflow: 'weather-bot',
      input_tokens: 0,
      output_tokens: 0,
      cost_usd: 0,
      cost_source: 'none',
    });
    expect(JSON.parse(v.attributes)).toMatchObject({ 'ai.usage.promptTokens': 1200, 'ai.usage.completionTokens': 300 });
    expect(v.input).toBe(CANON_INPUT);
    expect(v.output).toBe(CANON_OUTPUT);
  });

  it('moves mapped attributes out of the attributes JSON and keeps the rest', async () => {
    const o = get(await openInference(), 'ChatCompletion');
    const attrs = JSON.parse(o.attributes) as Record<string, unknown>;
    expect(Object.keys(attrs).some((k) => k.startsWith('llm.input_messages.'))).toBe(false);
    expect(attrs['llm.model_name']).toBeUndefined();
    expect(attrs['llm.token_count.prompt']).toBeUndefined();
    expect(attrs['session.id']).toBeUndefined();
    expect(attrs['llm.invocation_parameters']).toBe('{"temperature":0.2}');
    expect(attrs['llm.token_count.total']).toBe(1500);
    expect(attrs['openinference.span.kind']).toBe('LLM');
    expect(JSON.parse(o.resource_attributes)).toMatchObject({ 'service.name': 'weather-service' });
  });
});
