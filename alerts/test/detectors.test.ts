import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpanRow } from '@cairn/schemas';
import type { AlertEngine } from '@cairn/alerts';
import { makeSpanRow as span, send, signatureValid, startTestEngine, type TestEngine } from '@cairn/testkit';

// Each detector gets a crafted session that must fire and a normal one that must not, on a real
// store, with the engine's own queries over the rollups and spans.
let t: TestEngine;
let secret: string;
let engine: AlertEngine;
const NOW_NS = BigInt(Date.now()) * 1_000_000n;
const MIN_NS = 60_000_000_000n;
let seq = 0;

/** A session of `steps` spans for `agent`, started `agoMin` minutes ago; `each` shapes span i. */
function session(
  id: string,
  agent: string,
  steps: number,
  each: (i: number) => Partial<SpanRow> = () => ({}),
  agoMin = 2,
): SpanRow[] {
  const start = NOW_NS - BigInt(agoMin) * MIN_NS;
  return Array.from({ length: steps }, (_, i) => {
    seq += 1;
    return span({
      project_id: t.project.projectId,
      session_id: id,
      span_id: seq.toString(16).padStart(16, '0'),
      kind: i === 0 ? 'session' : 'step',
      agent_name: agent,
      start_time_ns: start + BigInt(i) * 1_000_000n,
      end_time_ns: start + BigInt(i + 1) * 1_000_000n,
      ...each(i),
    });
  });
}

const fired = async (type: string): Promise<any[]> =>
  (await send(t.app, 'GET', `/api/alerts?type=${type}`, t.project.admin)).body.alerts;

beforeAll(async () => {
  t = await startTestEngine({
    projectId: 'p-detect',
    config: { alertIntervalMs: 1000, webhookAllowPrivate: true, claimSettleMs: 20, baselineTtlMs: 0 },
  });
  ({ secret } = await t.hook());
  await send(t.app, 'PUT', '/api/alerts/detectors', t.project.admin, { step_limits: { configured: 5 } });

  const rows: SpanRow[] = [];
  // Session cost: eight sessions around $1, one at $5 (> 3 × median), one at $2.50 (< 3 ×).
  for (let i = 0; i < 8; i++)
    rows.push(...session(`cost-${i}`, 'coster', 1, () => ({ kind: 'llm', cost_usd: 0.9 + i * 0.03 }), 30 + i));
  rows.push(...session('cost-runaway', 'coster', 1, () => ({ kind: 'llm', cost_usd: 5 })));
  rows.push(...session('cost-normal', 'coster', 1, () => ({ kind: 'llm', cost_usd: 2.5 })));
  // Steps: eight sessions of 10 steps , one of 40, one of 14 (quiet).
  for (let i = 0; i < 8; i++) rows.push(...session(`steps-${i}`, 'stepper', 10, () => ({}), 30 + i));
  rows.push(...session('steps-runaway', 'stepper', 40));
  rows.push(...session('steps-normal', 'stepper', 14));
  // A configured limit of 5 steps: 6 fires, 5 does not (no history needed).
  rows.push(...session('conf-over', 'configured', 6));
  rows.push(...session('conf-ok', 'configured', 5));
  // Retry loop: the same tool call six times vs. four times plus different arguments.
  const tool = (key: string): Partial<SpanRow> => ({ kind: 'tool', tool_name: 'search', tool_call_key: key, status: 'error' });
  rows.push(...session('loop-yes', 'looper', 7, (i) => (i === 0 ? {} : tool('k-same'))));
  rows.push(...session('loop-no', 'looper', 8, (i) => (i === 0 ? {} : tool(i <= 4 ? 'k-same' : `k-${i}`))));
  // Error rate: 4 of 6 recent sessions with an error vs. 1 of 10.
  for (let i = 0; i < 6; i++)
    rows.push(...session(`flaky-${i}`, 'flaky', 2, (j) => (j === 1 && i < 4 ? { status: 'error' } : {})));
  for (let i = 0; i < 10; i++)
    rows.push(...session(`steady-${i}`, 'steady', 2, (j) => (j === 1 && i === 0 ? { status: 'error' } : {})));
  await t.store.insertSpans(rows);

  engine = t.engine();
  await engine.runOnce();
});
afterAll(async () => {
  await t?.close();
});

describe('anomaly detectors', () => {
  it('flags a session costing more than 3 × its agent median, not a normal one', async () => {
    const a = await fired('anomaly.session_cost');
    expect(a.map((x) => x.session_id)).toEqual(['cost-runaway']);
    expect(a[0]).toMatchObject({ agent_name: 'coster', spent_usd: 5 });
    expect(a[0].payload.median_cost_usd).toBeCloseTo(1.02, 2);
  });

  it('flags a session over its agent step limit, derived or configured', async () => {
    const a = await fired('anomaly.step_limit');
    expect(a.map((x) => x.session_id).sort()).toEqual(['conf-over', 'steps-runaway']);
    const derived = a.find((x) => x.session_id === 'steps-runaway');
    // p95 of the other sessions (8 × 10 steps and one of 14: with nine samples the p95 is the largest) × 1.5.
    expect(derived.payload).toMatchObject({ steps: 40, step_limit: 21, limit_source: 'history' });
    expect(a.find((x) => x.session_id === 'conf-over').payload).toMatchObject({ step_limit: 5, limit_source: 'configured' });
  });

  it('flags the same tool with the same arguments N times in one session', async () => {
    const a = await fired('anomaly.retry_loop');
    expect(a.map((x) => x.session_id)).toEqual(['loop-yes']);
    expect(a[0].payload).toMatchObject({ tool_name: 'search', repeats: 6 });
  });

  it('flags an error-rate spike for an agent, not a steady one', async () => {
    const a = await fired('anomaly.error_rate');
    expect(a.map((x) => x.agent_name)).toEqual(['flaky']);
    expect(a[0].payload).toMatchObject({ window_sessions: 6, window_errors: 4 });
  });

  it('sends each anomaly to the webhook once, signed, and never again', async () => {
    await engine.runOnce();
    const anomalies = t.receiver.received.filter((r) => String(r.headers['x-cairn-event']).startsWith('anomaly.'));
    expect(anomalies.map((r) => r.json.type).sort()).toEqual([
      'anomaly.error_rate',
      'anomaly.retry_loop',
      'anomaly.session_cost',
      'anomaly.step_limit',
      'anomaly.step_limit',
    ]);
    expect(anomalies.every((r) => signatureValid(secret, r))).toBe(true);
    const again = await engine.runOnce();
    expect(again.fired).toEqual([]);
  });

  it('lets the session list filter flagged sessions', async () => {
    const res = await send(t.app, 'GET', '/api/sessions?anomaly=retry_loop&anomaly=session_cost&limit=100', t.project.admin);
    expect(res.status).toBe(200);
    expect(res.body.sessions.map((s: any) => s.session_id).sort()).toEqual(['cost-runaway', 'loop-yes']);
    const flaky = await send(t.app, 'GET', '/api/sessions?anomaly=error_rate&limit=100', t.project.admin);
    expect(flaky.body.sessions.map((s: any) => s.session_id).sort()).toEqual(['flaky-0', 'flaky-1', 'flaky-2', 'flaky-3']);
    const any = await send(t.app, 'GET', '/api/sessions?anomaly=any&limit=100', t.project.admin);
    expect(any.body.sessions).toHaveLength(8);
  });
});
