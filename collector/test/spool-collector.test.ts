import { rawSql } from '@cairn/storage/testing';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_BOOK } from '@cairn/schemas';
import { openStore, type Store } from '@cairn/storage';
import { buildCollector, prepareRequest, Spool, type Collector, type CollectorConfig } from '../src/index.js';
import { tempDataDir } from '@cairn/testkit';

// The spool with a real embedded store and real HTTP: replay of a batch that had landed before
// a crash, a full spool (503 + Retry-After), and a store that is down for a while.
const tmp = tempDataDir();
let store: Store;
let n = 0;
beforeAll(async () => {
  store = await openStore({ dataDir: join(tmp.dir, 'store') });
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

const KEY = 'cairn_ik_spooltest';
const hex = (v: number, width: number): string => (v + 1).toString(16).padStart(width, '0');

/** Request `r` of `spans` LLM spans in session `<project>-r`; ids unique per request. */
function request(project: string, r: number, spans: number): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [] },
        scopeSpans: [
          {
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId: hex(r, 32),
              spanId: hex(r * 1000 + i, 16),
              name: 'chat',
              startTimeUnixNano: String(now - 1000n),
              endTimeUnixNano: String(now),
              attributes: [
                { key: 'gen_ai.conversation.id', value: { stringValue: `${project}-${r}` } },
                { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
                { key: 'gen_ai.usage.input_tokens', value: { intValue: '10' } },
              ],
            })),
          },
        ],
      },
    ],
  });
}

async function start(project: string, extra: Partial<CollectorConfig>, s: Store = store): Promise<{ c: Collector; url: string }> {
  const c = await buildCollector(
    {
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 1 << 20,
      batchMaxRows: 1000,
      batchMaxMs: 600_000,
      ingestWorkers: 0,
      logLevel: 'silent',
      spoolDir: join(tmp.dir, `spool-${n++}`),
      ...extra,
    },
    { store: s, authenticate: async () => ({ projectId: project, kind: 'ingest' }) },
  );
  return { c, url: (await c.app.listen({ host: '127.0.0.1', port: 0 })) + '/v1/traces' };
}

const post = (url: string, body: string): Promise<Response> =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` } });

/** Rows in spans and the span counts the two rollups hold for a project. */
async function counts(project: string): Promise<{ rows: number; sessionRollup: number; costRollup: number }> {
  const p = { p: project };
  const [a] = await rawSql(store).query<{ n: number }>('SELECT count() AS n FROM spans WHERE project_id = {p:String}', p);
  const [b] = await rawSql(store).query<{ n: number }>(
    'SELECT sum(spans) AS n FROM sessions_rollup WHERE project_id = {p:String}',
    p,
  );
  const [c] = await rawSql(store).query<{ n: number }>(
    'SELECT sum(llm_calls) AS n FROM cost_hourly WHERE project_id = {p:String}',
    p,
  );
  return { rows: Number(a!.n), sessionRollup: Number(b!.n), costRollup: Number(c!.n) };
}

describe('collector with a spool', () => {
  it('replays a batch that reached ClickHouse before the crash with its token: counted once everywhere', async () => {
    const project = 'replay';
    const spoolDir = join(tmp.dir, 'spool-replay');
    // The state a kill -9 leaves between an insert and its checkpoint, built step by step.
    const { spool } = await Spool.open({ dir: spoolDir, maxBytes: 1 << 24 });
    const bodies: Buffer[] = [];
    for (let r = 0; r < 3; r++) {
      const p = prepareRequest(Buffer.from(request(project, r, 10)), 'json', project, DEFAULT_PRICE_BOOK);
      await spool.append(p.rows, p.keys, p.body, () => bodies.push(p.body));
    }
    await spool.mark('batch-token-1', 1, 2);
    await store.insertSpanLines(Buffer.concat(bodies.slice(0, 2)), { dedupToken: 'batch-token-1' });
    await spool.close();
    expect(await counts(project)).toEqual({ rows: 20, sessionRollup: 20, costRollup: 20 });

    const { c, url } = await start(project, { spoolDir });
    // Records 1-2 come back as that batch, record 3 as a new one; an exporter retry of any of them is a duplicate.
    expect(c.writer.backlog).toBe(30);
    expect((await post(url, request(project, 0, 10))).status).toBe(200);
    expect(c.metrics.spansDuplicate.get()).toBe(10);
    expect(await c.flush()).toBe(true);
    expect(await counts(project)).toEqual({ rows: 30, sessionRollup: 30, costRollup: 30 });
    await c.close();
  });

  it('answers 503 with Retry-After when the spool is full, loses nothing it accepted, and accepts again once drained', async () => {
    const project = 'full';
    const { c, url } = await start(project, { spoolMaxBytes: 64 * 1024 });
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let r = 0; r < 200 && !refused; r++) {
      const res = await post(url, request(project, r, 20));
      statuses.push(res.status);
      if (res.status !== 200) refused = res;
    }
    expect(refused?.status).toBe(503);
    expect(refused!.headers.get('retry-after')).toBe('5');
    expect(((await refused!.json()) as { error: { code: string } }).error.code).toBe('CAIRN_OVERLOADED');
    const accepted = statuses.filter((s) => s === 200).length;
    expect(accepted).toBeGreaterThan(3);

    expect(await c.flush()).toBe(true);
    expect(await counts(project)).toEqual({ rows: accepted * 20, sessionRollup: accepted * 20, costRollup: accepted * 20 });
    expect(c.spool!.bytes).toBeLessThan(16 * 1024);
    expect((await post(url, request(project, 1000, 20))).status).toBe(200);
    await c.close();
    expect((await counts(project)).rows).toBe((accepted + 1) * 20);
  });

  it('keeps acknowledging while ClickHouse is down (the spool absorbs), then drains once it is back', async () => {
    const project = 'outage';
    let down = true;
    // The real store, with its span inserts failing while `down`: the writer sees what an outage looks like.
    const flaky: Store = {
      ...store,
      insertSpanLines: async (body, opts) => {
        if (down) throw new Error('ClickHouse is unavailable');
        return store.insertSpanLines(body, opts);
      },
    };
    const { c, url } = await start(project, { batchMaxMs: 1, batchMaxRows: 50, spoolMemoryBytes: 4096 }, flaky);
    for (let r = 0; r < 20; r++) expect((await post(url, request(project, r, 10))).status).toBe(200);
    expect(await c.flush(300)).toBe(false);
    expect(c.metrics.batchFailures.get()).toBeGreaterThan(0);
    expect(c.spool!.bytes).toBeGreaterThan(0);
    down = false;
    expect(await c.flush()).toBe(true);
    expect(await counts(project)).toEqual({ rows: 200, sessionRollup: 200, costRollup: 200 });
    await c.close();
  });
});
