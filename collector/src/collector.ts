import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { PriceBook } from '@cairn/schemas';
import { sendFrameworkError } from '@cairn/schemas/http-errors';
import type { Store } from '@cairn/storage';
import { createGrpcReceiver, type GrpcReceiver } from './grpc/receiver.js';
import type { KeyAuthenticator } from './http/ingest-auth.js';
import { createCollectorMetrics, type CollectorMetrics } from './http/metrics.js';
import { registerOtlpRoutes } from './http/otlp-routes.js';
import { openIngestPipeline, type IngestPipeline, type IngestPipelineConfig } from './pipeline/ingest-pipeline.js';
import type { IngestWorkerPool } from './pipeline/ingest-pool.js';
import type { Spool } from './pipeline/spool.js';
import type { BatchWriter } from './pipeline/writer.js';

/** The pipeline's settings (body limit, batching, queue, dedup, workers, spool) and where to listen. */
export interface CollectorConfig extends IngestPipelineConfig {
  host: string;
  port: number;
  logLevel?: string;
}

export interface CollectorDeps {
  store: Store;
  /** Resolves a presented bearer key; undefined for unknown or revoked keys. */
  authenticate: KeyAuthenticator;
  /** A project's prices (its overrides first); defaults to the shipped table. */
  priceBookFor?: (projectId: string) => PriceBook;
  /** Where the log goes (default stdout as pino JSON); the CLI passes a readable stream on a terminal. */
  logStream?: NodeJS.WritableStream;
}

export interface Collector {
  app: FastifyInstance;
  /** Dedup, spool, writer and backpressure, shared by every transport. */
  pipeline: IngestPipeline;
  /** OTLP/gRPC on the same pipeline; serves once `grpc.listen(host, port)` is called. */
  grpc: GrpcReceiver;
  writer: BatchWriter;
  /** The durable spool; undefined without `spoolDir`. */
  spool: Spool | undefined;
  /** The ingest workers; undefined when requests are prepared on the event loop. */
  workers: IngestWorkerPool | undefined;
  metrics: CollectorMetrics;
  /** Writes everything accepted so far; true when drained. */
  flush(deadlineMs?: number): Promise<boolean>;
  /** Stops listening, then writes what is queued (bounded by `deadlineMs`). */
  close(deadlineMs?: number): Promise<boolean>;
}

/**
 * Composes the collector: the ingest pipeline (pipeline/), the OTLP/HTTP routes on a Fastify
 * instance (http/otlp-routes.ts) and the OTLP/gRPC receiver (grpc/) on that same pipeline, and
 * the close order (both transports, then the pipeline).
 */
export async function buildCollector(config: CollectorConfig, deps: CollectorDeps): Promise<Collector> {
  const metrics = createCollectorMetrics();
  const app = Fastify({
    logger: {
      level: config.logLevel ?? 'info',
      redact: ['req.headers.authorization'],
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    // Per-request log lines would cost more than decoding at 50k spans/s.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxBodyBytes,
    // Router errors (a path that is not valid percent-encoding) answer with a registry code too.
    frameworkErrors: sendFrameworkError,
  });
  const log: FastifyBaseLogger = app.log;
  const pipeline = await openIngestPipeline(config, {
    store: deps.store,
    metrics,
    log,
    ...(deps.priceBookFor ? { priceBookFor: deps.priceBookFor } : {}),
  });
  const { writer, spool } = pipeline;

  registerOtlpRoutes(app, {
    pipeline,
    authenticate: deps.authenticate,
    metrics,
    store: deps.store,
    maxBodyBytes: config.maxBodyBytes,
  });
  const grpc = createGrpcReceiver(config.maxBodyBytes, { pipeline, authenticate: deps.authenticate, metrics, log });

  let closing: Promise<boolean> | undefined;
  return {
    app,
    pipeline,
    grpc,
    writer,
    spool,
    workers: pipeline.workers,
    metrics,
    flush: (deadlineMs) => pipeline.flush(deadlineMs),
    close(deadlineMs) {
      // Both transports stop accepting; requests in flight finish (and queue their spans) before
      // the workers stop and the queue drains.
      closing ??= Promise.all([app.close(), grpc.close(deadlineMs)]).then(() => pipeline.close(deadlineMs));
      return closing;
    },
  };
}
