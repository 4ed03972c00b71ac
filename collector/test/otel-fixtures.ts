import { gzipSync } from 'node:zlib';
import { context, trace, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ProtobufTraceSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** Real spans from the official OpenTelemetry SDK, recorded in memory. */
export async function recordSpans(fn: (tracer: Tracer) => void, serviceName = 'fixture-agent'): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  fn(provider.getTracer('fixture'));
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

/** A session root with one GenAI chat span under it, as GenAI-convention instrumentation emits. */
export function chatSession(
  tracer: Tracer,
  sessionId: string,
  opts: { model?: string; inTokens?: number; outTokens?: number } = {},
): void {
  const root = tracer.startSpan('invoke_agent support', {
    attributes: { 'gen_ai.conversation.id': sessionId, 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support' },
  });
  const chat = tracer.startSpan(
    `chat ${opts.model ?? 'gpt-4o'}`,
    {
      attributes: {
        'gen_ai.conversation.id': sessionId,
        'gen_ai.operation.name': 'chat',
        'gen_ai.agent.name': 'support',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': opts.model ?? 'gpt-4o',
        'gen_ai.usage.input_tokens': opts.inTokens ?? 1000,
        'gen_ai.usage.output_tokens': opts.outTokens ?? 200,
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Where is my order?' }] }]),
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'It ships today.' }] }]),
      },
    },
    trace.setSpan(context.active(), root),
  );
  chat.setStatus({ code: SpanStatusCode.OK });
  chat.end();
  root.end();
}

export const protoBody = (spans: ReadableSpan[]): Buffer => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
export const jsonBody = (spans: ReadableSpan[]): Buffer => Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);
export const gzip = (b: Buffer): Buffer => gzipSync(b);
