import { rawSql } from '@cairn/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { SpanRow } from '@cairn/schemas';
import type { Store } from '@cairn/storage';
import type { AlertEngine } from '@cairn/alerts';
import { send, startTestEngine, type TestEngine } from '@cairn/testkit';
import { getJson, makeProject, span, type TestProject } from './helpers.js';

// Session rows carry the types the detectors flagged them with. The flags come from a real
// engine run over crafted sessions in two projects; project B flags a session whose id also
// exists, unflagged, in project A.
let t: TestEngine;
let store: Store;
let app: FastifyInstance;
let a: TestProject;
let b: TestProject;
let engine: AlertEngine;
const NOW_NS = BigInt(Date.now()) * 1_000_000n;
let seq = 0;

/** Root + `tools` tool calls; `key(i)` is call i's canonical arguments (same key = same call). */
function session(project: string, id: string, agent: string, tools: number, key: (i: number) => string): SpanRow[] {
  const start = NOW_NS - 120_000_000_000n;
  return Array.from({ length: tools + 1 }, (_, i) => {
    seq += 1;
    return span({
      project_id: project,
      session_id: id,
      trace_id: `${project}-${id}`.padEnd(32, '0'),
      span_id: seq.toString(16).padStart(16, '0'),
      kind: i === 0 ? 'session' : 'tool',
      agent_name: agent,
      start_time_ns: start + BigInt(i) * 1_000_000n,
      end_time_ns: start + BigInt(i + 1) * 1_000_000n,
      ...(i === 0 ? {} : { tool_name: 'search', tool_call_key: key(i) }),
    });
  });
}
const same = () => 'k-same';
const distinct = (i: number) => `k-${i}`;

const list = async (p: TestProject, query = ''): Promise<Map<string, string[]>> => {
  const res = await getJson(app, `/api/sessions?limit=100${query}`, p.admin);
  expect(res.status).toBe(200);
  return new Map(res.body.sessions.map((s: any) => [s.session_id, s.anomalies]));
};
const summary = async (p: TestProject, id: string): Promise<string[]> => {
  const res = await getJson(app, `/api/sessions/${id}?steps_limit=0`, p.admin);
  expect(res.status).toBe(200);
  return res.body.session.anomalies;
};

beforeAll(async () => {
  t = await startTestEngine({
    projectId: 'p-anom-a',
    config: { alertIntervalMs: 1000, webhookAllowPrivate: false, claimSettleMs: 20, baselineTtlMs: 0 },
  });
  ({ store, app, project: a } = t);
  b = await makeProject(store, 'p-anom-b');
  // A configured limit flags `loop-a` twice over: 7 steps > 5, and 6 identical tool calls.
  expect((await send(app, 'PUT', '/api/alerts/detectors', a.admin, { step_limits: { looper: 5 } })).status).toBe(200);
  await store.insertSpans([
    ...session(a.projectId, 'loop-a', 'looper', 6, same),
    ...session(a.projectId, 'calm-a', 'looper', 3, distinct),
    ...session(a.projectId, 'shared-id', 'looper', 2, distinct),
    ...session(b.projectId, 'shared-id', 'looper-b', 6, same),
    ...session(b.projectId, 'calm-b', 'looper-b', 4, distinct),
  ]);
  engine = t.engine();
  await engine.runOnce();
});
afterAll(async () => {
  await t?.close();
});

describe('anomalies on session rows', () => {
  it('the engine flagged exactly the crafted sessions (the premise of the tests below)', async () => {
    const alerts = async (p: TestProject) =>
      (await send(app, 'GET', '/api/alerts', p.admin)).body.alerts.map((x: any) => `${x.type} ${x.session_id}`).sort();
    expect(await alerts(a)).toEqual(['anomaly.retry_loop loop-a', 'anomaly.step_limit loop-a']);
    expect(await alerts(b)).toEqual(['anomaly.retry_loop shared-id']);
  });

  it('lists each session with the distinct, sorted detector types that flagged it, [] when none', async () => {
    const rows = await list(a);
    expect(Object.fromEntries(rows)).toEqual({
      'loop-a': ['retry_loop', 'step_limit'],
      'calm-a': [],
      'shared-id': [],
    });
    // The badge and the filter agree: the flagged rows are exactly the ones `?anomaly=` returns.
    expect([...(await list(a, '&anomaly=any')).keys()]).toEqual(['loop-a']);
    expect(Object.fromEntries(await list(a, '&anomaly=step_limit'))).toEqual({ 'loop-a': ['retry_loop', 'step_limit'] });
  });

  it('carries them on every page of a paged listing', async () => {
    const seen: Record<string, string[]> = {};
    let cursor: string | null = null;
    do {
      const res: { body: { sessions: any[]; next_cursor: string | null } } = await getJson(
        app,
        `/api/sessions?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        a.admin,
      );
      for (const s of res.body.sessions) seen[s.session_id] = s.anomalies;
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual({ 'loop-a': ['retry_loop', 'step_limit'], 'calm-a': [], 'shared-id': [] });
  });

  it('shows them in the single-session summary and the exports', async () => {
    expect(await summary(a, 'loop-a')).toEqual(['retry_loop', 'step_limit']);
    expect(await summary(a, 'calm-a')).toEqual([]);
    const one = await getJson(app, '/api/sessions/loop-a/export', a.admin);
    expect(one.body.session.anomalies).toEqual(['retry_loop', 'step_limit']);
    const lines = await app.inject({
      method: 'GET',
      url: '/api/exports/sessions?steps=none',
      headers: { authorization: `Bearer ${a.admin}` },
    });
    const exported = lines.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).session);
    expect(Object.fromEntries(exported.map((s: any) => [s.session_id, s.anomalies]))).toEqual({
      'loop-a': ['retry_loop', 'step_limit'],
      'calm-a': [],
      'shared-id': [],
    });
  });

  it("never shows another project's flags, even on a session with the same id", async () => {
    expect(Object.fromEntries(await list(b))).toEqual({ 'shared-id': ['retry_loop'], 'calm-b': [] });
    expect(await summary(b, 'shared-id')).toEqual(['retry_loop']);
    expect((await list(a)).get('shared-id')).toEqual([]);
    expect(await summary(a, 'shared-id')).toEqual([]);
    expect((await getJson(app, '/api/sessions/loop-a', b.admin)).status).toBe(404);
  });

  it('stays distinct when a second engine wrote the same flag again, and on later ticks', async () => {
    // Two engines racing on one store both write the flag (the table dedups only on merge).
    await rawSql(store).insertRows('session_anomalies', [
      {
        project_id: a.projectId,
        session_id: 'loop-a',
        type: 'retry_loop',
        alert_id: 'dup',
        created_at: '2026-01-01 00:00:00.000',
      },
    ]);
    await engine.runOnce();
    expect((await list(a)).get('loop-a')).toEqual(['retry_loop', 'step_limit']);
    expect(await summary(a, 'loop-a')).toEqual(['retry_loop', 'step_limit']);
  });

  it('documents the field in the OpenAPI document', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const row = spec.paths['/api/sessions'].get.responses['200'].content['application/json'].schema.properties.sessions.items;
    expect(row.required).toContain('anomalies');
    expect(row.properties.anomalies.items.enum).toEqual(['session_cost', 'step_limit', 'retry_loop', 'error_rate']);
    expect(row.properties.anomalies.description).toMatch(/retry_loop/);
    const detail = spec.paths['/api/sessions/{id}'].get.responses['200'].content['application/json'].schema;
    expect(detail.properties.session.required).toContain('anomalies');
  });
});
