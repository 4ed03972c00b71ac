import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CairnRuntime } from 'cairn';
import {
  api,
  sendOtlpSpend,
  sendOtlpToolCalls,
  signatureValid,
  startReceiver,
  startTestCairn,
  type Receiver,
} from '@cairn/testkit';

// The whole system: spend sent as OTLP to `cairn start`, the in-process alert engine every
// 200 ms, deliveries to a real receiver on 127.0.0.1.
const INGEST = 'cairn_ik_' + 'x'.repeat(24);
const ADMIN = 'cairn_ak_' + 'y'.repeat(24);
const dir = mkdtempSync(join(tmpdir(), 'cairn-alerts-e2e-'));
let cairn: CairnRuntime;
let receiver: Receiver;
let secret: string;

beforeAll(async () => {
  cairn = await startTestCairn(dir, {
    CAIRN_INGEST_KEY: INGEST,
    CAIRN_ADMIN_KEY: ADMIN,
    CAIRN_WEBHOOK_ALLOW_PRIVATE: '1',
    CAIRN_ALERT_INTERVAL_MS: '200',
    CAIRN_BATCH_MAX_MS: '50',
  });
  receiver = await startReceiver();
  const hook = await api(cairn.apiUrl, ADMIN, 'POST', '/api/webhooks', { url: receiver.url, name: 'e2e' });
  expect(hook.status).toBe(201);
  secret = hook.body.secret;
});
afterAll(async () => {
  await cairn?.stop();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits for the engine to have run `n` more ticks (runOnce queues behind the timer's ticks). */
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await cairn.alerts?.runOnce();
}

describe('budget alerts end to end', () => {
  it('delivers exactly one signed webhook at each of 50, 80 and 100 % as OTLP spend rises', async () => {
    const created = await api(cairn.apiUrl, ADMIN, 'POST', '/api/budgets', {
      name: 'support daily',
      scope: { agent: 'support' },
      period: 'day',
      limit_usd: 20,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const mine = () => receiver.received.filter((r) => r.json?.budget?.id === id);

    await sendOtlpSpend(cairn.otlpUrl, INGEST, [{ session: 'sup-1', agent: 'support', costUsd: 6 }]); // 30 %
    await cairn.flush();
    await ticks(2);
    expect(mine()).toHaveLength(0);

    const steps: [number, number[]][] = [
      [5, [50]], // 55 %
      [6, [50, 80]], // 85 %
      [3, [50, 80, 100]], // 100 %
    ];
    for (const [usd, expected] of steps) {
      await sendOtlpSpend(cairn.otlpUrl, INGEST, [{ session: `sup-${usd}`, agent: 'support', costUsd: usd }]);
      await cairn.flush();
      while (mine().length < expected.length) await new Promise((r) => setTimeout(r, 25));
      await ticks(3);
      expect(mine().map((r) => r.json.threshold)).toEqual(expected);
    }
    for (const r of mine()) {
      expect(signatureValid(secret, r)).toBe(true);
      expect(r.json).toMatchObject({
        type: 'budget.threshold_crossed',
        budget: { id, period: 'day', limit_usd: 20 },
        limit_usd: 20,
      });
      expect(r.json.period.start).toMatch(/T00:00:00\.000Z$/);
      expect(typeof r.json.spent_usd).toBe('number');
    }
    expect(mine()[2]?.json.spent_usd).toBe(20);

    const status = await api(cairn.apiUrl, ADMIN, 'GET', `/api/budgets/${id}/status`);
    expect(status.body).toMatchObject({
      spent_usd: 20,
      percent: 100,
      exceeded: true,
      thresholds_crossed: [50, 80, 100],
      thresholds_alerted: [50, 80, 100],
    });
  });

  it('answers the guard for ingest keys: deny in scope of a spent hard-stop budget, allow elsewhere', async () => {
    const b = await api(cairn.apiUrl, ADMIN, 'POST', '/api/budgets', {
      name: 'capped',
      scope: { agent: 'capped' },
      period: 'month',
      limit_usd: 1,
      hard_stop: true,
    });
    expect(b.status).toBe(201);
    const before = await api(cairn.apiUrl, INGEST, 'GET', '/api/guard?agent=capped');
    expect(before.body).toMatchObject({ allow: true, reasons: [] });
    await sendOtlpSpend(cairn.otlpUrl, INGEST, [{ session: 'cap-1', agent: 'capped', costUsd: 1.25 }]);
    await cairn.flush();
    await new Promise((r) => setTimeout(r, 1100)); // the guard's one-second spend cache
    const denied = await api(cairn.apiUrl, INGEST, 'GET', '/api/guard?agent=capped&user=u1');
    expect(denied.status).toBe(200);
    expect(denied.body.allow).toBe(false);
    expect(denied.body.reasons[0]).toContain('capped');
    expect(denied.body.budgets).toMatchObject([{ id: b.body.id, hard_stop: true, spent_usd: 1.25, percent: 125 }]);
    const other = await api(cairn.apiUrl, INGEST, 'GET', '/api/guard?agent=support');
    expect(other.body.allow).toBe(true);
    // The admin routes stay closed to ingest keys.
    expect((await api(cairn.apiUrl, INGEST, 'GET', '/api/budgets')).status).toBe(403);
    expect((await api(cairn.apiUrl, 'cairn_ik_' + 'z'.repeat(24), 'GET', '/api/guard?agent=capped')).status).toBe(401);
  });

  it('sends a signed test event and logs it', async () => {
    const list = await api(cairn.apiUrl, ADMIN, 'GET', '/api/webhooks');
    const hook = list.body.webhooks[0];
    expect(hook.secret).toBeUndefined();
    const before = receiver.received.length;
    const res = await api(cairn.apiUrl, ADMIN, 'POST', `/api/webhooks/${hook.id}/test`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, status_code: 200, error: '' });
    const got = receiver.received[before];
    expect(got?.headers['x-cairn-event']).toBe('test');
    expect(got && signatureValid(secret, got)).toBe(true);
    const log = await api(cairn.apiUrl, ADMIN, 'GET', `/api/webhooks/${hook.id}/deliveries?limit=500`);
    expect(log.body.attempts.some((a: any) => a.delivery_id === res.body.delivery_id && a.success && a.status_code === 200)).toBe(
      true,
    );
  });

  it('detects a retry loop from tool calls sent as OTLP (same tool, same arguments, 5 times)', async () => {
    // Key order and spacing differ: the collector's canonical arguments make them the same call.
    const same = [
      '{"q":"refund 42","page":1}',
      '{"page":1,"q":"refund 42"}',
      '{ "q": "refund 42", "page": 1 }',
      '{"q":"refund 42","page":1}',
      '{"page":1, "q":"refund 42"}',
    ];
    await sendOtlpToolCalls(cairn.otlpUrl, INGEST, 'loop-otlp', 'searcher', 'search', same);
    await sendOtlpToolCalls(cairn.otlpUrl, INGEST, 'no-loop-otlp', 'searcher', 'search', [
      '{"q":"a"}',
      '{"q":"b"}',
      '{"q":"c"}',
      '{"q":"a"}',
      '{"q":"d"}',
      '{"q":"e"}',
    ]);
    await cairn.flush();
    await ticks(2);
    const alerts = await api(cairn.apiUrl, ADMIN, 'GET', '/api/alerts?type=anomaly.retry_loop');
    expect(alerts.body.alerts.map((a: any) => a.session_id)).toEqual(['loop-otlp']);
    expect(alerts.body.alerts[0].payload).toMatchObject({ tool_name: 'search', repeats: 5 });
    while (!receiver.received.some((r) => r.json?.type === 'anomaly.retry_loop')) await new Promise((r) => setTimeout(r, 25));
    const flagged = await api(cairn.apiUrl, ADMIN, 'GET', '/api/sessions?anomaly=retry_loop');
    expect(flagged.body.sessions.map((s: any) => s.session_id)).toEqual(['loop-otlp']);
  });
});
