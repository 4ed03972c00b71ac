import { rawSql } from '@cairn/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ERROR_CODES } from '@cairn/schemas';
import { chTime, type Store } from '@cairn/storage';
import { bearer, getJson, makeApp, makeProject, openTempStore, span, type TestProject } from './helpers.js';

/**
 * Reproductions of issue 9 (API half): ordinary or out-of-range query values answered 500.
 * Each must be a 400 with a registry code, or work.
 */

let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let p: TestProject;
const get = (url: string) => getJson(app, url, p.admin);

const NOV_1 = Date.parse('2026-11-01T00:00:00Z');
const DAY = 86_400_000;

function alertRow(id: string, createdMs: number, projectId: string): Record<string, unknown> {
  return {
    project_id: projectId,
    alert_id: id,
    type: 'anomaly.retry_loop',
    alert_key: id,
    budget_id: '',
    session_id: `s-${id}`,
    agent_name: 'a',
    threshold: 0,
    period_start: chTime(0),
    period_end: chTime(0),
    spent_usd: 0,
    limit_usd: 0,
    percent: 0,
    message: `alert ${id}`,
    payload: '{}',
    created_at: chTime(createdMs),
    version: 1,
  };
}

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  p = await makeProject(store, 'proj-hostile');
  await store.insertSpans([span({ project_id: p.projectId, session_id: 's1', span_id: 'a'.repeat(16), cost_usd: 0.5 })]);
  // Alerts on both sides of the bounds used below, and one exactly on `from` (inclusive).
  await rawSql(store).insertRows('alerts', [
    alertRow('before', NOV_1 - DAY, p.projectId),
    alertRow('on-from', NOV_1, p.projectId),
    alertRow('inside', NOV_1 + DAY, p.projectId),
    alertRow('on-to', NOV_1 + 2 * DAY, p.projectId),
    alertRow('after', NOV_1 + 3 * DAY, p.projectId),
  ]);
  app = await makeApp(store);
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

function expect400(res: { status: number; body: any }, what: string): void {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(400);
  expect(Object.keys(ERROR_CODES), what).toContain(res.body?.error?.code);
}

describe('GET /api/alerts time filter', () => {
  it('filters by from (inclusive) and to (exclusive), with alerts on both sides', async () => {
    const ids = (r: { body: any }) => (r.body.alerts as { id: string }[]).map((a) => a.id).sort();
    const from = await get('/api/alerts?from=2026-11-01T00:00:00Z');
    expect(from.status, JSON.stringify(from.body)).toBe(200);
    expect(ids(from)).toEqual(['after', 'inside', 'on-from', 'on-to']);
    const to = await get('/api/alerts?to=2026-11-03T00:00:00Z');
    expect(to.status).toBe(200);
    expect(ids(to)).toEqual(['before', 'inside', 'on-from']);
    const both = await get(`/api/alerts?from=${NOV_1}&to=${NOV_1 + 2 * DAY}`);
    expect(both.status).toBe(200);
    expect(ids(both)).toEqual(['inside', 'on-from']);
    // Newest first, as documented.
    const all = await get('/api/alerts');
    expect((all.body.alerts as { id: string }[]).map((a) => a.id)).toEqual(['after', 'on-to', 'inside', 'on-from', 'before']);
  });
});

describe('out-of-range query values are a 400 with a code', () => {
  const hugeNumbers = ['1e308', 'Infinity', '-Infinity', 'NaN', '9223372036854775808', '1e400'];
  for (const route of ['/api/sessions', '/api/exports/sessions']) {
    for (const field of ['min_cost', 'max_cost', 'min_steps']) {
      it(`${route} ${field}`, async () => {
        for (const v of hugeNumbers) expect400(await get(`${route}?${field}=${v}`), `${route}?${field}=${v}`);
      });
    }
  }

  const farTimes = [
    '9999-12-31T23:59:59Z',
    '2262-04-12T00:00:00Z',
    '2262-04-11T23:47:16.855Z',
    '1969-12-31T23:59:59Z',
    '99999999999999',
  ];
  for (const route of ['/api/sessions', '/api/exports/sessions', '/api/alerts', '/api/costs']) {
    it(`${route} from/to outside the storable range`, async () => {
      for (const field of ['from', 'to']) {
        for (const v of farTimes) expect400(await get(`${route}?${field}=${encodeURIComponent(v)}`), `${route}?${field}=${v}`);
      }
    });
  }

  it('the last storable instant still works', async () => {
    const res = await get('/api/sessions?to=2262-04-11T23:47:16.854Z');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.sessions.map((s: { session_id: string }) => s.session_id)).toEqual(['s1']);
  });

  it('limit=Infinity on /api/sessions and /api/alerts, steps_limit=Infinity on /api/sessions/:id', async () => {
    for (const url of [
      '/api/sessions?limit=Infinity',
      '/api/alerts?limit=Infinity',
      '/api/sessions/s1?steps_limit=Infinity',
      '/api/exports/sessions?limit=Infinity',
      '/api/sessions?limit=1e308',
      '/api/alerts?limit=-Infinity',
    ]) {
      expect400(await get(url), url);
    }
  });

  it('finite, in-range values still work', async () => {
    const ok = await get('/api/sessions?min_cost=0.25&max_cost=1e6&min_steps=1&limit=10');
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.sessions).toHaveLength(1);
    const none = await get('/api/sessions?min_cost=0.75');
    expect(none.body.sessions).toHaveLength(0);
  });
});

describe('values no schema can express', () => {
  const post = (url: string, payload: string) =>
    app.inject({ method: 'POST', url, headers: { ...bearer(p.admin), 'content-type': 'application/json' }, payload });

  it('a lone surrogate or an overflowing number in a JSON body is a 400, not stored', async () => {
    for (const payload of [
      '{"session_id":"s1","name":"q","value":1,"comment":"\\ud800"}',
      '{"session_id":"s1","name":"q\\udfff","value":1}',
      '{"session_id":"s1","name":"q","value":1e400}',
    ]) {
      const res = await post('/api/scores', payload);
      expect(res.statusCode, payload).toBe(400);
      expect(res.json().error.code, payload).toBe('CAIRN_BAD_REQUEST');
    }
    const detail = await get('/api/sessions/s1?steps_limit=0');
    expect(detail.body.scores).toEqual([]);
  });

  it('router errors (bad percent-encoding, overlong path parameter) carry a registry code', async () => {
    for (const url of ['/api/sessions/%ED%A0%80', '/api/sessions/%ZZ', `/api/sessions/${'a'.repeat(3000)}`]) {
      const res = await get(url);
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expect(res.status, url).toBeLessThan(500);
      expect(res.body.error.code, url).toBe('CAIRN_BAD_REQUEST');
    }
  });

  it('a broken JSON body or content type gets a code, never a 500', async () => {
    const broken = await post('/api/scores', '{"session_id":');
    expect([broken.statusCode, broken.json().error.code]).toEqual([400, 'CAIRN_MALFORMED_JSON']);
    const text = await app.inject({
      method: 'POST',
      url: '/api/scores',
      headers: { ...bearer(p.admin), 'content-type': 'application/xml' },
      payload: 'x',
    });
    expect([text.statusCode, text.json().error.code]).toEqual([415, 'CAIRN_UNSUPPORTED_MEDIA_TYPE']);
  });
});
