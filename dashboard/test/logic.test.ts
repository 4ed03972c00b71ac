import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Step } from '@cairn/schemas';
import { buildModel, downsample, filterSteps, nextIn, visibleRows } from '../src/pages/replay/replay-model';
import { diffJson, diffStats } from '../src/lib/json-diff';
import { ANOMALY_TYPES } from '@cairn/schemas';
import { apiQueryOf, costOutliers, isFiltered, paramsOf, viewOf } from '../src/pages/sessions/session-query';
import { qs } from '../src/api/client';
import { ANOMALY_LABELS, ANOMALY_TYPE_LIST } from '../src/lib/anomalies';
import { absoluteTime, money } from '../src/lib/format';
import { costCapView } from '../src/pages/replay/cost-caps';
import { perMillion, searchPrices } from '../src/lib/prices';
import { PRICE_TABLE, priceOf, type Price } from '@cairn/schemas';
import { createPrefetchCache, FIRST_PAGE, firstPagePath, sessionPagePath } from '../src/pages/replay/session-prefetch';
import { ApiError } from '../src/api/client';
import { afterPaint } from '../src/lib/after-paint';

function step(i: number, span: string, parent: string | null, extra: Partial<Step> = {}): Step {
  return {
    index: i,
    span_id: span,
    parent_span_id: parent,
    kind: 'llm',
    name: `s${i}`,
    agent_name: 'a',
    start_time: '',
    offset_ms: i * 10,
    duration_ms: 5,
    status: 'ok',
    status_message: '',
    model: '',
    input_tokens: 0,
    output_tokens: 0,
    cost_usd: 0,
    cumulative_cost_usd: 0,
    confidence: null,
    tool_name: '',
    has_state: false,
    has_escalation: false,
    has_limit_hit: false,
    ...extra,
  };
}

describe('replay model', () => {
  // Replay order interleaves two parallel sub-agents; the tree groups each one's children.
  const steps = [
    step(0, 'root', null, { kind: 'session' }),
    step(1, 'A', 'root', { kind: 'agent', agent_name: 'a1' }),
    step(2, 'B', 'root', { kind: 'agent', agent_name: 'b1' }),
    step(3, 'a-1', 'A', { agent_name: 'a1', status: 'error' }),
    step(4, 'b-1', 'B', { agent_name: 'b1', has_escalation: true }),
    step(5, 'a-2', 'A', { agent_name: 'a1', has_limit_hit: true }),
    step(6, 'orphan', 'never-arrived'),
  ];
  const m = buildModel(steps);

  it('orders the tree depth-first with depths, lanes per agent, and markers', () => {
    expect([...m.treeOrder]).toEqual([0, 1, 3, 5, 2, 4, 6]);
    expect([...m.depth]).toEqual([0, 1, 1, 2, 2, 2, 0]);
    expect(m.agents).toEqual(['a', 'a1', 'b1']);
    expect(m.errors).toEqual([3]);
    expect(m.incidents).toEqual([3, 4, 5]);
    expect(m.treePos[4]).toBe(5);
  });

  it('hides collapsed subtrees and filters by text', () => {
    expect([...visibleRows(m, new Set([1]))]).toEqual([0, 1, 2, 4, 6]);
    expect([...visibleRows(m, new Set([0]))]).toEqual([0, 6]);
    expect([...filterSteps(m, 'B1')]).toEqual([2, 4]);
  });

  it('jumps between incidents and downsamples keeping markers', () => {
    expect(nextIn(m.incidents, 3, 1)).toBe(4);
    expect(nextIn(m.incidents, 3, -1)).toBeUndefined();
    expect(nextIn(m.incidents, 6, -1)).toBe(5);
    const d = downsample(10_000, 100, [4321]);
    expect(d.length).toBeLessThanOrEqual(102);
    expect(d).toContain(4321);
    expect(d).toContain(9999);
    expect(downsample(5, 100)).toEqual([0, 1, 2, 3, 4]);
  });

  it('survives a 10,000-deep chain without recursion', () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => step(i, `s${i}`, i ? `s${i - 1}` : null));
    const big = buildModel(chain);
    expect(big.depth[9999]).toBe(9999);
    expect(big.treeOrder[9999]).toBe(9999);
  });
});

describe('state diff', () => {
  it('marks added, removed and changed keys, nested and in arrays', () => {
    const prev = { goal: 'g', facts: ['a'], plan: { step: 1, keep: true }, gone: { x: 1 } };
    const cur = { facts: ['a', 'b'], plan: { step: 2, keep: true }, draft: 'd', gone: 5 };
    const d = diffJson(prev, cur);
    const by = Object.fromEntries(d.children!.map((c) => [c.key, c]));
    expect(by.goal!.status).toBe('removed');
    expect(by.draft!.status).toBe('added');
    expect(by.facts!.status).toBe('same');
    expect(by.facts!.dirty).toBe(true);
    expect(by.facts!.children![1]!.status).toBe('added');
    expect(by.plan!.children!.find((c) => c.key === 'step')).toMatchObject({ status: 'changed', value: 2, before: 1 });
    expect(by.plan!.children!.find((c) => c.key === 'keep')!.dirty).toBe(false);
    expect(by.gone).toMatchObject({ status: 'changed', before: { x: 1 } });
    expect(diffStats(d)).toEqual({ added: 2, removed: 1, changed: 2 });
  });

  it('shows everything unchanged when there is no previous snapshot', () => {
    const d = diffJson(undefined, { a: 1 }, '$', false);
    expect(d.dirty).toBe(false);
    expect(diffStats(d)).toEqual({ added: 0, removed: 0, changed: 0 });
  });
});

describe('sessions view', () => {
  it('round-trips the URL and maps to API filters', () => {
    const v = viewOf(new URLSearchParams('agent=a,b&min_cost=0.5&escalated=1&sort=cost&order=asc&range=1h&junk=1'));
    expect(paramsOf(v).toString()).toBe('range=1h&agent=a%2Cb&min_cost=0.5&escalated=1&sort=cost&order=asc');
    const q = apiQueryOf(v, Date.parse('2026-01-01T01:00:00Z'));
    expect(q).toMatchObject({
      agent: ['a', 'b'],
      min_cost: 0.5,
      has_escalation: true,
      sort: 'cost',
      order: 'asc',
      from: '2026-01-01T00:00:00.000Z',
    });
    expect(apiQueryOf(viewOf(new URLSearchParams('min_cost=abc')), 0).min_cost).toBeUndefined();
  });

  it('maps "anomalies only" and an anomaly type between the URL and ?anomaly=', () => {
    const only = viewOf(new URLSearchParams('anomaly=any&agent=a'));
    expect(only.anomaly).toBe('any');
    expect(paramsOf(only).toString()).toBe('agent=a&anomaly=any');
    expect(apiQueryOf(only, 0).anomaly).toBe('any');
    expect(isFiltered(only)).toBe(true);

    const typed = viewOf(new URLSearchParams('anomaly=retry_loop'));
    expect(paramsOf(typed).toString()).toBe('anomaly=retry_loop');
    expect(apiQueryOf(typed, 0)).toMatchObject({ anomaly: 'retry_loop' });
    // The qs() of the page sends it as one ?anomaly= value, which the API reads as a list.
    expect(qs(apiQueryOf(typed, 0))).toContain('anomaly=retry_loop');

    // No filter, or a type the API does not know (a hand-edited link): nothing is sent.
    for (const search of ['', 'anomaly=', 'anomaly=bogus']) {
      const v = viewOf(new URLSearchParams(search));
      expect(v.anomaly).toBe('');
      expect(paramsOf(v).has('anomaly')).toBe(false);
      expect(apiQueryOf(v, 0).anomaly).toBeUndefined();
      expect(isFiltered(v)).toBe(false);
    }
    // Every detector type round-trips and has a badge label.
    for (const t of ANOMALY_TYPE_LIST) {
      expect(viewOf(paramsOf({ ...viewOf(new URLSearchParams()), anomaly: t })).anomaly).toBe(t);
      expect(ANOMALY_LABELS[t].label.length).toBeGreaterThan(0);
    }
    expect([...ANOMALY_TYPE_LIST].sort()).toEqual([...ANOMALY_TYPES].sort());
  });

  it('flags sessions costing over 3x their agent median', () => {
    const rows = [1, 1, 1.2, 5].map((c, i) => ({ session_id: `s${i}`, agent_name: 'x', cost_usd: c }));
    expect([...costOutliers(rows)]).toEqual(['s3']);
    expect(costOutliers(rows.slice(2)).size).toBe(0);
  });

  it('formats small money with significant digits', () => {
    expect(money(0.000123)).toBe('$0.000123');
    expect(money(0.4123)).toBe('$0.4123');
    expect(money(12.345)).toBe('$12.35');
    expect(money(0)).toBe('$0');
  });
});

describe("replay: the run's cost cap on the cumulative-cost chart", () => {
  it('draws 50/80/100 % lines once the run reached half its cap', () => {
    const v = costCapView(0.02, 0.01);
    expect(v.kind).toBe('lines');
    if (v.kind !== 'lines') return;
    expect(v.lines.map((l) => [l.percent, l.usd, l.label])).toEqual([
      [50, 0.01, '50% $0.0100'],
      [80, 0.016, '80% $0.0160'],
      [100, 0.02, '100% $0.0200'],
    ]);
    expect(costCapView(0.02, 0.05).kind).toBe('lines'); // over the cap: still lines
  });

  it('shows a "cap $X" note instead while the run stayed under half (the lines would flatten the curve)', () => {
    expect(costCapView(0.25, 0.0042)).toEqual({ kind: 'note', capUsd: 0.25, label: 'cap $0.2500' });
    expect(costCapView(0.25, 0.1249).kind).toBe('note');
    expect(costCapView(0, 0).kind).toBe('note');
  });

  it('shows nothing without a cost cap', () => {
    for (const cap of [null, undefined, Number.NaN, -1]) expect(costCapView(cap, 1)).toEqual({ kind: 'none' });
  });
});

describe('settings: model prices', () => {
  // The rows as GET /api/prices answers them.
  const prices: Price[] = PRICE_TABLE.map(priceOf);

  it('formats prices per million tokens with cents at least', () => {
    expect([2.5, 10, 0.075, 0.0375, 1.25, 0, 15].map(perMillion)).toEqual([
      '$2.50',
      '$10.00',
      '$0.075',
      '$0.0375',
      '$1.25',
      '$0',
      '$15.00',
    ]);
  });

  it('narrows by provider, model or pattern text, in match order', () => {
    expect(searchPrices(prices, '')).toHaveLength(prices.length);
    const claude = searchPrices(prices, 'Claude');
    expect(claude.length).toBeGreaterThan(3);
    expect(claude.every((r) => r.price.provider === 'anthropic')).toBe(true);
    expect(searchPrices(prices, 'no-such-model-xyz')).toEqual([]);
  });

  it('finds the row that prices a pasted model id: the first matching pattern, like the collector', () => {
    const rows = searchPrices(prices, 'openai/gpt-4o-2024-08-06');
    expect(rows.filter((r) => r.pricesQuery).map((r) => r.price.model)).toEqual(['gpt-4o']);
    // gpt-4o-mini comes first in the table, but its pattern does not match this id.
    expect(searchPrices(prices, 'gpt-4o-mini-2024-07-18').find((r) => r.pricesQuery)?.price.model).toBe('gpt-4o-mini');
  });
});

describe('session prefetch cache', () => {
  function loader() {
    const calls: string[] = [];
    const fail = new Set<string>();
    return {
      calls,
      fail,
      load: (path: string) => {
        calls.push(path);
        return fail.has(path) ? Promise.reject(new Error(`failed ${path}`)) : Promise.resolve({ path, n: calls.length });
      },
    };
  }

  it('one request per session for the router prefetch and the page read, used once', async () => {
    const l = loader();
    const cache = createPrefetchCache(l.load);
    const a = sessionPagePath('sess a/1', FIRST_PAGE);
    expect(a).toBe('/api/sessions/sess%20a%2F1?steps_limit=200');
    cache.prefetch(a);
    cache.prefetch(a); // a second render of the same navigation
    cache.prefetch(sessionPagePath('other', FIRST_PAGE));
    expect(l.calls).toEqual([a, '/api/sessions/other?steps_limit=200']);
    const taken = cache.take(a);
    expect(await taken).toEqual({ path: a, n: 1 });
    expect(l.calls).toHaveLength(2);
    // Used: the page's reload (or the next open) asks the server again.
    expect(cache.take(a)).toBeUndefined();
    // Other params (a later page) are not the prefetched request.
    expect(cache.take(sessionPagePath('other', 20_000, 'c1'))).toBeUndefined();
  });

  it('entries expire: a stale answer is not handed to the page and a new prefetch asks again', async () => {
    const l = loader();
    let t = 0;
    const cache = createPrefetchCache(l.load, { ttlMs: 1000, now: () => t });
    const a = sessionPagePath('s', FIRST_PAGE);
    cache.prefetch(a);
    t = 1001;
    expect(cache.take(a)).toBeUndefined();
    cache.prefetch(a);
    t = 1500;
    cache.prefetch(a); // still fresh: no third request
    expect(l.calls).toEqual([a, a]);
    expect(await cache.take(a)).toEqual({ path: a, n: 2 });
  });

  it('an unused entry is dropped after its time', async () => {
    const l = loader();
    const cache = createPrefetchCache(l.load, { ttlMs: 20 });
    const a = sessionPagePath('s', FIRST_PAGE);
    cache.prefetch(a);
    await new Promise((r) => setTimeout(r, 40));
    expect(cache.take(a)).toBeUndefined();
  });

  it('a failed request reaches the page as the rejection, not as an unhandled one', async () => {
    const l = loader();
    const cache = createPrefetchCache(l.load);
    const a = sessionPagePath('missing', FIRST_PAGE);
    l.fail.add(a);
    cache.prefetch(a);
    await new Promise((r) => setTimeout(r, 0)); // rejected before anyone takes it
    await expect(cache.take(a)).rejects.toThrow(`failed ${a}`);
    expect(l.calls).toHaveLength(1);
    // Never taken: no unhandled rejection either (vitest fails the run on one).
    const b = sessionPagePath('gone', FIRST_PAGE);
    l.fail.add(b);
    cache.prefetch(b);
    await new Promise((r) => setTimeout(r, 0));
  });

  it('a 401 (signed out) is not kept: after signing in the page asks again', async () => {
    const calls: string[] = [];
    let signedIn = false;
    const cache = createPrefetchCache((path: string) => {
      calls.push(path);
      return signedIn ? Promise.resolve({ path }) : Promise.reject(new ApiError(401, 'CAIRN_UNAUTHORIZED', 'sign in'));
    });
    const a = sessionPagePath('s', FIRST_PAGE);
    cache.prefetch(a);
    await new Promise((r) => setTimeout(r, 0));
    signedIn = true;
    expect(cache.take(a)).toBeUndefined();
    cache.prefetch(a);
    expect(await cache.take(a)).toEqual({ path: a });
    expect(calls).toEqual([a, a]);
    // Other failures are the page's to show (the e2e test's error box), 401 only is dropped.
    const b = sessionPagePath('gone', FIRST_PAGE);
    const c2 = createPrefetchCache(() => Promise.reject(new ApiError(404, 'CAIRN_NOT_FOUND', 'no session')));
    c2.prefetch(b);
    await new Promise((r) => setTimeout(r, 0));
    await expect(c2.take(b)).rejects.toThrow('no session');
  });

  it('a request already started elsewhere (index.html) is handed to the loader, not asked again', async () => {
    const seen: (Promise<Response> | undefined)[] = [];
    const cache = createPrefetchCache((path: string, started?: Promise<Response>) => {
      seen.push(started);
      return Promise.resolve(path);
    });
    const started = Promise.resolve(new Response('{}'));
    const a = sessionPagePath('s', FIRST_PAGE);
    cache.prefetch(a, started);
    cache.prefetch(a); // the router, once signed in: the fresh entry stands
    expect(seen).toEqual([started]);
    expect(await cache.take(a)).toBe(a);
  });

  it('knows the first page of a replay pathname, and nothing else', () => {
    expect(firstPagePath('/sessions/sess%20a%2F1')).toBe(sessionPagePath('sess a/1', FIRST_PAGE));
    expect(firstPagePath('/sessions/abc/')).toBe('/api/sessions/abc?steps_limit=200');
    expect(firstPagePath('/sessions')).toBeUndefined();
    expect(firstPagePath('/sessions/a/b')).toBeUndefined();
    expect(firstPagePath('/reviews/abc')).toBeUndefined();
    expect(firstPagePath('/sessions/%E0%A4%A')).toBeUndefined(); // malformed escape: no throw
  });
});

describe('absoluteTime', () => {
  it('writes the local date and time as toLocaleString does, then the ISO instant', () => {
    for (const iso of ['2026-12-02T07:10:08.123Z', '2020-02-29T23:59:59.000Z']) {
      expect(absoluteTime(iso)).toBe(`${new Date(iso).toLocaleString(undefined, { hour12: false })} (${iso})`);
    }
    expect(absoluteTime('not a date')).toBe('not a date');
  });
});

describe('afterPaint', () => {
  // A hand-driven animation frame queue: frame() runs the callbacks the page asked for so far.
  let frames: Map<number, () => void>;
  const frame = () => {
    const due = [...frames.values()];
    frames.clear();
    for (const cb of due) cb();
  };
  const withFrames = () => {
    frames = new Map();
    let id = 0;
    vi.stubGlobal('requestAnimationFrame', (cb: () => void) => (frames.set(++id, cb), id));
    vi.stubGlobal('cancelAnimationFrame', (n: number) => frames.delete(n));
  };
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('runs after the next frame, in a task after it (the paint), once', () => {
    vi.useFakeTimers();
    withFrames();
    const ran: string[] = [];
    afterPaint(() => ran.push('after'));
    vi.advanceTimersByTime(0);
    expect(ran).toEqual([]); // no frame yet: nothing painted
    frame();
    expect(ran).toEqual([]); // the frame's callbacks run before its paint
    vi.advanceTimersByTime(0);
    expect(ran).toEqual(['after']);
    vi.advanceTimersByTime(1000);
    frame();
    expect(ran).toEqual(['after']); // the fallback timer does not run it again
  });

  it('without frames (a hidden tab), runs on the fallback timer', () => {
    vi.useFakeTimers();
    withFrames();
    let ran = 0;
    afterPaint(() => ran++, 200);
    vi.advanceTimersByTime(199);
    expect(ran).toBe(0);
    vi.advanceTimersByTime(1);
    expect(ran).toBe(1);
    frame();
    vi.advanceTimersByTime(1000);
    expect(ran).toBe(1);
  });

  it('cancelled (the effect cleaned up), never runs', () => {
    vi.useFakeTimers();
    withFrames();
    let ran = 0;
    const cancel = afterPaint(() => ran++);
    frame();
    cancel();
    vi.advanceTimersByTime(1000);
    frame();
    expect(ran).toBe(0);
  });
});
