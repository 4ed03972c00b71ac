import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace, type Tracer } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { api, exportOnce, otlpGrpcExporter, startTestCairn, tempDataDir } from '@cairn/testkit';
import type { CairnRuntime } from '../src/index.js';

// `cairn start` (every role, in this process) receiving OTLP/gRPC from the official exporter,
// as a Python, Go or Java agent sends it by default (port 4317; here a random one).
const INGEST = 'cairn_ik_' + 'grpc'.repeat(6);
const ADMIN = 'cairn_ak_' + 'grpc'.repeat(6);
const tmp = tempDataDir();
let cairn: CairnRuntime;

beforeAll(async () => {
  cairn = await startTestCairn(tmp.dir, {
    CAIRN_INGEST_KEY: INGEST,
    CAIRN_ADMIN_KEY: ADMIN,
    CAIRN_BATCH_MAX_MS: '50',
    CAIRN_DASHBOARD_DIR: 'off',
  });
});
afterAll(async () => {
  await cairn.stop();
  tmp.cleanup();
});

/** An agent run: the agent span, one chat call and one tool call, in session `sessionId`. */
function agentRun(tracer: Tracer, sessionId: string): void {
  const common = { 'gen_ai.conversation.id': sessionId, 'gen_ai.agent.name': 'triage' };
  const root = tracer.startSpan('invoke_agent triage', { attributes: { ...common, 'gen_ai.operation.name': 'invoke_agent' } });
  const ctx = trace.setSpan(context.active(), root);
  const attrs = {
    ...common,
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.usage.input_tokens': 500,
    'gen_ai.usage.output_tokens': 50,
  };
  tracer.startSpan('chat gpt-4o', { attributes: attrs }, ctx).end();
  const tool = { ...common, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' };
  tracer.startSpan('execute_tool lookup', { attributes: tool }, ctx).end();
  root.end();
}

function providerWith(processor: SpanProcessor): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'grpc-agent' }),
    spanProcessors: [processor],
  });
}

async function recorded(sessionId: string): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = providerWith(new SimpleSpanProcessor(memory));
  agentRun(provider.getTracer('grpc-e2e'), sessionId);
  // Read before the shutdown: shutting the in-memory exporter down empties it.
  const spans = [...memory.getFinishedSpans()];
  await provider.shutdown();
  return spans;
}

async function session(sessionId: string) {
  await cairn.flush();
  const res = await api(cairn.apiUrl, ADMIN, 'GET', `/api/sessions?q=${sessionId}`);
  expect(res.status).toBe(200);
  return (res.body.sessions as { session_id: string; steps: number; llm_calls: number; tool_calls: number }[]).find(
    (s) => s.session_id === sessionId,
  );
}

describe('OTLP/gRPC into cairn start', () => {
  it('listens on its own port and is part of /readyz', async () => {
    expect(cairn.otlpGrpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ready = await fetch(`${cairn.otlpUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { grpc: unknown }).grpc).toEqual({
      listening: true,
      port: Number(new URL(cairn.otlpGrpcUrl).port),
    });
  });

  it('counts the spans a BasicTracerProvider exports over gzip-compressed gRPC in GET /api/sessions', async () => {
    const provider = providerWith(new BatchSpanProcessor(otlpGrpcExporter(cairn.otlpGrpcUrl, INGEST, { gzip: true })));
    agentRun(provider.getTracer('grpc-e2e'), 'grpc-e2e-run');
    await provider.shutdown();
    expect(await session('grpc-e2e-run')).toMatchObject({ steps: 3, llm_calls: 1, tool_calls: 1 });
  });

  it('stores the same request sent twice once', async () => {
    const spans = await recorded('grpc-e2e-twice');
    const exporter = otlpGrpcExporter(cairn.otlpGrpcUrl, INGEST);
    expect((await exportOnce(exporter, spans)).code).toBe(ExportResultCode.SUCCESS);
    expect((await exportOnce(exporter, spans)).code).toBe(ExportResultCode.SUCCESS);
    await exporter.shutdown();
    expect(await session('grpc-e2e-twice')).toMatchObject({ steps: 3, llm_calls: 1, tool_calls: 1 });
  });

  it('reports UNAUTHENTICATED to the exporter for a bad key and stores nothing', async () => {
    const exporter = otlpGrpcExporter(cairn.otlpGrpcUrl, 'cairn_ik_' + 'nope'.repeat(6));
    const result = await exportOnce(exporter, await recorded('grpc-e2e-bad-key'));
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error).toMatchObject({
      code: 16,
      details: expect.stringMatching(/CAIRN_UNAUTHORIZED: unknown or revoked key/),
    });
    expect(await session('grpc-e2e-bad-key')).toBeUndefined();
  });
});
