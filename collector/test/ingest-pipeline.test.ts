import { rawSql } from '@cairn/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCairnError, type CairnError } from '@cairn/schemas';
import type { Store } from '@cairn/storage';
import { openTestStore, tempDataDir } from '@cairn/testkit';
import { createCollectorMetrics, openIngestPipeline, type IngestPipelineConfig } from '../src/index.js';
import { chatSession, protoBody, recordSpans } from './otel-fixtures.js';

// The pipeline on its own, without HTTP or gRPC: what both transports rely on.
let store: Store;
let cleanup: () => Promise<void>;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(async () => {
  await cleanup();
});

const open = (config: Partial<IngestPipelineConfig> = {}) =>
  openIngestPipeline(
    { maxBodyBytes: 1 << 20, batchMaxRows: 1000, batchMaxMs: 600_000, ingestWorkers: 0, ...config },
    { store, metrics: createCollectorMetrics(), log: silent },
  );

const count = async (project: string): Promise<number> =>
  (await rawSql(store).query<{ n: number }>(`SELECT count() AS n FROM spans WHERE project_id = '${project}'`))[0]!.n;

describe('IngestPipeline', () => {
  it('spools a request, drops its retry as a duplicate and writes it once', async () => {
    const spool = tempDataDir('cairn-pipeline-spool-');
    const pipeline = await open({ spoolDir: spool.dir, ingestWorkers: 1 });
    try {
      const body = protoBody(await recordSpans((t) => chatSession(t, 'pipe-1')));
      pipeline.admit();
      const first = await pipeline.accept(await pipeline.prepare(Buffer.from(body), 'protobuf', 'pipe'));
      expect(first).toEqual({ rejectedSpans: 0, errorMessage: '' });
      // Durable before the answer: the spool holds the request.
      expect(pipeline.spool!.bytes).toBeGreaterThan(0);
      const again = await pipeline.accept(await pipeline.prepare(Buffer.from(body), 'protobuf', 'pipe'));
      expect(again).toEqual({ rejectedSpans: 0, errorMessage: '' });
      expect(await pipeline.close()).toBe(true);
      expect(await count('pipe')).toBe(2);
    } finally {
      await pipeline.close();
      spool.cleanup();
    }
  });

  it('reports the spans the normalizer rejects as partial success', async () => {
    const pipeline = await open();
    const spans = await recordSpans((t) => chatSession(t, 'x'.repeat(5000)));
    const result = await pipeline.accept(await pipeline.prepare(protoBody(spans), 'protobuf', 'pipe-partial'));
    expect(result.rejectedSpans).toBe(2);
    expect(result.errorMessage).toMatch(/session id is 5000 characters/);
    await pipeline.close();
  });

  it('refuses for load with CAIRN_OVERLOADED and a retry delay once the queue is full', async () => {
    const pipeline = await open({ maxQueuedRows: 2 });
    const body = protoBody(await recordSpans((t) => chatSession(t, 'pipe-full')));
    await pipeline.accept(await pipeline.prepare(body, 'protobuf', 'pipe-full'));
    let refused: CairnError | undefined;
    try {
      pipeline.admit();
    } catch (err) {
      if (isCairnError(err)) refused = err;
    }
    expect(refused?.code).toBe('CAIRN_OVERLOADED');
    expect(refused?.details).toEqual({ retryAfterSeconds: 5 });
    expect(await pipeline.close()).toBe(true);
    expect(await count('pipe-full')).toBe(2);
  });
});
