import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnError, DEFAULT_PRICE_BOOK, createPriceBook } from '@cairn/schemas';
import { IngestWorkerPool } from '../src/pipeline/ingest-pool.js';
import { prepareRequest } from '../src/pipeline/prepare.js';
import { chatSession, protoBody, recordSpans } from './otel-fixtures.js';

// Real worker threads running the built worker (dist/ingest-worker.js: `npm run build` first).
let pool: IngestWorkerPool;
const exits: unknown[] = [];
let body: Buffer;

beforeAll(async () => {
  pool = await IngestWorkerPool.start(1, (err) => exits.push(err));
  body = protoBody(await recordSpans((t) => chatSession(t, 's-pool')));
});
afterAll(async () => {
  await pool.close();
});

const rejection = (p: Promise<unknown>): Promise<CairnError> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as CairnError,
  );

describe('IngestWorkerPool', () => {
  it('prepares a request exactly as the event loop would', async () => {
    const inWorker = await pool.prepare(body, 'protobuf', 'p1', DEFAULT_PRICE_BOOK);
    const inline = prepareRequest(body, 'protobuf', 'p1', DEFAULT_PRICE_BOOK);
    expect(inWorker.rows).toBe(2);
    expect(inWorker.spans).toBe(2);
    expect(Buffer.isBuffer(inWorker.body)).toBe(true);
    expect(inWorker.body.toString()).toBe(inline.body.toString());
    expect([...inWorker.keys]).toEqual([...inline.keys]);
    expect(inWorker.rejected).toEqual([]);
  });

  it('uses a project price book sent to the worker', async () => {
    const book = createPriceBook([
      {
        provider: 'openai',
        model: 'gpt-4o',
        pattern: '^gpt-4o$',
        input: 100,
        output: 100,
        cacheRead: 0,
        cacheWrite: 0,
        taken: '2026-11-30',
      },
    ]);
    const first = await pool.prepare(body, 'protobuf', 'p1', book);
    const again = await pool.prepare(body, 'protobuf', 'p1', book);
    const expected = prepareRequest(body, 'protobuf', 'p1', book).body.toString();
    expect(first.body.toString()).toBe(expected);
    expect(again.body.toString()).toBe(expected);
    // 1000 input + 200 output tokens at $100/M
    expect(expected).toContain(',0.12,"computed",');
  });

  it('a malformed body is rejected with its 400 code and a clear message; the worker keeps serving', async () => {
    const err = await rejection(
      pool.prepare(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), 'protobuf', 'p1', DEFAULT_PRICE_BOOK),
    );
    expect(err).toBeInstanceOf(CairnError);
    expect(err.code).toBe('CAIRN_MALFORMED_PROTOBUF');
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/Malformed OTLP protobuf/);
    const json = await rejection(pool.prepare(Buffer.from('{"resourceSpans": 42}'), 'json', 'p1', DEFAULT_PRICE_BOOK));
    expect(json.code).toBe('CAIRN_MALFORMED_JSON');
    expect((await pool.prepare(body, 'protobuf', 'p1', DEFAULT_PRICE_BOOK)).rows).toBe(2);
  });

  it('a worker that dies fails only its requests, with a retryable 503, and the next request gets a new worker', async () => {
    const [worker] = pool.threads;
    const stopped = worker!.terminate();
    // Posted to the dying worker: never answered, so rejected when it exits.
    const err = await rejection(pool.prepare(body, 'protobuf', 'p1', DEFAULT_PRICE_BOOK));
    await stopped;
    expect(err.code).toBe('CAIRN_OVERLOADED');
    expect(err.status).toBe(503);
    expect(err.message).toMatch(/ingest worker stopped/);
    expect(exits).toHaveLength(1);
    const next = await pool.prepare(body, 'protobuf', 'p1', DEFAULT_PRICE_BOOK);
    expect(next.rows).toBe(2);
    expect(pool.threads).toHaveLength(1);
    expect(pool.threads[0]).not.toBe(worker);
  });

  it('close lets answers in flight arrive, then refuses new work', async () => {
    const inFlight = pool.prepare(body, 'protobuf', 'p1', DEFAULT_PRICE_BOOK);
    await pool.close();
    expect((await inFlight).rows).toBe(2);
    expect(pool.threads).toHaveLength(0);
    expect((await rejection(pool.prepare(body, 'protobuf', 'p1', DEFAULT_PRICE_BOOK))).code).toBe('CAIRN_OVERLOADED');
  });
});
