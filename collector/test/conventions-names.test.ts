import { context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_BOOK, type SpanRow } from '@cairn/schemas';
import { USAGE_REPORTED_ATTR } from '../src/normalize/conventions-names.js';
import { decodeTraceRequestProto } from '../src/otlp/otlp-proto.js';
import { normalizeSpans } from '../src/normalize/normalize-batch.js';
import { normalizeProvider } from '../src/normalize/provider.js';
import { recordWithSdk, toProto } from './otlp-fixtures.js';

/*
 * Agent, tool, user and session names from OpenInference and LangChain (through OpenInference),
 * with spans built by the official OpenTelemetry SDK from the attribute names those
 * instrumentations publish (openinference-semantic-conventions: `openinference.span.kind`,
 * `input.value`, `llm.model_name`, `llm.provider`, `llm.input_messages.N.message.*`,
 * `tool.name`, `session.id`, `metadata`), through OTLP protobuf, the decoder and the normalizer.
 */

function child(tracer: Tracer, parent: Span, name: string, attributes: Attributes): Span {
  return tracer.startSpan(name, { attributes }, trace.setSpan(context.active(), parent));
}

async function rows(build: (tracer: Tracer) => void): Promise<Map<string, SpanRow>> {
  const spans = await recordWithSdk(build, { 'service.name': 'names-test' });
  const { rows: out, rejected } = normalizeSpans(decodeTraceRequestProto(toProto(spans)), {
    projectId: 'p',
    priceBook: DEFAULT_PRICE_BOOK,
  });
  expect(rejected).toEqual([]);
  return new Map(out.map((r) => [r.name, r]));
}

function get(m: Map<string, SpanRow>, name: string): SpanRow {
  const r = m.get(name);
  if (!r) throw new Error(`no row named ${name}: ${[...m.keys()].join(', ')}`);
  return r;
}

const attrs = (r: SpanRow): Record<string, unknown> => JSON.parse(r.attributes) as Record<string, unknown>;

describe('OpenInference (traceAgent / traceTool / the OpenAI instrumentation)', () => {
  // `traceAgent(fn, { name: 'weather-agent' })` sets the span kind and the span name only.
  const build = (tracer: Tracer): void => {
    const agent = tracer.startSpan('weather-agent', {
      attributes: { 'openinference.span.kind': 'AGENT', 'input.value': 'Weather in Paris?', 'output.value': 'Sunny.' },
    });
    const tool = child(tracer, agent, 'get_weather', {
      'openinference.span.kind': 'TOOL',
      'input.value': '{"city":"Paris"}',
      'input.mime_type': 'application/json',
      'output.value': '{"temp":24}',
    });
    tool.end();
    // A streamed chat completion without stream_options.include_usage: no llm.token_count.*.
    const streamed = child(tracer, agent, 'OpenAI Chat Completions', {
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-mini-2024-07-18',
      'llm.provider': 'openai',
      'llm.system': 'openai',
      'llm.invocation_parameters': '{"model":"gpt-4o-mini","stream":true}',
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.content': 'Weather in Paris?',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.content': 'Sunny.',
    });
    streamed.end();
    const counted = child(tracer, agent, 'OpenAI Chat Completions (non-streamed)', {
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-mini-2024-07-18',
      'llm.provider': 'openai',
      'llm.token_count.prompt': 20,
      'llm.token_count.completion': 5,
    });
    counted.end();
    agent.end();
  };

  it('names the agent after an AGENT span and its children inherit it', async () => {
    const m = await rows(build);
    expect(get(m, 'weather-agent')).toMatchObject({ kind: 'agent', agent_name: 'weather-agent' });
    expect(get(m, 'get_weather').agent_name).toBe('weather-agent');
    expect(get(m, 'OpenAI Chat Completions').agent_name).toBe('weather-agent');
  });

  it('names a TOOL span without tool.name after its span name, and keys its calls', async () => {
    const tool = get(await rows(build), 'get_weather');
    expect(tool).toMatchObject({ kind: 'tool', tool_name: 'get_weather', input: '{"city":"Paris"}' });
    expect(tool.tool_call_key).toMatch(/^[0-9a-f]{16}$/);
  });

  it('marks a streamed completion without token counts as "usage not reported", not as free', async () => {
    const m = await rows(build);
    const streamed = get(m, 'OpenAI Chat Completions');
    expect(streamed).toMatchObject({ kind: 'llm', input_tokens: 0, output_tokens: 0, cost_usd: 0, cost_source: 'unknown' });
    expect(attrs(streamed)[USAGE_REPORTED_ATTR]).toBe(false);
    const counted = get(m, 'OpenAI Chat Completions (non-streamed)');
    expect(counted.cost_source).toBe('computed');
    expect(attrs(counted)).not.toHaveProperty(USAGE_REPORTED_ATTR);
  });

  it('keeps agent.name / tool.name when they are set', async () => {
    const m = await rows((tracer) => {
      const agent = tracer.startSpan('AgentExecutor', {
        attributes: { 'openinference.span.kind': 'AGENT', 'agent.name': 'planner' },
      });
      child(tracer, agent, 'run tool', { 'openinference.span.kind': 'TOOL', 'tool.name': 'search' }).end();
      agent.end();
    });
    expect(get(m, 'AgentExecutor').agent_name).toBe('planner');
    expect(get(m, 'run tool').tool_name).toBe('search');
  });
});

describe('LangChain through OpenInference', () => {
  // The run's metadata as LangChain passes it down to every child run; OpenInference lifts
  // only the session id into session.id.
  const metadata = JSON.stringify({
    session_id: 'lc-sess-1',
    user_id: 'lc-user-9',
    agent_name: 'support-bot',
    ls_provider: 'openai',
  });
  const build = (tracer: Tracer): void => {
    const root = tracer.startSpan('RunnableSequence', {
      attributes: { 'openinference.span.kind': 'CHAIN', 'session.id': 'lc-sess-1', metadata, 'input.value': '{"q":"refund?"}' },
    });
    const llm = child(tracer, root, 'ChatOpenAI', {
      'openinference.span.kind': 'LLM',
      'session.id': 'lc-sess-1',
      metadata,
      'llm.model_name': 'gpt-4o-mini',
      'llm.provider': 'openai',
      'llm.token_count.prompt': 100,
      'llm.token_count.completion': 10,
    });
    llm.end();
    const tool = child(tracer, root, 'lookup_order', {
      'openinference.span.kind': 'TOOL',
      'tool.name': 'lookup_order',
      metadata,
      'input.value': '{"id":7}',
    });
    tool.end();
    root.end();
  };

  it('reads user, session and agent from the metadata attribute on every span', async () => {
    const m = await rows(build);
    for (const name of ['RunnableSequence', 'ChatOpenAI', 'lookup_order']) {
      expect(get(m, name)).toMatchObject({ session_id: 'lc-sess-1', user_id: 'lc-user-9', agent_name: 'support-bot' });
    }
  });

  it('stores a CHAIN root as a step, never as the session', async () => {
    expect(get(await rows(build), 'RunnableSequence').kind).toBe('step');
  });

  it('takes the session from metadata alone (thread_id, as LangGraph names it) and a user.id attribute over metadata', async () => {
    const m = await rows((tracer) => {
      tracer
        .startSpan('LangGraph', {
          attributes: {
            'openinference.span.kind': 'CHAIN',
            'user.id': 'attr-user',
            metadata: JSON.stringify({ thread_id: 'thread-3', user_id: 'meta-user' }),
          },
        })
        .end();
    });
    expect(get(m, 'LangGraph')).toMatchObject({ session_id: 'thread-3', user_id: 'attr-user', kind: 'step' });
  });

  it('ignores metadata that is not a JSON object', async () => {
    const m = await rows((tracer) => {
      tracer.startSpan('odd', { attributes: { 'openinference.span.kind': 'CHAIN', metadata: '{not json' } }).end();
    });
    expect(get(m, 'odd')).toMatchObject({ user_id: '', agent_name: '' });
  });
});

describe('GenAI span names', () => {
  it('recovers agent and tool from `invoke_agent X` / `execute_tool X` when the attributes are left out', async () => {
    const m = await rows((tracer) => {
      const agent = tracer.startSpan('invoke_agent billing', { attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
      child(tracer, agent, 'execute_tool refund', { 'gen_ai.operation.name': 'execute_tool' }).end();
      agent.end();
    });
    expect(get(m, 'invoke_agent billing').agent_name).toBe('billing');
    expect(get(m, 'execute_tool refund')).toMatchObject({ tool_name: 'refund', agent_name: 'billing' });
  });
});

describe('Vercel AI SDK providers', () => {
  it.each([
    ['fakeai.chat', 'fakeai'],
    ['fakeai.completion', 'fakeai'],
    ['my-proxy.responses', 'my-proxy'],
    ['openai.chat', 'openai'],
    ['openai-compatible.chat', 'openai-compatible'],
    ['google.vertex.chat', 'gcp.vertex_ai'],
    ['lmstudio.embedding', 'lmstudio'],
    ['acme.chatbot', 'acme.chatbot'],
  ])('%s → %s', (raw, want) => {
    expect(normalizeProvider(raw)).toBe(want);
  });

  it('stores an OpenAI-compatible provider without its API flavour', async () => {
    const m = await rows((tracer) => {
      tracer
        .startSpan('ai.generateText.doGenerate', {
          attributes: { 'ai.model.provider': 'fakeai.chat', 'ai.model.id': 'fake-1', 'ai.usage.promptTokens': 3 },
        })
        .end();
    });
    expect(get(m, 'ai.generateText.doGenerate').provider).toBe('fakeai');
  });
});
