/**
 * Answers started with the page (src/early-answers.ts): serving index.html for a client route to a
 * signed-in browser starts the API requests its inline script will make; the browser's own
 * requests take those answers — once, only with the same cookie and URL, never after a sign-out.
 * The proof that an answer came from the early table is that answering it ran no statement.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Store } from '@cairn/storage';
import { Authenticator } from '../src/auth.js';
import { earlyPaths } from '../src/early-answers.js';
import { BASE_NS, MS, makeApp, makeProject, openTempStore, span, watchStatements, type TestProject } from './helpers.js';

let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let project: TestProject;
let dashboardDir: string;
/** Statements run on the store (query and the replay's raw `read.exec`). */
let statements = 0;
/** The in-process requests the app started (EarlyAnswers calls `app.inject`). */
let injected: Promise<unknown>[] = [];
/** The test's own requests, not counted in `injected`. */
let request: FastifyInstance['inject'];

/** The store, counting the statements it is asked to run. */
const counting = (real: Store): Store => watchStatements(real, () => statements++);

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  project = await makeProject(store, 'proj-early');
  await store.insertSpans([
    span({ project_id: 'proj-early', session_id: 's1', span_id: '01', kind: 'session', name: 'run', agent_name: 'a' }),
    span({
      project_id: 'proj-early',
      session_id: 's1',
      span_id: '02',
      parent_span_id: '01',
      kind: 'llm',
      start_time_ns: BASE_NS + MS,
    }),
  ]);
  dashboardDir = mkdtempSync(join(tmpdir(), 'cairn-early-'));
  writeFileSync(join(dashboardDir, 'index.html'), '<!doctype html><title>Cairn</title>');
  app = await makeApp(counting(store), { dashboardDir });
  request = app.inject.bind(app);
  (app as unknown as { inject: (o: InjectOptions) => Promise<unknown> }).inject = (o: InjectOptions) => {
    const p = request(o);
    injected.push(p);
    return p;
  };
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
  rmSync(dashboardDir, { recursive: true, force: true });
});

async function signIn(): Promise<string> {
  const res = await request({ method: 'POST', url: '/api/auth/login', payload: { key: project.admin } });
  expect(res.statusCode).toBe(200);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

const get = (url: string, cookie?: string) => request({ method: 'GET', url, headers: cookie ? { cookie } : {} });

/** Serves the page and waits for the early requests it started (the test's own injects are not among them). */
async function openPage(path: string, cookie?: string): Promise<number> {
  injected = [];
  const page = await get(path, cookie);
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toMatch(/text\/html/);
  const started = injected.length;
  await Promise.all(injected);
  return started;
}

describe('early answers', () => {
  it("answers the page's session check and first page from work started with the page, once", async () => {
    const cookie = await signIn();
    expect(await openPage('/sessions/s1', cookie)).toBe(2);
    const before = statements;
    const me = await get('/api/auth/me', cookie);
    const first = await get('/api/sessions/s1?steps_limit=200', cookie);
    expect(statements).toBe(before); // nothing ran: both were answered already
    expect(me.statusCode).toBe(200);
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toMatch(/application\/json/);
    expect(Number(first.headers['content-length'])).toBe(first.rawPayload.length);

    // Asked again: served fresh (statements run), and the same answer.
    const again = await get('/api/sessions/s1?steps_limit=200', cookie);
    expect(statements).toBeGreaterThan(before);
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    expect(first.json().steps.map((s: { span_id: string }) => s.span_id)).toEqual(['01', '02']);
    expect((await get('/api/auth/me', cookie)).body).toBe(me.body);
  });

  it('hands an answer only to the same cookie and the same URL', async () => {
    const mine = await signIn();
    const other = await signIn();
    await openPage('/sessions/s1', mine);
    let before = statements;
    expect((await get('/api/sessions/s1?steps_limit=200', other)).statusCode).toBe(200);
    expect(statements).toBeGreaterThan(before); // the other sign-in's request ran its own
    before = statements;
    expect((await get('/api/sessions/s1?steps_limit=100', mine)).statusCode).toBe(200);
    expect(statements).toBeGreaterThan(before); // another URL: its own
    before = statements;
    expect((await get('/api/sessions/s1?steps_limit=200', mine)).statusCode).toBe(200);
    expect(statements).toBe(before); // still waiting for its own request, and taken by it
    // A bearer key's request is never answered from a cookie's table.
    await openPage('/sessions/s1', mine);
    before = statements;
    const byKey = await request({
      method: 'GET',
      url: '/api/sessions/s1?steps_limit=200',
      headers: { cookie: mine, authorization: `Bearer ${project.admin}` },
    });
    expect(byKey.statusCode).toBe(200);
    expect(statements).toBeGreaterThan(before);
  });

  it('a sign-out between the page and its requests leaves them unanswered (401)', async () => {
    const cookie = await signIn();
    await openPage('/sessions/s1', cookie);
    expect((await request({ method: 'POST', url: '/api/auth/logout', headers: { cookie } })).statusCode).toBe(200);
    expect((await get('/api/sessions/s1?steps_limit=200', cookie)).statusCode).toBe(401);
    expect((await get('/api/auth/me', cookie)).statusCode).toBe(401);
  });

  it('starts nothing without a sign-in cookie; an unknown cookie gets its 401', async () => {
    expect(await openPage('/sessions/s1')).toBe(0);
    expect(await openPage('/sessions/s1', 'cairn_session=forged')).toBe(2);
    expect((await get('/api/sessions/s1?steps_limit=200', 'cairn_session=forged')).statusCode).toBe(401);
    // Other client routes start the session check only; API paths and files start nothing.
    const cookie = await signIn();
    expect(await openPage('/budgets', cookie)).toBe(1);
    await get('/api/auth/me', cookie);
  });
});

describe("the page's early requests", () => {
  const html = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../dashboard/index.html'), 'utf8');
  const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);

  /** The paths dashboard/index.html's inline script asks for on `pathname` (run as the browser would). */
  function scriptPaths(pathname: string): string[] {
    const fetched: string[] = [];
    const fetch = (path: string) => (fetched.push(path), Promise.reject(new Error('offline')));
    for (const code of inline) runInNewContext(code, { window: {}, location: { pathname }, fetch });
    return fetched;
  }

  it('are the paths the server starts early, on every kind of path', () => {
    expect(inline).toHaveLength(1);
    for (const p of [
      '/',
      '/sessions',
      '/budgets',
      '/sessions/sess-10k',
      '/sessions/sess-10k/',
      '/sessions/sess%20a%2F1',
      '/sessions/%C3%A9t%C3%A9',
      "/sessions/a'b(c)",
      '/sessions/a/b',
      '/sessions/%E0%A4%A',
    ]) {
      expect(earlyPaths(p), p).toEqual(scriptPaths(p));
    }
  });
});

describe('sign-in lookups', () => {
  it('concurrent requests with one cookie share one lookup', async () => {
    const cookie = await signIn();
    const token = cookie.slice(cookie.indexOf('=') + 1);
    const auth = new Authenticator(counting(store), 5000, 3_600_000);
    const before = statements;
    const found = await Promise.all([auth.resolveSession(token), auth.resolveSession(token), auth.resolveSession(token)]);
    expect(statements - before).toBe(1);
    expect(found.map((c) => c?.projectId)).toEqual(['proj-early', 'proj-early', 'proj-early']);
    // Cached afterwards; a sign-out forgets it at once.
    await auth.resolveSession(token);
    expect(statements - before).toBe(1);
    await auth.endSession(token);
    expect(await auth.resolveSession(token)).toBeUndefined();
  });
});
