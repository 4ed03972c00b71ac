import { context, trace, SpanStatusCode, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { SpanRow } from '@cairn/schemas';
import { normalizeWithSdk, rowNamed } from './otlp-fixtures.js';

/*
 * The current OpenTelemetry GenAI semantic conventions (open-telemetry/semantic-conventions-genai,
 * "Development"), with every name taken from the published files:
 * - `gen_ai.operation.name` values: docs/registry/attributes/gen-ai.md (chat, create_agent,
 *   create_memory, create_memory_store, delete_memory, delete_memory_store, embeddings,
 *   execute_tool, generate_content, invoke_agent, invoke_workflow, plan, retrieval,
 *   search_memory, text_completion, update_memory, upsert_memory) and apply_guardrail from
 *   docs/gen-ai/gen-ai-guardrails.md ("apply guardrail client span", span name
 *   `apply_guardrail {gen_ai.guardrail.component.name}`, event `gen_ai.guardrail.result` with
 *   `gen_ai.guardrail.result.type` / `.value`, `gen_ai.guardrail.component.name`);
 * - span names `invoke_workflow {gen_ai.workflow.name}`, `invoke_agent {gen_ai.agent.name}`,
 *   `execute_tool {gen_ai.tool.name}`: docs/gen-ai/gen-ai-agent-spans.md;
 * - MCP: model/mcp/spans.yaml (span types mcp.client / mcp.server, name `{mcp.method.name} {target}`),
 *   model/mcp/common.yaml (`error.type` = `tool_error` when CallToolResult.isError), model/mcp/registry.yaml
 *   (`mcp.method.name` = `tools/call`, `mcp.session.id`).
 * Spans come from the official OpenTelemetry SDK and go through OTLP protobuf, the decoder and
 * the normalizer.
 */

const SESSION = 'conv-genai-1';

function child(tracer: Tracer, parent: Span, name: string, attributes: Attributes): Span {
  return tracer.startSpan(name, { attributes }, trace.setSpan(context.active(), parent));
}

async function normalized(build: (tracer: Tracer) => void): Promise<Map<string, SpanRow>> {
  const { byName, rejected } = await normalizeWithSdk(build, { 'service.name': 'genai-agent' });
  expect(rejected).toEqual([]);
  return byName;
}

const get = rowNamed;

const MEMORY_OPS = [
  'create_memory_store',
  'delete_memory_store',
  'search_memory',
  'create_memory',
  'update_memory',
  'upsert_memory',
  'delete_memory',
];

/** A workflow run as a GenAI-convention framework traces it: every operation kind once. */
const workflowRun = (tracer: Tracer): void => {
  const conv = { 'gen_ai.conversation.id': SESSION };
  // The workflow name is left off the attributes here: the span name carries it.
  const wf = tracer.startSpan('invoke_workflow trip_planner', {
    attributes: { ...conv, 'gen_ai.operation.name': 'invoke_workflow' },
  });
  const create = child(tracer, wf, 'create_agent planner', {
    ...conv,
    'gen_ai.operation.name': 'create_agent',
    'gen_ai.agent.name': 'planner',
    'gen_ai.provider.name': 'openai',
  });
  create.end();
  const agent = child(tracer, wf, 'invoke_agent planner', {
    ...conv,
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': 'planner',
  });
  child(tracer, agent, 'plan planner', { ...conv, 'gen_ai.operation.name': 'plan' }).end();
  child(tracer, agent, 'retrieval travel-docs', {
    ...conv,
    'gen_ai.operation.name': 'retrieval',
    'gen_ai.data_source.id': 'travel-docs',
    'gen_ai.retrieval.query.text': 'Paris in May',
  }).end();
  child(tracer, agent, 'embeddings text-embedding-3-small', {
    ...conv,
    'gen_ai.operation.name': 'embeddings',
    'gen_ai.request.model': 'text-embedding-3-small',
    'gen_ai.usage.input_tokens': 12,
  }).end();
  for (const op of MEMORY_OPS) {
    child(tracer, agent, `${op} prefs`, {
      ...conv,
      'gen_ai.operation.name': op,
      'gen_ai.memory.store.id': 'prefs',
    }).end();
  }
  child(tracer, agent, 'execute_tool get_weather', {
    ...conv,
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'get_weather',
  }).end();
  const guard = child(tracer, agent, 'apply_guardrail Amazon Bedrock Guardrails', {
    ...conv,
    'gen_ai.operation.name': 'apply_guardrail',
    'gen_ai.provider.name': 'aws.bedrock',
    'gen_ai.guardrail.component.name': 'Amazon Bedrock Guardrails',
    'gen_ai.guardrail.result.type': 'action',
    'gen_ai.guardrail.result.value': 'GUARDRAIL_INTERVENED',
  });
  guard.end();
  // An in-process guardrail (OpenAI Agents): the result event without a guardrail span.
  const check = child(tracer, agent, 'input check', { ...conv });
  check.addEvent('gen_ai.guardrail.result', {
    'gen_ai.guardrail.component.name': 'no_pii',
    'gen_ai.guardrail.source': 'input',
    'gen_ai.guardrail.result.type': 'tripwire_triggered',
    'gen_ai.guardrail.result.value': 'false',
  });
  check.end();
  // The same event on an agent span does not make the agent a guardrail.
  agent.addEvent('gen_ai.guardrail.result', {
    'gen_ai.guardrail.component.name': 'no_pii',
    'gen_ai.guardrail.result.type': 'tripwire_triggered',
    'gen_ai.guardrail.result.value': 'false',
  });
  agent.end();
  wf.end();
};

describe('GenAI operation kinds (semantic-conventions-genai)', () => {
  it('maps every operation onto the row kind', async () => {
    const m = await normalized(workflowRun);
    expect(get(m, 'invoke_workflow trip_planner').kind).toBe('session');
    expect(get(m, 'create_agent planner').kind).toBe('agent');
    expect(get(m, 'invoke_agent planner').kind).toBe('agent');
    expect(get(m, 'plan planner').kind).toBe('step');
    expect(get(m, 'retrieval travel-docs').kind).toBe('retrieval');
    expect(get(m, 'embeddings text-embedding-3-small').kind).toBe('llm');
    for (const op of MEMORY_OPS) expect(get(m, `${op} prefs`).kind, op).toBe('memory');
    expect(get(m, 'execute_tool get_weather').kind).toBe('tool');
    expect(get(m, 'apply_guardrail Amazon Bedrock Guardrails').kind).toBe('guardrail');
    expect(get(m, 'input check').kind).toBe('guardrail');
  });

  it('takes the workflow from the invoke_workflow span (its name when the attribute is missing) onto every span', async () => {
    const m = await normalized(workflowRun);
    for (const r of m.values()) expect(r.workflow, r.name).toBe('trip_planner');
    expect(get(m, 'plan planner').agent_name).toBe('planner');
    expect(get(m, 'invoke_workflow trip_planner').agent_name).toBe('');
    for (const r of m.values()) expect(r.session_id).toBe(SESSION);
  });

  it('keeps guardrail results in the events and attributes, as reported', async () => {
    const m = await normalized(workflowRun);
    const guard = get(m, 'apply_guardrail Amazon Bedrock Guardrails');
    expect(JSON.parse(guard.attributes)).toMatchObject({
      'gen_ai.guardrail.result.type': 'action',
      'gen_ai.guardrail.result.value': 'GUARDRAIL_INTERVENED',
    });
    const events = JSON.parse(get(m, 'input check').events) as { name: string; attributes: Record<string, unknown> }[];
    expect(events).toEqual([
      expect.objectContaining({
        name: 'gen_ai.guardrail.result',
        attributes: expect.objectContaining({ 'gen_ai.guardrail.result.value': 'false' }),
      }),
    ]);
  });

  it('a nested invoke_workflow is an orchestrating span (agent), never the session, and carries no cost', async () => {
    const m = await normalized((tracer) => {
      const root = tracer.startSpan('invoke_agent concierge', {
        attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'concierge' },
      });
      child(tracer, root, 'invoke_workflow booking', {
        'gen_ai.operation.name': 'invoke_workflow',
        'gen_ai.workflow.name': 'booking',
        'gen_ai.usage.input_tokens': 5000,
      }).end();
      root.end();
    });
    const wf = get(m, 'invoke_workflow booking');
    expect(wf.kind).toBe('agent');
    expect(wf.workflow).toBe('booking');
    expect(wf.cost_source).toBe('none');
    expect(wf.input_tokens).toBe(0);
  });
});

describe('retrieval and memory payloads', () => {
  it('shows the query as the input and the documents / records as the output', async () => {
    const docs = JSON.stringify([
      { id: 'doc_123', score: 0.95 },
      { id: 'doc_456', score: 0.87 },
    ]);
    const records = JSON.stringify([{ content: 'User prefers dark mode', id: 'mem_123', score: 0.95 }]);
    const m = await normalized((tracer) => {
      const root = tracer.startSpan('invoke_agent helper', {
        attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'helper' },
      });
      child(tracer, root, 'retrieval kb', {
        'gen_ai.operation.name': 'retrieval',
        'gen_ai.retrieval.query.text': 'weather in Paris',
        'gen_ai.retrieval.documents': docs,
      }).end();
      child(tracer, root, 'search_memory prefs', {
        'gen_ai.operation.name': 'search_memory',
        'gen_ai.memory.query.text': 'user dietary preferences',
        'gen_ai.memory.records': records,
        'gen_ai.memory.record.count': 1,
      }).end();
      root.end();
    });
    const r = get(m, 'retrieval kb');
    expect([r.input, r.output]).toEqual(['weather in Paris', docs]);
    expect(JSON.parse(r.attributes)).not.toHaveProperty(['gen_ai.retrieval.documents']);
    const mem = get(m, 'search_memory prefs');
    expect([mem.input, mem.output]).toEqual(['user dietary preferences', records]);
    expect(JSON.parse(mem.attributes)).toMatchObject({ 'gen_ai.memory.record.count': 1 });
  });
});

describe('MCP spans (mcp.client / mcp.server)', () => {
  const mcpRun = (tracer: Tracer): void => {
    const agent = tracer.startSpan('invoke_agent ops', {
      attributes: { 'gen_ai.conversation.id': 'conv-mcp', 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'ops' },
    });
    // Client span of a tool call that failed inside the tool: JSON-RPC succeeded, isError = true.
    const failed = child(tracer, agent, 'tools/call search_tickets', {
      'mcp.method.name': 'tools/call',
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'search_tickets',
      'mcp.session.id': '191c4850af6c49e08843a3f6c80e5046',
      'mcp.protocol.version': '2025-06-18',
      'jsonrpc.request.id': '7',
      'server.address': 'tickets.internal',
      'server.port': 8443,
      'error.type': 'tool_error',
      'gen_ai.tool.call.arguments': '{"query":"refund"}',
    });
    failed.end();
    // A tool call with only the MCP attributes: no operation name, tool named by the span.
    const ok = child(tracer, agent, 'tools/call get_ticket', {
      'mcp.method.name': 'tools/call',
      'server.address': 'tickets.internal',
      'server.port': 8443,
    });
    ok.setStatus({ code: SpanStatusCode.OK });
    ok.end();
    child(tracer, agent, 'tools/list', { 'mcp.method.name': 'tools/list', 'server.address': 'tickets.internal' }).end();
    agent.end();
  };

  it('shows a tools/call span as a tool step with its server; error.type makes it an error', async () => {
    const m = await normalized(mcpRun);
    const failed = get(m, 'tools/call search_tickets');
    expect(failed.kind).toBe('tool');
    expect(failed.tool_name).toBe('search_tickets');
    expect(failed.agent_name).toBe('ops');
    expect(failed.session_id).toBe('conv-mcp');
    expect(failed.status).toBe('error');
    expect(failed.status_message).toBe('tool_error');
    expect(failed.input).toBe('{"query":"refund"}');
    expect(failed.tool_call_key).toMatch(/^[0-9a-f]{16}$/);
    const attrs = JSON.parse(failed.attributes) as Record<string, unknown>;
    expect(attrs).toMatchObject({
      'server.address': 'tickets.internal',
      'server.port': 8443,
      'mcp.method.name': 'tools/call',
      // The MCP transport session is not the conversation: it stays an attribute.
      'mcp.session.id': '191c4850af6c49e08843a3f6c80e5046',
      'error.type': 'tool_error',
    });

    const ok = get(m, 'tools/call get_ticket');
    expect(ok.kind).toBe('tool');
    expect(ok.tool_name).toBe('get_ticket');
    expect(ok.status).toBe('ok');
    expect(get(m, 'tools/list').kind).toBe('other');
  });
});

/*
 * Usage and cost names:
 * - `gen_ai.usage.{text,image,audio,video}.input_tokens`, `gen_ai.usage.{text,audio}.output_tokens`:
 *   docs/registry/attributes/gen-ai.md and CHANGELOG.md "Unreleased" (the token restructuring whose
 *   metric dimensions are `gen_ai.token.type` / `.modality` / `.cache` / `.phase`);
 * - `gen_ai.tool.definitions`: docs/registry/attributes/gen-ai.md;
 * - `gen_ai.usage.cost.amount`, `.currency` (ISO 4217), `.source` (`provider` | `local`): the
 *   proposal in open-telemetry/semantic-conventions-genai pull request 443 (not merged).
 */
describe('GenAI usage, cost and tool definitions', () => {
  const TOOLS = JSON.stringify([
    { type: 'function', name: 'get_current_weather', description: 'Get the current weather in a given location' },
  ]);
  const costRun = (tracer: Tracer): void => {
    const conv = { 'gen_ai.conversation.id': 'conv-cost' };
    const agent = tracer.startSpan('invoke_agent billing', {
      attributes: {
        ...conv,
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'billing',
        // An aggregate on the agent: never its cost (its children carry it).
        'gen_ai.usage.cost.amount': 9.99,
        'gen_ai.usage.cost.currency': 'USD',
      },
    });
    const chat = (name: string, attrs: Attributes) =>
      child(tracer, agent, name, {
        ...conv,
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        ...attrs,
      }).end();
    chat('chat usd', {
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 200,
      'gen_ai.usage.cost.amount': 0.0042,
      'gen_ai.usage.cost.currency': 'USD',
      'gen_ai.usage.cost.source': 'provider',
      'gen_ai.tool.definitions': TOOLS,
    });
    chat('chat eur', {
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 200,
      'gen_ai.usage.cost.amount': 0.0039,
      'gen_ai.usage.cost.currency': 'EUR',
      'gen_ai.usage.cost.source': 'local',
    });
    chat('chat no currency', { 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.cost.amount': 0.5 });
    chat('chat cairn wins', {
      'gen_ai.usage.input_tokens': 10,
      'cairn.cost.usd': 0.25,
      'gen_ai.usage.cost.amount': 0.3,
      'gen_ai.usage.cost.currency': 'USD',
    });
    chat('chat by modality', {
      'gen_ai.usage.text.input_tokens': 900,
      'gen_ai.usage.image.input_tokens': 85,
      'gen_ai.usage.audio.input_tokens': 15,
      'gen_ai.usage.text.output_tokens': 150,
      'gen_ai.usage.audio.output_tokens': 50,
    });
    chat('chat totals and modality', {
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 200,
      'gen_ai.usage.text.input_tokens': 900,
    });
    child(tracer, agent, 'execute_tool geocode', {
      ...conv,
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'geocode',
      'gen_ai.usage.cost.amount': 0.002,
      'gen_ai.usage.cost.currency': 'usd',
    }).end();
    agent.end();
  };

  it('takes gen_ai.usage.cost.amount in USD as the provided cost, on model calls and tools, never on the agent', async () => {
    const m = await normalized(costRun);
    const usd = get(m, 'chat usd');
    expect(usd.cost_source).toBe('provided');
    expect(usd.cost_usd).toBe(0.0042);
    expect(usd.input_tokens).toBe(1000);
    const attrs = JSON.parse(usd.attributes) as Record<string, unknown>;
    expect(attrs['gen_ai.usage.cost.amount']).toBeUndefined();
    expect(attrs['gen_ai.usage.cost.source']).toBe('provider');
    const tool = get(m, 'execute_tool geocode');
    expect([tool.cost_source, tool.cost_usd]).toEqual(['provided', 0.002]);
    const agent = get(m, 'invoke_agent billing');
    expect([agent.cost_source, agent.cost_usd]).toEqual(['none', 0]);
    expect(JSON.parse(agent.attributes)).toMatchObject({ 'gen_ai.usage.cost.amount': 9.99 });
    const cairn = get(m, 'chat cairn wins');
    expect([cairn.cost_source, cairn.cost_usd]).toEqual(['provided', 0.25]);
  });

  it('never converts another currency (or none named): the amount stays in attributes and the cost is unknown', async () => {
    const m = await normalized(costRun);
    for (const name of ['chat eur', 'chat no currency']) {
      const r = get(m, name);
      expect([r.cost_source, r.cost_usd], name).toEqual(['unknown', 0]);
      expect(JSON.parse(r.attributes), name).toHaveProperty(['gen_ai.usage.cost.amount']);
      expect(r.input_tokens, name).toBe(1000);
    }
    expect(JSON.parse(get(m, 'chat eur').attributes)).toMatchObject({ 'gen_ai.usage.cost.currency': 'EUR' });
  });

  it('sums the per-modality token counts when the totals are missing; totals win when present', async () => {
    const m = await normalized(costRun);
    const mod = get(m, 'chat by modality');
    expect([mod.input_tokens, mod.output_tokens]).toEqual([1000, 200]);
    expect(mod.cost_source).toBe('computed');
    const both = get(m, 'chat totals and modality');
    expect(mod.cost_usd).toBeCloseTo(both.cost_usd, 12);
    expect(both.input_tokens).toBe(1000);
    expect(JSON.parse(both.attributes)).toMatchObject({ 'gen_ai.usage.text.input_tokens': 900 });
  });

  it('keeps gen_ai.tool.definitions on the step', async () => {
    const m = await normalized(costRun);
    expect(JSON.parse(get(m, 'chat usd').attributes)).toMatchObject({ 'gen_ai.tool.definitions': TOOLS });
  });
});
