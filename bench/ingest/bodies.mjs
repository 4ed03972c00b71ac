// The request bodies the ingest benchmarks send.
import { context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * One OTLP protobuf request body of `perRequest` spans, built by the official serializer:
 * sessions of an agent span + 49 alternating GenAI chat and tool spans with prompt/response text.
 * Shared by run.mjs (over HTTP) and prepare.mjs (the worker's work alone) so both measure the same input.
 */
export function buildBody(requestIndex, perRequest) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-agent' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('bench');
  const perSession = 50;
  for (let s = 0; s < perRequest / perSession; s++) {
    const sessionId = `bench-${requestIndex}-${s}`;
    const common = { 'gen_ai.conversation.id': sessionId, 'gen_ai.agent.name': `agent-${s % 5}` };
    const root = tracer.startSpan('invoke_agent', { attributes: { ...common, 'gen_ai.operation.name': 'invoke_agent' } });
    const ctx = trace.setSpan(context.active(), root);
    for (let i = 1; i < perSession; i++) {
      const isLlm = i % 2 === 1;
      const span = tracer.startSpan(
        isLlm ? 'chat gpt-4o-mini' : 'execute_tool search',
        {
          attributes: isLlm
            ? {
                ...common,
                'gen_ai.operation.name': 'chat',
                'gen_ai.request.model': 'gpt-4o-mini',
                'gen_ai.usage.input_tokens': 1200 + i,
                'gen_ai.usage.output_tokens': 150,
                'gen_ai.input.messages': JSON.stringify([
                  { role: 'user', parts: [{ type: 'text', content: `question ${i} of ${sessionId}` }] },
                ]),
                'gen_ai.output.messages': JSON.stringify([
                  { role: 'assistant', parts: [{ type: 'text', content: 'an answer of moderate length '.repeat(4) }] },
                ]),
              }
            : {
                ...common,
                'gen_ai.operation.name': 'execute_tool',
                'gen_ai.tool.name': 'search',
                'gen_ai.tool.call.arguments': `{"q":"${i}"}`,
              },
        },
        ctx,
      );
      span.end();
    }
    root.end();
  }
  const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans()));
  void provider.shutdown();
  return body;
}
