/**
 * The cost model against a crafted corpus whose scenarios are known analytically, stored in a
 * real embedded store and read through the real route:
 * - 40 baseline runs cost exactly $0.10 (2 tool calls, none failing);
 * - 10 replanning runs cost $0.50 (the worker agent invoked twice; 2 tool calls, none failing);
 * - 10 tool-failure runs cost $4.00 (4 tool calls, 2 failing; the failed search retried once).
 * Sampling is stratified (exact class counts) and each class holds a single cost, so every
 * scenario figure is exact up to floating-point summation (1e-9 is far above it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { SpanRow } from '@cairn/schemas';
import type { Store } from '@cairn/storage';
import { failureShare } from '../src/index.js';
import { bearer, getJson, makeApp, makeProject, MS, openTempStore, span, type TestProject } from './helpers.js';

let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let p: TestProject;

const T0 = Date.UTC(2026, 10, 2, 0, 0, 0);
const N = 10_000; // COST_MODEL_SAMPLES
let seq = 0;

function run(projectId: string, id: string, startMs: number, cost: number, kind: 'base' | 'replan' | 'fail'): SpanRow[] {
  const ns = (ms: number) => BigInt(ms) * MS;
  const common = { project_id: projectId, session_id: id, trace_id: id.padEnd(32, '0'), workflow: 'billing', agent_name: 'boss' };
  const child = (over: Partial<SpanRow>, i: number): SpanRow =>
    span({
      ...common,
      span_id: String(++seq).padStart(16, '0'),
      parent_span_id: `r${id}`.padEnd(16, '0'),
      start_time_ns: ns(startMs + i * 10),
      end_time_ns: ns(startMs + i * 10 + 5),
      ...over,
    });
  const tools =
    kind === 'fail'
      ? [
          { kind: 'tool' as const, tool_name: 'search', tool_call_key: 'a', status: 'error' as const },
          { kind: 'tool' as const, tool_name: 'search', tool_call_key: 'a', status: 'error' as const },
          { kind: 'tool' as const, tool_name: 'search', tool_call_key: 'b' },
          { kind: 'tool' as const, tool_name: 'fetch', tool_call_key: 'c' },
        ]
      : [
          { kind: 'tool' as const, tool_name: 'search', tool_call_key: 'a' },
          { kind: 'tool' as const, tool_name: 'fetch', tool_call_key: 'c' },
        ];
  const agents =
    kind === 'replan'
      ? [
          { kind: 'agent' as const, agent_name: 'worker' },
          { kind: 'agent' as const, agent_name: 'worker' },
        ]
      : [];
  return [
    span({
      ...common,
      span_id: `r${id}`.padEnd(16, '0'),
      kind: 'session',
      start_time_ns: ns(startMs),
      end_time_ns: ns(startMs + 1000),
    }),
    ...[{ kind: 'llm' as const, cost_usd: cost, model: 'm' }, ...tools, ...agents].map((o, i) => child(o, i + 1)),
  ];
}

function corpus(projectId: string, counts: { base: number; replan: number; fail: number }): SpanRow[] {
  const rows: SpanRow[] = [];
  let i = 0;
  const add = (n: number, cost: number, kind: 'base' | 'replan' | 'fail') => {
    for (let k = 0; k < n; k++, i++) rows.push(...run(projectId, `${projectId}-${kind}-${k}`, T0 + i * 60_000, cost, kind));
  };
  add(counts.base, 0.1, 'base');
  add(counts.replan, 0.5, 'replan');
  add(counts.fail, 4, 'fail');
  return rows;
}

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  p = await makeProject(store, 'proj-cm');
  await makeProject(store, 'proj-cm-plain');
  await store.insertSpans([
    ...corpus('proj-cm', { base: 40, replan: 10, fail: 10 }),
    ...corpus('proj-cm-plain', { base: 5, replan: 0, fail: 0 }),
  ]);
  app = await makeApp(store);
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

const range = `from=${new Date(T0).toISOString()}&to=${new Date(T0 + 86_400_000).toISOString()}`;
const get = (q: string, key = p.admin) => getJson(app, `/api/cost-model?${range}&${q}`, key);

/** A CSV parser (quoted fields with "" escapes, no newline inside a field), enough for the export. */
function parseCsv(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => {
      const cells: string[] = [];
      let cur = '';
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i]!;
        if (quoted) {
          if (ch === '"' && line[i + 1] === '"') {
            cur += '"';
            i++;
          } else if (ch === '"') quoted = false;
          else cur += ch;
        } else if (ch === '"') quoted = true;
        else if (ch === ',') {
          cells.push(cur);
          cur = '';
        } else cur += ch;
      }
      cells.push(cur);
      return cells;
    });
}

describe('GET /api/cost-model on a corpus with known scenarios', () => {
  it('reports the recorded distribution and the mean cost of each class exactly', async () => {
    const { status, body } = await get('workflow=billing');
    expect(status).toBe(200);
    expect(body.sessions).toEqual({ total: 60, truncated: false, tool_calls: 40 * 2 + 10 * 2 + 10 * 4, failed_tool_calls: 20 });
    expect(body.distribution.mean_usd).toBeCloseTo(49 / 60, 9);
    expect(body.distribution).toMatchObject({ p50_usd: 0.1, p90_usd: 4, p99_usd: 4, max_usd: 4 });
    const c = body.classes;
    expect(c.baseline).toEqual({ runs: 40, mean_usd: 0.1 });
    expect(c.with_replanning).toEqual({ runs: 10, mean_usd: 0.5 });
    expect(c.with_tool_failures).toEqual({ runs: 10, mean_usd: 4 });
    expect(c.with_retries).toEqual({ runs: 10, mean_usd: 4 });
    expect(c.failed).toEqual({ runs: 10, mean_usd: 4 });
    expect(c.successful.runs).toBe(50);
    expect(c.successful.mean_usd).toBeCloseTo(9 / 50, 9);
    expect(body.histogram.reduce((s: number, b: { runs: number }) => s + b.runs, 0)).toBe(60);
    expect(body.notes).toEqual([]);
  });

  it('computes the three scenarios, the ratio, the risk exposure and the cap', async () => {
    const { body } = await get('workflow=billing&agent=boss&edge_rate=0.1&failure_rate=0.15&runs_per_month=1000');
    const { expected, edge, failure } = body.scenarios;
    expect(expected).toMatchObject({ mean_usd: 0.1, p50_usd: 0.1, p90_usd: 0.1, p99_usd: 0.1, runs_sampled: N });
    // Edge: exactly 1,000 of 10,000 runs at $0.50, the rest at $0.10.
    expect(edge.mean_usd).toBeCloseTo(0.9 * 0.1 + 0.1 * 0.5, 9);
    expect(edge).toMatchObject({ p50_usd: 0.1, p90_usd: 0.1, p99_usd: 0.5, max_usd: 0.5 });
    // Failure: w = r·T_b / (F − r·(T_f − T_b)) with T_b = 2, T_f = 4, F = 2: 0.3 / 1.7 of runs fail.
    const w = (0.15 * 2) / (2 - 0.15 * (4 - 2));
    expect(failure.mix.tool_failures).toBeCloseTo(w, 12);
    const k = Math.round(w * N); // 1,765 runs at $4.00
    const failureMean = (k * 4 + (N - k) * 0.1) / N;
    expect(failure.mean_usd).toBeCloseTo(failureMean, 9);
    expect(failure).toMatchObject({ p50_usd: 0.1, p90_usd: 4, p99_usd: 4 });
    // The mix makes 15 % of the scenario's tool calls fail.
    expect((k * 2) / (k * 4 + (N - k) * 2)).toBeCloseTo(0.15, 3);
    expect(body.failure_to_expected).toBeCloseTo(failureMean / 0.1, 9);
    expect(body.risk.per_run_usd).toBeCloseTo(failureMean - 0.1, 9);
    expect(body.risk.per_month_usd).toBeCloseTo((failureMean - 0.1) * 1000, 6);
    // Cap at the expected p99 ($0.10): every failing run is stopped there, the exposure vanishes.
    expect(body.cap).toMatchObject({ usd: 0.1, basis: 'p99 of the expected case', failure_runs_capped: k / N });
    expect(body.cap.failure_mean_capped_usd).toBeCloseTo(0.1, 9);
    expect(body.cap.risk_per_month_capped_usd).toBeCloseTo(0, 6);
  });

  it('moves with the scenario controls and is the same for the same seed', async () => {
    const a = await get('workflow=billing&edge_rate=0.5&failure_rate=0&seed=7');
    expect(a.body.scenarios.edge.mean_usd).toBeCloseTo(0.5 * 0.1 + 0.5 * 0.5, 9);
    expect(a.body.scenarios.failure.mean_usd).toBeCloseTo(0.1, 9); // no failing calls: the expected case
    expect(a.body.risk.per_run_usd).toBeCloseTo(0, 9);
    const b = await get('workflow=billing&edge_rate=0.5&failure_rate=0&seed=7');
    expect(b.body).toEqual(a.body);
  });

  it('says in notes when a class has no recorded run instead of inventing numbers', async () => {
    const plain = await makeProjectKey('proj-cm-plain');
    const { status, body } = await get('', plain);
    expect(status).toBe(200);
    expect(body.sessions.total).toBe(5);
    expect(body.scenarios.expected.mean_usd).toBeCloseTo(0.1, 9);
    expect(body.scenarios.edge).toBeNull();
    expect(body.scenarios.failure).toBeNull();
    expect(body.risk).toEqual({ per_run_usd: null, per_month_usd: null });
    expect(body.cap).toBeNull();
    expect(body.notes).toEqual([
      'No recorded run replanned: the edge case cannot be resampled.',
      'No recorded run had a failed tool call: the failure case cannot be resampled.',
    ]);
    const empty = await get('workflow=nothing-here');
    expect(empty.body.distribution).toBeNull();
    expect(empty.body.scenarios).toEqual({ expected: null, edge: null, failure: null });
    expect(empty.body.notes[0]).toBe('No ended session matched: nothing to model.');
  });

  it('exports CSV with a header that parses back to the same numbers, and JSON', async () => {
    const q = `${range}&workflow=billing&runs_per_month=1000`;
    const { body: json } = await getJson(app, `/api/cost-model?${q}`, p.admin);
    const res = await app.inject({ method: 'GET', url: `/api/cost-model/export?${q}&format=csv`, headers: bearer(p.admin) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="cairn-cost-model-billing.csv"');
    const [header, ...lines] = parseCsv(res.body);
    expect(header).toEqual(['section', 'key', 'metric', 'value']);
    const cell = (section: string, key: string, metric: string) =>
      lines.find((l) => l[0] === section && l[1] === key && l[2] === metric)?.[3];
    for (const name of ['expected', 'edge', 'failure'] as const) {
      for (const m of ['mean_usd', 'p50_usd', 'p90_usd', 'p99_usd', 'max_usd', 'mix_tool_failures'] as const) {
        const v = m === 'mix_tool_failures' ? json.scenarios[name].mix.tool_failures : json.scenarios[name][m];
        expect(Number(cell('scenario', name, m))).toBe(v);
      }
    }
    expect(Number(cell('risk', '', 'per_month_usd'))).toBe(json.risk.per_month_usd);
    expect(Number(cell('risk', '', 'failure_to_expected'))).toBe(json.failure_to_expected);
    expect(Number(cell('cap', '', 'usd'))).toBe(json.cap.usd);
    expect(Number(cell('class', 'with_tool_failures', 'mean_usd'))).toBe(4);
    expect(cell('scope', '', 'workflow')).toBe('billing');
    expect(cell('scope', '', 'agent')).toBe(''); // null → empty
    expect(lines.every((l) => l.length === 4)).toBe(true);

    const j = await app.inject({ method: 'GET', url: `/api/cost-model/export?${q}&format=json`, headers: bearer(p.admin) });
    expect(j.headers['content-disposition']).toBe('attachment; filename="cairn-cost-model-billing.json"');
    expect(JSON.parse(j.body)).toEqual(json);
  });

  it('answers bad parameters with a 4xx and a registry code, never a 500', async () => {
    const bad = [
      'edge_rate=1.5',
      'edge_rate=-0.1',
      'failure_rate=abc',
      'runs_per_month=-1',
      'runs_per_month=1.5',
      'seed=-1',
      'seed=4294967296',
      'max_sessions=0',
      'max_sessions=20001',
      'nope=1',
      'workflow=',
    ];
    for (const q of bad) {
      const { status, body } = await get(q);
      expect({ q, status, code: body.error.code }).toEqual({ q, status: 400, code: 'CAIRN_BAD_REQUEST' });
    }
    const reversed = await getJson(
      app,
      `/api/cost-model?from=${new Date(T0 + 1000).toISOString()}&to=${new Date(T0).toISOString()}`,
      p.admin,
    );
    expect([reversed.status, reversed.body.error.code]).toEqual([400, 'CAIRN_BAD_REQUEST']);
    const badTime = await getJson(app, '/api/cost-model?from=yesterday', p.admin);
    expect([badTime.status, badTime.body.error.code]).toEqual([400, 'CAIRN_BAD_REQUEST']);
    const badFormat = await getJson(app, `/api/cost-model/export?${range}&format=xml`, p.admin);
    expect([badFormat.status, badFormat.body.error.code]).toEqual([400, 'CAIRN_BAD_REQUEST']);
    const ingest = await get('', p.ingest);
    expect(ingest.status).toBe(403);
    const anon = await app.inject({ method: 'GET', url: '/api/cost-model' });
    expect(anon.statusCode).toBe(401);
  });
});

describe('failure mix (pure)', () => {
  it('matches the asked share of failing tool calls, or draws only failing runs when it cannot', () => {
    const rates = { baselineCalls: 2, failingCalls: 4, failingFailed: 2 };
    expect(failureShare(0, rates)).toEqual({ share: 0, reached: true });
    const { share } = failureShare(0.15, rates);
    expect((share * 2) / (share * 4 + (1 - share) * 2)).toBeCloseTo(0.15, 12);
    expect(failureShare(0.6, rates)).toEqual({ share: 1, reached: false }); // failing runs fail 50 % of calls
    expect(failureShare(0.1, { ...rates, baselineCalls: 0 })).toEqual({ share: 1, reached: false });
  });
});

let keySeq = 0;
async function makeProjectKey(projectId: string): Promise<string> {
  const { createKey } = await import('@cairn/storage');
  return (await createKey(store, { projectId, kind: 'admin', name: `k${++keySeq}` })).key;
}
