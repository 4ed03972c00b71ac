import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpanRow } from '@cairn/schemas';
import { listCostModelSessions, openStore, type Store } from '../src/index.js';
import { makeSpanRow, MS, tempDataDir, testStoreConfig } from '@cairn/testkit';

const tmp = tempDataDir();
let store: Store;

const T0 = Date.parse('2026-11-02T00:00:00Z');
const nsAt = (ms: number): bigint => BigInt(ms) * MS;
let seq = 0;

/** One session: a root, then the given children, each 1 s after the previous; costs on llm spans. */
function session(
  id: string,
  startMs: number,
  children: Partial<SpanRow>[],
  over: Partial<SpanRow> = {},
  project = 'cm',
): SpanRow[] {
  const base = { project_id: project, session_id: id, workflow: 'wf', agent_name: 'boss', trace_id: id.padEnd(32, '0'), ...over };
  const root = makeSpanRow({
    ...base,
    span_id: `root-${id}`.padEnd(16, '0'),
    kind: 'session',
    start_time_ns: nsAt(startMs),
    end_time_ns: nsAt(startMs + 60_000),
  });
  const rest = children.map((c, i) =>
    makeSpanRow({
      ...base,
      span_id: String(++seq).padStart(16, '0'),
      parent_span_id: root.span_id,
      start_time_ns: nsAt(startMs + (i + 1) * 1000),
      end_time_ns: nsAt(startMs + (i + 1) * 1000 + 500),
      ...c,
    }),
  );
  return [root, ...rest];
}

const llm = (cost: number): Partial<SpanRow> => ({ kind: 'llm', cost_usd: cost, model: 'm' });
const tool = (name: string, key: string, error = false): Partial<SpanRow> => ({
  kind: 'tool',
  tool_name: name,
  tool_call_key: key,
  status: error ? 'error' : 'ok',
});
const agent = (name: string): Partial<SpanRow> => ({ kind: 'agent', agent_name: name });

beforeAll(async () => {
  store = await openStore(testStoreConfig(tmp.dir));
  const rows = [
    // Plain: two llm calls, two distinct tool calls.
    ...session('plain', T0 + 1000, [llm(0.04), llm(0.06), tool('search', 'k1'), tool('fetch', 'k2')]),
    // Retries: search×3 with one key (2 retries), fetch×2 with another (1 retry), one failed call.
    ...session('retry', T0 + 2000, [
      llm(1),
      tool('search', 'k1', true),
      tool('search', 'k1'),
      tool('search', 'k1'),
      tool('fetch', 'k2'),
      tool('fetch', 'k2'),
    ]),
    // Replanning: the worker agent invoked 3 times (2 replans), 2 plan steps (1 replan).
    ...session('replan', T0 + 3000, [
      agent('worker'),
      agent('worker'),
      agent('worker'),
      agent('critic'),
      { kind: 'step', name: 'plan' },
      { kind: 'step', name: 'plan report' },
      llm(0.5),
    ]),
    // A parallel fan-out of one agent (three overlapping invocations) is not replanning.
    ...session('fanout', T0 + 3500, [], {}).concat(
      [0, 1, 2].map((i) =>
        makeSpanRow({
          project_id: 'cm',
          session_id: 'fanout',
          workflow: 'wf',
          trace_id: 'fanout'.padEnd(32, '0'),
          span_id: `fan-${i}`.padEnd(16, '0'),
          parent_span_id: 'root-fanout'.padEnd(16, '0'),
          kind: 'agent',
          agent_name: 'worker',
          start_time_ns: nsAt(T0 + 3600 + i),
          end_time_ns: nsAt(T0 + 5000 + i),
        }),
      ),
    ),
    // Failed by the root's error status, not by a child.
    ...session('rooterr', T0 + 4000, [llm(0.2)], {}).map((r) => (r.kind === 'session' ? { ...r, status: 'error' as const } : r)),
    // Other workflow, other agent, other project, outside the range, and one still running (no root).
    ...session('otherwf', T0 + 5000, [llm(9)], { workflow: 'other' }),
    ...session('otheragent', T0 + 6000, [llm(9)], { agent_name: 'someone' }),
    ...session('otherproj', T0 + 7000, [llm(9)], {}, 'cm-other'),
    ...session('late', T0 + 10 * 86_400_000, [llm(9)]),
    ...session('running', T0 + 8000, [llm(9)]).filter((r) => r.kind !== 'session'),
  ];
  await store.insertSpans(rows);
  // A duplicate delivery of a whole session (an exporter retry) is not counted twice.
  await store.insertSpans(rows.filter((r) => r.session_id === 'retry'));
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

const range = { fromMs: T0, toMs: T0 + 86_400_000 };

describe('cost model: sessions of a workflow', () => {
  it('reads one row per ended session with cost, status, tool calls, failures, retries, replans', async () => {
    const r = await listCostModelSessions(store, { projectId: 'cm', workflow: 'wf', agent: 'boss', ...range, maxSessions: 100 });
    expect(r.truncated).toBe(false);
    const by = Object.fromEntries(r.rows.map((x) => [x.session_id, x]));
    expect(Object.keys(by).sort()).toEqual(['fanout', 'plain', 'replan', 'retry', 'rooterr']);
    expect(r.rows.map((x) => x.session_id)).toEqual(['rooterr', 'fanout', 'replan', 'retry', 'plain']); // newest first
    expect(by.fanout).toMatchObject({ replans: 0, steps: 4 });
    expect(by.plain).toEqual({
      session_id: 'plain',
      start_ms: T0 + 1000,
      cost_usd: 0.1,
      failed: false,
      steps: 5,
      tool_calls: 2,
      failed_tool_calls: 0,
      retries: 0,
      replans: 0,
    });
    expect(by.retry).toMatchObject({
      cost_usd: 1,
      failed: true,
      steps: 7,
      tool_calls: 5,
      failed_tool_calls: 1,
      retries: 3,
      replans: 0,
    });
    expect(by.replan).toMatchObject({ cost_usd: 0.5, failed: false, tool_calls: 0, retries: 0, replans: 3 });
    expect(by.rooterr).toMatchObject({ failed: true, failed_tool_calls: 0 });
  });

  it('filters by agent or workflow alone, by project first, and caps the sessions read', async () => {
    const anyWf = await listCostModelSessions(store, { projectId: 'cm', agent: 'boss', ...range, maxSessions: 100 });
    expect(anyWf.rows.map((x) => x.session_id).sort()).toEqual(['fanout', 'otherwf', 'plain', 'replan', 'retry', 'rooterr']);
    const anyAgent = await listCostModelSessions(store, { projectId: 'cm', workflow: 'wf', ...range, maxSessions: 100 });
    expect(anyAgent.rows.map((x) => x.session_id)).toContain('otheragent');
    expect(anyAgent.rows.map((x) => x.session_id)).not.toContain('otherproj');
    const capped = await listCostModelSessions(store, {
      projectId: 'cm',
      workflow: 'wf',
      agent: 'boss',
      ...range,
      maxSessions: 2,
    });
    expect(capped).toMatchObject({ truncated: true });
    expect(capped.rows.map((x) => x.session_id)).toEqual(['rooterr', 'fanout']);
    const none = await listCostModelSessions(store, { projectId: 'nobody', ...range, maxSessions: 10 });
    expect(none).toEqual({ rows: [], truncated: false });
  });
});
