import type { Tracer } from '@opentelemetry/api';

/**
 * Spans built by `build` with the official OpenTelemetry SDK, exported by the official OTLP/HTTP
 * protobuf exporter to a running collector with an ingest key, then flushed (the provider is shut
 * down before this resolves). Tests that need what a real agent's exporter sends use it.
 */
export async function exportWithOtelSdk(
  otlpUrl: string,
  ingestKey: string,
  build: (tracer: Tracer) => void,
  serviceName = 'otel-test',
): Promise<void> {
  // Loaded on call, like startTestCairn's server packages: most tests never export.
  const [{ OTLPTraceExporter }, { resourceFromAttributes }, { BasicTracerProvider, BatchSpanProcessor }] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-proto'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces`, headers: { Authorization: `Bearer ${ingestKey}` } }),
      ),
    ],
  });
  build(provider.getTracer(serviceName));
  await provider.shutdown();
}
