import { randomUUID } from 'node:crypto';
import { classifyInsertError, type InsertErrorClass } from './insert-errors.js';
import type { CollectorMetrics } from '../http/metrics.js';

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
  /** Bodies of spooled chunks beyond this many bytes are not kept in memory but read back (default unlimited). */
  maxBufferedBytes?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * Keeps one row the store refused for a data error (`id` is stable for that row of that
   * batch). With it, a batch refused for a data error is bisected until the refused rows are
   * isolated and the rest is written; without it, every failure is retried.
   */
  deadLetter?: (line: Buffer, error: InsertErrorClass, id: string) => Promise<void>;
  /** Told when a batch is refused for a data error, before it is bisected. */
  onDataError?: (error: InsertErrorClass, rows: number) => void;
}

/** A part of a batch still to write: whole lines, with a token derived from the batch's. */
interface Piece {
  body: Buffer;
  rows: number;
  token: string;
}

/** Ties a queued chunk to its durable spool record. */
export interface SpooledChunk {
  /** Chunks arrive in seq order, so a batch covers a contiguous range. */
  seq: number;
  /** Reads the body back when it was not kept in memory. */
  load: () => Promise<Buffer>;
  /** A batch marked before a restart: its chunks go out together again, with this token. */
  batchToken?: string;
}

/** Durable bookkeeping of batches (the spool): what is about to be inserted, and what is in. */
export interface BatchJournal {
  mark(token: string, firstSeq: number, lastSeq: number): Promise<void>;
  checkpoint(lastSeq: number): Promise<void>;
}

interface Chunk {
  body: Buffer | undefined;
  rows: number;
  spool: SpooledChunk | undefined;
}

interface Batch {
  chunks: Chunk[];
  body: Buffer | undefined;
  rows: number;
  token: string;
  attempts: number;
  /** Seq range of spooled chunks; marked once the journal has it. */
  seqs: [number, number] | undefined;
  marked: boolean;
  /** Set once the batch was refused for a data error: the parts not yet written or dead-lettered. */
  pieces: Piece[] | undefined;
}

/**
 * The queue → writer half of receive → queue → writer. One insert runs at a time (an embedded
 * store has one write connection); failed batches are retried with backoff, keeping their
 * token, and nothing queued is dropped. Rows arrive encoded (one chunk per request), so a batch
 * is a concatenation and the loop is free while the native insert runs. With a journal (the
 * spool), each batch's token and seq range are made durable before its insert and a checkpoint
 * follows it, so after a crash the same batches go out again with the same tokens.
 */
export class BatchWriter {
  private chunks: Chunk[] = [];
  private queued = 0;
  private bufferedBytes = 0;
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
    private readonly journal?: BatchJournal,
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

  /** Queues `rows` spans encoded in `body` (whole lines); `spool` when they are in the spool. */
  enqueue(body: Buffer | undefined, rows: number, spool?: SpooledChunk): void {
    if (rows === 0) return;
    // A spooled body can wait on disk: memory stays bounded however long ClickHouse is away.
    const keep = body !== undefined && (!spool || this.bufferedBytes + body.length <= (this.opts.maxBufferedBytes ?? Infinity));
    if (!keep && !spool) throw new Error('BatchWriter.enqueue: a chunk without a body needs a spool record');
    this.chunks.push({ body: keep ? body : undefined, rows, spool });
    if (keep) this.bufferedBytes += body.length;
    this.queued += rows;
    this.metrics.queuedRows.set(this.backlog);
    // A batch replayed from the spool goes out at once: it may be in ClickHouse already.
    if (this.queued >= this.opts.maxRows || spool?.batchToken !== undefined) this.kick(0);
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
    else if (this.queued >= this.opts.maxRows || this.chunks[0]?.spool?.batchToken !== undefined) this.kick(0);
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

  /**
   * Whole chunks up to maxRows: a request is never split, and only one larger than maxRows
   * exceeds it. A batch planned before a restart is taken exactly as it was, whatever its size.
   */
  private take(): Batch | undefined {
    if (this.queued === 0) return undefined;
    const planned = this.chunks[0]!.spool?.batchToken;
    const taken: Chunk[] = [];
    let rows = 0;
    for (;;) {
      const next = this.chunks[0];
      if (!next || next.spool?.batchToken !== planned) break;
      if (planned === undefined && rows > 0 && rows + next.rows > this.opts.maxRows) break;
      taken.push(this.chunks.shift()!);
      rows += next.rows;
      if (next.body) this.bufferedBytes -= next.body.length;
    }
    this.queued -= rows;
    const first = taken[0]!.spool;
    const last = taken[taken.length - 1]!.spool;
    return {
      chunks: taken,
      body: undefined,
      rows,
      token: planned ?? randomUUID(),
      attempts: 0,
      seqs: first && last ? [first.seq, last.seq] : undefined,
      marked: planned !== undefined,
      pieces: undefined,
    };
  }

  private async write(batch: Batch): Promise<void> {
    const started = performance.now();
    try {
      if (!batch.body) {
        const parts = await Promise.all(batch.chunks.map((c) => c.body ?? c.spool!.load()));
        batch.body = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        batch.chunks = [];
      }
      // Durable before the insert: a replay after a crash must reuse this token for these rows.
      if (this.journal && batch.seqs && !batch.marked) {
        await this.journal.mark(batch.token, batch.seqs[0], batch.seqs[1]);
        batch.marked = true;
      }
      if (batch.pieces) await this.writePieces(batch, batch.pieces);
      else {
        try {
          await this.sink(batch.body, batch.rows, batch.token);
          this.metrics.spansWritten.inc(batch.rows);
        } catch (err) {
          const cls = classifyInsertError(err);
          if (cls.kind !== 'data' || !this.opts.deadLetter) throw err;
          this.opts.onDataError?.(cls, batch.rows);
          this.metrics.batchesBisected.inc();
          const whole = { body: batch.body, rows: batch.rows, token: batch.token };
          // A one-row batch is tried once more as its own piece, then dead-lettered.
          batch.pieces = batch.rows > 1 ? splitPiece(whole) : [whole];
          await this.writePieces(batch, batch.pieces);
        }
      }
      this.metrics.insertSeconds.observe((performance.now() - started) / 1000);
      this.metrics.batchesWritten.inc();
    } catch (err) {
      batch.attempts += 1;
      this.retry = batch;
      this.metrics.batchFailures.inc();
      this.onError(err, batch.attempts);
      return;
    } finally {
      this.metrics.queuedRows.set(this.backlog);
    }
    // A lost checkpoint only means the batch is sent again after a crash, with its token: a no-op.
    if (this.journal && batch.seqs) await this.journal.checkpoint(batch.seqs[1]).catch((err: unknown) => this.onError(err, 0));
  }

  /**
   * Writes the parts of a batch refused for a data error, splitting each refused part in two
   * until single refused rows remain; those become dead letters. Written parts leave `pieces`
   * as they go, so after an outage in the middle only the rest is tried again. Tokens are
   * derived from the batch's by position, so a replay after a crash splits the same way and
   * the parts already in are no-ops.
   */
  private async writePieces(batch: Batch, pieces: Piece[]): Promise<void> {
    // A refused row that no dead-letter place takes yet stays in `pieces` and is stepped over,
    // so the rows after it are not held up; the batch is then retried for what is left.
    let held: unknown;
    let i = 0;
    while (i < pieces.length) {
      const p = pieces[i]!;
      try {
        await this.sink(p.body, p.rows, p.token);
        pieces.splice(i, 1);
        batch.rows -= p.rows;
        this.metrics.spansWritten.inc(p.rows);
      } catch (err) {
        const cls = classifyInsertError(err);
        if (cls.kind !== 'data') throw err;
        if (p.rows > 1) {
          pieces.splice(i, 1, ...splitPiece(p));
          continue;
        }
        try {
          await this.opts.deadLetter!(p.body, cls, p.token);
        } catch (deadLetterErr) {
          held ??= deadLetterErr;
          i++;
          continue;
        }
        pieces.splice(i, 1);
        batch.rows -= 1;
        this.metrics.deadLetterSpans.inc(1, { reason: `clickhouse_${cls.code}` });
      }
    }
    if (held !== undefined) throw held;
  }
}

/** Halves a part (of at least two rows) at a line boundary. */
function splitPiece(p: Piece): Piece[] {
  const half = Math.floor(p.rows / 2);
  let at = 0;
  for (let i = 0; i < half; i++) at = p.body.indexOf(10, at) + 1;
  return [
    { body: p.body.subarray(0, at), rows: half, token: `${p.token}.0` },
    { body: p.body.subarray(at), rows: p.rows - half, token: `${p.token}.1` },
  ];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
