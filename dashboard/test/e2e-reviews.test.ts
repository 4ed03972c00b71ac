/**
 * The reviewer's pages against a real `startCairn`: an escalation (POST /api/escalations with the
 * ingest key, as the SDK sends it) on a session sent through OTLP, found in the queue, claimed and
 * opened from the keyboard, its decision point marked in the replay, decided through the form and
 * shown as decided; and the calibration view of a crafted corpus (spans through OTLP, verdicts
 * through POST /api/scores) showing the ECE and threshold computed here independently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { EscalationStatus, ReviewItemDetail, ReviewQueue, ReviewThresholdList, SessionDetailResponse } from '@cairn/schemas';
import { hex, sessionSpans, type SpanSpec } from './support/otlp';
import { ADMIN_KEY, INGEST_KEY, launch, send, shot, signIn, startEnv, type Env } from './support/fixture';

let env: Env;
let browser: Browser;
let page: Page;
let base: string;

async function call<T>(method: string, path: string, body?: unknown, key = ADMIN_KEY): Promise<T> {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text) as T;
}

beforeAll(async () => {
  env = await startEnv();
  base = env.cairn.apiUrl;
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
  await signIn(page, base);
});

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('reviews: queue, item, decision', () => {
  let item: EscalationStatus;
  let spanId: string;
  const sessionId = 'sess-refund-review';

  beforeAll(async () => {
    await send(env, sessionSpans({ sessionId, agent: 'support-bot', rounds: 4, escalateAt: 2, workflow: 'support' }));
    const detail = await call<SessionDetailResponse>('GET', `/api/sessions/${sessionId}`);
    const step = detail.steps.find((s) => s.has_escalation)!;
    spanId = step.span_id;
    await call<ReviewQueue>('POST', '/api/reviews/queues', { name: 'refunds', scope: { agent: 'support-bot' }, sla_minutes: 15 });
    item = await call<EscalationStatus>(
      'POST',
      '/api/escalations',
      {
        session_id: sessionId,
        span_id: spanId,
        agent: 'support-bot',
        workflow: 'support',
        reason: 'Refund of $720 is above the $500 limit',
        confidence: 0.42,
        proposed_action: { tool: 'issue_refund', order: 1182, amount_usd: 720 },
        state: { goal: 'refund order 1182', facts: ['fact 0', 'fact 1', 'fact 2'], plan: { step: 3 }, refund: 720 },
        cost_usd: 0.0123,
      },
      INGEST_KEY,
    );
  });

  it('lists the item under Open and Due soon, moves with j/k and claims with c', async () => {
    await page.goto(`${base}/reviews`);
    const row = `[data-testid=reviews-table] tr[data-item="${item.id}"]`;
    await page.waitForSelector(row);
    expect(await page.textContent(row)).toContain('Refund of $720');
    expect(await page.textContent(row)).toContain('0.42');
    expect(await page.textContent(row)).toContain('refunds');
    // Keyboard: j selects the first row, k stays on it (clamped).
    const rows = await page.$$('[data-testid=reviews-table] tbody tr');
    const index = await page.$$eval(
      '[data-testid=reviews-table] tbody tr',
      (trs, id) => trs.findIndex((t) => t.getAttribute('data-item') === id),
      item.id,
    );
    for (let i = 0; i <= index; i++) await page.keyboard.press('j');
    expect(rows.length).toBeGreaterThan(index);
    await page.waitForSelector(`${row}.selected`);
    await page.keyboard.press('c');
    await page.waitForSelector(`${row} [data-status=claimed]`);
    await shot(page, 'reviews-queue');
    await page.click('button[role=tab]:has-text("Due soon")');
    await page.waitForSelector(row);
    await page.click('button[role=tab]:has-text("Overdue")');
    await page.waitForSelector('[data-testid=reviews-empty]');
    await page.click('button[role=tab]:has-text("Open")');
    await page.waitForSelector(row);
  });

  it('opens the item with Enter: summary, decision point in the replay, state diff', async () => {
    const row = `[data-testid=reviews-table] tr[data-item="${item.id}"]`;
    await page.click(`${row} td:last-child`);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/reviews/${item.id}$`));
    await page.waitForSelector('[data-testid=review-summary]');
    const summary = await page.textContent('[data-testid=review-summary]');
    expect(summary).toContain('support-bot');
    expect(summary).toContain('Refund of $720 is above the $500 limit');
    expect(summary).toContain('$0.0123');
    expect(summary).toContain('issue_refund');
    expect(await page.textContent('[data-testid=review-confidence]')).toBe('0.42');
    // The state diff: the escalation's state against the snapshot before the step.
    await page.waitForSelector('[data-testid=review-state] [data-testid=state-tree]');
    expect(await page.$('[data-testid=review-state] [data-key=refund][data-status=added]')).not.toBeNull();
    // The decision point among its neighbours, highlighted.
    await page.waitForSelector(`[data-testid=steps-around] tr.selected[data-span="${spanId}"]`);
    expect(await page.$$('[data-testid=steps-around] tr')).not.toHaveLength(1);
    const href = await page.getAttribute('[data-testid=replay-link]', 'href');
    expect(href).toContain(`/sessions/${sessionId}?`);
    expect(href).toContain(`step=${spanId}`);
    await shot(page, 'review-item');
  });

  it('decides through the form; the item shows decided, in the Decided tab, as scores on the step', async () => {
    await page.click('[data-testid=decision-form] [data-value=reject]');
    await page.selectOption('[aria-label=correctness]', 'false');
    await page.fill('[aria-label=comment]', 'Over the limit without a manager note');
    await page.click('[data-testid=decision-form] button[type=submit]');
    await page.waitForSelector('[data-testid=review-item][data-status=decided] [data-testid=decision]');
    expect(await page.textContent('[data-testid=decision]')).toContain('reject');
    expect(await page.textContent('[data-testid=review-history]')).toContain('decided');

    const detail = await call<ReviewItemDetail>('GET', `/api/reviews/items/${item.id}`);
    expect(detail.item).toMatchObject({
      status: 'decided',
      decision: 'reject',
      correct: false,
      comment: 'Over the limit without a manager note',
    });
    const session = await call<SessionDetailResponse>('GET', `/api/sessions/${sessionId}`);
    const onStep = session.scores.filter((s) => s.span_id === spanId && s.source === 'review');
    expect(onStep.map((s) => [s.name, s.value]).sort()).toEqual([
      ['review.correct', false],
      ['review.decision', 'reject'],
    ]);

    await page.goto(`${base}/reviews?tab=decided`);
    await page.waitForSelector(`tr[data-item="${item.id}"] [data-status=decided]`);
  });

  it('the replay link selects the decision point and marks it', async () => {
    await page.goto(`${base}/reviews/${item.id}`);
    await page.click('[data-testid=replay-link]');
    await page.waitForSelector(`[data-testid=step-panel][data-span="${spanId}"][data-marked=true]`);
    expect(await page.$('[data-testid=decision-point]')).not.toBeNull();
    expect(await page.textContent('[data-testid=review-banner]')).toContain('Decision point under review');
  });
});

describe('calibration view of a crafted corpus', () => {
  /** [confidence, correct] per step; verdicts alternate between a reviewer and an LLM judge. */
  const CORPUS: [number, boolean][] = [
    [0.25, false],
    [0.25, false],
    [0.25, true],
    [0.45, true],
    [0.45, false],
    [0.65, true],
    [0.65, true],
    [0.65, false],
    [0.85, true],
    [0.85, true],
    [0.85, true],
    [0.95, true],
    [0.95, true],
    [0.95, true],
  ];

  /** ECE and the 5 % threshold, computed the plain way. */
  function expected() {
    let ece = 0;
    for (let b = 0; b < 10; b++) {
      const xs = CORPUS.filter(([c]) => c >= b / 10 && (b === 9 || c < (b + 1) / 10));
      if (!xs.length) continue;
      const conf = xs.reduce((a, [c]) => a + c, 0) / xs.length;
      const acc = xs.filter(([, ok]) => ok).length / xs.length;
      ece += (xs.length / CORPUS.length) * Math.abs(acc - conf);
    }
    const t = [...new Set(CORPUS.map(([c]) => c))]
      .sort((a, b) => a - b)
      .find((c) => {
        const kept = CORPUS.filter(([x]) => x >= c);
        return kept.filter(([, ok]) => !ok).length / kept.length <= 0.05;
      });
    return { ece, threshold: t ?? null };
  }

  beforeAll(async () => {
    const traceId = hex(16);
    const t0 = Date.now() - 30 * 60_000;
    const spans: SpanSpec[] = CORPUS.map(([conf], i) => ({
      traceId,
      spanId: hex(8),
      name: 'classify ticket',
      startMs: t0 + i * 1000,
      endMs: t0 + i * 1000 + 200,
      attrs: {
        'gen_ai.conversation.id': 'sess-calibration',
        'gen_ai.agent.name': 'triage-bot',
        'gen_ai.operation.name': 'chat',
        'cairn.span.kind': 'llm',
        'cairn.confidence': conf,
      },
    }));
    await send(env, spans);
    for (const [i, [, ok]] of CORPUS.entries()) {
      const body =
        i % 2 === 0
          ? { name: 'review.decision', value: ok ? 'approve' : 'reject', source: 'review' }
          : { name: 'faithfulness', value: ok ? 0.9 : 0.1, source: 'eval' };
      await call('POST', '/api/scores', { session_id: 'sess-calibration', span_id: spans[i]!.spanId, ...body });
      // A judge also scored the first four reviewed steps and called the third (i = 4, incorrect) correct.
      if (i % 2 === 0 && i < 8) {
        const judged = i === 4 ? !ok : ok;
        await call('POST', '/api/scores', {
          session_id: 'sess-calibration',
          span_id: spans[i]!.spanId,
          name: 'faithfulness',
          value: judged ? 0.8 : 0.2,
          source: 'eval',
        });
      }
    }
  });

  it('shows the ECE, the recommended threshold and sets it as the agent threshold', async () => {
    const want = expected();
    // By hand: steps at >= 0.85 are all correct, at >= 0.65 one in nine is wrong (11 % > 5 %).
    expect(want.threshold).toBe(0.85);
    await page.goto(`${base}/calibration?agent=triage-bot`);
    await page.waitForSelector('[data-testid=ece]');
    expect(Number(await page.getAttribute('[data-testid=ece]', 'data-ece'))).toBeCloseTo(want.ece, 12);
    expect(await page.textContent('[data-testid=ece]')).toBe(`${(want.ece * 100).toFixed(1)}%`);
    expect(await page.textContent('[data-testid=rec-threshold]')).toBe(want.threshold!.toFixed(2));
    await page.waitForSelector('[data-testid=reliability-chart] .recharts-scatter-symbol', { state: 'attached' });
    expect(
      await page.$$eval('[data-testid=bins-table] tbody tr', (trs) => trs.map((t) => Number(t.getAttribute('data-count')))),
    ).toEqual([0, 0, 3, 0, 2, 0, 3, 0, 3, 3]);
    // Judge vs human on the four steps both scored (i = 0, 2, 4, 6: incorrect, correct, incorrect,
    // correct): 3 of 4 agree; per human label, correct 2 of 2 and incorrect 1 of 2.
    const judge = await page.$$eval('[data-testid=agreement-table] tbody tr', (trs) => trs.map((t) => t.textContent));
    expect(judge).toEqual(['faithfulnessall4375.0%', 'correct22100.0%', 'incorrect2150.0%']);
    await shot(page, 'calibration');

    await page.click('[data-testid=apply-threshold]');
    await page.waitForFunction(
      (t) => document.querySelector('[data-testid=current-threshold]')?.textContent?.includes(t),
      want.threshold!.toFixed(2),
    );
    const list = await call<ReviewThresholdList>('GET', '/api/reviews/thresholds');
    expect(list.thresholds.find((t) => t.agent === 'triage-bot')?.threshold).toBe(want.threshold);
  });
});
