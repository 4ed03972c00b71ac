import { rawSql } from '@cairn/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { CairnRuntime } from '../src/index.js';
import { otlpGrpcExporter, tempDataDir, startTestCairn } from '@cairn/testkit';

const INGEST = 'cairn_ik_' + 'e2e'.repeat(8);
const tmp = tempDataDir();
let cairn: CairnRuntime;

beforeAll(async () => {
  cairn = await startTestCairn(tmp.dir, { CAIRN_INGEST_KEY: INGEST, CAIRN_BATCH_MAX_MS: '50' });
});
afterAll(async () => {
  await cairn.stop();
  tmp.cleanup();
});

/** An agent run as any GenAI-convention instrumentation records it, exported by the official OTel exporter. */
async function runAgent(exporter: SpanExporter, sessionId: string): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'billing-agent' }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('my-agent');
  const common = { 'gen_ai.conversation.id': sessionId, 'gen_ai.agent.name': 'billing' };
  const root = tracer.startSpan('invoke_agent billing', { attributes: { ...common, 'gen_ai.operation.name': 'invoke_agent' } });
  const ctx = trace.setSpan(context.active(), root);
  const chat = tracer.startSpan(
    'chat claude-sonnet-4-5',
    {
      attributes: {
        ...common,
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': 'claude-sonnet-4-5',
        'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
        'gen_ai.usage.input_tokens': 12_000,
        'gen_ai.usage.cache_read.input_tokens': 10_000,
        'gen_ai.usage.output_tokens': 800,
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Refund invoice 42?' }] }]),
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Refund approved.' }] }]),
      },
    },
    ctx,
  );
  chat.end();
  const tool = tracer.startSpan(
    'execute_tool refund',
    {
      attributes: {
        ...common,
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'refund',
        'gen_ai.tool.call.arguments': '{"invoice":42}',
        'gen_ai.tool.call.result': '{"ok":true}',
      },
    },
    ctx,
  );
  tool.setStatus({ code: SpanStatusCode.OK });
  tool.end();
  root.end();
  await provider.shutdown();
}

interface Row {
  session_id: string;
  kind: string;
  model: string;
  input_tokens: number;
  cache_read_tokens: number;
  output_tokens: number;
  cost_usd: number;
  cost_source: string;
  tool_name: string;
  input: string;
  output: string;
  service_name: string;
}

async function rowsOf(sessionId: string): Promise<Row[]> {
  await cairn.flush();
  return rawSql(cairn.store).query<Row>(
    `SELECT session_id, kind, model, input_tokens, cache_read_tokens, output_tokens, cost_usd, cost_source, tool_name, input, output, service_name
     FROM spans WHERE session_id = {s:String} ORDER BY start_time, kind`,
    { s: sessionId },
  );
}

// claude-sonnet-4.5: 2,000 plain input at $3/M + 10,000 cache reads at $0.30/M + 800 output at $15/M
const EXPECTED_COST = (2000 * 3 + 10_000 * 0.3 + 800 * 15) / 1e6;

describe.each([
  ['protobuf', (url: string) => new ProtoExporter({ url: `${url}/v1/traces`, headers: { Authorization: `Bearer ${INGEST}` } })],
  ['JSON', (url: string) => new JsonExporter({ url: `${url}/v1/traces`, headers: { Authorization: `Bearer ${INGEST}` } })],
  // OTLP/gRPC on its own port, gzip-compressed, onto the same pipeline.
  ['gRPC', () => otlpGrpcExporter(cairn.otlpGrpcUrl, INGEST, { gzip: true })],
])('an agent instrumented only with the official OpenTelemetry exporter (%s)', (name, makeExporter) => {
  it('is stored with its session, kinds, model, tokens, computed cost and text', async () => {
    const sessionId = `e2e-${name}`;
    await runAgent(makeExporter(cairn.otlpUrl), sessionId);
    const rows = await rowsOf(sessionId);
    expect(rows.map((r) => r.kind).sort()).toEqual(['agent', 'llm', 'tool']);
    const llm = rows.find((r) => r.kind === 'llm')!;
    expect(llm).toMatchObject({
      session_id: sessionId,
      model: 'claude-sonnet-4-5-20250929',
      input_tokens: 12_000,
      cache_read_tokens: 10_000,
      output_tokens: 800,
      cost_source: 'computed',
      service_name: 'billing-agent',
    });
    expect(llm.cost_usd).toBeCloseTo(EXPECTED_COST, 10);
    expect(llm.input).toContain('Refund invoice 42?');
    expect(llm.output).toContain('Refund approved.');
    const tool = rows.find((r) => r.kind === 'tool')!;
    expect(tool).toMatchObject({ tool_name: 'refund', cost_usd: 0 });
    expect(tool.input).toContain('"invoice":42');
    expect(tool.output).toContain('"ok":true');
    const agent = rows.find((r) => r.kind === 'agent')!;
    expect(agent.cost_usd).toBe(0);
    const session = await rawSql(cairn.store).query<{ cost: number; llm: number; tools: number }>(
      'SELECT sum(cost_usd) AS cost, sum(llm_calls) AS llm, sum(tool_calls) AS tools FROM sessions_rollup WHERE session_id = {s:String}',
      { s: sessionId },
    );
    expect(session[0]!.cost).toBeCloseTo(EXPECTED_COST, 10);
    expect(session[0]).toMatchObject({ llm: 1, tools: 1 });
  });
});
