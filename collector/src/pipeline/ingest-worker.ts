import { parentPort } from 'node:worker_threads';
import { CairnError, DEFAULT_PRICE_BOOK, createPriceBook, isCairnError, type PriceBook } from '@cairn/schemas';
import type { PrepareAnswer, PrepareJob } from './ingest-pool.js';
import { prepareRequest } from './prepare.js';
import { currentThreadId } from './thread-priority.js';

/*
 * The ingest worker thread: decode → normalize → encode of one request at a time, answered
 * by message. It holds no acknowledged data — the queue and the dedup keys live on the main
 * thread — so losing it loses nothing but the requests it was preparing (answered 503).
 */

const port = parentPort;
if (!port) throw new Error('ingest-worker.js runs only as a worker thread (see ingest-pool.ts)');

/** Project price books by the id the pool gave them; entries arrive once per book. */
const books = new Map<number, PriceBook>();

function bookFor(job: PrepareJob): PriceBook {
  if (job.book === 0) return DEFAULT_PRICE_BOOK;
  if (job.entries) {
    if (books.size >= 256) books.clear();
    books.set(job.book, createPriceBook([], job.entries));
  }
  const book = books.get(job.book);
  if (!book) throw new CairnError('CAIRN_INTERNAL', `ingest worker has no price book ${job.book}`);
  return book;
}

/** A view that owns its whole ArrayBuffer can be transferred; small Buffers share Node's pool. */
function owned(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : new Uint8Array(b);
}

port.on('message', (job: PrepareJob) => {
  let answer: PrepareAnswer;
  const transfer: ArrayBuffer[] = [];
  try {
    const p = prepareRequest(job.raw, job.format, job.projectId, bookFor(job));
    const body = owned(p.body);
    transfer.push(body.buffer as ArrayBuffer, p.keys.buffer as ArrayBuffer);
    answer = { id: job.id, ok: true, prepared: { ...p, body } };
  } catch (err) {
    const e = isCairnError(err) ? err : new CairnError('CAIRN_INTERNAL', err instanceof Error ? err.message : String(err));
    answer = { id: job.id, ok: false, code: e.code, message: e.message };
  }
  port.postMessage(answer, transfer);
});

port.postMessage({ ready: true, threadId: currentThreadId() });
