import { rawSql } from '@cairn/storage/testing';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters, openStore, type Store } from '@cairn/storage';
import { buildCollector, type Collector } from '../src/index.js';
import { tempDataDir } from '@cairn/testkit';

// Issue 9's reproduction, through real HTTP into a real embedded store with a spool: a span
// from before 2001-09-09 used to stop every write, for every project, across restarts.
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

const PROJECT_OF: Record<string, string> = { cairn_ik_a: 'proj-a', cairn_ik_b: 'proj-b' };

async function start(spoolDir: string): Promise<{ c: Collector; url: string }> {
  const c = await buildCollector(
    {
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 1 << 22,
      batchMaxRows: 1000,
      batchMaxMs: 600_000,
      ingestWorkers: 0,
      logLevel: 'silent',
      spoolDir,
    },
    { store, authenticate: async (key) => (PROJECT_OF[key] ? { projectId: PROJECT_OF[key], kind: 'ingest' } : undefined) },
  );
  return { c, url: (await c.app.listen({ host: '127.0.0.1', port: 0 })) + '/v1/traces' };
}

let idSeq = 1;
const nextId = (width: number): string => (idSeq++).toString(16).padStart(width, '0');

interface SpanSpec {
  start: string;
  end: string;
  name?: string;
}

function body(spans: SpanSpec[]): { json: string; ids: string[] } {
  const traceId = nextId(32);
  const ids: string[] = [];
  const otlp = spans.map((s) => {
    const spanId = nextId(16);
    ids.push(spanId);
    return { traceId, spanId, name: s.name ?? 'step', startTimeUnixNano: s.start, endTimeUnixNano: s.end, attributes: [] };
  });
  return { json: JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: otlp }] }] }), ids };
}

async function post(url: string, key: string, json: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    body: json,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
  });
  return { status: res.status, body: await res.json() };
}

const now = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** The stored start/end of each span id, as nanosecond strings. */
async function stored(ids: string[]): Promise<Map<string, [string, string]>> {
  const rows = await rawSql(store).query<{ span_id: string; s: string; e: string }>(
    'SELECT span_id, toString(toUnixTimestamp64Nano(start_time)) AS s, toString(toUnixTimestamp64Nano(end_time)) AS e FROM spans WHERE span_id IN {ids:Array(String)}',
    { ids },
  );
  return new Map(rows.map((r) => [r.span_id, [r.s, r.e]]));
}

describe('a span the store used to refuse', () => {
  it('a span from the year 2000 is stored with its exact time, and valid spans of two projects after it too', async () => {
    const { c, url } = await start(join(tmp.dir, `spool-${n++}`));
    const poison = body([{ start: '946684800000000000', end: '946684800000001000' }]);
    expect((await post(url, 'cairn_ik_a', poison.json)).status).toBe(200);
    const t = now();
    const a = body([{ start: String(t - 1000n), end: String(t) }]);
    const b = body([{ start: String(t - 1000n), end: String(t) }]);
    expect((await post(url, 'cairn_ik_a', a.json)).status).toBe(200);
    expect((await post(url, 'cairn_ik_b', b.json)).status).toBe(200);
    expect(await c.flush(60_000)).toBe(true);
    const got = await stored([...poison.ids, ...a.ids, ...b.ids]);
    expect(got.get(poison.ids[0]!)).toEqual(['946684800000000000', '946684800000001000']);
    expect(got.get(a.ids[0]!)).toEqual([String(t - 1000n), String(t)]);
    expect(got.get(b.ids[0]!)).toEqual([String(t - 1000n), String(t)]);
    await c.close();
  });

  it('start = 1 ns, end = 1001 ns is stored as exactly that (no silent corruption), as are the first and last storable nanoseconds', async () => {
    const { c, url } = await start(join(tmp.dir, `spool-${n++}`));
    const edge = body([
      { start: '1', end: '1001' },
      { start: '999999999', end: '1000000000' },
      // Four-digit seconds: unpadded, "1577.593563327" was taken for a year and refused.
      { start: '1577593563327', end: '9999000000001' },
      { start: '9223372036854775806', end: '9223372036854775807' },
    ]);
    const res = await post(url, 'cairn_ik_a', edge.json);
    expect(res).toEqual({ status: 200, body: {} });
    expect(await c.flush(60_000)).toBe(true);
    const got = await stored(edge.ids);
    expect(got.get(edge.ids[0]!)).toEqual(['1', '1001']);
    expect(got.get(edge.ids[1]!)).toEqual(['999999999', '1000000000']);
    expect(got.get(edge.ids[2]!)).toEqual(['1577593563327', '9999000000001']);
    expect(got.get(edge.ids[3]!)).toEqual(['9223372036854775806', '9223372036854775807']);
    await c.close();
  });

  it('an end time past 2262-04-11 is rejected per span in partial_success, the rest of the request stored', async () => {
    const { c, url } = await start(join(tmp.dir, `spool-${n++}`));
    const t = now();
    const mixed = body([
      { start: '9223372036854775807', end: '9223372036854775808' },
      { start: String(t - 5n), end: String(t) },
    ]);
    const res = await post(url, 'cairn_ik_a', mixed.json);
    expect(res.status).toBe(200);
    const ps = (res.body as { partialSuccess: { rejectedSpans: string; errorMessage: string } }).partialSuccess;
    expect(ps.rejectedSpans).toBe('1');
    expect(ps.errorMessage).toMatch(/beyond the year 2262/);
    expect(await c.flush(60_000)).toBe(true);
    expect([...(await stored(mixed.ids)).keys()]).toEqual([mixed.ids[1]]);
    await c.close();
  });
});

describe('a span the store refuses: quarantined, never blocking', () => {
  it('is dead-lettered with its reason; spans of the same and another project are written; a restart does not re-block', async () => {
    // A real refusal by ClickHouse for a span the normalizer accepts: a constraint on the table
    // (as an operator might add in server mode). Removed at the end: the store is shared.
    await rawSql(store).command(`ALTER TABLE spans ADD CONSTRAINT no_poison CHECK name != 'poison'`);
    try {
      const spoolDir = join(tmp.dir, `spool-${n++}`);
      const { c, url } = await start(spoolDir);
      const t = now();
      const poison = body([{ start: '946684800000000000', end: '946684800000001000', name: 'poison' }]);
      const a = body([{ start: String(t - 1000n), end: String(t) }]);
      const b = body([{ start: String(t - 1000n), end: String(t) }]);
      expect((await post(url, 'cairn_ik_a', poison.json)).status).toBe(200);
      expect((await post(url, 'cairn_ik_a', a.json)).status).toBe(200);
      expect((await post(url, 'cairn_ik_b', b.json)).status).toBe(200);
      // One flush, no retry backoff: the poison row is isolated within the same write.
      expect(await c.flush(60_000)).toBe(true);
      const got = await stored([...poison.ids, ...a.ids, ...b.ids]);
      expect([...got.keys()].sort()).toEqual([a.ids[0], b.ids[0]].sort());
      expect(c.metrics.batchesBisected.get()).toBe(1);
      expect(c.metrics.deadLetterSpans.get({ reason: 'clickhouse_469' })).toBe(1);
      expect(c.metrics.batchFailures.get()).toBe(0);
      const metrics = await (await fetch(url.replace('/v1/traces', '/metrics'))).text();
      expect(metrics).toContain('cairn_dead_letter_spans_total{reason="clickhouse_469"} 1');
      expect(metrics).toContain('cairn_batches_bisected_total 1');

      const letters = await listDeadLetters(store, { projectId: 'proj-a', limit: 10 });
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ project_id: 'proj-a', span_id: poison.ids[0], error_code: 469, redriven_ms: null });
      expect(letters[0]!.reason).toMatch(/no_poison/);
      expect(JSON.parse(letters[0]!.line)[5]).toBe('poison');
      expect(await listDeadLetters(store, { projectId: 'proj-b', limit: 10 })).toEqual([]);
      await c.close();

      // The batch was checkpointed: a restart on the same spool has nothing to replay.
      const again = await start(spoolDir);
      expect(again.c.writer.backlog).toBe(0);
      const later = body([{ start: String(t), end: String(t + 1n) }]);
      expect((await post(again.url, 'cairn_ik_b', later.json)).status).toBe(200);
      expect(await again.c.flush(60_000)).toBe(true);
      expect((await stored(later.ids)).size).toBe(1);
      expect(await listDeadLetters(store, { projectId: 'proj-a', limit: 10 })).toHaveLength(1);
      await again.c.close();
    } finally {
      await rawSql(store).command('ALTER TABLE spans DROP CONSTRAINT no_poison');
    }
  });
});
