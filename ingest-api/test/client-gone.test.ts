/**
 * A client that leaves before its answer (src/client-gone.ts): the read statements its request
 * still waited for are not run. chDB runs parameterized statements one at a time, so a slow one
 * holds the line while the request's first statement waits behind it; the client hangs up then.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Store } from '@cairn/storage';
import { createKey } from '@cairn/storage';
import { rawSql } from '@cairn/storage/testing';
import { bearer, makeApp, makeProject, openTempStore, span, watchStatements, type TestProject } from './helpers.js';

let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let project: TestProject;
let url: string;
/** Each read statement of the app: whether it ran, or how it failed. */
const outcomes: { sql: string; outcome: Promise<string> }[] = [];
let onStatement: (() => void) | undefined;

/** The store, noting what became of each read statement it is asked to run. */
function noting(real: Store): Store {
  return watchStatements(real, (sql, result) => {
    outcomes.push({
      sql,
      outcome: result.then(
        () => 'ran',
        (e: Error) => `failed: ${e.message}`,
      ),
    });
    onStatement?.();
  });
}

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  project = await makeProject(store, 'proj-gone');
  await store.insertSpans([span({ project_id: 'proj-gone', session_id: 's1', span_id: '01', kind: 'session' })]);
  app = await makeApp(noting(store));
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

/** GET `path` with the admin key; hangs up as soon as the app sends its first statement. */
function getAndLeave(path: string, key = project.admin): Promise<void> {
  return new Promise((done) => {
    const req = httpRequest(`${url}${path}`, { headers: bearer(key) });
    onStatement = () => {
      onStatement = undefined;
      req.destroy();
    };
    req.on('error', () => done());
    req.on('close', () => done());
    req.end();
  });
}

it('does not run the statements of a request whose client left while they waited', async () => {
  // Holds chDB's line of parameterized statements for ~1.5 s (not in any request).
  const slow = rawSql(store).query('SELECT sleepEachRow(0.5) FROM numbers({n:UInt32})', { n: 3 });
  const before = outcomes.length;
  await getAndLeave('/api/sessions/s1');
  await slow;
  // Once the key is looked up, the route sends its statements: wait for them to be sent.
  const routeSent = () => outcomes.slice(before).some((s) => !/FROM api_keys/.test(s.sql));
  for (let i = 0; i < 250 && !routeSent(); i++) await new Promise((r) => setTimeout(r, 20));
  const mine = outcomes.slice(before);
  // The key lookup is shared with any request using the key meanwhile: it runs. The route's own
  // statements, sent once it answered, were all skipped.
  const own = mine.filter((s) => !/FROM api_keys/.test(s.sql));
  expect(own.length).toBeGreaterThan(0);
  for (const s of own) expect(await s.outcome, s.sql).toMatch(/failed: .*abort/i);

  // The app is fine, and the same request with a client that waits is answered in full.
  const res = await fetch(`${url}/api/sessions/s1`, { headers: bearer(project.admin) });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { session: { session_id: string } }).session.session_id).toBe('s1');
  const after = outcomes.slice(before + mine.length);
  for (const s of after) expect(await s.outcome, s.sql).toBe('ran');
});

it("a request after one that left runs all its statements (the scope is the request's own)", async () => {
  const slow = rawSql(store).query('SELECT sleepEachRow(0.5) FROM numbers({n:UInt32})', { n: 2 });
  const before = outcomes.length;
  await getAndLeave('/api/sessions/s1');
  const left = outcomes.length;
  // Sent while the slow statement still holds the line and the one that left is queued too.
  const res = await fetch(`${url}/api/sessions?limit=5`, { headers: bearer(project.admin) });
  await slow;
  expect(res.status).toBe(200);
  const gone = await Promise.all(outcomes.slice(before, left).map((s) => s.outcome));
  const stayed = await Promise.all(outcomes.slice(left).map((s) => s.outcome));
  expect(gone.some((o) => /failed: .*abort/i.test(o))).toBe(true);
  expect(stayed.length).toBeGreaterThan(0);
  expect(stayed.every((o) => o === 'ran')).toBe(true);
});

it('a key lookup that a second request joined is not cancelled when the first one leaves', async () => {
  // A key this process has not seen: the first request looks it up, the second joins that lookup.
  const { key } = await createKey(store, { projectId: 'proj-gone', kind: 'admin', name: 'fresh' });
  const slow = rawSql(store).query('SELECT sleepEachRow(0.5) FROM numbers({n:UInt32})', { n: 3 });
  await getAndLeave('/api/sessions/s1', key);
  const res = await fetch(`${url}/api/sessions/s1`, { headers: bearer(key) });
  await slow;
  expect(res.status).toBe(200);
});
