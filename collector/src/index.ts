export { buildCollector } from './collector.js';
export type { Collector, CollectorConfig, CollectorDeps } from './collector.js';
export { authenticateBearer } from './http/ingest-auth.js';
export type { KeyAuthenticator, KeyIdentity } from './http/ingest-auth.js';
export { BatchWriter } from './pipeline/writer.js';
export type { BatchJournal, BatchSink, BatchWriterOptions, SpooledChunk } from './pipeline/writer.js';
export { Spool } from './pipeline/spool.js';
export type { SpoolBatch, SpoolEntry, SpoolOptions, SpoolRecovery, SpoolRef } from './pipeline/spool.js';
export { RecentKeys, spanKeys } from './pipeline/dedup.js';
export { IngestWorkerPool } from './pipeline/ingest-pool.js';
export { prepareRequest } from './pipeline/prepare.js';
export type { OtlpFormat, PreparedRequest } from './pipeline/prepare.js';
export { createCollectorMetrics } from './http/metrics.js';
export type { CollectorMetrics } from './http/metrics.js';
export { encodeExportResponseProto, encodeExportResponseJson, encodeStatusProto, RETRY_INFO_TYPE } from './otlp/otlp-response.js';
export type { ExportResult } from './otlp/otlp-response.js';
export type { AttrValue, Attributes, DecodedEvent, DecodedSpan } from './otlp/decoded.js';
export { decodeTraceRequestProto } from './otlp/otlp-proto.js';
export { decodeTraceRequestJson } from './otlp/otlp-json.js';
export { normalizeSpan, toolCallKey } from './normalize/normalize.js';
export type { NormalizeContext, NormalizeResult } from './normalize/normalize.js';
export { normalizeSpans } from './normalize/normalize-batch.js';
export type { NormalizedBatch } from './normalize/normalize-batch.js';
export { normalizeProvider } from './normalize/provider.js';
export { classifyInsertError, DATA_ERROR_CODES } from './pipeline/insert-errors.js';
export type { InsertErrorClass } from './pipeline/insert-errors.js';
export { createDeadLetterSink, deadLetterOf, DEAD_LETTER_FILE } from './pipeline/dead-letter-sink.js';
export type { DeadLetterSink } from './pipeline/dead-letter-sink.js';
export {
  MAX_TIME_NS,
  MAX_TOKENS,
  MAX_ID_CHARS,
  MAX_NAME_CHARS,
  MAX_ROW_CHARS,
  limitRow,
  timeRejection,
} from './normalize/limits.js';
export { lockSpoolDir } from './pipeline/spool-lock.js';
export type { SpoolLock } from './pipeline/spool-lock.js';
export { openIngestPipeline, overloaded, retryAfterSeconds, OVERLOADED_RETRY_SECONDS } from './pipeline/ingest-pipeline.js';
export type { IngestPipeline, IngestPipelineConfig, IngestPipelineDeps, PipelineLog } from './pipeline/ingest-pipeline.js';
export { createGrpcReceiver, TRACE_SERVICE } from './grpc/receiver.js';
export type { GrpcReceiver, GrpcReceiverDeps } from './grpc/receiver.js';
export { grpcStatusOf } from './grpc/status.js';
