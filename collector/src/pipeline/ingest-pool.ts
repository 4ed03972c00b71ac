import { Worker } from 'node:worker_threads';
import { CairnError, DEFAULT_PRICE_BOOK, type ErrorCode, type ModelPrice, type PriceBook } from '@cairn/schemas';
import type { OtlpFormat, PreparedRequest } from './prepare.js';

/** Main thread → worker. `book` 0 is the shipped price table; others come with `entries` once. */
export interface PrepareJob {
  id: number;
  raw: Uint8Array;
  format: OtlpFormat;
  projectId: string;
  book: number;
  entries?: readonly ModelPrice[];
}

/** Worker → main thread. `body` arrives as a plain Uint8Array (structured clone drops Buffer). */
export type PrepareAnswer =
  | { id: number; ok: true; prepared: Omit<PreparedRequest, 'body'> & { body: Uint8Array } }
  | { id: number; ok: false; code: ErrorCode; message: string };

interface Pending {
  resolve: (p: PreparedRequest) => void;
  reject: (err: CairnError) => void;
}

interface Slot {
  worker: Worker | undefined;
  pending: Map<number, Pending>;
  /** Price book ids this worker has the entries of. */
  books: Set<number>;
  /** The last error the worker raised, for the message when it exits. */
  error: unknown;
  /** The worker's kernel thread id (Linux), once it is ready. */
  threadId: number | undefined;
  /** Replaced by `renew()`: answers what it holds, then stops. */
  retiring: boolean;
}

const newSlot = (): Slot => ({
  worker: undefined,
  pending: new Map(),
  books: new Set(),
  error: undefined,
  threadId: undefined,
  retiring: false,
});

// Built, this file sits beside dist/ingest-worker.js. Under Vitest the sources run as
// TypeScript, which a worker thread cannot load, so tests use the built worker (`npm test`
// builds first).
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? '../../dist/pipeline/ingest-worker.js' : './ingest-worker.js',
  import.meta.url,
);

/**
 * Worker threads that run `prepareRequest` off the event loop, so the loop only receives,
 * deduplicates, queues and answers while decode, normalize and encode (about 20 µs a span)
 * run beside it. A worker that dies fails only the requests it was preparing — with a
 * retryable 503 — and the next request starts a new one; acknowledged spans are already in
 * the main thread's queue.
 */
export class IngestWorkerPool {
  private readonly slots: Slot[];
  /** Replaced workers still answering requests in flight. */
  private readonly retiring = new Set<Slot>();
  /** Workers spawned and not ready yet (their thread ids are not known). */
  private starting = 0;
  private nextId = 1;
  private nextBook = 1;
  private readonly bookIds = new WeakMap<PriceBook, number>();
  private closed = false;

  private constructor(
    size: number,
    private readonly onExit: (err: unknown) => void,
  ) {
    this.slots = Array.from({ length: size }, newSlot);
  }

  /** Starts `size` workers and waits until each has loaded its code. */
  static async start(size: number, onExit: (err: unknown) => void = () => undefined): Promise<IngestWorkerPool> {
    const pool = new IngestWorkerPool(size, onExit);
    try {
      await Promise.all(pool.slots.map((slot) => pool.spawn(slot)));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** The live worker threads (for observability and tests). */
  get threads(): Worker[] {
    return this.slots.flatMap((s) => (s.worker ? [s.worker] : []));
  }

  /**
   * The live workers' kernel thread ids (Linux; thread-priority.ts keeps them first), or
   * undefined while a worker is starting — `renew()`'s too — and has not said its id yet.
   */
  get threadIds(): number[] | undefined {
    if (this.starting > 0) return undefined;
    return this.slots.flatMap((s) => (s.worker && s.threadId !== undefined ? [s.threadId] : []));
  }

  /** Requests handed to workers and not answered yet. */
  get pending(): number {
    return this.slots.reduce((n, s) => n + s.pending.size, 0);
  }

  /**
   * `prepareRequest` in a worker: resolves with its result or rejects with its CairnError.
   * `raw` may be detached (moved to the worker) when this returns.
   */
  prepare(raw: Uint8Array, format: OtlpFormat, projectId: string, priceBook: PriceBook): Promise<PreparedRequest> {
    if (this.closed) return Promise.reject(new CairnError('CAIRN_OVERLOADED', 'collector is shutting down'));
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    if (!slot.worker) void this.spawn(slot).catch(() => undefined);
    const worker = slot.worker!;
    const id = this.nextId++;
    // Moved, not copied, when the body owns its whole ArrayBuffer (Buffer.concat's result for
    // bodies over 4 kB, which is what Fastify and zlib hand over): the caller must not read it
    // again. Anything else — a view into Node's buffer pool or a socket chunk — is copied.
    const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength && raw.byteLength > 4096;
    const moved = own ? raw : new Uint8Array(raw);
    const job: PrepareJob = { id, raw: moved, format, projectId, book: 0 };
    if (priceBook !== DEFAULT_PRICE_BOOK) {
      let bookId = this.bookIds.get(priceBook);
      if (bookId === undefined) this.bookIds.set(priceBook, (bookId = this.nextBook++));
      job.book = bookId;
      if (!slot.books.has(bookId)) {
        job.entries = priceBook.entries;
        slot.books.add(bookId);
      }
    }
    return new Promise<PreparedRequest>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      worker.postMessage(job, [moved.buffer as ArrayBuffer]);
    });
  }

  /**
   * Replaces every worker with a new thread started from this one, so it runs at this thread's
   * priority again (thread-priority.ts raises a worker's nice value while the writer lags, and
   * lowering it back needs a privilege). Requests in flight finish on the old workers, which stop
   * once they have answered.
   */
  async renew(): Promise<void> {
    if (this.closed) return;
    const fresh = this.slots.map(newSlot);
    const started = await Promise.allSettled(fresh.map((s) => this.spawn(s)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (this.closed || failed) {
      // None of them takes over: the current workers stay.
      for (const s of fresh) s.retiring = true;
      await Promise.all(fresh.map((s) => s.worker?.terminate()));
      if (failed) throw failed.reason;
      return;
    }
    for (const old of this.slots.splice(0, this.slots.length, ...fresh)) {
      old.retiring = true;
      if (old.pending.size === 0) void old.worker?.terminate();
      else this.retiring.add(old);
    }
  }

  /** Lets answers in flight arrive, then stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    const waiting = [...this.slots, ...this.retiring].flatMap((s) =>
      [...s.pending.values()].map(
        (p) =>
          new Promise<void>((done) => {
            const { resolve, reject } = p;
            p.resolve = (v) => (resolve(v), done());
            p.reject = (e) => (reject(e), done());
          }),
      ),
    );
    await Promise.all(waiting);
    await Promise.all([...this.slots, ...this.retiring].map((s) => s.worker?.terminate()));
  }

  private spawn(slot: Slot): Promise<void> {
    const worker = new Worker(WORKER_URL);
    slot.worker = worker;
    slot.books = new Set();
    slot.error = undefined;
    slot.threadId = undefined;
    // Pending requests keep the process alive through their sockets; an idle pool must not.
    worker.unref();
    this.starting++;
    let counted = true;
    const started = (): void => {
      if (counted) this.starting--;
      counted = false;
    };
    return new Promise<void>((ready, failed) => {
      worker.on('message', (msg: PrepareAnswer | { ready: true; threadId?: number }) => {
        if ('ready' in msg) {
          slot.threadId = msg.threadId;
          started();
          return ready();
        }
        const p = slot.pending.get(msg.id);
        if (!p) return;
        slot.pending.delete(msg.id);
        if (slot.retiring && slot.pending.size === 0 && !this.closed) {
          this.retiring.delete(slot);
          void worker.terminate();
        }
        if (!msg.ok) return p.reject(new CairnError(msg.code, msg.message));
        const b = msg.prepared.body;
        p.resolve({ ...msg.prepared, body: Buffer.from(b.buffer, b.byteOffset, b.byteLength) });
      });
      worker.on('error', (err) => {
        started();
        slot.error = err;
        failed(err);
      });
      worker.on('exit', (code) => {
        started();
        if (slot.worker === worker) slot.worker = undefined;
        const why = slot.error instanceof Error ? slot.error.message : `exit code ${code}`;
        const err = new CairnError('CAIRN_OVERLOADED', `the ingest worker stopped (${why}) while preparing this request; retry`, {
          cause: slot.error,
        });
        for (const p of slot.pending.values()) p.reject(err);
        slot.pending.clear();
        if (!this.closed && !slot.retiring) this.onExit(slot.error ?? new Error(`ingest worker exited with code ${code}`));
        failed(err);
      });
    });
  }
}
