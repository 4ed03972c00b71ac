import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { CairnError, isCairnError } from '@cairn/schemas';
import { encodeStatusProto, grpcCodeFor } from '../otlp/otlp-response.js';
import { retryAfterSeconds } from '../pipeline/ingest-pipeline.js';

/**
 * A Cairn error as an OTLP/gRPC status. The codes follow the OTLP spec's retry rules: UNAVAILABLE
 * (overloaded, spool full, a worker lost) is retryable and carries a google.rpc.RetryInfo delay
 * in `grpc-status-details-bin`; UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT are not. A
 * too large message is RESOURCE_EXHAUSTED without RetryInfo, which the spec makes non-retryable
 * (grpc-js answers that itself for messages over the limit, compressed or not).
 */
export function grpcStatusOf(err: unknown): Pick<StatusObject, 'code' | 'details'> & { metadata?: Metadata } {
  const e = isCairnError(err) ? err : new CairnError('CAIRN_INTERNAL', (err as Error)?.message ?? 'internal error');
  const code = e.status === 413 ? status.RESOURCE_EXHAUSTED : grpcCodeFor(e.status);
  const details = `${e.code}: ${e.message}`;
  if (code !== status.UNAVAILABLE) return { code, details };
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(encodeStatusProto(code, details, retryAfterSeconds(e))));
  return { code, details, metadata };
}
