import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ATTR, type SpanRow } from '@cairn/schemas';
import type { Store } from '@cairn/storage';
import { getJson, makeApp, makeProject, MS, openTempStore, span, type TestProject } from './helpers.js';

// Session titles in `GET /api/sessions` and `GET /api/sessions/:id`: the `cairn.session.title`
// attribute, else the root span's name, else null. Project B stores sessions with the same ids
// and other titles: they must never reach project A.
let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let a: TestProject;
let b: TestProject;
let seq = 0;
const NOW_NS = BigInt(Date.now()) * 1_000_000n;

const row = (project: string, session: string, over: Partial<SpanRow>): SpanRow => {
  seq += 1;
  return span({
    project_id: project,
    session_id: session,
    span_id: seq.toString(16).padStart(16, '0'),
    start_time_ns: NOW_NS - 60_000n * MS + BigInt(seq) * MS,
    end_time_ns: NOW_NS - 60_000n * MS + BigInt(seq + 1) * MS,
    ...over,
  });
};
const titled = (t: string) => JSON.stringify({ [ATTR.SESSION_TITLE]: t, other: 1 });

const titles = async (p: TestProject): Promise<Map<string, string | null>> => {
  const res = await getJson(app, '/api/sessions?limit=100', p.admin);
  expect(res.status).toBe(200);
  return new Map(res.body.sessions.map((s: { session_id: string; title: string | null }) => [s.session_id, s.title]));
};

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  a = await makeProject(store, 'p-title-a');
  b = await makeProject(store, 'p-title-b');
  app = await makeApp(store);
  const A = a.projectId;
  const B = b.projectId;
  await store.insertSpans([
    // The attribute on the root wins over the root's name.
    row(A, 'attr-on-root', { kind: 'session', name: 'session support', attributes: titled('Refund for order 1182') }),
    row(A, 'attr-on-root', { kind: 'llm', name: 'chat gpt-4o', parent_span_id: 'x'.repeat(16) }),
    // The attribute on a child span only (set late, by a framework): still the title.
    row(A, 'attr-on-child', { kind: 'session', name: 'session triage' }),
    row(A, 'attr-on-child', {
      kind: 'tool',
      name: 'lookup',
      parent_span_id: 'y'.repeat(16),
      attributes: titled('Printer on fire'),
    }),
    // No attribute: the root span's name (here a root without parent that is not a session span).
    row(A, 'root-name', { kind: 'step', name: 'plan the trip', attributes: '{"unrelated":"x"}' }),
    row(A, 'root-name', { kind: 'llm', name: 'chat', parent_span_id: 'z'.repeat(16) }),
    // Running: children only, no root and no attribute → null.
    row(A, 'no-title', { kind: 'llm', name: 'chat', parent_span_id: 'w'.repeat(16) }),
    // An empty attribute does not hide the root's name.
    row(A, 'empty-attr', { kind: 'session', name: 'session nightly', attributes: titled('') }),
    // A hostile length is cut.
    row(A, 'long', { kind: 'session', name: 'r', attributes: titled('é'.repeat(5000)) }),
    // Same ids in project B, other titles; and a B-only session.
    row(B, 'no-title', { kind: 'session', name: 'B secret root', attributes: titled('B secret title') }),
    row(B, 'root-name', { kind: 'session', name: 'B other', attributes: titled('B leaked') }),
    row(B, 'b-only', { kind: 'session', name: 'B only' }),
  ]);
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

describe('session titles', () => {
  it('uses cairn.session.title, else the root span name, else null', async () => {
    const t = await titles(a);
    expect(Object.fromEntries(t)).toEqual({
      'attr-on-root': 'Refund for order 1182',
      'attr-on-child': 'Printer on fire',
      'root-name': 'plan the trip',
      'no-title': null,
      'empty-attr': 'session nightly',
      long: 'é'.repeat(200),
    });
  });

  it("never shows another project's titles, for shared ids or not", async () => {
    const t = await titles(a);
    expect(t.has('b-only')).toBe(false);
    expect(JSON.stringify([...t])).not.toMatch(/B /);
    const other = await titles(b);
    expect(other.get('no-title')).toBe('B secret title');
    expect(other.get('root-name')).toBe('B leaked');
    expect(other.get('b-only')).toBe('B only');
  });

  it('is in the session detail too', async () => {
    const res = await getJson(app, '/api/sessions/attr-on-child?steps_limit=0', a.admin);
    expect(res.status).toBe(200);
    expect(res.body.session.title).toBe('Printer on fire');
    const none = await getJson(app, '/api/sessions/no-title?steps_limit=0', a.admin);
    expect(none.body.session.title).toBeNull();
  });

  it('cuts a long title to 200 characters', async () => {
    const res = await getJson(app, '/api/sessions/long?steps_limit=0', a.admin);
    expect(res.status).toBe(200);
    expect(res.body.session.title).toBe('é'.repeat(200));
    expect((await titles(a)).get('long')).toBe('é'.repeat(200));
  });
});
