import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace, SpanStatusCode, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { Score, SessionDetailResponse, Step, StepDetailResponse } from '@cairn/schemas';
import type { CairnRuntime } from 'cairn';
import { api, exportWithOtelSdk, startTestCairn, tempDataDir } from '@cairn/testkit';

/*
 * The current GenAI conventions end to end: a workflow run built with the published names
 * (open-telemetry/semantic-conventions-genai: docs/registry/attributes/gen-ai.md,
 * docs/gen-ai/gen-ai-agent-spans.md, docs/gen-ai/gen-ai-guardrails.md, model/gen-ai/events.yaml,
 * model/mcp/*.yaml; the cost names from its pull request 443) is exported by the official OTLP
 * exporter to `cairn start`, and read back through the API: the replay's kinds, agent, workflow,
 * tools, MCP server, cost, and the evaluation events as the step's scores.
 */

const INGEST = 'cairn_ik_' + 'genai'.repeat(5);
const ADMIN = 'cairn_ak_' + 'genai'.repeat(5);
const SESSION = 'conv-genai-e2e';
const tmp = tempDataDir('cairn-genai-e2e-');
let cairn: CairnRuntime;
let detail: SessionDetailResponse;
const spanIds = new Map<string, string>();

function child(tracer: Tracer, parent: Span, name: string, attributes: Attributes): Span {
  const s = tracer.startSpan(
    name,
    { attributes: { 'gen_ai.conversation.id': SESSION, ...attributes } },
    trace.setSpan(context.active(), parent),
  );
  spanIds.set(name, s.spanContext().spanId);
  return s;
}

function workflowRun(tracer: Tracer): void {
  const wf = tracer.startSpan('invoke_workflow trip_planner', {
    attributes: {
      'gen_ai.conversation.id': SESSION,
      'gen_ai.operation.name': 'invoke_workflow',
      'gen_ai.workflow.name': 'trip_planner',
    },
  });
  spanIds.set('invoke_workflow trip_planner', wf.spanContext().spanId);
  const agent = child(tracer, wf, 'invoke_agent planner', {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': 'planner',
  });
  child(tracer, agent, 'plan planner', { 'gen_ai.operation.name': 'plan' }).end();
  child(tracer, agent, 'search_memory prefs', {
    'gen_ai.operation.name': 'search_memory',
    'gen_ai.memory.store.id': 'prefs',
    'gen_ai.memory.record.count': 3,
  }).end();
  const chat = child(tracer, agent, 'chat gpt-4o', {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.usage.input_tokens': 1000,
    'gen_ai.usage.output_tokens': 200,
    'gen_ai.usage.cost.amount': 0.0042,
    'gen_ai.usage.cost.currency': 'USD',
    'gen_ai.usage.cost.source': 'provider',
    'gen_ai.tool.definitions': JSON.stringify([{ type: 'function', name: 'search_flights' }]),
  });
  chat.addEvent('gen_ai.evaluation.result', {
    'gen_ai.evaluation.name': 'Relevance',
    'gen_ai.evaluation.score.value': 4.0,
    'gen_ai.evaluation.score.label': 'relevant',
    'gen_ai.evaluation.explanation': 'Answers the question.',
  });
  chat.addEvent('gen_ai.evaluation.result', {
    'gen_ai.evaluation.name': 'IntentResolution',
    'gen_ai.evaluation.score.label': 'pass',
  });
  chat.setStatus({ code: SpanStatusCode.OK });
  chat.end();
  child(tracer, agent, 'tools/call search_flights', {
    'mcp.method.name': 'tools/call',
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'search_flights',
    'mcp.session.id': '191c4850af6c49e08843a3f6c80e5046',
    'server.address': 'flights.mcp.internal',
    'server.port': 8443,
    'error.type': 'tool_error',
  }).end();
  child(tracer, agent, 'apply_guardrail Amazon Bedrock Guardrails', {
    'gen_ai.operation.name': 'apply_guardrail',
    'gen_ai.provider.name': 'aws.bedrock',
    'gen_ai.guardrail.component.name': 'Amazon Bedrock Guardrails',
    'gen_ai.guardrail.result.type': 'action',
    'gen_ai.guardrail.result.value': 'NONE',
  }).end();
  agent.end();
  wf.end();
}

beforeAll(async () => {
  cairn = await startTestCairn(tmp.dir, {
    CAIRN_INGEST_KEY: INGEST,
    CAIRN_ADMIN_KEY: ADMIN,
    CAIRN_BATCH_MAX_MS: '50',
    CAIRN_ALERT_INTERVAL_MS: '600000',
  });
  await exportWithOtelSdk(cairn.otlpUrl, INGEST, workflowRun, 'trip-service');
  await cairn.flush();
  const res = await api<SessionDetailResponse>(cairn.apiUrl, ADMIN, 'GET', `/api/sessions/${SESSION}`);
  expect(res.status).toBe(200);
  detail = res.body;
});

afterAll(async () => {
  await cairn?.stop();
  tmp.cleanup();
});

function step(name: string): Step {
  const s = detail.steps.find((x) => x.name === name);
  if (!s) throw new Error(`no step ${name}: ${detail.steps.map((x) => x.name).join(', ')}`);
  return s;
}

describe('GenAI conventions through cairn start and the API', () => {
  it('replays every operation with its kind, under the workflow and agent', () => {
    expect(detail.session.workflow).toBe('trip_planner');
    expect(detail.session.agent_name).toBe('planner');
    expect(detail.steps).toHaveLength(7);
    expect(Object.fromEntries(detail.steps.map((s) => [s.name, s.kind]))).toEqual({
      'invoke_workflow trip_planner': 'session',
      'invoke_agent planner': 'agent',
      'plan planner': 'step',
      'search_memory prefs': 'memory',
      'chat gpt-4o': 'llm',
      'tools/call search_flights': 'tool',
      'apply_guardrail Amazon Bedrock Guardrails': 'guardrail',
    });
    expect(step('plan planner').agent_name).toBe('planner');
  });

  it('takes the provided USD cost of the model call as the session cost', () => {
    expect(step('chat gpt-4o').cost_usd).toBe(0.0042);
    expect(detail.session.cost_usd).toBeCloseTo(0.0042, 12);
    expect(detail.session.input_tokens).toBe(1000);
  });

  it('shows the MCP tool call as a failed tool step with its server', async () => {
    const t = step('tools/call search_flights');
    expect([t.tool_name, t.status, t.status_message]).toEqual(['search_flights', 'error', 'tool_error']);
    expect(detail.session.tool_calls).toBe(1);
    expect(detail.session.errors).toBe(1);
    const res = await api<StepDetailResponse>(cairn.apiUrl, ADMIN, 'GET', `/api/sessions/${SESSION}/steps/${t.span_id}`);
    expect(res.body.step.attributes).toMatchObject({
      'server.address': 'flights.mcp.internal',
      'server.port': 8443,
      'mcp.method.name': 'tools/call',
      'mcp.session.id': '191c4850af6c49e08843a3f6c80e5046',
    });
  });

  it('keeps the tool definitions on the model call', async () => {
    const res = await api<StepDetailResponse>(
      cairn.apiUrl,
      ADMIN,
      'GET',
      `/api/sessions/${SESSION}/steps/${spanIds.get('chat gpt-4o')}`,
    );
    expect(res.body.step.attributes).toMatchObject({
      'gen_ai.tool.definitions': JSON.stringify([{ type: 'function', name: 'search_flights' }]),
    });
  });

  it('returns the evaluation events as scores on the evaluated step', () => {
    const chatId = spanIds.get('chat gpt-4o')!;
    const scores = detail.scores.map(({ created_at: _c, ...s }: Score) => s);
    expect(scores).toEqual([
      {
        score_id: `eval-${chatId}-0`,
        session_id: SESSION,
        span_id: chatId,
        name: 'Relevance',
        data_type: 'numeric',
        value: 4,
        comment: 'Answers the question.',
        source: 'eval',
      },
      {
        score_id: `eval-${chatId}-1`,
        session_id: SESSION,
        span_id: chatId,
        name: 'IntentResolution',
        data_type: 'categorical',
        value: 'pass',
        comment: '',
        source: 'eval',
      },
    ]);
  });
});
