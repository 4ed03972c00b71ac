import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Store } from '@cairn/storage';
import { getJson, makeApp, makeProject, openTempStore, span, type TestProject } from './helpers.js';

let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let p: TestProject;

const T0 = Date.UTC(2025, 2, 10, 0, 0, 0); // a Monday, 00:00 UTC
const H = 3_600_000;
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

/** [end offset in hours, agent, model, user, cost, input tokens] — spend lands in the hour a span ends. */
const CALLS: [number, string, string, string, number, number][] = [
  [0.5, 'planner', 'gpt-4o', 'u1', 0.1, 100],
  [0.9, 'planner', 'gpt-4o-mini', 'u1', 0.02, 50],
  [1.2, 'coder', 'gpt-4o', 'u2', 0.3, 300],
  [5.0, 'coder', 'claude', 'u2', 1.0, 1000],
  [26.0, 'planner', 'claude', 'u3', 0.5, 500],
  [30.0, 'reviewer', 'gpt-4o', 'u1', 0.04, 40],
  [49.0, 'tester', 'gpt-4o', 'u1', 0.06, 60],
];

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  p = await makeProject(store, 'proj-costs');
  await store.insertSpans(
    CALLS.map(([h, agent, model, user, cost, tin], i) =>
      span({
        project_id: p.projectId,
        session_id: `c-${i}`,
        span_id: String(i + 1).padStart(16, '0'),
        kind: 'llm',
        agent_name: agent,
        model,
        user_id: user,
        workflow: 'wf',
        cost_usd: cost,
        input_tokens: tin,
        output_tokens: 1,
        start_time_ns: ns(T0 + h * H - 1000),
        end_time_ns: ns(T0 + h * H),
      }),
    ),
  );
  app = await makeApp(store);
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

const range = `from=${new Date(T0).toISOString()}&to=${new Date(T0 + 72 * H).toISOString()}`;
const get = (q: string) => getJson(app, `/api/costs?${q}`, p.admin);

describe('GET /api/costs', () => {
  it('totals and day series without grouping', async () => {
    const { status, body } = await get(`${range}&bucket=day`);
    expect(status).toBe(200);
    expect(body.totals.cost_usd).toBeCloseTo(2.02, 10);
    expect(body.totals).toMatchObject({ input_tokens: 2050, output_tokens: 7, llm_calls: 7 });
    expect(
      body.series.map((s: { time: string; key: string; cost_usd: number }) => [
        s.time,
        s.key,
        Math.round(s.cost_usd * 1e6) / 1e6,
      ]),
    ).toEqual([
      [new Date(T0).toISOString(), '', 1.42],
      [new Date(T0 + 24 * H).toISOString(), '', 0.54],
      [new Date(T0 + 48 * H).toISOString(), '', 0.06],
    ]);
    expect(body).toMatchObject({ bucket: 'day', group_by: 'none', from: new Date(T0).toISOString() });
  });

  it('hourly series grouped by agent, groups ranked by cost', async () => {
    const { body } = await get(`${range}&bucket=hour&group_by=agent`);
    expect(body.groups.map((g: { key: string }) => g.key)).toEqual(['coder', 'planner', 'tester', 'reviewer']);
    expect(body.groups[0].cost_usd).toBeCloseTo(1.3, 10);
    const hour0 = body.series.filter((s: { time: string }) => s.time === new Date(T0).toISOString());
    expect(hour0.map((s: { key: string; llm_calls: number }) => [s.key, s.llm_calls])).toEqual([['planner', 2]]);
    expect(body.series.map((s: { time: string }) => s.time)).toEqual(
      [...body.series.map((s: { time: string }) => s.time)].sort(),
    );
  });

  it('groups by model, workflow and user, filters by dimension', async () => {
    const byModel = (await get(`${range}&group_by=model`)).body;
    expect(
      Object.fromEntries(
        byModel.groups.map((g: { key: string; cost_usd: number }) => [g.key, Math.round(g.cost_usd * 1e6) / 1e6]),
      ),
    ).toEqual({
      claude: 1.5,
      'gpt-4o': 0.5,
      'gpt-4o-mini': 0.02,
    });
    expect((await get(`${range}&group_by=workflow`)).body.groups.map((g: { key: string }) => g.key)).toEqual(['wf']);
    expect((await get(`${range}&group_by=user`)).body.groups.map((g: { key: string }) => g.key)).toEqual(['u2', 'u3', 'u1']);
    const filtered = (await get(`${range}&agent=planner&model=claude`)).body;
    expect(filtered.totals.cost_usd).toBeCloseTo(0.5, 10);
  });

  it('folds groups beyond the limit into "(other)"', async () => {
    const { body } = await get(`${range}&group_by=agent&limit=2`);
    expect(body.groups.map((g: { key: string }) => g.key)).toEqual(['coder', 'planner', '(other)']);
    expect(body.groups[2].cost_usd).toBeCloseTo(0.1, 10);
    const otherPoints = body.series.filter((s: { key: string }) => s.key === '(other)');
    expect(otherPoints.length).toBe(2);
  });

  it('honours the range: from rounds down to the hour, to is exclusive', async () => {
    const { body } = await get(`from=${T0 + 0.7 * H}&to=${T0 + 2 * H}`);
    expect(body.from).toBe(new Date(T0).toISOString());
    expect(body.totals.cost_usd).toBeCloseTo(0.42, 10);
  });

  it('answers 400 for invalid parameters', async () => {
    for (const q of [
      'bucket=week',
      'group_by=color',
      'from=soon',
      `from=${T0 + H}&to=${T0}`,
      `from=${T0}&to=${T0 + 3000 * H}&bucket=hour`,
      'limit=0',
      'agent=',
    ]) {
      const r = await get(q);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe('CAIRN_BAD_REQUEST');
    }
  });
});
