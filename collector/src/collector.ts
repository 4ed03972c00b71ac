import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { afterBody, CairnError, isCairnError, type PriceBook } from '@cairn/schemas';
import type { Store } from '@cairn/storage';
import { createGrpcReceiver, type GrpcReceiver } from './grpc/receiver.js';
import { authenticateBearer, type KeyAuthenticator } from './ingest-auth.js';
import type { IngestWorkerPool } from './ingest-pool.js';
import { createCollectorMetrics, type CollectorMetrics } from './metrics.js';
import { encodeExportResponseJson, encodeExportResponseProto, encodeStatusProto, grpcCodeFor } from './otlp-response.js';
import {
  openIngestPipeline,
  retryAfterSeconds,
  type IngestPipeline,
  type IngestPipelineConfig,
} from './pipeline/ingest-pipeline.js';
import type { Spool } from './spool.js';
import type { BatchWriter } from './writer.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

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

const PROTOBUF = 'application/x-protobuf';

declare module 'fastify' {
  interface FastifyRequest {
    cairnProject?: string;
  }
}

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
  });
  const log: FastifyBaseLogger = app.log;
  const pipeline = await openIngestPipeline(config, {
    store: deps.store,
    metrics,
    log,
    ...(deps.priceBookFor ? { priceBookFor: deps.priceBookFor } : {}),
  });
  const { writer, spool } = pipeline;

  // Only the two OTLP encodings: Fastify's default text/plain parser would let other types through.
  app.removeAllContentTypeParsers();
  for (const type of [PROTOBUF, 'application/json']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: config.maxBodyBytes }, (_req, body, done) => done(null, body));
  }

  app.setErrorHandler((err, req, reply) => sendError(req, reply, toCairnError(err), metrics));
  app.setNotFoundHandler((req, reply) =>
    sendError(
      req,
      reply,
      new CairnError('CAIRN_NOT_FOUND', `no route ${req.method} ${req.url}; OTLP traces go to POST /v1/traces`),
      metrics,
    ),
  );

  app.get('/healthz', async () => ({ status: 'ok', queued_rows: writer.backlog }));
  app.get('/metrics', async (_req, reply) => {
    metrics.spoolBytes.set(spool?.bytes ?? 0);
    return reply.type('text/plain; version=0.0.4').send(metrics.render());
  });

  // The route only wires: auth → backpressure → decompress → prepare → pipeline → answer.
  app.post('/v1/traces', {
    onRequest: async (req) => {
      req.cairnProject = await authenticateBearer(req.headers.authorization, deps.authenticate);
    },
    onResponse: async (_req, reply) => {
      metrics.requestSeconds.observe(reply.elapsedTime / 1000);
    },
    handler: async (req, reply) => {
      const projectId = req.cairnProject!;
      const isProto = contentType(req) === PROTOBUF;
      // Refuse before spending CPU on a request that could not be queued anyway.
      pipeline.admit();
      const raw = await decompress(req, req.body as Buffer, config.maxBodyBytes);
      const prepared = await pipeline.prepare(raw, isProto ? 'protobuf' : 'json', projectId);
      const result = await pipeline.accept(prepared);
      metrics.requests.inc(1, { status: '200' });
      if (isProto) return reply.type(PROTOBUF).send(Buffer.from(encodeExportResponseProto(result)));
      return reply.type('application/json').send(encodeExportResponseJson(result));
    },
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

function contentType(req: FastifyRequest): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

async function decompress(req: FastifyRequest, body: Buffer, maxBytes: number): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip' && encoding !== 'deflate') {
    throw new CairnError('CAIRN_BAD_ENCODING', `unsupported Content-Encoding "${encoding}" (use gzip or none)`);
  }
  try {
    const opts = { maxOutputLength: maxBytes };
    return encoding === 'gzip' ? await gunzipAsync(body, opts) : await inflateAsync(body, opts);
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CairnError('CAIRN_PAYLOAD_TOO_LARGE', `decompressed body exceeds ${maxBytes} bytes`);
    }
    throw new CairnError('CAIRN_BAD_ENCODING', `body is not valid ${encoding} data`, { cause: err });
  }
}

/** Maps Fastify's own errors (media type, body size, parse) onto registry codes. */
function toCairnError(err: unknown): CairnError {
  if (isCairnError(err)) return err;
  const e = err as { code?: string; statusCode?: number; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new CairnError('CAIRN_UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/x-protobuf or application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new CairnError('CAIRN_PAYLOAD_TOO_LARGE', 'request body is larger than the configured limit');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new CairnError('CAIRN_BAD_REQUEST', 'Content-Length does not match the body');
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
    return new CairnError('CAIRN_BAD_REQUEST', e.message ?? 'bad request');
  return new CairnError('CAIRN_INTERNAL', e.message ?? 'internal error', { cause: err });
}

/**
 * Answers an error. A body not read to its end (a 413 stops part way, auth refuses before
 * reading) is drained first, bounded, so an exporter still sending reads this answer instead
 * of failing with EPIPE and retrying the same body.
 */
function sendError(
  req: FastifyRequest,
  reply: FastifyReply,
  err: CairnError,
  metrics: CollectorMetrics,
): FastifyReply | Promise<FastifyReply> {
  return afterBody(req.raw, (unread) => {
    if (unread) reply.header('connection', 'close');
    return sendErrorNow(req, reply, err, metrics);
  });
}

function sendErrorNow(req: FastifyRequest, reply: FastifyReply, err: CairnError, metrics: CollectorMetrics): FastifyReply {
  metrics.requests.inc(1, { status: String(err.status) });
  // Every 503 is retryable (OTLP exporters honour Retry-After); the pipeline's load refusals say how long.
  if (err.status === 503) reply.header('Retry-After', String(retryAfterSeconds(err)));
  if (err.status >= 500 && err.code !== 'CAIRN_OVERLOADED') req.log.error({ err }, 'collector error');
  reply.status(err.status);
  if (contentType(req) === PROTOBUF) {
    return reply.type(PROTOBUF).send(Buffer.from(encodeStatusProto(grpcCodeFor(err.status), `${err.code}: ${err.message}`)));
  }
  return reply.type('application/json').send({ error: { code: err.code, message: err.message } });
}
