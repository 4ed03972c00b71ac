import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CairnError } from '@cairn/schemas';
import { installHttpErrors } from '@cairn/schemas/http-errors';
import { encodeExportResponseJson, encodeExportResponseProto, encodeStatusProto, grpcCodeFor } from '../otlp/otlp-response.js';
import { retryAfterSeconds, type IngestPipeline } from '../pipeline/ingest-pipeline.js';
import { RequestPhases } from '../pipeline/request-phases.js';
import { decompress } from './decompress.js';
import { authenticateBearer, type KeyAuthenticator } from './ingest-auth.js';
import { trackedMemoryBytes, type Store } from '@cairn/storage';
import type { CollectorMetrics } from './metrics.js';

const PROTOBUF = 'application/x-protobuf';

declare module 'fastify' {
  interface FastifyRequest {
    cairnProject?: string;
  }
}

export interface OtlpRoutesDeps {
  pipeline: IngestPipeline;
  authenticate: KeyAuthenticator;
  metrics: CollectorMetrics;
  /** Asked for ClickHouse's tracked memory on each `/metrics` scrape. */
  store: Store;
  /** The largest body, compressed or inflated. */
  maxBodyBytes: number;
}

/**
 * The collector's HTTP face, as a plugin that only wires: `POST /v1/traces` (auth → backpressure
 * → decompress → prepare → pipeline → answer, each phase timed by request-phases.ts), `/healthz`,
 * `/metrics`, and the shared error plugin (`@cairn/schemas/http-errors`) answering in the
 * client's encoding. Register it on the root instance (the error and not-found handlers apply to
 * every route).
 */
export function registerOtlpRoutes(app: FastifyInstance, deps: OtlpRoutesDeps): void {
  const { pipeline, metrics, maxBodyBytes } = deps;

  // Only the two OTLP encodings: Fastify's default text/plain parser would let other types through.
  app.removeAllContentTypeParsers();
  for (const type of [PROTOBUF, 'application/json']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_req, body, done) => done(null, body));
  }

  installHttpErrors(app, {
    classify: (err) =>
      (err as { code?: string }).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? new CairnError('CAIRN_UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/x-protobuf or application/json')
        : (err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? new CairnError('CAIRN_PAYLOAD_TOO_LARGE', 'request body is larger than the configured limit')
          : undefined,
    notFoundHint: 'OTLP traces go to POST /v1/traces',
    send: (req, reply, err) => sendError(req, reply, err, metrics),
  });

  app.get('/healthz', async () => ({ status: 'ok', queued_rows: pipeline.writer.backlog }));
  app.get('/metrics', async (_req, reply) => {
    metrics.spoolBytes.set(pipeline.spool?.bytes ?? 0);
    const mem = process.memoryUsage();
    metrics.residentBytes.set(mem.rss);
    metrics.heapUsedBytes.set(mem.heapUsed);
    metrics.heapTotalBytes.set(mem.heapTotal);
    metrics.externalBytes.set(mem.external);
    // A store that cannot answer must not fail the scrape: the gauge keeps its last value.
    const tracked = await trackedMemoryBytes(deps.store).catch(() => null);
    if (tracked !== null) metrics.clickhouseBytes.set(tracked);
    return reply.type('text/plain; version=0.0.4').send(metrics.render());
  });

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
      const phases = new RequestPhases(reply.elapsedTime);
      const raw = await decompress(req.headers['content-encoding'], req.body as Buffer, maxBodyBytes);
      phases.lap('decompress');
      const prepared = await pipeline.prepare(raw, isProto ? 'protobuf' : 'json', projectId);
      phases.prepared(prepared.prepareMs);
      const result = await pipeline.accept(prepared);
      phases.lap('durable');
      metrics.requests.inc(1, { status: '200' });
      phases.observe(metrics.requestPhaseSeconds);
      // What a slow answer waited for, in the client's own tools (curl -v, browser devtools, the bench).
      reply.header('server-timing', phases.header());
      if (isProto) return reply.type(PROTOBUF).send(Buffer.from(encodeExportResponseProto(result)));
      return reply.type('application/json').send(encodeExportResponseJson(result));
    },
  });
}

function contentType(req: FastifyRequest): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** An error answer, counted, in the client's encoding (an OTLP `Status` for protobuf clients). */
function sendError(req: FastifyRequest, reply: FastifyReply, err: CairnError, metrics: CollectorMetrics): FastifyReply {
  metrics.requests.inc(1, { status: String(err.status) });
  // Every 503 is retryable (OTLP exporters honour Retry-After); the pipeline's load refusals say how long.
  if (err.status === 503) reply.header('Retry-After', String(retryAfterSeconds(err)));
  if (contentType(req) === PROTOBUF) {
    return reply.type(PROTOBUF).send(Buffer.from(encodeStatusProto(grpcCodeFor(err.status), `${err.code}: ${err.message}`)));
  }
  return reply.type('application/json').send({ error: { code: err.code, message: err.message } });
}
