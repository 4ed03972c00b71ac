/**
 * The decoders' output: one flat record per OTLP span, with its resource and scope attached.
 * Protobuf and JSON decoders both produce this, so the normalizer has one input shape.
 */
export type AttrValue = string | number | boolean | bigint | null | AttrValue[] | { [key: string]: AttrValue };

export type Attributes = Record<string, AttrValue>;

export interface DecodedEvent {
  name: string;
  timeNs: bigint;
  attributes: Attributes;
}

export interface DecodedSpan {
  /** Lower-case hex, 32 characters. */
  traceId: string;
  /** Lower-case hex, 16 characters. */
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind number (0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  spanKind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Attributes;
  events: DecodedEvent[];
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  resource: Attributes;
  scopeName: string;
  scopeVersion: string;
}
