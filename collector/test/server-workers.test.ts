import { rawSql } from '@cairn/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '@cairn/storage';
import { buildCollector } from '../src/index.js';
import { tempDataDir } from '@cairn/testkit';
import { chatSession, protoBody, recordSpans } from './otel-fixtures.js';

// The collector with its ingest worker (the default) and without (on the event loop), on a real
// embedded store: same answers, and what was acknowledged is written — after a worker dies too.
const tmp = tempDataDir();
let store: Store;

beforeAll(async () => {
  store = await openStore({ dataDir: tmp.dir });
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

const headers = { 'content-type': 'application/x-protobuf', authorization: 'Bearer k' };
const body = async (sessionId: string): Promise<Buffer> => protoBody(await recordSpans((t) => chatSession(t, sessionId)));

describe.each([1, 0])('collector with ingestWorkers = %i', (workers) => {
  it('answers, survives a worker crash, and writes every acknowledged span on close', async () => {
    const collector = await buildCollector(
      // maxMs far away: nothing is written before close, so close's flush must write it all.
      {
        host: '127.0.0.1',
        port: 0,
        maxBodyBytes: 1 << 20,
        batchMaxRows: 1000,
        batchMaxMs: 600_000,
        ingestWorkers: workers,
        logLevel: 'silent',
      },
      { store, authenticate: async () => ({ projectId: `w${workers}`, kind: 'ingest' }) },
    );
    expect(collector.workers?.threads.length ?? 0).toBe(workers);
    const url = (await collector.app.listen({ host: '127.0.0.1', port: 0 })) + '/v1/traces';
    const post = (b: Buffer) => fetch(url, { method: 'POST', body: b, headers });

    expect((await post(await body('before-crash'))).status).toBe(200);
    const bad = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect(bad.status).toBe(400);
    expect(Buffer.from(await bad.arrayBuffer()).toString()).toMatch(/CAIRN_MALFORMED_PROTOBUF: Malformed OTLP protobuf/);
    await collector.workers?.threads[0]?.terminate();
    const after = await body('after-crash');
    expect((await post(after)).status).toBe(200);
    // The same request again (an exporter retry): acknowledged, not stored twice.
    expect((await post(after)).status).toBe(200);
    expect(collector.writer.backlog).toBeGreaterThanOrEqual(4);

    expect(await collector.close()).toBe(true);
    const rows = await rawSql(store).query<{ session_id: string; n: number }>(
      `SELECT session_id, count() AS n FROM spans WHERE project_id = 'w${workers}' GROUP BY session_id ORDER BY session_id`,
    );
    expect(rows).toEqual([
      { session_id: 'after-crash', n: 2 },
      { session_id: 'before-crash', n: 2 },
    ]);
    expect(collector.metrics.spansDuplicate.get()).toBe(2);
  });
});
