import { Metadata } from '@grpc/grpc-js';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * The official OpenTelemetry OTLP/gRPC trace exporter, as an instrumented agent configures it:
 * `url` like `http://127.0.0.1:4317` (plain text), the ingest key in the `authorization` metadata.
 */
export function otlpGrpcExporter(url: string, ingestKey: string, opts: { gzip?: boolean } = {}): OTLPTraceExporter {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${ingestKey}`);
  return new OTLPTraceExporter({
    url,
    metadata,
    compression: opts.gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
  });
}

/** One export call, resolved with the exporter's own result (its `error` is the gRPC ServiceError on failure). */
export function exportOnce(exporter: OTLPTraceExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}
