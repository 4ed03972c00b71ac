import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { afterBody, CairnError, DEFAULT_PRICE_BOOK, isCairnError, type PriceBook } from '@cairn/schemas';
import { selectSpanLines, type Store } from '@cairn/storage';
import { createDeadLetterSink, deadLetterOf } from './dead-letter-sink.js';
import { RecentKeys } from './dedup.js';
import { IngestWorkerPool } from './ingest-pool.js';
import { createCollectorMetrics, type CollectorMetrics } from './metrics.js';
import {
  encodeExportResponseJson,
  encodeExportResponseProto,
  encodeStatusProto,
  grpcCodeFor,
  type ExportResult,
} from './otlp-response.js';
import { prepareRequest, type PreparedRequest } from './prepare.js';
import { lockSpoolDir } from './spool-lock.js';
import { Spool, type SpoolRef } from './spool.js';
import { BatchWriter } from './writer.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export interface CollectorConfig {
  host: string;
  port: number;
  /** Largest body accepted, compressed and (separately) after decompression. */
  maxBodyBytes: number;
  batchMaxRows: number;
  batchMaxMs: number;
  /** Rows held in memory before the collector answers 503 (default 20 batches). */
  maxQueuedRows?: number;
  /** Span keys remembered to drop exporter retries (default 1,000,000 per generation). */
  dedupCapacity?: number;
  /**
   * Worker threads that decode, normalize and encode requests (default 1: on 2 cores the
   * event loop and chDB's insert threads need the other). 0 runs them on the event loop.
   */
  ingestWorkers?: number;
  /** Decompressed request bytes being prepared at once before the collector answers 503 (default 4 bodies). */
  maxPendingBytes?: number;
  /**
   * Directory of the durable spool: a 200 then means the spans are fsync'd there, and a restart
   * writes what a crash left. Undefined = in-memory queue only (a 200 means queued).
   */
  spoolDir?: string;
  /** Spool bytes on disk before the collector answers 503 (default 1 GiB). */
  spoolMaxBytes?: number;
  /** Spooled request bodies kept in memory for the writer; beyond this they are read back from disk (default 128 MiB). */
  spoolMemoryBytes?: number;
  logLevel?: string;
}

export interface KeyIdentity {
  projectId: string;
  kind: 'ingest' | 'admin';
}

export interface CollectorDeps {
  store: Store;
  /** Resolves a presented bearer key; undefined for unknown or revoked keys. */
  authenticate: (key: string) => Promise<KeyIdentity | undefined>;
  /** A project's prices (its overrides first); defaults to the shipped table. */
  priceBookFor?: (projectId: string) => PriceBook;
  /** Where the log goes (default stdout as pino JSON); the CLI passes a readable stream on a terminal. */
  logStream?: NodeJS.WritableStream;
}

export interface Collector {
  app: FastifyInstance;
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
  // Taken before the spool is read: a second collector on the directory fails here, touching nothing.
  const lock = config.spoolDir ? await lockSpoolDir(config.spoolDir) : undefined;
  let opened;
  try {
    opened = config.spoolDir
      ? await Spool.open({ dir: config.spoolDir, maxBytes: config.spoolMaxBytes ?? 1024 ** 3 })
      : undefined;
  } catch (err) {
    await lock?.release();
    throw err;
  }
  const spool = opened?.spool;
  const deadLetters = createDeadLetterSink(deps.store, config.spoolDir, metrics, (err) =>
    log.error({ err }, `the dead_letters table refused dead letters; writing them to the spool directory`),
  );
  const writer = new BatchWriter(
    (body, _rows, token) => deps.store.insertSpanLines(body, { dedupToken: token }),
    {
      maxRows: config.batchMaxRows,
      maxMs: config.batchMaxMs,
      // With a spool, its size bounds the backlog and bodies beyond spoolMemoryBytes wait on disk.
      maxQueuedRows: spool ? Number.MAX_SAFE_INTEGER : (config.maxQueuedRows ?? config.batchMaxRows * 20),
      maxBufferedBytes: config.spoolMemoryBytes ?? 128 * 1024 * 1024,
      deadLetter: async (line, error, id) => {
        const letter = deadLetterOf(line, error, id);
        await deadLetters([letter]);
        log.warn(
          { project: letter.project_id, trace_id: letter.trace_id, span_id: letter.span_id, code: error.code },
          `span refused by the store, kept as a dead letter: ${error.message}`,
        );
      },
      onDataError: (error, rows) =>
        log.warn({ rows, code: error.code }, `batch refused for a data error; isolating the refused rows: ${error.message}`),
    },
    metrics,
    (err, attempts) => log.error({ err, attempts }, 'batch write failed; will retry'),
    spool,
  );
  const recent = new RecentKeys(config.dedupCapacity ?? 1_000_000);
  // Keys of requests whose spool append failed: they were never acknowledged, so a retry is not a duplicate.
  const forgiven = new Set<string>();
  const keyId = (keys: Uint32Array, at: number): string => `${keys[at]},${keys[at + 1]},${keys[at + 2]}`;
  if (opened) {
    const { entries, batches, keys, droppedBytes } = opened.recovery;
    for (const k of keys) for (let at = 0; at < k.length; at += 3) recent.add(k, at);
    // Marked batches go out again exactly as they were (same records, same token); the rest form new ones.
    let b = 0;
    for (const e of entries) {
      while (batches[b] && batches[b]!.last < e.seq) b++;
      const batch = batches[b];
      const batchToken = batch && batch.first <= e.seq ? batch.token : undefined;
      writer.enqueue(undefined, e.rows, {
        seq: e.seq,
        load: loader(opened.spool, e.ref),
        ...(batchToken ? { batchToken } : {}),
      });
    }
    if (entries.length > 0 || droppedBytes > 0) {
      const rows = entries.reduce((a, e) => a + e.rows, 0);
      log.info({ rows, requests: entries.length, batches: batches.length, droppedBytes }, 'replaying the spool');
    }
  }
  const priceBookFor = deps.priceBookFor ?? (() => DEFAULT_PRICE_BOOK);
  const workerCount = config.ingestWorkers ?? 1;
  const workers =
    workerCount > 0
      ? await IngestWorkerPool.start(workerCount, (err) => log.error({ err }, 'ingest worker stopped; starting a new one'))
      : undefined;
  const maxPendingBytes = config.maxPendingBytes ?? 4 * config.maxBodyBytes;
  let pendingBytes = 0;
  const overloaded = (reply: FastifyReply, why: string): CairnError => {
    reply.header('Retry-After', '5');
    return new CairnError('CAIRN_OVERLOADED', `collector is overloaded (${why}); retry later`);
  };

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

  app.post('/v1/traces', {
    onRequest: async (req) => {
      req.cairnProject = await authenticate(req, deps.authenticate);
    },
    onResponse: async (_req, reply) => {
      metrics.requestSeconds.observe(reply.elapsedTime / 1000);
    },
    handler: async (req, reply) => {
      const projectId = req.cairnProject!;
      const isProto = contentType(req) === PROTOBUF;
      // Refuse before spending CPU on a request that could not be queued anyway.
      if (!writer.canAccept(1)) throw overloaded(reply, `queue is full: ${writer.backlog} rows waiting`);
      if (spool && !spool.canAccept(1, 0)) throw overloaded(reply, `spool is full: ${spool.bytes} bytes waiting`);
      const raw = await decompress(req, req.body as Buffer, config.maxBodyBytes);
      // Kept apart: the pool may move `raw` to the worker, leaving it empty.
      const size = raw.length;
      if (pendingBytes > 0 && pendingBytes + size > maxPendingBytes) {
        throw overloaded(reply, `${pendingBytes} bytes of requests being decoded`);
      }
      let p: PreparedRequest;
      pendingBytes += size;
      try {
        const format = isProto ? 'protobuf' : 'json';
        const book = priceBookFor(projectId);
        p = workers ? await workers.prepare(raw, format, projectId, book) : prepareRequest(raw, format, projectId, book);
      } finally {
        pendingBytes -= size;
      }
      // Checked here, on the one thread that owns the keys, so concurrent retries of one
      // request cannot both pass. Duplicates within one request are stored (and collapse on merge).
      let keep: Uint8Array | undefined;
      let duplicates = 0;
      for (let i = 0; i < p.rows; i++) {
        if (!recent.has(p.keys, i * 3)) continue;
        if (forgiven.size > 0 && forgiven.delete(keyId(p.keys, i * 3))) continue;
        keep ??= new Uint8Array(p.rows).fill(1);
        keep[i] = 0;
        duplicates++;
      }
      const accepted = p.rows - duplicates;
      if (!writer.canAccept(accepted)) throw overloaded(reply, `queue is full: ${writer.backlog} rows waiting`);
      const body = keep ? selectSpanLines(p.body, keep) : p.body;
      if (!spool) {
        for (let i = 0; i < p.rows; i++) if (!keep || keep[i]) recent.add(p.keys, i * 3);
        writer.enqueue(body, accepted);
      } else {
        await spoolRequest(spool, reply, body, accepted, keep ? selectKeys(p.keys, keep, accepted) : p.keys, duplicates > 0);
      }
      const rejected = p.spans - p.rows;
      metrics.spansAccepted.inc(accepted);
      if (duplicates) metrics.spansDuplicate.inc(duplicates);
      for (const [reason, n] of p.rejected) metrics.spansRejected.inc(n, { reason: reason.split(':')[0] ?? reason });
      metrics.requests.inc(1, { status: '200' });
      const result: ExportResult = {
        rejectedSpans: rejected,
        errorMessage: rejected ? p.rejected.map(([r, n]) => `${n} span(s): ${r}`).join('; ') : '',
      };
      if (isProto) return reply.type(PROTOBUF).send(Buffer.from(encodeExportResponseProto(result)));
      return reply.type('application/json').send(encodeExportResponseJson(result));
    },
  });

  /**
   * Answers only once the spans are fsync'd. Keys are remembered before the append, so a
   * concurrent retry is caught as a duplicate; that retry then waits for the appends before it
   * (its spans are in one of them) and fails too if one of them did.
   */
  async function spoolRequest(
    spool: Spool,
    reply: FastifyReply,
    body: Buffer,
    rows: number,
    keys: Uint32Array,
    hadDuplicates: boolean,
  ): Promise<void> {
    const failures = spool.failures;
    if (rows > 0) {
      if (!spool.canAccept(rows, body.length)) throw overloaded(reply, `spool is full: ${spool.bytes} bytes waiting`);
      for (let at = 0; at < rows * 3; at += 3) recent.add(keys, at);
      try {
        await spool.append(rows, keys, body, (e) => writer.enqueue(body, rows, { seq: e.seq, load: loader(spool, e.ref) }));
      } catch (err) {
        if (forgiven.size < 1_000_000) for (let at = 0; at < rows * 3; at += 3) forgiven.add(keyId(keys, at));
        log.error({ err }, 'spool append failed');
        throw overloaded(reply, `spool write failed: ${(err as Error).message}`);
      }
    }
    if (hadDuplicates) await spool.barrier();
    if (spool.failures !== failures) throw overloaded(reply, 'a spool write failed meanwhile');
  }

  let closing: Promise<boolean> | undefined;
  return {
    app,
    writer,
    spool,
    workers,
    metrics,
    flush: (deadlineMs) => writer.flush(deadlineMs),
    close(deadlineMs) {
      // Requests in flight finish (and queue their spans) before the workers stop and the queue drains.
      closing ??= app
        .close()
        .then(() => workers?.close())
        .then(() => writer.close(deadlineMs))
        .then(async (drained) => {
          await spool?.close();
          await lock?.release();
          return drained;
        });
      return closing;
    },
  };
}

/**
 * Reads a spooled body back. Made out here so the closure holds only the spool and the
 * location: one made in the request handler would keep the body alive with its scope, however
 * the writer bounds the bodies it holds.
 */
function loader(spool: Spool, ref: SpoolRef): () => Promise<Buffer> {
  return () => spool.read(ref);
}

/** The dedup keys (three words each) of the rows `keep` marks. */
function selectKeys(keys: Uint32Array, keep: Uint8Array, count: number): Uint32Array {
  const out = new Uint32Array(count * 3);
  let o = 0;
  for (let i = 0; i < keep.length; i++) {
    if (!keep[i]) continue;
    out.set(keys.subarray(i * 3, i * 3 + 3), o);
    o += 3;
  }
  return out;
}

async function authenticate(req: FastifyRequest, resolve: CollectorDeps['authenticate']): Promise<string> {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new CairnError('CAIRN_UNAUTHORIZED', 'missing "Authorization: Bearer <ingest key>" header');
  const identity = await resolve(m[1]!);
  if (!identity) throw new CairnError('CAIRN_UNAUTHORIZED', 'unknown or revoked key');
  if (identity.kind !== 'ingest') {
    throw new CairnError('CAIRN_FORBIDDEN', 'telemetry must be sent with an ingest key (cairn_ik_…), not an admin key');
  }
  return identity.projectId;
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
  // Every 503 is retryable (OTLP exporters honour Retry-After); the queue-full path sets its own.
  if (err.status === 503 && !reply.hasHeader('Retry-After')) reply.header('Retry-After', '1');
  if (err.status >= 500 && err.code !== 'CAIRN_OVERLOADED') req.log.error({ err }, 'collector error');
  reply.status(err.status);
  if (contentType(req) === PROTOBUF) {
    return reply.type(PROTOBUF).send(Buffer.from(encodeStatusProto(grpcCodeFor(err.status), `${err.code}: ${err.message}`)));
  }
  return reply.type('application/json').send({ error: { code: err.code, message: err.message } });
}
