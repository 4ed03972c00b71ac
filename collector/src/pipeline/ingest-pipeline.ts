import { CairnError, DEFAULT_PRICE_BOOK, type PriceBook } from '@cairn/schemas';
import { selectSpanLines, type Store } from '@cairn/storage';
import { createDeadLetterSink, deadLetterOf } from './dead-letter-sink.js';
import { RecentKeys } from './dedup.js';
import { IngestWorkerPool } from './ingest-pool.js';
import type { CollectorMetrics } from '../http/metrics.js';
import type { ExportResult } from '../otlp/otlp-response.js';
import { prepareRequest, type OtlpFormat, type PreparedRequest } from './prepare.js';
import { lockSpoolDir } from './spool-lock.js';
import { Spool, type SpoolRecovery, type SpoolRef } from './spool.js';
import { BatchWriter } from './writer.js';
import { currentThreadId, raiseThreadNice, sweepThreads } from './thread-priority.js';

/** The settings of the pipeline (`CollectorConfig` extends them). */
export interface IngestPipelineConfig {
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
  /**
   * With the embedded store: the nice value (1–19) given to every thread of the process but the
   * event loop and the ingest workers, so the ingest path goes first when both want a core
   * (thread-priority.ts). Undefined or 0 = leave priorities alone; ignored with a ClickHouse server.
   */
  yieldNice?: number;
  /**
   * While yielding: a writer backlog over this many rows gives the ingest workers the store's nice
   * value too (fair shares, so acknowledgements cannot run ahead of the writer into memory); under
   * a fifth of it, fresh workers take the lead again (default 5 batches).
   */
  yieldBacklogRows?: number;
}

export interface IngestPipelineDeps {
  store: Store;
  metrics: CollectorMetrics;
  priceBookFor?: (projectId: string) => PriceBook;
  log: PipelineLog;
}

/** The few log calls the pipeline makes (a pino logger fits). */
export interface PipelineLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Seconds an exporter is told to wait when the pipeline refuses for load (HTTP Retry-After, gRPC RetryInfo). */
export const OVERLOADED_RETRY_SECONDS = 5;

/**
 * One OTLP request's way from decoded bytes to durable, whatever transport brought it (OTLP/HTTP,
 * OTLP/gRPC): the transports authenticate, decompress and answer; everything else is here.
 * Errors are `CairnError`s; a refusal for load is `CAIRN_OVERLOADED` with
 * `details.retryAfterSeconds`.
 */
export interface IngestPipeline {
  writer: BatchWriter;
  /** The durable spool; undefined without `spoolDir`. */
  spool: Spool | undefined;
  /** The ingest workers; undefined when requests are prepared on the event loop. */
  workers: IngestWorkerPool | undefined;
  /** Throws `CAIRN_OVERLOADED` when a new request could not be queued anyway: checked before any CPU is spent. */
  admit(): void;
  /** Decodes, normalizes and encodes a decompressed body (in an ingest worker when there is one). */
  prepare(raw: Buffer, format: OtlpFormat, projectId: string): Promise<PreparedRequest>;
  /**
   * Drops exporter retries, then spools (fsync'd) or queues the rest and counts the request.
   * Resolves when the spans are durable (spooled) or queued (no spool): the request may then be
   * acknowledged, with the returned partial success.
   */
  accept(p: PreparedRequest): Promise<ExportResult>;
  /** Writes everything accepted so far; true when drained. */
  flush(deadlineMs?: number): Promise<boolean>;
  /** Stops the workers, writes what is queued (bounded by `deadlineMs`), closes the spool. Call after the transports stopped. */
  close(deadlineMs?: number): Promise<boolean>;
}

export function overloaded(why: string): CairnError {
  return new CairnError('CAIRN_OVERLOADED', `collector is overloaded (${why}); retry later`, {
    details: { retryAfterSeconds: OVERLOADED_RETRY_SECONDS },
  });
}

/** How long an exporter should wait before retrying after `err` (a retryable refusal): the pipeline's delay, else 1 s. */
export function retryAfterSeconds(err: CairnError): number {
  const s = err.details?.retryAfterSeconds;
  return typeof s === 'number' ? s : 1;
}

export async function openIngestPipeline(config: IngestPipelineConfig, deps: IngestPipelineDeps): Promise<IngestPipeline> {
  const { log, metrics } = deps;
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
  if (opened) replaySpool(opened.spool, opened.recovery, recent, writer, log);
  const priceBookFor = deps.priceBookFor ?? (() => DEFAULT_PRICE_BOOK);
  const workerCount = config.ingestWorkers ?? 1;
  const workers =
    workerCount > 0
      ? await IngestWorkerPool.start(workerCount, (err) => log.error({ err }, 'ingest worker stopped; starting a new one'))
      : undefined;
  const stopYielding =
    config.yieldNice && deps.store.mode === 'embedded'
      ? yieldToIngest(config.yieldNice, config.yieldBacklogRows ?? 5 * config.batchMaxRows, writer, workers)
      : undefined;
  const maxPendingBytes = config.maxPendingBytes ?? 4 * config.maxBodyBytes;
  let pendingBytes = 0;

  /**
   * Answers only once the spans are fsync'd. Keys are remembered before the append, so a
   * concurrent retry is caught as a duplicate; that retry then waits for the appends before it
   * (its spans are in one of them) and fails too if one of them did.
   */
  async function spoolRequest(spool: Spool, body: Buffer, rows: number, keys: Uint32Array, hadDuplicates: boolean) {
    const failures = spool.failures;
    if (rows > 0) {
      if (!spool.canAccept(rows, body.length)) throw overloaded(`spool is full: ${spool.bytes} bytes waiting`);
      for (let at = 0; at < rows * 3; at += 3) recent.add(keys, at);
      try {
        await spool.append(rows, keys, body, (e) => writer.enqueue(body, rows, { seq: e.seq, load: loader(spool, e.ref) }));
      } catch (err) {
        if (forgiven.size < 1_000_000) for (let at = 0; at < rows * 3; at += 3) forgiven.add(keyId(keys, at));
        log.error({ err }, 'spool append failed');
        throw overloaded(`spool write failed: ${(err as Error).message}`);
      }
    }
    if (hadDuplicates) await spool.barrier();
    if (spool.failures !== failures) throw overloaded('a spool write failed meanwhile');
  }

  let closing: Promise<boolean> | undefined;
  return {
    writer,
    spool,
    workers,
    admit() {
      if (!writer.canAccept(1)) throw overloaded(`queue is full: ${writer.backlog} rows waiting`);
      if (spool && !spool.canAccept(1, 0)) throw overloaded(`spool is full: ${spool.bytes} bytes waiting`);
    },
    async prepare(raw, format, projectId) {
      // Kept apart: the pool may move `raw` to the worker, leaving it empty.
      const size = raw.length;
      if (pendingBytes > 0 && pendingBytes + size > maxPendingBytes) {
        throw overloaded(`${pendingBytes} bytes of requests being decoded`);
      }
      pendingBytes += size;
      try {
        const book = priceBookFor(projectId);
        return workers ? await workers.prepare(raw, format, projectId, book) : prepareRequest(raw, format, projectId, book);
      } finally {
        pendingBytes -= size;
      }
    },
    async accept(p) {
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
      if (!writer.canAccept(accepted)) throw overloaded(`queue is full: ${writer.backlog} rows waiting`);
      const body = keep ? selectSpanLines(p.body, keep) : p.body;
      if (!spool) {
        for (let i = 0; i < p.rows; i++) if (!keep || keep[i]) recent.add(p.keys, i * 3);
        writer.enqueue(body, accepted);
      } else {
        await spoolRequest(spool, body, accepted, keep ? selectKeys(p.keys, keep, accepted) : p.keys, duplicates > 0);
      }
      const rejected = p.spans - p.rows;
      metrics.spansAccepted.inc(accepted);
      if (duplicates) metrics.spansDuplicate.inc(duplicates);
      for (const [reason, n] of p.rejected) metrics.spansRejected.inc(n, { reason: reason.split(':')[0] ?? reason });
      return {
        rejectedSpans: rejected,
        errorMessage: rejected ? p.rejected.map(([r, n]) => `${n} span(s): ${r}`).join('; ') : '',
      };
    },
    flush: (deadlineMs) => writer.flush(deadlineMs),
    close(deadlineMs) {
      closing ??= (async () => {
        stopYielding?.();
        await workers?.close();
        const drained = await writer.close(deadlineMs);
        await spool?.close();
        await lock?.release();
        return drained;
      })();
      return closing;
    },
  };
}

/**
 * The store's threads yield to the event loop and the ingest workers (thread-priority.ts) while
 * the writer keeps up. Past `backlogRows` the workers get the same nice value — otherwise, at
 * sustained overload, acknowledgements ran 10 s ahead of the writer and the gap sat in memory
 * (BENCHMARKS.md, "The paced tail") — and once the backlog is under a fifth of that, new workers
 * (born at the event loop's priority) take the lead again.
 */
function yieldToIngest(
  nice: number,
  backlogRows: number,
  writer: BatchWriter,
  workers: IngestWorkerPool | undefined,
): (() => void) | undefined {
  const loop = currentThreadId();
  if (loop === undefined) return undefined; // not Linux
  let fair = false;
  const tick = (): void => {
    if (workers && !fair && writer.backlog > backlogRows) {
      fair = true;
      for (const tid of workers.threadIds ?? []) raiseThreadNice(tid, nice);
    } else if (workers && fair && writer.backlog < backlogRows / 5) {
      fair = false;
      // The current workers keep their raised value when no fresh one could start: try again next tick.
      workers.renew().catch(() => (fair = true));
    }
    // Skipped while a worker is starting: its id is not known yet, and it must not be yielded.
    const ids = workers ? workers.threadIds : [];
    if (ids) sweepThreads(nice, [loop, ...ids]);
  };
  tick();
  const timer = setInterval(tick, 1000);
  timer.unref();
  return () => clearInterval(timer);
}

/** Queues what a crash left in the spool and remembers its keys, so a retry of an acknowledged request stays a duplicate. */
function replaySpool(spool: Spool, recovery: SpoolRecovery, recent: RecentKeys, writer: BatchWriter, log: PipelineLog): void {
  const { entries, batches, keys, droppedBytes } = recovery;
  for (const k of keys) for (let at = 0; at < k.length; at += 3) recent.add(k, at);
  // Marked batches go out again exactly as they were (same records, same token); the rest form new ones.
  let b = 0;
  for (const e of entries) {
    while (batches[b] && batches[b]!.last < e.seq) b++;
    const batch = batches[b];
    const batchToken = batch && batch.first <= e.seq ? batch.token : undefined;
    writer.enqueue(undefined, e.rows, {
      seq: e.seq,
      load: loader(spool, e.ref),
      ...(batchToken ? { batchToken } : {}),
    });
  }
  if (entries.length > 0 || droppedBytes > 0) {
    const rows = entries.reduce((a, e) => a + e.rows, 0);
    log.info({ rows, requests: entries.length, batches: batches.length, droppedBytes }, 'replaying the spool');
  }
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
