import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEngine, AlertEngineConfig } from '@cairn/alerts';
import { makeSpanRow as span, send, signatureValid, startReceiver, startTestEngine, type TestEngine } from '@cairn/testkit';

// The engine driven tick by tick with the clock under the test's control, on a real embedded
// store, delivering to a real HTTP receiver on 127.0.0.1.
let t: TestEngine;
let secret: string;
let now = Date.UTC(2031, 0, 15, 12, 0, 0);
const clock = (): number => now;
const BASE: AlertEngineConfig = {
  alertIntervalMs: 1000,
  webhookAllowPrivate: true,
  detectors: false,
  claimSettleMs: 30,
  retryBaseMs: 1000,
};
const engine = (over: Partial<AlertEngineConfig> = {}): AlertEngine => t.engine(over);

let seq = 0;
/** Spend of `usd` by `agent`, ending at the current test time (what the collector would write). */
async function spend(usd: number, agent = 'billing'): Promise<void> {
  seq += 1;
  const end = BigInt(now) * 1_000_000n;
  await t.store.insertSpans([
    span({
      project_id: t.project.projectId,
      session_id: `s-${agent}-${seq}`,
      span_id: `sp${seq}`.padEnd(16, '0'),
      kind: 'llm',
      agent_name: agent,
      cost_usd: usd,
      cost_source: 'provided',
      start_time_ns: end - 1_000_000n,
      end_time_ns: end,
    }),
  ]);
}

async function createBudget(body: Record<string, unknown>): Promise<string> {
  const res = await send(t.app, 'POST', '/api/budgets', t.project.admin, body);
  expect(res.status).toBe(201);
  return res.body.id as string;
}

beforeAll(async () => {
  t = await startTestEngine({ projectId: 'p-engine', config: BASE, clock });
  ({ secret } = await t.hook('ops'));
});
afterAll(async () => {
  await t?.close();
});

const thresholdsOf = (budgetId: string): number[] =>
  t.receiver.received.filter((r) => r.json?.budget?.id === budgetId).map((r) => r.json.threshold as number);

describe('budget thresholds', () => {
  it('fires 50, 80 and 100 exactly once each as spend rises, signed, with the documented body', async () => {
    const id = await createBudget({ name: 'billing daily', scope: { agent: 'billing' }, period: 'day', limit_usd: 10 });
    const e = engine();
    await spend(3);
    await spend(100, 'other-agent'); // out of scope
    expect((await e.runOnce()).fired).toEqual([]);
    await spend(2.5); // 55 %
    await e.runOnce();
    await e.runOnce();
    expect(thresholdsOf(id)).toEqual([50]);
    await spend(3); // 85 %
    await e.runOnce();
    expect(thresholdsOf(id)).toEqual([50, 80]);
    await spend(1.5); // 100 %
    await e.runOnce();
    await e.runOnce();
    expect(thresholdsOf(id)).toEqual([50, 80, 100]);

    const last = t.receiver.received.filter((r) => r.json?.budget?.id === id);
    for (const r of last) {
      expect(signatureValid(secret, r)).toBe(true);
      expect(signatureValid(secret + 'x', r)).toBe(false);
      expect(r.headers['x-cairn-event']).toBe('budget.threshold_crossed');
      expect(r.headers['x-cairn-delivery']).toMatch(/^dlv_[0-9a-f]{32}$/);
    }
    expect(new Set(last.map((r) => r.headers['x-cairn-delivery'])).size).toBe(3);
    const hundred = last[2]?.json;
    expect(hundred).toMatchObject({
      type: 'budget.threshold_crossed',
      project_id: t.project.projectId,
      budget: { id, name: 'billing daily', scope: { agent: 'billing' }, period: 'day', limit_usd: 10, hard_stop: false },
      period: { start: '2031-01-15T00:00:00.000Z', end: '2031-01-16T00:00:00.000Z' },
      threshold: 100,
      spent_usd: 10,
      limit_usd: 10,
      percent: 100,
    });
    expect(hundred.id).toMatch(/^alt_/);

    const status = await send(t.app, 'GET', `/api/budgets/${id}/status`, t.project.admin);
    expect(status.status).toBe(200);
    const alerts = await send(t.app, 'GET', `/api/alerts?budget_id=${id}`, t.project.admin);
    expect(alerts.body.alerts.map((a: any) => a.threshold).sort((a: number, b: number) => a - b)).toEqual([50, 80, 100]);
  });

  it('a jump from 40 % to 105 % fires 50, 80 and 100; the next period starts from zero', async () => {
    const id = await createBudget({ name: 'research', scope: { agent: 'research' }, period: 'day', limit_usd: 100 });
    const e = engine();
    await spend(40, 'research');
    await e.runOnce();
    expect(thresholdsOf(id)).toEqual([]);
    await spend(65, 'research');
    const tick = await e.runOnce();
    expect(tick.fired).toHaveLength(3);
    expect(thresholdsOf(id).sort((a, b) => a - b)).toEqual([50, 80, 100]);
    expect(t.receiver.received.filter((r) => r.json?.budget?.id === id).every((r) => r.json.percent === 105)).toBe(true);

    now += 24 * 3_600_000; // the next UTC day
    const next = await e.runOnce();
    expect(next.spends.find((s) => s.budget.id === id)?.spent).toBe(0);
    expect(next.fired).toEqual([]);
    await spend(55, 'research');
    await e.runOnce();
    const fresh = t.receiver.received.filter(
      (r) => r.json?.budget?.id === id && r.json.period.start === '2031-01-16T00:00:00.000Z',
    );
    expect(fresh.map((r) => r.json.threshold)).toEqual([50]);
  });

  it('a restarted engine fires nothing twice', async () => {
    const before = t.receiver.received.length;
    const restarted = engine();
    const tick = await restarted.runOnce();
    expect(tick.fired).toEqual([]);
    expect(tick.attempts).toBe(0);
    expect(t.receiver.received.length).toBe(before);
  });

  it('two engines on one store deliver each alert once', async () => {
    const id = await createBudget({ name: 'twin', scope: { agent: 'twin' }, period: 'week', limit_usd: 1 });
    const a = engine();
    const b = engine();
    await spend(0.9, 'twin');
    const [ta, tb] = await Promise.all([a.runOnce(), b.runOnce()]);
    expect(ta.attempts + tb.attempts).toBe(2);
    await Promise.all([a.runOnce(), b.runOnce()]);
    expect(thresholdsOf(id).sort((x, y) => x - y)).toEqual([50, 80]);
    const alerts = await send(t.app, 'GET', `/api/alerts?budget_id=${id}`, t.project.admin);
    expect(alerts.body.alerts).toHaveLength(2);
  });
});

describe('retries', () => {
  it('a receiver failing twice gets the alert on the third attempt; the log shows all three', async () => {
    const flaky = await startReceiver('/flaky');
    try {
      const hook = await t.hook('flaky', flaky.url);
      const id = await createBudget({
        name: 'flaky',
        scope: { agent: 'flaky' },
        period: 'month',
        limit_usd: 10,
        thresholds: [50],
        webhook_ids: [hook.id],
      });
      flaky.respond = (n) => (n <= 2 ? 503 : 200);
      const e = engine({ retryBaseMs: 1000 });
      await spend(6, 'flaky');
      await e.runOnce(); // attempt 1 → 503
      expect(flaky.received).toHaveLength(1);
      await e.runOnce(); // retry not due yet
      expect(flaky.received).toHaveLength(1);
      now += 1000;
      await e.runOnce(); // attempt 2 → 503
      now += 1999;
      await e.runOnce(); // backoff is 2 s now: not due
      expect(flaky.received).toHaveLength(2);
      // A restarted engine picks the persisted retry up.
      now += 1;
      const restarted = engine({ retryBaseMs: 1000 });
      await restarted.runOnce(); // attempt 3 → 200
      await restarted.runOnce();
      now += 60_000;
      await restarted.runOnce();
      expect(flaky.received.map((r) => r.status)).toEqual([503, 503, 200]);
      expect(new Set(flaky.received.map((r) => r.headers['x-cairn-delivery'])).size).toBe(1);
      expect(flaky.received.every((r) => r.json.budget.id === id)).toBe(true);
      expect(flaky.received.every((r) => signatureValid(hook.secret, r))).toBe(true);
      // No other webhook got this budget's alert (webhook_ids).
      expect(thresholdsOf(id)).toEqual([]);

      const log = await send(t.app, 'GET', `/api/webhooks/${hook.id}/deliveries`, t.project.admin);
      expect(log.status).toBe(200);
      const attempts = [...log.body.attempts].sort((x: any, y: any) => x.attempt - y.attempt);
      expect(attempts.map((x: any) => [x.attempt, x.status_code, x.success])).toEqual([
        [1, 503, false],
        [2, 503, false],
        [3, 200, true],
      ]);
      expect(attempts.every((x: any) => typeof x.latency_ms === 'number' && x.attempted_at.endsWith('Z'))).toBe(true);
      expect(attempts[0].error).toBe('HTTP 503');
      expect(log.body.deliveries).toMatchObject([{ status: 'delivered', attempts: 3, last_status_code: 200 }]);
    } finally {
      await flaky.close();
    }
  });
});
