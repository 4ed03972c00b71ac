import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CairnRuntime } from 'cairn';
import { escalate, forceFlush, init, session, shouldEscalate, shutdown, step, type EscalationResult } from '../src/index.js';
import { api, startTestCairn } from '@cairn/testkit';

// A human in the loop across the wire: a real `cairn start`, an SDK agent that escalates and
// blocks, the test acting as the reviewer through the Reviews API with the admin key.
const INGEST = 'cairn_ik_' + 'r'.repeat(24);
const ADMIN = 'cairn_ak_' + 's'.repeat(24);
const dir = mkdtempSync(join(tmpdir(), 'cairn-reviews-e2e-'));
let cairn: CairnRuntime;

beforeAll(async () => {
  cairn = await startTestCairn(dir, { CAIRN_INGEST_KEY: INGEST, CAIRN_ADMIN_KEY: ADMIN, CAIRN_BATCH_MAX_MS: '50' });
  init({
    endpoint: cairn.otlpUrl,
    apiKey: INGEST,
    serviceName: 'reviews-e2e',
    reviews: { url: cairn.apiUrl, thresholdCacheMs: 0 },
    env: {},
  });
});
afterAll(async () => {
  await shutdown();
  await cairn?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The reviewer: waits for the agent's item to show up in the queue. */
async function nextOpenItem(
  agent: string,
): Promise<{ id: string; proposed_action: unknown; reason: string; session_id: string }> {
  for (;;) {
    const res = await api(cairn.apiUrl, ADMIN, 'GET', `/api/reviews/items?status=open&agent=${agent}`);
    expect(res.status).toBe(200);
    if (res.body.items.length > 0) return res.body.items[0];
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('SDK escalate() with a reviewer in the loop', () => {
  it('blocks until the reviewer edits the action, continues with the edit; the replay shows escalation and decision', async () => {
    const queue = await api(cairn.apiUrl, ADMIN, 'POST', '/api/reviews/queues', {
      name: 'refunds',
      scope: { agent: 'refunder' },
      sla_minutes: 15,
      reviewer: 'ann',
    });
    expect(queue.status).toBe(201);

    let sessionId = '';
    let result: EscalationResult | undefined;
    let executed: unknown;
    const agentRun = session({ agent: 'refunder' }, async (s) => {
      sessionId = s.sessionId ?? '';
      await step('decide refund', async (h) => {
        h.confidence(0.4);
        result = await escalate('refund above the auto-approve limit', {
          wait: true,
          proposedAction: { refund_usd: 120 },
          state: { order: 'A-7', paid_usd: 120 },
          confidence: 0.4,
          timeoutMs: 60_000,
        });
      });
      executed = await step('execute', () => result?.action);
    });

    const item = await nextOpenItem('refunder');
    expect(item).toMatchObject({ reason: 'refund above the auto-approve limit', proposed_action: { refund_usd: 120 } });
    const claimed = await api(cairn.apiUrl, ADMIN, 'POST', `/api/reviews/items/${item.id}/claim`, { reviewer: 'ann' });
    expect(claimed.body.status).toBe('claimed');
    // The agent is still waiting.
    expect(result).toBeUndefined();
    const decided = await api(cairn.apiUrl, ADMIN, 'POST', `/api/reviews/items/${item.id}/decide`, {
      decision: 'edit',
      reviewer: 'ann',
      edited_action: { refund_usd: 60 },
      comment: 'half: the item was used',
      correct: false,
    });
    expect(decided.status).toBe(200);
    await agentRun;

    expect(result).toMatchObject({
      id: item.id,
      resolved: true,
      decision: 'edit',
      action: { refund_usd: 60 },
      comment: 'half: the item was used',
      decidedBy: 'ann',
      timedOut: false,
    });
    expect(executed).toEqual({ refund_usd: 60 });
    expect(item.session_id).toBe(sessionId);

    await forceFlush();
    await cairn.flush();
    // The engine sees the SDK's escalation event and opens no second item for it.
    await cairn.alerts?.runOnce();
    const items = await api(cairn.apiUrl, ADMIN, 'GET', `/api/reviews/items?session_id=${sessionId}`);
    expect(items.body.items.map((i: { id: string }) => i.id)).toEqual([item.id]);

    const replay = await api(cairn.apiUrl, ADMIN, 'GET', `/api/sessions/${sessionId}`);
    expect(replay.status).toBe(200);
    const stepRow = replay.body.steps.find((x: { name: string }) => x.name === 'decide refund');
    expect(stepRow.has_escalation).toBe(true);
    expect(replay.body.escalations).toEqual([
      expect.objectContaining({
        span_id: stepRow.span_id,
        reason: 'refund above the auto-approve limit',
        item_id: item.id,
        decision: 'edit',
        decided_by: 'ann',
        comment: 'half: the item was used',
        edited_action: '{"refund_usd":60}',
      }),
    ]);
    const scores = replay.body.scores.map((x: { name: string; value: unknown; span_id: string }) => [x.name, x.value, x.span_id]);
    expect(scores).toEqual([
      ['review.decision', 'edit', stepRow.span_id],
      ['review.correct', false, stepRow.span_id],
    ]);
    const detail = await api(cairn.apiUrl, ADMIN, 'GET', `/api/sessions/${sessionId}/steps/${stepRow.span_id}`);
    expect(detail.body.step.events.map((e: { name: string }) => e.name)).toEqual([
      'cairn.escalation',
      'cairn.escalation.decision',
    ]);
  });

  it('reads the trust threshold the server holds; fire-and-forget escalate() still records an event only', async () => {
    expect(await shouldEscalate(0.5, 'triage')).toBe(false);
    await api(cairn.apiUrl, ADMIN, 'PUT', '/api/reviews/thresholds', { agent: 'triage', threshold: 0.7 });
    expect(await shouldEscalate(0.5, 'triage')).toBe(true);
    expect(await shouldEscalate(0.8, 'triage')).toBe(false);
    const inside = await session({ agent: 'triage' }, () => step('s', () => shouldEscalate(0.6)));
    expect(inside).toBe(true);
    const plain = await session({ agent: 'plain' }, () => step('s', () => escalate('look at this', 'ops')));
    expect(plain).toBeUndefined();
  });
});
