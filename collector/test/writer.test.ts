import { describe, expect, it } from 'vitest';
import { BatchWriter } from '../src/pipeline/writer.js';
import { createCollectorMetrics } from '../src/http/metrics.js';

/** n encoded rows (one line each, as encodeSpanLines makes them), numbered from `from`. */
const ids = (from: number, n: number): string[] => Array.from({ length: n }, (_, i) => String(from + i));
const lines = (from: number, n: number): [Buffer, number] => [Buffer.from(ids(from, n).join('\n') + '\n'), n];
const split = (body: Buffer): string[] => body.toString().split('\n').slice(0, -1);

describe('BatchWriter', () => {
  it('writes one insert per batch of whole requests up to maxRows, in order, and flush drains everything', async () => {
    const batches: string[][] = [];
    const w = new BatchWriter(
      async (body, n) => {
        expect(split(body)).toHaveLength(n);
        batches.push(split(body));
      },
      { maxRows: 4, maxMs: 60_000, maxQueuedRows: 100 },
      createCollectorMetrics(),
    );
    w.enqueue(...lines(0, 3));
    w.enqueue(...lines(3, 1));
    w.enqueue(...lines(4, 3));
    w.enqueue(...lines(7, 6)); // larger than maxRows: one batch of its own, not split
    expect(await w.flush()).toBe(true);
    expect(batches.map((b) => b.length)).toEqual([4, 3, 6]);
    expect(batches.flat()).toEqual(ids(0, 13));
    expect(w.backlog).toBe(0);
  });

  it('flushes a partial batch after maxMs without an explicit flush', async () => {
    const written: number[] = [];
    const w = new BatchWriter(
      async (_body, n) => void written.push(n),
      { maxRows: 1000, maxMs: 20, maxQueuedRows: 5000 },
      createCollectorMetrics(),
    );
    w.enqueue(...lines(0, 5));
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (written.length > 0) {
          clearInterval(t);
          resolve();
        }
      }, 5);
    });
    expect(written).toEqual([5]);
  });

  it('retries a failed batch with the same dedup token and loses nothing', async () => {
    const attempts: { token: string; n: number }[] = [];
    let failures = 2;
    const metrics = createCollectorMetrics();
    const w = new BatchWriter(
      async (body, _n, token) => {
        attempts.push({ token, n: split(body).length });
        if (failures-- > 0) throw new Error('ClickHouse unavailable');
      },
      { maxRows: 10, maxMs: 60_000, maxQueuedRows: 100, retryBaseMs: 1, retryMaxMs: 5 },
      metrics,
    );
    w.enqueue(...lines(0, 10));
    expect(await w.flush()).toBe(true);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.token)).size).toBe(1);
    expect(attempts.every((a) => a.n === 10)).toBe(true);
    expect(metrics.batchFailures.get()).toBe(2);
    expect(metrics.spansWritten.get()).toBe(10);
  });

  it('bounds memory: refuses rows past maxQueuedRows, and flush gives up at its deadline while the store is down', async () => {
    const w = new BatchWriter(
      async () => {
        throw new Error('down');
      },
      { maxRows: 10, maxMs: 60_000, maxQueuedRows: 25, retryBaseMs: 1, retryMaxMs: 2 },
      createCollectorMetrics(),
    );
    expect(w.canAccept(25)).toBe(true);
    w.enqueue(...lines(0, 20));
    expect(w.canAccept(5)).toBe(true);
    expect(w.canAccept(6)).toBe(false);
    expect(await w.flush(30)).toBe(false);
    expect(w.backlog).toBe(20);
    await w.close(5);
    expect(w.canAccept(1)).toBe(false);
  });
});
