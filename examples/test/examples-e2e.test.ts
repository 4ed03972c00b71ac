import { rawSql } from '@cairn/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CairnRuntime } from 'cairn';
import { forceFlush, init, shutdown } from '@cairn/sdk';
import { runReportingPipeline, runSupportAgent, runDemo, PIPELINE_CAPS } from '@cairn/examples';
import type { ExampleResult } from '@cairn/examples';
import { tempDataDir, startTestCairn } from '@cairn/testkit';

const INGEST = 'cairn_ik_' + 'x'.repeat(24);
const tmp = tempDataDir('cairn-examples-');
let cairn: CairnRuntime;

interface Row {
  span_id: string;
  parent_span_id: string;
  name: string;
  kind: string;
  agent_name: string;
  workflow: string;
  user_id: string;
  status: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number;
  cost_source: string;
  confidence: number | null;
  tool_name: string;
  state: string;
  has_escalation: number;
  has_limit_hit: number;
  events: string;
  autonomy_level: string;
}

async function rowsOf(sessionId: string): Promise<Row[]> {
  await forceFlush();
  await cairn.flush();
  return rawSql(cairn.store).query<Row>(
    `SELECT span_id, parent_span_id, name, kind, agent_name, workflow, user_id, status, model, input_tokens, output_tokens, cache_read_tokens,
            cache_write_tokens, cost_usd, cost_source, confidence, tool_name, state, has_escalation, has_limit_hit, events, autonomy_level
     FROM spans WHERE session_id = {s:String} ORDER BY start_time`,
    { s: sessionId },
  );
}

const count = (rows: Row[], pred: (r: Row) => boolean) => rows.filter(pred).length;
const states = (rows: Row[]) => rows.filter((r) => r.state !== '').map((r) => JSON.parse(r.state) as { stage: string });
const totalCost = (rows: Row[]) => rows.reduce((s, r) => s + r.cost_usd, 0);

beforeAll(async () => {
  cairn = await startTestCairn(tmp.dir, {
    CAIRN_INGEST_KEY: INGEST,
    CAIRN_ADMIN_KEY: 'cairn_ak_' + 'y'.repeat(24),
    CAIRN_BATCH_MAX_MS: '50',
  });
  init({ endpoint: cairn.otlpUrl, apiKey: INGEST, serviceName: 'examples-e2e', env: {} });
});
afterAll(async () => {
  await shutdown();
  await cairn.stop();
  tmp.cleanup();
});

describe('the example agents against a running collector', () => {
  it('reporting pipeline: orchestrator, sub-agents (analysis in parallel), snapshots, confidence and cost are stored', async () => {
    const r: ExampleResult = await runReportingPipeline({
      scenario: 'normal',
      seed: 3,
      timeScale: 0.01,
      sessionId: 'ex-pipeline-ok',
    });
    expect(r.status).toBe('ok');
    const rows = await rowsOf('ex-pipeline-ok');
    const root = rows.find((x) => x.kind === 'session')!;
    expect(root).toMatchObject({
      parent_span_id: '',
      agent_name: 'report-orchestrator',
      workflow: 'weekly-sales-report',
      user_id: 'finance-team',
      status: 'unset',
      autonomy_level: 'hotl',
    });
    const agents = rows.filter((x) => x.kind === 'agent');
    expect(agents.map((a) => a.agent_name).sort()).toEqual([
      'analyzer-products',
      'analyzer-regions',
      'analyzer-revenue',
      'cleaner',
      'data-miner',
      'narrator',
      'risk-critic',
    ]);
    for (const a of agents) expect(a.parent_span_id).toBe(root.span_id);
    // each analyzer's tool call hangs under its own analyzer agent
    const analyzerIds = new Set(agents.filter((a) => a.agent_name.startsWith('analyzer-')).map((a) => a.span_id));
    expect(rows.filter((x) => x.tool_name === 'stats.compute').every((t) => analyzerIds.has(t.parent_span_id))).toBe(true);
    expect(count(rows, (x) => x.kind === 'llm')).toBe(8);
    expect(count(rows, (x) => x.kind === 'tool')).toBe(5);
    expect(
      states(rows)
        .map((s) => s.stage)
        .sort(),
    ).toEqual(['analyzed', 'cleaned', 'mined', 'narrated', 'planned', 'reviewed']);
    const confidences = agents.filter((a) => a.confidence !== null).map((a) => [a.agent_name, a.confidence]);
    expect(confidences).toHaveLength(4);
    expect(confidences.find(([n]) => n === 'risk-critic')?.[1]).toBe(0.82);
    for (const [, c] of confidences) expect(c).toBeGreaterThanOrEqual(0.8);
    expect(count(rows, (x) => x.has_escalation === 1)).toBe(0);
    // costs: on LLM rows only, provided by the SDK, and equal to what the agent saw while running
    for (const x of rows) if (x.kind !== 'llm') expect(x.cost_usd).toBe(0);
    expect(rows.filter((x) => x.kind === 'llm').every((x) => x.cost_source === 'provided' && x.cost_usd > 0)).toBe(true);
    expect(totalCost(rows)).toBeCloseTo(r.usage!.costUsd, 10);
    expect(rows.reduce((s, x) => s + x.input_tokens + x.output_tokens, 0)).toBe(r.usage!.totalTokens);
    // every span inside an agent carries that agent's name (cost rollups group by it)
    for (const l of rows.filter((x) => x.kind === 'llm' && x.model.startsWith('o4-mini')))
      expect(l.agent_name).toMatch(/^analyzer-/);
    const rollup = await rawSql(cairn.store).query<{ cost: number; llm: number; snaps: number }>(
      'SELECT sum(cost_usd) AS cost, sum(llm_calls) AS llm, sum(snapshots) AS snaps FROM sessions_rollup WHERE session_id = {s:String}',
      { s: 'ex-pipeline-ok' },
    );
    expect(rollup[0]!.cost).toBeCloseTo(r.usage!.costUsd, 10);
    expect(rollup[0]!.llm).toBe(8);
  });

  it('reporting pipeline, upstream returns nothing: the repeat cap stops the retry loop', async () => {
    const r = await runReportingPipeline({
      scenario: 'upstream-empty',
      seed: 4,
      timeScale: 0.01,
      sessionId: 'ex-pipeline-empty',
    });
    expect(r.status).toBe('stopped');
    expect(r.error).toContain('repeats cap exceeded');
    const rows = await rowsOf('ex-pipeline-empty');
    expect(count(rows, (x) => x.tool_name === 'warehouse.query')).toBe(PIPELINE_CAPS.maxToolRepeats);
    const hit = rows.filter((x) => x.has_limit_hit === 1);
    expect(hit.map((x) => x.agent_name)).toEqual(['data-miner']);
    expect(hit[0]!.kind).toBe('agent');
    expect(hit[0]!.status).toBe('error');
    expect(JSON.parse(hit[0]!.events).find((e: { name: string }) => e.name === 'cairn.limit.exceeded').attributes).toMatchObject({
      'cairn.limit.kind': 'repeats',
      'cairn.limit.value': 3,
    });
    expect(rows.find((x) => x.kind === 'session')!.status).toBe('error');
    // nothing after the cap: no cleaner, analyzers, narrator or critic
    expect(rows.filter((x) => x.kind === 'agent').map((x) => x.agent_name)).toEqual(['data-miner']);
    expect(states(rows).filter((s) => s.stage === 'mined')).toHaveLength(3);
  });

  it('support agent: retrieval, tool calls, confidence, cached-prompt cost; a low-confidence ticket escalates', async () => {
    const ok = await runSupportAgent({ scenario: 'refund', seed: 1, timeScale: 0.01, sessionId: 'ex-support-refund' });
    const esc = await runSupportAgent({ scenario: 'ambiguous', seed: 2, timeScale: 0.01, sessionId: 'ex-support-ambiguous' });
    expect([ok.status, esc.status]).toEqual(['ok', 'ok']);
    expect(ok.output).toMatchObject({ action: 'answered' });
    expect(esc.output).toMatchObject({ action: 'escalated' });

    const a = await rowsOf('ex-support-refund');
    expect(a.find((x) => x.kind === 'session')).toMatchObject({
      user_id: 'cust-481',
      workflow: 'ticket-triage',
      autonomy_level: 'exception',
    });
    expect(count(a, (x) => x.kind === 'retrieval')).toBe(1);
    // (span start times have millisecond precision: compare sets, not order)
    expect(
      a
        .filter((x) => x.kind === 'tool')
        .map((x) => x.tool_name)
        .sort(),
    ).toEqual(['email.send', 'orders.lookup', 'refunds.create']);
    expect(a.find((x) => x.name === 'classify')!.confidence).toBe(0.91);
    expect(count(a, (x) => x.has_escalation === 1)).toBe(0);
    expect(
      states(a)
        .map((s) => s.stage)
        .sort(),
    ).toEqual(['answered', 'classified', 'order', 'retrieved']);
    const calls = a.filter((x) => x.kind === 'llm');
    expect(calls.length).toBe(3);
    // the policy prompt is written to the cache once, then read from it
    const writes = calls.filter((c) => c.cache_write_tokens > 0);
    expect(writes).toHaveLength(1);
    expect(calls.filter((c) => c.cache_read_tokens === writes[0]!.cache_write_tokens)).toHaveLength(2);
    expect(totalCost(a)).toBeCloseTo(ok.usage!.costUsd, 10);

    const b = await rowsOf('ex-support-ambiguous');
    const reply = b.find((x) => x.name === 'reply')!;
    expect(reply.has_escalation).toBe(1);
    expect(reply.confidence).toBeLessThan(0.6);
    const ev = JSON.parse(reply.events).find((e: { name: string }) => e.name === 'cairn.escalation');
    expect(ev.attributes['cairn.escalation.target']).toBe('tier-2-support');
    expect(b.some((x) => x.tool_name === 'email.send')).toBe(false);
  });

  it('support agent, order service returns nothing: retries until the repeat cap', async () => {
    const r = await runSupportAgent({ scenario: 'upstream-empty', seed: 5, timeScale: 0.01, sessionId: 'ex-support-empty' });
    expect(r.status).toBe('stopped');
    const rows = await rowsOf('ex-support-empty');
    expect(count(rows, (x) => x.tool_name === 'orders.lookup')).toBe(3);
    expect(rows.filter((x) => x.has_limit_hit === 1).map((x) => x.agent_name)).toEqual(['order-desk']);
    expect(count(rows, (x) => x.name === 'reply')).toBe(0);
    expect(rows.find((x) => x.kind === 'session')!.status).toBe('error');
  });

  it('runDemo fills the collector with sessions of every scenario', async () => {
    await shutdown(); // runDemo sets up and shuts down its own export
    const lines: string[] = [];
    const { sessions } = await runDemo({
      endpoint: cairn.otlpUrl,
      apiKey: INGEST,
      sessions: 6,
      timeScale: 0.01,
      log: (l) => lines.push(l),
    });
    init({ endpoint: cairn.otlpUrl, apiKey: INGEST, serviceName: 'examples-e2e', env: {} });
    expect(sessions).toHaveLength(6);
    expect(lines.filter((l) => l.startsWith('stopped'))).toHaveLength(2);
    await cairn.flush();
    const stored = await rawSql(cairn.store).query<{ session_id: string; service: string; root_error: number }>(
      `SELECT session_id, max(service_name) AS service, max(root_error) AS root_error FROM sessions_rollup
       WHERE session_id IN {ids:Array(String)} GROUP BY session_id`,
      { ids: sessions },
    );
    expect(stored).toHaveLength(6);
    expect(stored.every((s) => s.service === 'cairn-demo')).toBe(true);
    expect(stored.filter((s) => s.root_error === 1)).toHaveLength(2);
  });
});
