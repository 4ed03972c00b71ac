import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEngine, AlertEngineConfig } from '@cairn/alerts';
import { makeSpanRow as span, send, signatureValid, startTestEngine, type TestEngine } from '@cairn/testkit';

// Review SLAs and the engine's review work, tick by tick with the engine's clock under the
// test's control (items are opened at real time; the engine is told it is later), on a real
// embedded store, delivering to a real HTTP receiver on 127.0.0.1.
let t: TestEngine;
let secret: string;
let fallbackHook = '';
let offsetMs = 0;
const clock = (): number => Date.now() + offsetMs;
const BASE: AlertEngineConfig = { alertIntervalMs: 1000, webhookAllowPrivate: true, detectors: false, claimSettleMs: 30 };
const engine = (): AlertEngine => t.engine();

beforeAll(async () => {
  t = await startTestEngine({ projectId: 'p-sla', config: BASE, clock });
  ({ secret, id: fallbackHook } = await t.hook('on-call'));
  // A second webhook the queues do not name: it must hear nothing.
  await t.hook('other', t.receiver.url.replace('/hook', '/other'));
});
afterAll(async () => {
  await t?.close();
});

const slaMissed = (itemId: string) =>
  t.receiver.received.filter((r) => r.headers['x-cairn-event'] === 'escalation.sla_missed' && r.json?.item?.id === itemId);

async function queue(body: Record<string, unknown>): Promise<string> {
  const res = await send(t.app, 'POST', '/api/reviews/queues', t.project.admin, body);
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function escalate(agent: string, spanId: string): Promise<string> {
  const res = await send(t.app, 'POST', '/api/escalations', t.project.ingest, {
    session_id: `s-${agent}`,
    span_id: spanId,
    agent,
    reason: 'not sure',
    confidence: 0.3,
    proposed_action: { send: true },
  });
  expect(res.status).toBe(200);
  return res.body.id as string;
}

describe('review SLA', () => {
  it('fires exactly one signed escalation.sla_missed and applies auto_reject, across ticks, a restart and two engines', async () => {
    await queue({
      name: 'mail',
      scope: { agent: 'mailer' },
      sla_minutes: 0.5,
      fallback: 'auto_reject',
      fallback_webhook_ids: [fallbackHook],
    });
    const id = await escalate('mailer', 'm000000000000001');
    offsetMs = 0;
    const first = engine();
    expect((await first.runOnce()).reviews?.expired).toEqual([]); // not due yet
    offsetMs = 60_000;
    const tick = await first.runOnce();
    expect(tick.reviews?.expired).toEqual([id]);
    expect(tick.attempts).toBe(1);
    await first.runOnce();
    await first.stop();
    // A restarted engine (new owner) and then two engines at once.
    await engine().runOnce();
    await Promise.all([engine().runOnce(), engine().runOnce()]);

    const got = slaMissed(id);
    expect(got).toHaveLength(1);
    expect(t.receiver.received.filter((r) => r.headers['x-cairn-event'] === 'escalation.sla_missed')).toHaveLength(1);
    expect(signatureValid(secret, got[0]!)).toBe(true);
    expect(got[0]!.json).toMatchObject({
      type: 'escalation.sla_missed',
      session_id: 's-mailer',
      agent_name: 'mailer',
      item: { id, status: 'open', reason: 'not sure', proposed_action: { send: true } },
      queue: { name: 'mail', fallback: 'auto_reject' },
    });
    const status = await send(t.app, 'GET', `/api/escalations/${id}`, t.project.ingest);
    expect(status.body).toMatchObject({
      status: 'expired',
      resolved: true,
      decision: 'reject',
      decided_by: 'cairn:fallback',
      fallback_applied: 'auto_reject',
    });
    const detail = await send(t.app, 'GET', `/api/reviews/items/${id}`, t.project.admin);
    expect(detail.body.history.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'sla_missed', 'fallback_applied']);
    expect(detail.body.history[1]).toMatchObject({ at: detail.body.item.due_at, detail: `alert ${got[0]!.json.id}` });
    const late = await send(t.app, 'POST', `/api/reviews/items/${id}/decide`, t.project.admin, {
      decision: 'approve',
      reviewer: 'ann',
    });
    expect(late.body.error.code).toBe('CAIRN_REVIEW_DECIDED');
    // The alert is listed like any other.
    const alerts = await send(t.app, 'GET', '/api/alerts?type=escalation.sla_missed', t.project.admin);
    expect(alerts.body.alerts).toHaveLength(1);
  });

  it('two engines racing on a fresh overdue item send one delivery; hold leaves it to a reviewer', async () => {
    await queue({ name: 'hold', scope: { agent: 'holder' }, sla_minutes: 0.5, fallback: 'hold' });
    const id = await escalate('holder', 'h000000000000001');
    offsetMs = 120_000;
    const results = await Promise.all([engine().runOnce(), engine().runOnce()]);
    expect(results.flatMap((r) => r.reviews?.expired ?? [])).toEqual([id]);
    await engine().runOnce();
    // No fallback_webhook_ids and no webhook_ids: every enabled webhook (two) gets it once.
    expect(slaMissed(id)).toHaveLength(2);
    expect(new Set(slaMissed(id).map((r) => r.headers['x-cairn-delivery'])).size).toBe(2);
    const pending = await send(t.app, 'GET', `/api/escalations/${id}`, t.project.ingest);
    expect(pending.body).toMatchObject({ status: 'expired', resolved: false, decision: null, fallback_applied: 'hold' });
    const decided = await send(t.app, 'POST', `/api/reviews/items/${id}/decide`, t.project.admin, {
      decision: 'approve',
      reviewer: 'ann',
    });
    expect(decided.body).toMatchObject({ status: 'decided', decision: 'approve', fallback_applied: 'hold' });
    await engine().runOnce();
    expect(slaMissed(id)).toHaveLength(2);
  });

  it('opens items for escalation events and low confidence once; skips events the SDK opened itself', async () => {
    offsetMs = 0;
    await send(t.app, 'PUT', '/api/reviews/thresholds', t.project.admin, { agent: 'planner', threshold: 0.6 });
    const ev = (attrs: Record<string, unknown>) =>
      JSON.stringify([{ name: 'cairn.escalation', time_ns: '1', attributes: attrs }]);
    const row = (id: string, over: Parameters<typeof span>[0] extends infer T ? Partial<T> : never) =>
      span({ project_id: t.project.projectId, session_id: 'eng-1', span_id: id, agent_name: 'planner', ...over });
    await t.store.insertSpans([
      row('e000000000000001', { has_escalation: true, events: ev({ 'cairn.escalation.reason': 'from langgraph' }) }),
      row('e000000000000002', {
        has_escalation: true,
        events: ev({ 'cairn.escalation.reason': 'sdk', 'cairn.escalation.source': 'sdk' }),
      }),
      row('e000000000000003', { confidence: 0.4, state: '{"plan":1}' }),
      row('e000000000000004', { confidence: 0.9 }),
    ]);
    // A queue naming a recipient webhook: it hears about each new item once.
    await queue({ name: 'planning', scope: { agent: 'planner' }, sla_minutes: 60, webhook_ids: [fallbackHook] });
    const e = engine();
    const opened = (await e.runOnce()).reviews?.opened ?? [];
    expect(opened).toHaveLength(2);
    expect((await e.runOnce()).reviews?.opened).toEqual([]);
    const items = (await send(t.app, 'GET', '/api/reviews/items?session_id=eng-1', t.project.admin)).body.items;
    expect(items.map((i: { span_id: string; source: string; reason: string }) => [i.span_id, i.source, i.reason]).sort()).toEqual(
      [
        ['e000000000000001', 'event', 'from langgraph'],
        ['e000000000000003', 'rule:low_confidence', 'confidence 0.4 below 0.6'],
      ],
    );
    expect(items.find((i: { span_id: string }) => i.span_id === 'e000000000000003').state).toEqual({ plan: 1 });
    const told = t.receiver.received.filter((r) => r.headers['x-cairn-event'] === 'escalation.opened');
    expect(told.map((r) => r.json.item.id).sort()).toEqual([...opened].sort());
    expect(told.every((r) => signatureValid(secret, r) && r.json.queue.name === 'planning')).toBe(true);
  });
});
