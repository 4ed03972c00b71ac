import { randomUUID } from 'node:crypto';
import type { CollectorMetrics } from './metrics.js';

/**
 * Writes one batch — `rows` spans already encoded as insert lines (`encodeSpanLines`) — in one
 * insert. The token makes a retried batch a no-op if it had landed.
 */
export type BatchSink = (body: Buffer, rows: number, dedupToken: string) => Promise<void>;

export interface BatchWriterOptions {
  /** Flush when this many rows are queued… */
  maxRows: number;
  /** …or when the oldest queued row has waited this long. */
  maxMs: number;
  /** Refuse new rows beyond this (the server answers 503 + Retry-After): bounded memory. */
  maxQueuedRows: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

interface Chunk {
  body: Buffer;
  rows: number;
}

interface Batch extends Chunk {
  token: string;
  attempts: number;
}

/**
 * The queue → writer half of receive → queue → writer. One insert runs at a time (an embedded
 * store has one write connection); failed batches are retried with backoff, keeping their
 * token, and nothing queued is dropped. A durable spool can sit in front of `enqueue` later.
 * Rows arrive encoded (one chunk per request), so a batch is a concatenation and the loop is
 * free while the native insert runs.
 */
export class BatchWriter {
  private chunks: Chunk[] = [];
  private queued = 0;
  private retry: Batch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;

  constructor(
    private readonly sink: BatchSink,
    private readonly opts: BatchWriterOptions,
    private readonly metrics: CollectorMetrics,
    private readonly onError: (err: unknown, attempts: number) => void = () => undefined,
  ) {
    this.retryBaseMs = opts.retryBaseMs ?? 200;
    this.retryMaxMs = opts.retryMaxMs ?? 10_000;
  }

  /** Rows queued or in flight, not yet written. */
  get backlog(): number {
    return this.queued + (this.retry?.rows ?? 0);
  }

  canAccept(rows: number): boolean {
    return !this.closed && this.backlog + rows <= this.opts.maxQueuedRows;
  }

  /** Queues `rows` spans encoded in `body` (whole lines). */
  enqueue(body: Buffer, rows: number): void {
    if (rows === 0) return;
    this.chunks.push({ body, rows });
    this.queued += rows;
    this.metrics.queuedRows.set(this.backlog);
    if (this.queued >= this.opts.maxRows) this.kick(0);
    else if (!this.timer) this.kick(this.opts.maxMs);
  }

  /**
   * Writes everything queued now, retrying failures. Resolves true when the backlog is empty,
   * false if `deadlineMs` passed first (the store is down): the rows stay queued.
   */
  async flush(deadlineMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const until = Date.now() + deadlineMs;
    while (this.backlog > 0 && Date.now() < until) {
      this.clearTimer();
      await this.drainOnce();
      if (this.retry) await sleep(Math.min(this.retryDelay(this.retry.attempts), Math.max(0, until - Date.now())));
    }
    await this.running;
    this.reschedule();
    return this.backlog === 0;
  }

  /** Stops accepting rows and timers after trying to write what is queued. */
  async close(deadlineMs?: number): Promise<boolean> {
    this.closed = true;
    const drained = await this.flush(deadlineMs);
    this.clearTimer();
    return drained;
  }

  private kick(delayMs: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drainOnce().then(() => this.reschedule());
    }, delayMs);
    // A pending flush timer alone must not keep the process alive.
    this.timer.unref?.();
  }

  private reschedule(): void {
    if (this.timer || (this.closed && this.backlog === 0)) return;
    if (this.retry) this.kick(this.retryDelay(this.retry.attempts));
    else if (this.queued >= this.opts.maxRows) this.kick(0);
    else if (this.queued > 0) this.kick(this.opts.maxMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private retryDelay(attempts: number): number {
    return Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.max(0, attempts - 1));
  }

  /** Writes one batch (the failed one first). Concurrent callers share the running write. */
  private drainOnce(): Promise<void> {
    if (this.running) return this.running;
    const batch = this.retry ?? this.take();
    if (!batch) return Promise.resolve();
    this.retry = undefined;
    this.running = this.write(batch).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Whole chunks up to maxRows: a request is never split, and only one larger than maxRows exceeds it. */
  private take(): Batch | undefined {
    if (this.queued === 0) return undefined;
    const parts: Buffer[] = [];
    let rows = 0;
    while (this.chunks.length > 0 && (rows === 0 || rows + this.chunks[0]!.rows <= this.opts.maxRows)) {
      const chunk = this.chunks.shift()!;
      parts.push(chunk.body);
      rows += chunk.rows;
    }
    this.queued -= rows;
    return { body: parts.length === 1 ? parts[0]! : Buffer.concat(parts), rows, token: randomUUID(), attempts: 0 };
  }

  private async write(batch: Batch): Promise<void> {
    const started = performance.now();
    try {
      await this.sink(batch.body, batch.rows, batch.token);
      this.metrics.insertSeconds.observe((performance.now() - started) / 1000);
      this.metrics.batchesWritten.inc();
      this.metrics.spansWritten.inc(batch.rows);
    } catch (err) {
      batch.attempts += 1;
      this.retry = batch;
      this.metrics.batchFailures.inc();
      this.onError(err, batch.attempts);
    } finally {
      this.metrics.queuedRows.set(this.backlog);
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
