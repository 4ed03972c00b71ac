import { rawSql } from '@cairn/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import protobuf from 'protobufjs/minimal.js';
import { openStore, type Store } from '@cairn/storage';
import { buildCollector, type Collector, type KeyAuthenticator } from '../src/index.js';
import { tempDataDir } from '@cairn/testkit';
import { chatSession, gzip, jsonBody, protoBody, recordSpans } from './otel-fixtures.js';
import { projectWithKeys } from './project-keys.js';

const tmp = tempDataDir();
let store: Store;
let collector: Collector;
let url: string;
let ingestKey: string;
let adminKey: string;
const MAX_BODY = 64 * 1024;

beforeAll(async () => {
  store = await openStore({ dataDir: tmp.dir });
  let authenticate: KeyAuthenticator;
  ({ ingestKey, adminKey, authenticate } = await projectWithKeys(store, 'p1'));
  collector = await buildCollector(
    { host: '127.0.0.1', port: 0, maxBodyBytes: MAX_BODY, batchMaxRows: 1000, batchMaxMs: 50, logLevel: 'silent' },
    { store, authenticate },
  );
  url = (await collector.app.listen({ host: '127.0.0.1', port: 0 })) + '/v1/traces';
});
afterAll(async () => {
  await collector.close();
  await store.close();
  tmp.cleanup();
});

function post(body: Buffer | string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers });
}
const proto = { 'content-type': 'application/x-protobuf' };
const json = { 'content-type': 'application/json' };
const auth = (k: string) => ({ authorization: `Bearer ${k}` });

/** google.rpc.Status → { code, message } */
function decodeStatus(buf: ArrayBuffer): { code: number; message: string } {
  const r = protobuf.Reader.create(new Uint8Array(buf));
  const out = { code: 0, message: '' };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) out.code = r.int32();
    else if (tag >>> 3 === 2) out.message = r.string();
    else r.skipType(tag & 7);
  }
  return out;
}

async function validBody(sessionId: string): Promise<Buffer> {
  return protoBody(await recordSpans((t) => chatSession(t, sessionId)));
}

describe('authentication', () => {
  it('401 without a key, with an unknown key; 403 with an admin key', async () => {
    const body = await validBody('s-auth');
    const none = await post(body, json);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('CAIRN_UNAUTHORIZED');
    expect((await post(body, { ...json, ...auth('cairn_ik_' + 'z'.repeat(32)) })).status).toBe(401);
    expect((await post(body, { ...json, authorization: 'Basic abc' })).status).toBe(401);
    const admin = await post(body, { ...proto, ...auth(adminKey) });
    expect(admin.status).toBe(403);
    expect(decodeStatus(await admin.arrayBuffer()).message).toMatch(/CAIRN_FORBIDDEN/);
  });
});

describe('bad input gets a clear 4xx and the server keeps serving', () => {
  it.each([
    ['malformed protobuf', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), proto, 400, /CAIRN_MALFORMED_PROTOBUF/],
    ['malformed JSON', Buffer.from('{"resourceSpans": ['), json, 400, /CAIRN_MALFORMED_JSON/],
    ['JSON of the wrong shape', Buffer.from('{"resourceSpans": 42}'), json, 400, /CAIRN_MALFORMED_JSON/],
    ['wrong content type', Buffer.from('hello'), { 'content-type': 'text/plain' }, 415, /CAIRN_UNSUPPORTED_MEDIA_TYPE/],
    ['oversized body', Buffer.alloc(MAX_BODY + 1, 1), proto, 413, /CAIRN_PAYLOAD_TOO_LARGE/],
    ['gzip bomb', gzip(Buffer.alloc(MAX_BODY * 50)), { ...proto, 'content-encoding': 'gzip' }, 413, /CAIRN_PAYLOAD_TOO_LARGE/],
    ['corrupt gzip', Buffer.from('not gzip at all'), { ...json, 'content-encoding': 'gzip' }, 400, /CAIRN_BAD_ENCODING/],
    ['unknown encoding', Buffer.from('{}'), { ...json, 'content-encoding': 'br' }, 400, /CAIRN_BAD_ENCODING/],
  ])('%s', async (_name, body, headers, status, pattern) => {
    const res = await post(body, { ...headers, ...auth(ingestKey) });
    expect(res.status).toBe(status);
    const text =
      headers['content-type'] === 'application/x-protobuf' ? decodeStatus(await res.arrayBuffer()).message : await res.text();
    expect(text).toMatch(pattern);
    const ok = await post(await validBody(`after-${status}`), { ...proto, ...auth(ingestKey) });
    expect(ok.status).toBe(200);
  });

  it('an unknown route is CAIRN_ROUTE_NOT_FOUND, as the API answers it, in the client encoding', async () => {
    const base = url.replace(/\/v1\/traces$/, '');
    const asJson = await fetch(`${base}/v1/logs?x=1`, { method: 'POST', body: '{}', headers: json });
    expect(asJson.status).toBe(404);
    expect(await asJson.json()).toEqual({
      error: { code: 'CAIRN_ROUTE_NOT_FOUND', message: 'no route POST /v1/logs; OTLP traces go to POST /v1/traces' },
    });
    const asProto = await fetch(`${base}/v1/metrics`, { method: 'POST', body: Buffer.from([]), headers: proto });
    expect(asProto.status).toBe(404);
    expect(decodeStatus(await asProto.arrayBuffer())).toEqual({
      code: 12,
      message: 'CAIRN_ROUTE_NOT_FOUND: no route POST /v1/metrics; OTLP traces go to POST /v1/traces',
    });
  });
});

describe('accepting spans', () => {
  it('accepts protobuf, gzip protobuf and JSON; answers in the request content type', async () => {
    const p = await post(await validBody('s-proto'), { ...proto, ...auth(ingestKey) });
    expect(p.status).toBe(200);
    expect(p.headers.get('content-type')).toMatch(/application\/x-protobuf/);
    const g = await post(gzip(await validBody('s-gzip')), { ...proto, 'content-encoding': 'gzip', ...auth(ingestKey) });
    expect(g.status).toBe(200);
    const j = await post(jsonBody(await recordSpans((t) => chatSession(t, 's-json'))), { ...json, ...auth(ingestKey) });
    expect(j.status).toBe(200);
    expect(await j.json()).toEqual({});
    await collector.flush();
    const rows = await rawSql(store).query<{ session_id: string; n: number }>(
      "SELECT session_id, count() AS n FROM spans WHERE project_id = 'p1' AND session_id IN ('s-proto','s-gzip','s-json') GROUP BY session_id ORDER BY session_id",
    );
    expect(rows).toEqual([
      { session_id: 's-gzip', n: 2 },
      { session_id: 's-json', n: 2 },
      { session_id: 's-proto', n: 2 },
    ]);
  });

  it('reports rejected spans as OTLP partial success and keeps the valid ones', async () => {
    const spans = await recordSpans((t) => chatSession(t, 's-partial'));
    const body = JSON.parse(jsonBody(spans).toString()) as { resourceSpans: { scopeSpans: { spans: { spanId: string }[] }[] }[] };
    body.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.spanId = 'not-hex';
    const res = await post(JSON.stringify(body), { ...json, ...auth(ingestKey) });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedSpans).toBe('1');
    expect(answer.partialSuccess.errorMessage.length).toBeGreaterThan(5);
    await collector.flush();
    const rows = await rawSql(store).query<{ n: number }>("SELECT count() AS n FROM spans WHERE session_id = 's-partial'");
    expect(rows[0]!.n).toBe(1);
  });

  it('counts a re-sent request (exporter retry) once in both rollups', async () => {
    const body = await validBody('s-retry');
    for (let i = 0; i < 3; i++) expect((await post(body, { ...proto, ...auth(ingestKey) })).status).toBe(200);
    await collector.flush();
    const s = await rawSql(store).query<{ spans: number; cost: number }>(
      "SELECT sum(spans) AS spans, sum(cost_usd) AS cost FROM sessions_rollup WHERE session_id = 's-retry'",
    );
    expect(s[0]!.spans).toBe(2);
    // gpt-4o: 1000 input at $2.50/M + 200 output at $10/M
    expect(s[0]!.cost).toBeCloseTo(0.0045, 10);
    const c = await rawSql(store).query<{ cost: number; calls: number }>(
      "SELECT sum(cost_usd) AS cost, sum(llm_calls) AS calls FROM cost_hourly WHERE project_id = 'p1' AND agent_name = 'support'",
    );
    // every request in this file carries one gpt-4o call; the retried one counts once
    const calls = await rawSql(store).query<{ n: number }>(
      "SELECT uniqExact(span_id) AS n FROM spans WHERE project_id = 'p1' AND kind = 'llm'",
    );
    expect(calls[0]!.n).toBeGreaterThan(5);
    expect(c[0]!.calls).toBe(calls[0]!.n);
    expect(c[0]!.cost).toBeCloseTo(0.0045 * calls[0]!.n, 9);
  });

  it("says where an accepted request's time went: Server-Timing on the answer, the same phases on /metrics", async () => {
    const phases = ['receive', 'decompress', 'queue', 'prepare', 'durable'];
    const phaseStats = async () => {
      const m = await (await fetch(url.replace('/v1/traces', '/metrics'))).text();
      const read = (what: string, phase: string) =>
        Number(new RegExp(`^cairn_otlp_request_phase_seconds_${what}\\{phase="${phase}"\\} (\\S+)$`, 'm').exec(m)?.[1] ?? 0);
      return Object.fromEntries(phases.map((p) => [p, { count: read('count', p), sum: read('sum', p) }]));
    };
    const before = await phaseStats();
    const body = gzip(await validBody('s-timing'));
    const started = performance.now();
    const res = await post(body, { ...proto, 'content-encoding': 'gzip', ...auth(ingestKey) });
    const clientMs = performance.now() - started;
    expect(res.status).toBe(200);
    const header = res.headers.get('server-timing') ?? '';
    const timing = Object.fromEntries(
      header.split(', ').map((entry) => {
        const m = /^(\w+);dur=(\d+\.\d)$/.exec(entry);
        expect(m, `Server-Timing entry ${entry}`).not.toBeNull();
        return [m![1]!, Number(m![2])];
      }),
    );
    expect(Object.keys(timing)).toEqual(phases);
    // The server's phases fit inside what the client waited (0.05 ms of rounding per phase).
    expect(Object.values(timing).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(clientMs + 0.25);
    const after = await phaseStats();
    for (const p of phases) {
      expect(after[p]!.count - before[p]!.count, p).toBe(1);
      // The header rounds to 0.1 ms.
      expect(Math.abs((after[p]!.sum - before[p]!.sum) * 1000 - timing[p]!), p).toBeLessThanOrEqual(0.0501);
    }
    expect(after.prepare!.sum - before.prepare!.sum).toBeGreaterThan(0);

    // A refused request has no phases: nothing was accepted.
    const bad = await post(Buffer.from([0x0a, 0xff]), { ...proto, ...auth(ingestKey) });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('server-timing')).toBeNull();
    expect((await phaseStats()).prepare!.count).toBe(after.prepare!.count);
  });

  it('exposes Prometheus metrics and health', async () => {
    const m = await (await fetch(url.replace('/v1/traces', '/metrics'))).text();
    expect(m).toMatch(/^cairn_spans_accepted_total \d+/m);
    expect(m).toMatch(/^cairn_spans_duplicate_total [1-9]/m);
    expect(m).toMatch(/^cairn_batches_written_total [1-9]/m);
    expect(m).toMatch(/cairn_insert_duration_seconds_count [1-9]/);
    expect(m).toMatch(/cairn_otlp_requests_total\{status="401"\} [1-9]/);
    const h = await fetch(url.replace('/v1/traces', '/healthz'));
    expect(h.status).toBe(200);
  });

  it("splits the process's memory on /metrics: RSS, JS heap, Buffers and the embedded ClickHouse's share", async () => {
    const m = await (await fetch(url.replace('/v1/traces', '/metrics'))).text();
    const gauge = (name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(m)?.[1] ?? NaN);
    const rss = gauge('process_resident_memory_bytes');
    const heap = gauge('nodejs_heap_used_bytes');
    const external = gauge('nodejs_external_memory_bytes');
    const clickhouse = gauge('cairn_clickhouse_memory_bytes');
    // chDB runs in this process, has written parts, and tracks some memory; each part is below RSS.
    for (const v of [heap, external, clickhouse]) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThan(rss);
    }
    expect(gauge('nodejs_heap_total_bytes')).toBeGreaterThanOrEqual(heap);
  });
});
