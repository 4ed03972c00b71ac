import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { SpanRow } from '@cairn/schemas';
import type { Store } from '@cairn/storage';
import { BASE_NS, MS, bearer, getJson, makeApp, makeProject, openTempStore, span, type TestProject } from './helpers.js';

let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let p: TestProject;

const id = (c: string): string => c.repeat(16).slice(0, 16);
const at = (ms: number): bigint => BASE_NS + BigInt(ms) * MS;

/**
 * A multi-agent session: an orchestrator starts two sub-agents at the same instant; their
 * steps interleave in time. One child starts in the same nanosecond as its parent and has a
 * smaller span id (parents must still come first).
 */
function multiAgentSession(): SpanRow[] {
  const s = (o: Partial<SpanRow> & { span_id: string; startMs: number; endMs: number }): SpanRow => {
    const { startMs, endMs, ...rest } = o;
    return span({
      project_id: p.projectId,
      session_id: 'ma-1',
      workflow: 'research',
      user_id: 'u-42',
      start_time_ns: at(startMs),
      end_time_ns: at(endMs),
      ...rest,
    });
  };
  return [
    s({
      span_id: id('f'),
      kind: 'session',
      name: 'invoke_agent orchestrator',
      agent_name: 'orchestrator',
      startMs: 0,
      endMs: 1000,
    }),
    s({
      span_id: id('0'),
      parent_span_id: id('f'),
      kind: 'step',
      name: 'plan',
      agent_name: 'orchestrator',
      startMs: 0,
      endMs: 5,
    }),
    s({
      span_id: id('1'),
      parent_span_id: id('f'),
      kind: 'llm',
      name: 'chat gpt-4o',
      agent_name: 'orchestrator',
      model: 'gpt-4o',
      startMs: 10,
      endMs: 90,
      cost_usd: 0.01,
      input_tokens: 100,
      output_tokens: 20,
      confidence: 0.9,
      input: '[{"role":"user","content":"go"}]',
      output: '[{"role":"assistant","content":"ok"}]',
    }),
    s({
      span_id: id('b'),
      parent_span_id: id('f'),
      kind: 'agent',
      name: 'invoke_agent analyzer',
      agent_name: 'analyzer',
      startMs: 100,
      endMs: 400,
    }),
    s({
      span_id: id('a'),
      parent_span_id: id('f'),
      kind: 'agent',
      name: 'invoke_agent data-miner',
      agent_name: 'data-miner',
      startMs: 100,
      endMs: 350,
    }),
    s({
      span_id: id('2'),
      parent_span_id: id('a'),
      kind: 'llm',
      name: 'chat',
      agent_name: 'data-miner',
      model: 'gpt-4o-mini',
      startMs: 110,
      endMs: 140,
      cost_usd: 0.02,
      confidence: 0.7,
    }),
    s({
      span_id: id('3'),
      parent_span_id: id('b'),
      kind: 'tool',
      name: 'execute_tool search',
      agent_name: 'analyzer',
      tool_name: 'search',
      startMs: 120,
      endMs: 180,
      input: '{"q":"x"}',
      output: '{"hits":3}',
    }),
    s({
      span_id: id('4'),
      parent_span_id: id('a'),
      kind: 'tool',
      name: 'execute_tool fetch',
      agent_name: 'data-miner',
      tool_name: 'fetch',
      startMs: 150,
      endMs: 160,
      state: '{"rows":1}',
    }),
    s({
      span_id: id('5'),
      parent_span_id: id('b'),
      kind: 'llm',
      name: 'chat',
      agent_name: 'analyzer',
      model: 'claude',
      startMs: 200,
      endMs: 240,
      cost_usd: 0.05,
      confidence: 0.3,
      state: '{"rows":2,"done":false}',
    }),
    s({
      span_id: id('6'),
      parent_span_id: id('b'),
      kind: 'escalation',
      name: 'escalate',
      agent_name: 'analyzer',
      startMs: 250,
      endMs: 251,
      has_escalation: true,
      status: 'error',
      status_message: 'low confidence',
    }),
    s({
      span_id: id('7'),
      parent_span_id: id('a'),
      kind: 'llm',
      name: 'chat',
      agent_name: 'data-miner',
      model: 'gpt-4o-mini',
      startMs: 300,
      endMs: 340,
      cost_usd: 0.03,
    }),
  ];
}

/**
 * Text a step may carry that the steps query must pass through exactly: JSON's escapes (quote,
 * backslash, control characters), the steps query's own separators (tab, newline), non-ASCII and
 * a slash; in ids too (the paging cursor carries one).
 */
const AWKWARD = ['say "hi"\\ now', 'tab\there\nnewline\r\u0001', 'café — 東京 🚀', 'a/b</script>', ''];

function awkwardTextSession(): SpanRow[] {
  return AWKWARD.map((text, i) =>
    span({
      project_id: p.projectId,
      session_id: 'text-1',
      span_id: i === 0 ? 'root' : `id\t"${i}"é`,
      parent_span_id: i === 0 ? '' : 'root',
      kind: i === 0 ? 'session' : 'tool',
      name: text,
      agent_name: AWKWARD[(i + 1) % AWKWARD.length]!,
      status: i === 2 ? 'error' : 'ok',
      status_message: AWKWARD[(i + 2) % AWKWARD.length]!,
      model: AWKWARD[(i + 3) % AWKWARD.length]!,
      tool_name: AWKWARD[(i + 4) % AWKWARD.length]!,
      start_time_ns: at(i * 10) + 123_456n,
      end_time_ns: at(i * 10 + 7),
      cost_usd: i * 0.1,
    }),
  );
}

const EXPECTED_ORDER = [id('f'), id('0'), id('1'), id('a'), id('b'), id('2'), id('3'), id('4'), id('5'), id('6'), id('7')];

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  p = await makeProject(store, 'proj-replay');
  const rows = multiAgentSession();
  // Inserted in two batches out of order, like two exporters flushing at different times.
  await store.insertSpans(rows.slice(5));
  await store.insertSpans(rows.slice(0, 5));
  // A retried span (same trace and span id) not merged yet must appear once in the replay.
  const retried = span({
    project_id: p.projectId,
    session_id: 'dup-1',
    span_id: id('2'),
    parent_span_id: id('1'),
    start_time_ns: at(5),
    end_time_ns: at(9),
    cost_usd: 1,
  });
  await store.insertSpans([
    span({
      project_id: p.projectId,
      session_id: 'dup-1',
      span_id: id('1'),
      kind: 'session',
      start_time_ns: at(0),
      end_time_ns: at(50),
    }),
    retried,
  ]);
  await store.insertSpans([retried]);
  await store.insertSpans(awkwardTextSession());
  app = await makeApp(store);
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

describe('GET /api/sessions/:id (replay)', () => {
  it('passes any text of a step through exactly, and pages over ids that need escaping', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/sessions/text-1', headers: bearer(p.admin) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    const body = res.json();
    const rows = awkwardTextSession();
    expect(body.steps).toHaveLength(rows.length);
    let running = 0;
    body.steps.forEach((step: Record<string, unknown>, i: number) => {
      const r = rows[i]!;
      running += r.cost_usd;
      expect(step).toEqual({
        index: i,
        span_id: r.span_id,
        parent_span_id: r.parent_span_id === '' ? null : r.parent_span_id,
        kind: r.kind,
        name: r.name,
        agent_name: r.agent_name,
        start_time: new Date(Number(r.start_time_ns / MS)).toISOString(),
        offset_ms: Number(r.start_time_ns - rows[0]!.start_time_ns) / 1e6,
        duration_ms: Number(r.end_time_ns - r.start_time_ns) / 1e6,
        status: r.status,
        status_message: r.status_message,
        model: r.model,
        input_tokens: r.input_tokens,
        output_tokens: r.output_tokens,
        cost_usd: r.cost_usd,
        cumulative_cost_usd: Math.round(running * 1e10) / 1e10,
        confidence: r.confidence,
        tool_name: r.tool_name,
        has_state: r.state !== '',
        has_escalation: r.has_escalation,
        has_limit_hit: r.has_limit_hit,
      });
    });
    // One step a page: every cursor carries an id that needs escaping.
    const paged: unknown[] = [];
    let url = '/api/sessions/text-1?steps_limit=1';
    for (let n = 0; n < 10; n++) {
      const page = await getJson(app, url, p.admin);
      expect(page.status).toBe(200);
      paged.push(...page.body.steps);
      if (!page.body.next_steps_cursor) break;
      url = `/api/sessions/text-1?steps_limit=1&steps_cursor=${encodeURIComponent(page.body.next_steps_cursor)}`;
    }
    expect(paged).toEqual(body.steps);
  });

  it('returns the summary and every step in replay order with the tree and cumulative cost', async () => {
    const { status, body } = await getJson(app, '/api/sessions/ma-1', p.admin);
    expect(status).toBe(200);
    expect(body.session).toMatchObject({
      session_id: 'ma-1',
      agent_name: 'orchestrator',
      workflow: 'research',
      user_id: 'u-42',
      status: 'ok',
      steps: 11,
      llm_calls: 4,
      tool_calls: 2,
      escalations: 1,
      errors: 1,
      snapshots: 2,
      min_confidence: 0.3,
      duration_ms: 1000,
      start_time: new Date(Number(at(0) / MS)).toISOString(),
    });
    expect(body.session.cost_usd).toBeCloseTo(0.11, 10);
    expect(body.steps.map((s: { span_id: string }) => s.span_id)).toEqual(EXPECTED_ORDER);
    expect(body.steps.map((s: { index: number }) => s.index)).toEqual(EXPECTED_ORDER.map((_, i) => i));
    const byId = new Map(multiAgentSession().map((r) => [r.span_id, r]));
    let running = 0;
    for (const step of body.steps) {
      const src = byId.get(step.span_id)!;
      running += src.cost_usd;
      expect(step.parent_span_id).toBe(src.parent_span_id === '' ? null : src.parent_span_id);
      expect(step.agent_name).toBe(src.agent_name);
      expect(step.kind).toBe(src.kind);
      expect(step.cumulative_cost_usd).toBeCloseTo(running, 12);
      expect(step.offset_ms).toBe(Number(src.start_time_ns - at(0)) / 1e6);
      expect(step.duration_ms).toBe(Number(src.end_time_ns - src.start_time_ns) / 1e6);
      expect(step.has_state).toBe(src.state !== '');
      expect(step.has_escalation).toBe(src.has_escalation);
      expect(step.confidence).toBe(src.confidence);
      // Light columns only: payloads come from the step route.
      expect(step).not.toHaveProperty('input');
      expect(step).not.toHaveProperty('state');
    }
    expect(body.next_steps_cursor).toBeNull();
  });

  it('every parent precedes its children and each branch keeps its own chronology', async () => {
    const { body } = await getJson(app, '/api/sessions/ma-1', p.admin);
    const pos = new Map(body.steps.map((s: { span_id: string }, i: number) => [s.span_id, i]));
    for (const s of body.steps)
      if (s.parent_span_id) expect(pos.get(s.parent_span_id)).toBeLessThan(pos.get(s.span_id) as number);
    const branch = (parent: string) =>
      body.steps
        .filter((s: { parent_span_id: string }) => s.parent_span_id === parent)
        .map((s: { span_id: string }) => s.span_id);
    expect(branch(id('a'))).toEqual([id('2'), id('4'), id('7')]);
    expect(branch(id('b'))).toEqual([id('3'), id('5'), id('6')]);
  });

  it('pages steps without overlap or gaps, never splitting equal start times, and carries the running cost', async () => {
    const { body: full } = await getJson(app, '/api/sessions/ma-1', p.admin);
    const collected: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/sessions/ma-1?steps_limit=4${cursor ? `&steps_cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { status, body } = await getJson(app, url, p.admin);
      expect(status).toBe(200);
      expect(body.steps.length).toBeLessThanOrEqual(4);
      expect(body.steps.length).toBeGreaterThan(0);
      collected.push(...body.steps);
      cursor = body.next_steps_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(collected).toEqual(full.steps);
    expect(pages).toBeGreaterThan(2);
  });

  it('shows a retried span once', async () => {
    const { body } = await getJson(app, '/api/sessions/dup-1', p.admin);
    expect(body.steps.map((s: { span_id: string }) => s.span_id)).toEqual([id('1'), id('2')]);
    expect(body.steps[1].cumulative_cost_usd).toBe(1);
  });

  it('pages over a retried span without repeating it', async () => {
    // The two copies of span 2 follow the root: with 1 step a page they straddle the limit, with
    // 2 they share a page. (A last page may come back empty when the copies end the session.)
    for (const limit of [1, 2]) {
      const ids: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/api/sessions/dup-1?steps_limit=${limit}${cursor ? `&steps_cursor=${encodeURIComponent(cursor)}` : ''}`;
        const { status, body } = await getJson(app, url, p.admin);
        expect(status).toBe(200);
        ids.push(...body.steps.map((s: { span_id: string }) => s.span_id));
        cursor = body.next_steps_cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(ids).toEqual([id('1'), id('2')]);
    }
  });

  it('steps_limit=0 returns the summary only', async () => {
    const { body } = await getJson(app, '/api/sessions/ma-1?steps_limit=0', p.admin);
    expect(body.steps).toEqual([]);
    expect(body.session.steps).toBe(11);
  });

  it('answers 404 for an unknown session and 400 for bad paging parameters', async () => {
    const missing = await getJson(app, '/api/sessions/nope', p.admin);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toEqual({ code: 'CAIRN_NOT_FOUND', message: 'no session "nope" in this project' });
    for (const q of [
      'steps_limit=-1',
      'steps_limit=abc',
      'steps_limit=50001',
      'steps_cursor=garbage',
      'steps_cursor=' + Buffer.from('{"k":"sessions:recent:desc"}').toString('base64url'),
      'bogus=1',
    ]) {
      const r = await getJson(app, `/api/sessions/ma-1?${q}`, p.admin);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe('CAIRN_BAD_REQUEST');
      expect(r.body.error.message.length, q).toBeGreaterThan(10);
    }
  });
});

describe('invalid ids', () => {
  it('answer 400 naming the parameter', async () => {
    for (const url of [
      `/api/sessions/${'s'.repeat(513)}`,
      `/api/sessions/ma-1/steps/${'a'.repeat(65)}`,
      `/api/sessions/${'s'.repeat(513)}/export`,
    ]) {
      const r = await getJson(app, url, p.admin);
      expect(r.status, url).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'CAIRN_BAD_REQUEST' });
      expect(r.body.error.message, url).toMatch(/^params\/(id|span_id) must NOT have more than/);
    }
  });
});

describe('GET /api/sessions/:id/steps/:span_id', () => {
  it('returns the payloads and the previous snapshot to diff against', async () => {
    const { status, body } = await getJson(app, `/api/sessions/ma-1/steps/${id('5')}`, p.admin);
    expect(status).toBe(200);
    expect(body.step).toMatchObject({
      span_id: id('5'),
      parent_span_id: id('b'),
      state: '{"rows":2,"done":false}',
      model: 'claude',
      agent_name: 'analyzer',
      attributes: {},
      events: [],
    });
    expect(body.previous_state).toEqual({
      span_id: id('4'),
      start_time: new Date(Number(at(150) / MS)).toISOString(),
      state: '{"rows":1}',
    });
    const tool = await getJson(app, `/api/sessions/ma-1/steps/${id('3')}`, p.admin);
    expect(tool.body.step).toMatchObject({ tool_name: 'search', input: '{"q":"x"}', output: '{"hits":3}', state: null });
    expect(tool.body.previous_state).toBeNull();
    const after = await getJson(app, `/api/sessions/ma-1/steps/${id('7')}`, p.admin);
    expect(after.body.previous_state.span_id).toBe(id('5'));
  });

  it('answers 404 for a step of another session', async () => {
    const r = await getJson(app, `/api/sessions/dup-1/steps/${id('5')}`, p.admin);
    expect(r.status).toBe(404);
  });
});

describe('scores', () => {
  const post = (body: unknown, key = p.admin) =>
    app.inject({
      method: 'POST',
      url: '/api/scores',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });

  it('records numeric, categorical and boolean scores on a session and a step, shown with the session', async () => {
    const a = await post({ session_id: 'ma-1', name: 'helpfulness', value: 0.8, comment: 'good', source: 'human' });
    expect(a.statusCode).toBe(201);
    expect(a.json().score).toMatchObject({
      session_id: 'ma-1',
      span_id: null,
      name: 'helpfulness',
      data_type: 'numeric',
      value: 0.8,
      comment: 'good',
      source: 'human',
    });
    const b = await post({ session_id: 'ma-1', span_id: id('5'), name: 'label', value: 'hallucination' });
    expect(b.json().score).toMatchObject({ span_id: id('5'), data_type: 'categorical', value: 'hallucination', source: 'api' });
    const c = await post({ session_id: 'ma-1', name: 'passed', value: true, source: 'eval' });
    expect(c.json().score).toMatchObject({ data_type: 'boolean', value: true });
    const d = await post({ session_id: 'ma-1', name: 'numeric-text', value: '5' });
    expect(d.json().score).toMatchObject({ data_type: 'categorical', value: '5' });
    const { body } = await getJson(app, '/api/sessions/ma-1?steps_limit=0', p.admin);
    expect(body.scores.map((s: { name: string; value: unknown }) => [s.name, s.value])).toEqual([
      ['helpfulness', 0.8],
      ['label', 'hallucination'],
      ['passed', true],
      ['numeric-text', '5'],
    ]);
  });

  it('refuses invalid bodies with 400 and unknown sessions or steps with 404', async () => {
    const bad: unknown[] = [
      {},
      { session_id: 'ma-1', name: 'x' },
      { session_id: 'ma-1', name: '', value: 1 },
      { session_id: 'ma-1', name: 'x', value: { a: 1 } },
      { session_id: 'ma-1', name: 'x', value: 1, source: 'robot' },
      { session_id: 'ma-1', name: 'x', value: 1, extra: true },
      { session_id: 'ma-1', name: 'x', value: 'y'.repeat(201) },
    ];
    for (const body of bad) {
      const r = await post(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.code).toBe('CAIRN_BAD_REQUEST');
    }
    const notJson = await app.inject({
      method: 'POST',
      url: '/api/scores',
      headers: { ...bearer(p.admin), 'content-type': 'application/json' },
      payload: '{"session_id":',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.code).toBe('CAIRN_MALFORMED_JSON');
    expect((await post({ session_id: 'nope', name: 'x', value: 1 })).statusCode).toBe(404);
    expect((await post({ session_id: 'ma-1', span_id: 'nope', name: 'x', value: 1 })).statusCode).toBe(404);
  });
});

describe('GET /api/sessions/:id/export', () => {
  it('exports the session with every payload in replay order', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/sessions/ma-1/export', headers: bearer(p.admin) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain('cairn-session-ma-1.json');
    const body = res.json();
    expect(body.format).toBe('cairn.session.v1');
    expect(body.session.session_id).toBe('ma-1');
    expect(body.steps.map((s: { span_id: string }) => s.span_id)).toEqual(EXPECTED_ORDER);
    const llm = body.steps.find((s: { span_id: string }) => s.span_id === id('1'));
    expect(llm).toMatchObject({
      input: '[{"role":"user","content":"go"}]',
      output: '[{"role":"assistant","content":"ok"}]',
      input_tokens: 100,
    });
    expect(body.scores.length).toBeGreaterThan(0);
  });

  // The export is sent as bytes (plainJsonBytes): they must be the UTF-8 of the JSON text, as a
  // string answer would have been, non-ASCII and escapes included, with their own length.
  it('answers the UTF-8 bytes of its JSON text, whatever text the steps carry', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/sessions/text-1/export', headers: bearer(p.admin) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    const body = res.json();
    expect(body.steps.map((s: { name: string }) => s.name)).toEqual(AWKWARD);
    expect(res.rawPayload.equals(Buffer.from(JSON.stringify(body), 'utf8'))).toBe(true);
  });
});
