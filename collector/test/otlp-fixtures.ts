import { SpanKind, SpanStatusCode, TraceFlags, type HrTime, type SpanContext } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Tracer } from '@opentelemetry/api';
import { DEFAULT_PRICE_BOOK, type SpanRow } from '@cairn/schemas';
import { decodeTraceRequestProto } from '../src/otlp/otlp-proto.js';
import { normalizeSpans } from '../src/normalize/normalize-batch.js';

/** Real spans recorded by the official OpenTelemetry SDK. */
export async function recordWithSdk(
  fn: (tracer: Tracer) => void,
  resource: Record<string, string> = { 'service.name': 'decoder-test' },
): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  fn(provider.getTracer('cairn-test-scope', '1.2.3'));
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return [...spans];
}

export function toProto(spans: ReadableSpan[]): Uint8Array {
  const out = ProtobufTraceSerializer.serializeRequest(spans);
  if (!out) throw new Error('serializer returned nothing');
  return out;
}

export function toJsonBody(spans: ReadableSpan[]): unknown {
  const out = JsonTraceSerializer.serializeRequest(spans);
  if (!out) throw new Error('serializer returned nothing');
  return JSON.parse(new TextDecoder().decode(out)) as unknown;
}

export function hrToNs(t: HrTime): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

/**
 * A ReadableSpan built by hand, for attribute values the SDK's own sanitizer drops (maps,
 * bytes) but OTLP carries and other SDKs send.
 */
export function handMadeSpan(attributes: Record<string, unknown>, base: ReadableSpan): ReadableSpan {
  const ctx: SpanContext = { traceId: 'aa'.repeat(16), spanId: 'bb'.repeat(8), traceFlags: TraceFlags.SAMPLED };
  return {
    name: 'hand-made',
    kind: SpanKind.INTERNAL,
    spanContext: () => ctx,
    parentSpanContext: undefined,
    startTime: [1_700_000_000, 5],
    endTime: [1_700_000_001, 6],
    status: { code: SpanStatusCode.UNSET },
    attributes: attributes as ReadableSpan['attributes'],
    links: [],
    events: [],
    duration: [1, 1],
    ended: true,
    resource: base.resource,
    instrumentationScope: { name: 'hand', version: '0.0.1' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/**
 * Spans built by `build` with the official SDK, through OTLP protobuf, the decoder and the
 * normalizer (one request): the rows by span name, and the rejection reasons.
 */
export async function normalizeWithSdk(
  build: (tracer: Tracer) => void,
  resource: Record<string, string> = { 'service.name': 'normalize-test' },
  projectId = 'proj-1',
): Promise<{ byName: Map<string, SpanRow>; rejected: string[] }> {
  const spans = await recordWithSdk(build, resource);
  const { rows, rejected } = normalizeSpans(decodeTraceRequestProto(toProto(spans)), {
    projectId,
    priceBook: DEFAULT_PRICE_BOOK,
  });
  return { byName: new Map(rows.map((r) => [r.name, r])), rejected };
}

/** The row of that span name, or a failure naming the rows there are. */
export function rowNamed(m: Map<string, SpanRow>, name: string): SpanRow {
  const r = m.get(name);
  if (!r) throw new Error(`no row named ${name}: ${[...m.keys()].join(', ')}`);
  return r;
}
