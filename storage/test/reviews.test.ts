import { rawSql } from '../src/testing.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blankEvent,
  listReviewEvents,
  listReviewItems,
  listThresholds,
  openReviewItems,
  overdueReviewItems,
  pickQueue,
  putThreshold,
  reviewCandidates,
  anomalyCandidates,
  newReviewItem,
  saveReviewQueue,
  thresholdFor,
  updateReviewItem,
  getReviewItem,
  type NewReviewItem,
  type ReviewItemRecord,
  type Store,
} from '../src/index.js';
import { makeSpanRow, openTestStore, MS, BASE_NS } from '@cairn/testkit';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(async () => cleanup());

const T0 = Date.parse('2026-11-01T00:00:00Z');
const item = (over: Partial<NewReviewItem> & { span_id: string }): ReviewItemRecord =>
  newReviewItem({
    project_id: 'p1',
    queue_id: 'q1',
    session_id: 's1',
    agent_name: 'a',
    workflow: '',
    reason: 'unsure',
    source: 'sdk',
    confidence: 0.4,
    proposed_action: '{"refund":10}',
    state: '',
    cost_usd: 0.5,
    created_ms: T0,
    due_ms: T0 + 60_000,
    ...over,
  });

describe('review items', () => {
  it('opens an item once per (project, session, span, source); a later state wins over a re-open', async () => {
    const a = item({ span_id: 'x1' });
    expect(await openReviewItems(store, [a, item({ span_id: 'x1', source: 'event' })])).toHaveLength(2);
    expect(await openReviewItems(store, [a])).toHaveLength(0);
    const claimed = { ...a, status: 'claimed' as const, claimed_by: 'ann', claimed_ms: T0 + 5 };
    await updateReviewItem(store, claimed, { ...blankEvent(a, 'claimed', T0 + 5), by: 'ann' });
    // A racing opener that missed the existence check writes version 0 again: it never wins.
    await rawSql(store).insertRows('review_items', [{ ...(await rowOf(a)), version: 0 }]);
    expect((await getReviewItem(store, 'p1', a.item_id))?.claimed_by).toBe('ann');
    expect((await listReviewEvents(store, 'p1', a.item_id)).map((e) => e.kind)).toEqual(['opened', 'claimed']);
  });

  it('lists by due time with keyset paging, filters overdue, and finds overdue items for the engine', async () => {
    const items = [1, 2, 3, 4].map((i) => item({ project_id: 'p2', span_id: `d${i}`, due_ms: T0 + i * 1000 }));
    await openReviewItems(store, [...items, item({ project_id: 'p2', span_id: 'nodue', due_ms: null })]);
    const first = await listReviewItems(store, { projectId: 'p2', limit: 2 });
    expect(first.map((i) => i.span_id)).toEqual(['d1', 'd2']);
    const last = first[1]!;
    const next = await listReviewItems(store, { projectId: 'p2', limit: 10, after: { key: last.due_ms!, id: last.item_id } });
    expect(next.map((i) => i.span_id)).toEqual(['d3', 'd4', 'nodue']);
    const overdue = await listReviewItems(store, { projectId: 'p2', limit: 10, dueBeforeMs: T0 + 2500 });
    expect(overdue.map((i) => i.span_id)).toEqual(['d1', 'd2']);
    const due = await overdueReviewItems(store, T0 + 2500);
    expect(due.filter((i) => i.project_id === 'p2').map((i) => i.span_id)).toEqual(['d1', 'd2']);
    expect(overdue[0]).toEqual(items[0]);
  });
});

describe('queues and thresholds', () => {
  it('picks the most specific queue', async () => {
    const base = {
      project_id: 'p1',
      webhook_ids: [],
      reviewer: '',
      sla_minutes: 15,
      fallback: 'hold' as const,
      fallback_webhook_ids: [],
    };
    const all = await saveReviewQueue(store, { ...base, name: 'all', scope_agent: '', scope_workflow: '' });
    const agent = await saveReviewQueue(store, { ...base, name: 'agent', scope_agent: 'a', scope_workflow: '' });
    expect(pickQueue([all, agent], 'a', 'w')?.name).toBe('agent');
    expect(pickQueue([all, agent], 'b', 'w')?.name).toBe('all');
    expect(pickQueue([agent], 'b', 'w')).toBeUndefined();
  });

  it('keeps per-agent thresholds with a project default; null removes', async () => {
    await putThreshold(store, 'p3', '', 0.5);
    await putThreshold(store, 'p3', 'a', 0.8);
    await putThreshold(store, 'p3', 'b', 0.3);
    await putThreshold(store, 'p3', 'b', null);
    const t = await listThresholds(store, 'p3');
    expect(t.map((x) => [x.agent_name, x.threshold])).toEqual([
      ['', 0.5],
      ['a', 0.8],
    ]);
    expect([thresholdFor(t, 'p3', 'a'), thresholdFor(t, 'p3', 'b'), thresholdFor(t, 'p4', 'a')]).toEqual([0.8, 0.5, null]);
  });

  it('finds escalation events, cap hits and low-confidence spans with the cost so far', async () => {
    const span = (id: string, over: Parameters<typeof makeSpanRow>[0] extends infer T ? Partial<T> : never) =>
      makeSpanRow({
        project_id: 'p5',
        session_id: 'c1',
        span_id: id,
        agent_name: 'a',
        start_time_ns: BASE_NS + BigInt(id.length) * MS,
        ...over,
      });
    await store.insertSpans([
      span('s1', { cost_usd: 1, end_time_ns: BASE_NS + 1n * MS }),
      span('s2', {
        end_time_ns: BASE_NS + 2n * MS,
        has_escalation: true,
        events: JSON.stringify([{ name: 'cairn.escalation', time_ns: '1', attributes: { 'cairn.escalation.reason': 'why' } }]),
      }),
      span('s3', { end_time_ns: BASE_NS + 3n * MS, confidence: 0.2, cost_usd: 2 }),
      span('s4', { end_time_ns: BASE_NS + 4n * MS, confidence: 0.9 }),
      span('s5', { end_time_ns: BASE_NS + 5n * MS, has_limit_hit: true, agent_name: 'b', confidence: 0.2 }),
      span('s6', {
        end_time_ns: BASE_NS + 6n * MS,
        has_limit_hit: true,
        events: JSON.stringify([
          { name: 'cairn.limit.exceeded', time_ns: '1', attributes: { 'cairn.limit.kind': 'cost', 'cairn.limit.value': 2 } },
        ]),
      }),
    ]);
    const found = await reviewCandidates(store, 'p5', 0, (agent) => (agent === 'a' ? 0.5 : null), ['a', 'b']);
    const got = found
      .map((c) => [c.span_id, c.rule, c.reason, c.cost_usd])
      .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    expect(got).toEqual([
      ['s2', 'event', 'why', 1],
      ['s3', 'low_confidence', 'confidence 0.2 below 0.5', 3],
      ['s5', 'hard_stop', 'a per-run cap was crossed', 3],
      ['s6', 'hard_stop', 'hard stop: cost limit 2', 3],
    ]);
  });
});

describe('anomaly candidates', () => {
  it('one per flagged session and type since the lookback, with its agent and cost', async () => {
    await store.insertSpans([
      makeSpanRow({ project_id: 'p6', session_id: 'an1', span_id: 'x1', agent_name: 'a', cost_usd: 2 }),
      makeSpanRow({ project_id: 'p6', session_id: 'an1', span_id: 'x2', agent_name: 'a', cost_usd: 3 }),
    ]);
    const flag = (type: string, at: number) => ({
      project_id: 'p6',
      session_id: 'an1',
      type,
      alert_id: `alt_${type}`,
      created_at: new Date(at).toISOString().replace('T', ' ').replace('Z', ''),
    });
    await rawSql(store).insertRows('session_anomalies', [flag('session_cost', T0), flag('retry_loop', T0 - 3_600_000)]);
    const found = await anomalyCandidates(store, 'p6', T0 - 60_000);
    expect(found.map((c) => [c.session_id, c.span_id, c.rule, c.reason, c.agent_name, c.cost_usd])).toEqual([
      ['an1', '', 'anomaly', 'anomaly: session_cost', 'a', 5],
    ]);
  });
});

async function rowOf(i: ReviewItemRecord): Promise<Record<string, unknown>> {
  const rows = await rawSql(store).query<Record<string, unknown>>(
    'SELECT * EXCEPT version FROM review_items WHERE item_id = {id:String} ORDER BY version LIMIT 1',
    { id: i.item_id },
  );
  return rows[0]!;
}
