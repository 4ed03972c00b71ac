import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Store } from '@cairn/storage';
import { bearer, makeApp, makeProject, openTempStore, span, type TestProject } from './helpers.js';

let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let a: TestProject;
let b: TestProject;

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  a = await makeProject(store, 'rev-a');
  b = await makeProject(store, 'rev-b');
  await store.insertSpans([
    span({ project_id: 'rev-a', session_id: 'sess-1', span_id: 'aaaa000000000001', agent_name: 'refunder' }),
  ]);
  app = await makeApp(store);
});
afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

const call = async (method: InjectOptions['method'], url: string, key: string, body?: unknown) => {
  const res = await app.inject({
    method,
    url,
    headers: { ...bearer(key), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: res.json() };
};

const escalation = (spanId: string, over: Record<string, unknown> = {}) => ({
  session_id: 'sess-1',
  span_id: spanId,
  agent: 'refunder',
  reason: 'refund over the limit',
  confidence: 0.42,
  proposed_action: { refund_usd: 120 },
  state: { order: 7 },
  cost_usd: 0.25,
  ...over,
});

describe('reviews API', () => {
  let queueId = '';
  it('creates, reads, changes and deletes queues; unknown webhooks are a 400', async () => {
    const created = await call('POST', '/api/reviews/queues', a.admin, {
      name: 'refunds',
      scope: { agent: 'refunder' },
      sla_minutes: 15,
      fallback: 'auto_reject',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'refunds',
      scope: { agent: 'refunder' },
      sla_minutes: 15,
      fallback: 'auto_reject',
    });
    queueId = created.body.id;
    const changed = await call('PATCH', `/api/reviews/queues/${queueId}`, a.admin, { reviewer: 'ann' });
    expect(changed.body).toMatchObject({ reviewer: 'ann', fallback: 'auto_reject' });
    expect((await call('GET', '/api/reviews/queues', a.admin)).body.queues).toHaveLength(1);
    expect((await call('GET', '/api/reviews/queues', b.admin)).body.queues).toHaveLength(0);
    expect((await call('GET', `/api/reviews/queues/${queueId}`, b.admin)).status).toBe(404);
    const bad = await call('POST', '/api/reviews/queues', a.admin, { name: 'x', sla_minutes: 5, webhook_ids: ['nope'] });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'CAIRN_BAD_REQUEST']);
    const temp = await call('POST', '/api/reviews/queues', a.admin, { name: 'temp', sla_minutes: 1 });
    expect((await call('DELETE', `/api/reviews/queues/${temp.body.id}`, a.admin)).status).toBe(200);
    expect((await call('GET', `/api/reviews/queues/${temp.body.id}`, a.admin)).status).toBe(404);
  });

  it('opens one item per escalation (idempotent), lists, claims, decides, and writes scores on the step', async () => {
    const opened = await call('POST', '/api/escalations', a.ingest, escalation('aaaa000000000001'));
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ status: 'open', resolved: false, decision: null });
    const again = await call('POST', '/api/escalations', a.ingest, escalation('aaaa000000000001', { reason: 'retry' }));
    expect(again.body.id).toBe(opened.body.id);
    const list = await call('GET', '/api/reviews/items?status=open', a.admin);
    expect(list.body.items).toHaveLength(1);
    const item = list.body.items[0];
    const { span_id: _span, ...sent } = escalation('aaaa000000000001');
    expect(item).toMatchObject({ ...sent, queue_id: queueId, source: 'sdk' });
    expect(Date.parse(item.due_at) - Date.parse(item.created_at)).toBe(15 * 60_000);
    expect((await call('GET', '/api/reviews/items', b.admin)).body.items).toHaveLength(0);
    expect((await call('GET', `/api/escalations/${item.id}`, b.ingest)).status).toBe(404);

    expect((await call('POST', `/api/reviews/items/${item.id}/claim`, a.admin, { reviewer: 'ann' })).body.status).toBe('claimed');
    const stolen = await call('POST', `/api/reviews/items/${item.id}/claim`, a.admin, { reviewer: 'bob' });
    expect([stolen.status, stolen.body.error.code]).toEqual([409, 'CAIRN_REVIEW_CLAIMED']);
    const noEdit = await call('POST', `/api/reviews/items/${item.id}/decide`, a.admin, { decision: 'edit', reviewer: 'ann' });
    expect([noEdit.status, noEdit.body.error.code]).toEqual([400, 'CAIRN_BAD_REQUEST']);
    const decided = await call('POST', `/api/reviews/items/${item.id}/decide`, a.admin, {
      decision: 'edit',
      reviewer: 'ann',
      edited_action: { refund_usd: 50 },
      comment: 'half',
      correct: false,
    });
    expect(decided.body).toMatchObject({
      status: 'decided',
      decision: 'edit',
      edited_action: { refund_usd: 50 },
      correct: false,
    });
    const twice = await call('POST', `/api/reviews/items/${item.id}/decide`, a.admin, { decision: 'approve', reviewer: 'ann' });
    expect([twice.status, twice.body.error.code]).toEqual([409, 'CAIRN_REVIEW_DECIDED']);

    const poll = await call('GET', `/api/escalations/${item.id}?wait=5`, a.ingest);
    expect(poll.body).toMatchObject({ resolved: true, decision: 'edit', edited_action: { refund_usd: 50 }, decided_by: 'ann' });
    const detail = await call('GET', `/api/reviews/items/${item.id}`, a.admin);
    expect(detail.body.history.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'claimed', 'decided']);
    expect((await call('GET', '/api/reviews/history', a.admin)).body.items.map((i: { id: string }) => i.id)).toEqual([item.id]);

    const replay = await call('GET', '/api/sessions/sess-1', a.admin);
    const scores = replay.body.scores.map((s: { name: string; value: unknown; source: string; span_id: string }) => [
      s.name,
      s.value,
      s.source,
      s.span_id,
    ]);
    expect(scores).toEqual([
      ['review.decision', 'edit', 'review', 'aaaa000000000001'],
      ['review.correct', false, 'review', 'aaaa000000000001'],
    ]);
  });

  it('filters due soon and overdue, pages with a cursor', async () => {
    for (let i = 2; i <= 6; i++) await call('POST', '/api/escalations', a.ingest, escalation(`aaaa00000000000${i}`));
    const soon = await call('GET', '/api/reviews/items?due=soon&due_soon_minutes=20', a.admin);
    expect(soon.body.items).toHaveLength(5);
    expect((await call('GET', '/api/reviews/items?due=soon&due_soon_minutes=1', a.admin)).body.items).toHaveLength(0);
    expect((await call('GET', '/api/reviews/items?due=overdue', a.admin)).body.items).toHaveLength(0);
    const seen: string[] = [];
    let url = '/api/reviews/items?limit=2&agent=refunder';
    for (;;) {
      const page = await call('GET', url, a.admin);
      seen.push(...page.body.items.map((i: { id: string }) => i.id));
      if (!page.body.next_cursor) break;
      url = `/api/reviews/items?limit=2&agent=refunder&cursor=${page.body.next_cursor}`;
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
  });

  it('keeps trust thresholds per agent, readable with the ingest key', async () => {
    expect((await call('PUT', '/api/reviews/thresholds', a.admin, { agent: '', threshold: 0.5 })).status).toBe(200);
    await call('PUT', '/api/reviews/thresholds', a.admin, { agent: 'refunder', threshold: 0.8 });
    expect((await call('GET', '/api/escalations/thresholds?agent=refunder', a.ingest)).body).toEqual({
      agent: 'refunder',
      threshold: 0.8,
    });
    expect((await call('GET', '/api/escalations/thresholds?agent=other', a.ingest)).body).toEqual({
      agent: 'other',
      threshold: 0.5,
    });
    expect((await call('GET', '/api/escalations/thresholds?agent=refunder', b.ingest)).body.threshold).toBeNull();
    const listed = await call('GET', '/api/reviews/thresholds', a.admin);
    expect(listed.body.thresholds.map((t: { agent: string }) => t.agent)).toEqual(['', 'refunder']);
    const bad = await call('PUT', '/api/reviews/thresholds', a.admin, { agent: 'x', threshold: 1.5 });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'CAIRN_BAD_REQUEST']);
  });

  it('refuses bad input with registry codes, and ingest keys on admin routes', async () => {
    const cases: [InjectOptions['method'], string, string, unknown, number, string][] = [
      ['GET', '/api/reviews/items/rvw_unknown', a.admin, undefined, 404, 'CAIRN_NOT_FOUND'],
      ['GET', `/api/reviews/items/${'x'.repeat(65)}`, a.admin, undefined, 400, 'CAIRN_BAD_REQUEST'],
      ['GET', '/api/reviews/items?status=maybe', a.admin, undefined, 400, 'CAIRN_BAD_REQUEST'],
      ['GET', '/api/reviews/items?due=later', a.admin, undefined, 400, 'CAIRN_BAD_REQUEST'],
      ['GET', '/api/reviews/items?cursor=garbage', a.admin, undefined, 400, 'CAIRN_BAD_REQUEST'],
      ['POST', '/api/reviews/items/rvw_unknown/decide', a.admin, { decision: 'maybe', reviewer: 'x' }, 400, 'CAIRN_BAD_REQUEST'],
      ['POST', '/api/reviews/items/rvw_unknown/decide', a.admin, { decision: 'approve', reviewer: 'x' }, 404, 'CAIRN_NOT_FOUND'],
      ['POST', '/api/reviews/items/rvw_unknown/claim', a.admin, {}, 400, 'CAIRN_BAD_REQUEST'],
      ['POST', '/api/reviews/queues', a.admin, { name: 'x', sla_minutes: 0 }, 400, 'CAIRN_BAD_REQUEST'],
      ['POST', '/api/reviews/queues', a.admin, { name: 'x', sla_minutes: 5, fallback: 'panic' }, 400, 'CAIRN_BAD_REQUEST'],
      ['POST', '/api/escalations', a.ingest, { session_id: 's' }, 400, 'CAIRN_BAD_REQUEST'],
      ['POST', '/api/escalations', a.ingest, escalation('b1', { confidence: 2 }), 400, 'CAIRN_BAD_REQUEST'],
      ['POST', '/api/escalations', a.ingest, escalation('b1', { state: 'x'.repeat(200_000) }), 400, 'CAIRN_BAD_REQUEST'],
      ['GET', '/api/escalations/rvw_unknown?wait=26', a.ingest, undefined, 400, 'CAIRN_BAD_REQUEST'],
      ['GET', '/api/escalations/rvw_unknown', a.ingest, undefined, 404, 'CAIRN_NOT_FOUND'],
      ['GET', '/api/reviews/items', a.ingest, undefined, 403, 'CAIRN_FORBIDDEN'],
      ['POST', '/api/reviews/items/rvw_unknown/decide', a.ingest, { decision: 'approve', reviewer: 'x' }, 403, 'CAIRN_FORBIDDEN'],
      ['PUT', '/api/reviews/thresholds', a.ingest, { agent: '', threshold: 0.1 }, 403, 'CAIRN_FORBIDDEN'],
      ['GET', '/api/reviews/items', 'cairn_ak_nope', undefined, 401, 'CAIRN_UNAUTHORIZED'],
      ['POST', '/api/escalations', 'cairn_ik_nope', escalation('b2'), 401, 'CAIRN_UNAUTHORIZED'],
    ];
    for (const [method, url, key, body, status, code] of cases) {
      const res = await call(method, url, key, body);
      expect([res.status, res.body.error?.code], `${method} ${url}`).toEqual([status, code]);
    }
  });
});
