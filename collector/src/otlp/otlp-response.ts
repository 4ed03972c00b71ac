import protobuf from 'protobufjs/minimal.js';

/** What an OTLP export answer says: how many spans were refused and why (OTLP partial success). */
export interface ExportResult {
  rejectedSpans: number;
  errorMessage: string;
}

/** ExportTraceServiceResponse: field 1 partial_success { 1: int64 rejected_spans, 2: string error_message }. */
export function encodeExportResponseProto(result: ExportResult): Uint8Array {
  if (result.rejectedSpans === 0 && !result.errorMessage) return new Uint8Array(0);
  const inner = protobuf.Writer.create();
  if (result.rejectedSpans > 0) inner.uint32((1 << 3) | 0).int64(result.rejectedSpans);
  if (result.errorMessage) inner.uint32((2 << 3) | 2).string(result.errorMessage);
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).bytes(inner.finish());
  return w.finish();
}

export function encodeExportResponseJson(result: ExportResult): string {
  if (result.rejectedSpans === 0 && !result.errorMessage) return '{}';
  // OTLP/JSON encodes int64 as a decimal string.
  return JSON.stringify({ partialSuccess: { rejectedSpans: String(result.rejectedSpans), errorMessage: result.errorMessage } });
}

/**
 * google.rpc.Status { 1: int32 code, 2: string message, 3: repeated Any details }: the OTLP/HTTP
 * error body for protobuf clients, and the `grpc-status-details-bin` trailer of OTLP/gRPC. With
 * `retryDelaySeconds`, one detail: google.rpc.RetryInfo { 1: Duration retry_delay { 1: seconds } },
 * which OTLP/gRPC exporters honour as the delay before their retry.
 */
export function encodeStatusProto(grpcCode: number, message: string, retryDelaySeconds?: number): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 0).int32(grpcCode);
  w.uint32((2 << 3) | 2).string(message);
  if (retryDelaySeconds !== undefined) {
    const duration = protobuf.Writer.create()
      .uint32((1 << 3) | 0)
      .int64(retryDelaySeconds)
      .finish();
    const retryInfo = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(duration)
      .finish();
    const any = protobuf.Writer.create();
    any.uint32((1 << 3) | 2).string(RETRY_INFO_TYPE);
    any.uint32((2 << 3) | 2).bytes(retryInfo);
    w.uint32((3 << 3) | 2).bytes(any.finish());
  }
  return w.finish();
}

export const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/** HTTP status → the gRPC code the OTLP spec pairs with it. */
export function grpcCodeFor(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
    case 413:
    case 415:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED: no such route (gRPC's mapping of HTTP 404)
    case 429:
    case 503:
      return 14; // UNAVAILABLE
    default:
      return 13; // INTERNAL
  }
}
