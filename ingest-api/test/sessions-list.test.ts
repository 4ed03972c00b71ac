import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { SessionSummary } from '@cairn/schemas';
import type { Store } from '@cairn/storage';
import { expectedSummary, generateCorpus, toSpanRows } from './corpus.js';
import { getJson, makeApp, makeProject, openTempStore, span, watchStatements, type TestProject } from './helpers.js';
import { SORTS, expectedIds, listCases, pageAll } from './list-cases.js';

let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let p: TestProject;
const corpus = generateCorpus(1000);
const expected: SessionSummary[] = corpus.map(expectedSummary);
const byId = new Map(expected.map((s) => [s.session_id, s]));
const get = (url: string) => getJson(app, url, p.admin);

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  p = await makeProject(store, 'proj-list');
  // Written in several batches, each session split across two of them, so the rollup holds
  // partial rows per session that the list must combine.
  const rows = corpus.flatMap((s) => toSpanRows(s, p.projectId));
  const firstHalf = rows.filter((_, i) => i % 2 === 0);
  const secondHalf = rows.filter((_, i) => i % 2 === 1);
  for (const part of [firstHalf, secondHalf]) {
    for (let i = 0; i < part.length; i += 2500) await store.insertSpans(part.slice(i, i + 2500));
  }
  app = await makeApp(store);
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

describe('GET /api/sessions over a 1,000-session corpus', () => {
  it('returns every field of every session as computed from its spans', async () => {
    const { rows } = await pageAll(get, '', 500);
    expect(rows.length).toBe(1000);
    for (const row of rows) expect(row).toEqual(byId.get(row.session_id));
  });

  it('each filter returns exactly the matching sessions, newest first, across pages', async () => {
    for (const c of listCases(expected)) {
      const want = expectedIds(expected, c.match, 'recent', 'desc');
      const got = await pageAll(get, c.query, 37);
      expect(got.ids, c.name).toEqual(want);
      if (c.name !== 'matches nothing') expect(want.length, `${c.name} selects something`).toBeGreaterThan(0);
      if (c.name !== 'no filter') expect(want.length, `${c.name} filters something out`).toBeLessThan(1000);
    }
  });

  it('every sort and order pages through exactly the expected sequence (ties broken by session id)', async () => {
    const combined = listCases(expected).find((c) => c.name === 'combined')!;
    for (const sort of SORTS) {
      for (const order of ['desc', 'asc'] as const) {
        const all = await pageAll(get, `sort=${sort}&order=${order}`, 97);
        expect(all.ids, `${sort} ${order}`).toEqual(expectedIds(expected, () => true, sort, order));
        expect(all.pages).toBe(Math.ceil(1000 / 97));
        const some = await pageAll(get, `${combined.query}&sort=${sort}&order=${order}`, 11);
        expect(some.ids, `combined ${sort} ${order}`).toEqual(expectedIds(expected, combined.match, sort, order));
      }
    }
  });

  it('a cursor stays valid while new sessions arrive: no row is repeated or skipped', async () => {
    const first = await get('/api/sessions?sort=cost&limit=50');
    // A new session that sorts after the first page (cheaper than its last row).
    const last: SessionSummary = first.body.sessions[49];
    await store.insertSpans([
      span({
        project_id: p.projectId,
        session_id: 'zz-late',
        span_id: 'ab'.repeat(8),
        kind: 'session',
        cost_usd: last.cost_usd / 2,
      }),
    ]);
    const rest = await pageAll(get, 'sort=cost', 200, first.body.next_cursor);
    const ids = [...first.body.sessions.map((s: SessionSummary) => s.session_id), ...rest.ids];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(1001);
    expect(ids).toContain('zz-late');
  });

  it('reads a page in two statements: the ranking, then summaries, flags and titles together', async () => {
    const seen: string[] = [];
    const watched = await makeApp(watchStatements(store, (sql) => seen.push(sql)));
    try {
      await getJson(watched, '/api/sessions?limit=1', p.admin); // the key's lookup, then cached
      seen.length = 0;
      const res = await getJson(watched, '/api/sessions?sort=cost&limit=20', p.admin);
      expect(res.body.sessions).toHaveLength(20);
      for (const s of res.body.sessions as SessionSummary[]) expect(s).toEqual(byId.get(s.session_id));
      // Each statement pays chDB's fixed cost in turn on the one read connection.
      expect(seen).toHaveLength(2);
    } finally {
      await watched.close();
    }
  });
});

describe('invalid list parameters', () => {
  const bad: [string, RegExp][] = [
    ['limit=0', /limit/],
    ['limit=501', /limit/],
    ['limit=ten', /limit/],
    ['sort=price', /sort/],
    ['order=sideways', /order/],
    ['status=sleeping', /status/],
    ['min_cost=-1', /min_cost/],
    ['min_cost=cheap', /min_cost/],
    ['min_steps=2.5', /min_steps/],
    ['has_error=maybe', /has_error/],
    ['from=yesterday', /from/],
    ['to=2025-13-45T00:00:00Z', /to/],
    ['from=2025-06-03T00:00:00Z&to=2025-06-02T00:00:00Z', /before/],
    ['min_cost=2&max_cost=1', /max_cost/],
    ['cursor=not-a-cursor', /cursor/],
    [`sort=cost&cursor=PLACEHOLDER`, /cursor/],
    ['agnet=coder', /additional|agnet/],
    [`q=${'x'.repeat(201)}`, /q/],
  ];
  it('answer 400 with a message naming the problem', async () => {
    const page = await get('/api/sessions?limit=2');
    for (const [q, re] of bad) {
      const query = q.replace('PLACEHOLDER', encodeURIComponent(page.body.next_cursor));
      const r = await get(`/api/sessions?${query}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe('CAIRN_BAD_REQUEST');
      expect(r.body.error.message, q).toMatch(re);
    }
  });
});
