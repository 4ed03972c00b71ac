import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Store } from '@cairn/storage';
import { BASE_NS, MS, bearer, getJson, makeApp, makeProject, openTempStore, span, type TestProject } from './helpers.js';

let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let a: TestProject;
let b: TestProject;
let logText = '';

const sid = (n: number): string => n.toString(16).padStart(16, '0');

async function seed(project: TestProject, sessions: string[], agent: string, cost: number): Promise<void> {
  const rows = sessions.flatMap((session, i) => [
    span({
      project_id: project.projectId,
      session_id: session,
      span_id: sid(i * 10 + 1),
      kind: 'session',
      agent_name: agent,
      start_time_ns: BASE_NS + BigInt(i) * MS,
      // A cost cap per project, so a shared session id shows whose caps it read.
      attributes: JSON.stringify({ 'cairn.cap.max_cost_usd': cost * 2 }),
    }),
    span({
      project_id: project.projectId,
      session_id: session,
      span_id: sid(i * 10 + 2),
      parent_span_id: sid(i * 10 + 1),
      kind: 'llm',
      agent_name: agent,
      model: 'gpt-4o',
      cost_usd: cost,
      input_tokens: 10,
      start_time_ns: BASE_NS + BigInt(i) * MS + 1n,
      end_time_ns: BASE_NS + BigInt(i) * MS + 5n * MS,
      input: `secret prompt of ${project.projectId}`,
      state: '{"s":1}',
    }),
  ]);
  await store.insertSpans(rows);
}

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  a = await makeProject(store, 'proj-a');
  b = await makeProject(store, 'proj-b');
  await seed(a, ['a-1', 'a-2', 'shared'], 'agent-a', 0.5);
  await seed(b, ['b-1', 'b-2', 'b-3', 'shared'], 'agent-b', 7);
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logText += chunk.toString('utf8');
      done();
    },
  });
  app = await (
    await import('../src/index.js')
  ).buildApp(
    {
      host: '127.0.0.1',
      httpPort: 0,
      alertIntervalMs: 10_000,
      webhookAllowPrivate: false,
      maxBodyBytes: 1 << 20,
      logLevel: 'trace',
      storageMode: 'embedded',
    },
    { store, logStream },
  );
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

const json = (method: InjectOptions['method'], url: string, key: string | undefined, body?: unknown) =>
  app.inject({
    method,
    url,
    headers: { ...(key ? bearer(key) : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });

/** Every authenticated route, with a request that would succeed for project A's admin key. */
const ROUTES: { method: InjectOptions['method']; path: string; url: string; body?: unknown }[] = [
  { method: 'GET', path: '/api/sessions', url: '/api/sessions' },
  { method: 'GET', path: '/api/sessions/{id}', url: '/api/sessions/a-1' },
  { method: 'GET', path: '/api/sessions/{id}/steps/{span_id}', url: `/api/sessions/a-1/steps/${sid(2)}` },
  { method: 'GET', path: '/api/sessions/{id}/export', url: '/api/sessions/a-1/export' },
  { method: 'GET', path: '/api/exports/sessions', url: '/api/exports/sessions' },
  {
    method: 'GET',
    path: '/api/costs',
    url: `/api/costs?from=${Number(BASE_NS / MS) - 3_600_000}&to=${Number(BASE_NS / MS) + 3_600_000}`,
  },
  { method: 'POST', path: '/api/scores', url: '/api/scores', body: { session_id: 'a-1', name: 'ok', value: 1 } },
  { method: 'GET', path: '/api/keys', url: '/api/keys' },
  { method: 'POST', path: '/api/keys', url: '/api/keys', body: { kind: 'ingest', name: 'x' } },
  { method: 'DELETE', path: '/api/keys/{key_id}', url: '/api/keys/PLACEHOLDER' },
  { method: 'GET', path: '/api/auth/me', url: '/api/auth/me' },
  { method: 'GET', path: '/api/prices', url: '/api/prices' },
  { method: 'GET', path: '/api/calibration', url: '/api/calibration' },
];

/** Every documented /api route except the public sign-in ones, from the OpenAPI document. */
async function documentedRoutes(): Promise<{ method: InjectOptions['method']; path: string }[]> {
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  return Object.entries(spec.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase() as InjectOptions['method'], path })))
    .filter((r) => r.path.startsWith('/api/') && !r.path.startsWith('/api/auth/log'));
}

/** Routes ingest keys may call (docs/ARCHITECTURE.md, "HTTP contract": telemetry, the guard, the SDK's escalations). */
const INGEST_ALLOWED = new Set([
  'GET /api/guard',
  'POST /api/escalations',
  'GET /api/escalations/{id}',
  'GET /api/escalations/thresholds',
]);

describe('route table', () => {
  it('the isolation tests below cover every route of this issue', async () => {
    const documented = new Set((await documentedRoutes()).map((r) => `${r.method} ${r.path}`));
    for (const r of ROUTES) expect(documented, `${r.method} ${r.path}`).toContain(`${r.method} ${r.path}`);
  });

  it('every documented route (including ones added later) refuses missing keys and ingest keys', async () => {
    const routes = await documentedRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(ROUTES.length);
    for (const r of routes) {
      const url = r.path.replace(/\{[^}]+\}/g, 'x');
      const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : {};
      const label = `${r.method} ${r.path}`;
      expect((await json(r.method, url, undefined, body)).statusCode, label).toBe(401);
      if (!INGEST_ALLOWED.has(label)) expect((await json(r.method, url, a.ingest, body)).statusCode, label).toBe(403);
    }
  });
});

describe('authentication', () => {
  it('every route answers 401 without a key, with an unknown key or a malformed header', async () => {
    for (const r of ROUTES) {
      const none = await json(r.method, r.url, undefined, r.body);
      expect(none.statusCode, `${r.method} ${r.url}`).toBe(401);
      expect(none.json().error.code).toBe('CAIRN_UNAUTHORIZED');
      const unknown = await json(r.method, r.url, 'cairn_ak_' + 'z'.repeat(32), r.body);
      expect(unknown.statusCode, `${r.method} ${r.url}`).toBe(401);
      const malformed = await app.inject({ method: r.method, url: r.url, headers: { authorization: 'Basic abc' } });
      expect(malformed.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });

  it('an ingest key reads and changes nothing: 403 on every route', async () => {
    const before = await getJson(app, '/api/keys', a.admin);
    for (const r of ROUTES) {
      const res = await json(r.method, r.url.replace('PLACEHOLDER', before.body.keys[0].key_id), a.ingest, r.body);
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'CAIRN_FORBIDDEN' });
      expect(res.json().error.message).toMatch(/ingest keys can only send telemetry/);
    }
    const after = await getJson(app, '/api/keys', a.admin);
    expect(after.body.keys).toEqual(before.body.keys);
    expect((await getJson(app, '/api/sessions/a-1', a.admin)).body.scores).toEqual([]);
  });
});

describe("project A's admin key never sees or changes project B's data", () => {
  it('GET /api/sessions lists only A', async () => {
    const { body } = await getJson(app, '/api/sessions?limit=500', a.admin);
    expect(body.sessions.map((s: { session_id: string }) => s.session_id).sort()).toEqual(['a-1', 'a-2', 'shared']);
    const other = await getJson(app, '/api/sessions?agent=agent-b', a.admin);
    expect(other.body.sessions).toEqual([]);
  });

  it("GET /api/sessions/:id: B's sessions are 404; a session id both use shows A's", async () => {
    expect((await getJson(app, '/api/sessions/b-1', a.admin)).status).toBe(404);
    const shared = await getJson(app, '/api/sessions/shared', a.admin);
    expect(shared.body.session).toMatchObject({ agent_name: 'agent-a', cost_usd: 0.5, steps: 2 });
    expect(shared.body.steps.every((s: { agent_name: string }) => s.agent_name === 'agent-a')).toBe(true);
    expect(shared.body.caps).toMatchObject({ max_cost_usd: 1, max_steps: null });
  });

  it("step payloads and exports of B are 404; a shared id exports A's payloads only", async () => {
    expect((await getJson(app, `/api/sessions/b-1/steps/${sid(2)}`, a.admin)).status).toBe(404);
    const step = await getJson(app, `/api/sessions/shared/steps/${sid(22)}`, a.admin);
    expect(step.body.step.input).toBe('secret prompt of proj-a');
    expect((await getJson(app, '/api/sessions/b-2/export', a.admin)).status).toBe(404);
    const exp = await getJson(app, '/api/sessions/shared/export', a.admin);
    expect(JSON.stringify(exp.body)).not.toContain('proj-b');
    const lines = await app.inject({ method: 'GET', url: '/api/exports/sessions', headers: bearer(a.admin) });
    expect(lines.statusCode).toBe(200);
    expect(lines.headers['content-type']).toContain('application/x-ndjson');
    const parsed = lines.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(parsed.map((l) => l.session.session_id).sort()).toEqual(['a-1', 'a-2', 'shared']);
    expect(lines.body).not.toContain('proj-b');
    expect(parsed[0].steps.length).toBe(2);
  });

  it("GET /api/costs sums A's spend only", async () => {
    const r = ROUTES.find((x) => x.path === '/api/costs')!;
    const { body } = await getJson(app, `${r.url}&group_by=agent`, a.admin);
    expect(body.totals.cost_usd).toBeCloseTo(1.5, 10);
    expect(body.groups.map((g: { key: string }) => g.key)).toEqual(['agent-a']);
    const other = await getJson(app, `${r.url}&group_by=agent`, b.admin);
    expect(other.body.totals.cost_usd).toBeCloseTo(28, 10);
  });

  it("POST /api/scores cannot score B's sessions; A's score on a shared id stays in A", async () => {
    expect((await json('POST', '/api/scores', a.admin, { session_id: 'b-1', name: 'x', value: 1 })).statusCode).toBe(404);
    expect((await json('POST', '/api/scores', a.admin, { session_id: 'shared', name: 'from-a', value: 1 })).statusCode).toBe(201);
    expect((await getJson(app, '/api/sessions/shared', b.admin)).body.scores).toEqual([]);
    expect((await getJson(app, '/api/sessions/shared', a.admin)).body.scores.map((s: { name: string }) => s.name)).toEqual([
      'from-a',
    ]);
  });

  it("keys: A lists, creates and revokes only A's keys", async () => {
    const listA = await getJson(app, '/api/keys', a.admin);
    const listB = await getJson(app, '/api/keys', b.admin);
    const idsA = listA.body.keys.map((k: { key_id: string }) => k.key_id);
    const idsB = listB.body.keys.map((k: { key_id: string }) => k.key_id);
    expect(idsA.some((id: string) => idsB.includes(id))).toBe(false);
    expect(JSON.stringify(listA.body)).not.toContain(a.admin);
    const del = await json('DELETE', `/api/keys/${idsB[0]}`, a.admin);
    expect(del.statusCode).toBe(404);
    expect((await getJson(app, '/api/sessions', b.admin)).status).toBe(200);
    const created = await json('POST', '/api/keys', a.admin, { kind: 'admin', name: 'second' });
    expect(created.statusCode).toBe(201);
    const key = created.json().key as string;
    expect(key.startsWith('cairn_ak_')).toBe(true);
    expect((await getJson(app, '/api/auth/me', key)).body).toMatchObject({
      project_id: 'proj-a',
      project_name: 'Project proj-a',
      via: 'key',
    });
    const ids = (await getJson(app, '/api/sessions', key)).body.sessions.map((s: { session_id: string }) => s.session_id);
    expect(ids.sort()).toEqual(['a-1', 'a-2', 'shared']);
    expect((await json('DELETE', `/api/keys/${created.json().record.key_id}`, a.admin)).statusCode).toBe(200);
    expect((await getJson(app, '/api/sessions', key)).status).toBe(401);
    const revoked = (await getJson(app, '/api/keys', a.admin)).body.keys.find(
      (k: { key_id: string }) => k.key_id === created.json().record.key_id,
    );
    expect(revoked.revoked).toBe(true);
  });

  it('rejects invalid key bodies and ids', async () => {
    expect((await json('POST', '/api/keys', a.admin, { kind: 'root' })).statusCode).toBe(400);
    expect((await json('POST', '/api/keys', a.admin, { kind: 'admin', extra: 1 })).statusCode).toBe(400);
    expect((await json('DELETE', `/api/keys/${'x'.repeat(65)}`, a.admin)).statusCode).toBe(400);
  });
});

describe('dashboard sign-in cookie', () => {
  const cookieOf = (setCookie: string | string[] | undefined): string => {
    const raw = Array.isArray(setCookie) ? setCookie[0]! : setCookie!;
    return raw.split(';')[0]!;
  };

  it('exchanges an admin key for an httpOnly cookie that works like the key, until sign-out', async () => {
    const login = await json('POST', '/api/auth/login', undefined, { key: a.admin });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toMatchObject({ project_id: 'proj-a', via: 'cookie' });
    const set = String(login.headers['set-cookie']);
    expect(set).toMatch(/^cairn_session=/);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).not.toContain(a.admin);
    const cookie = cookieOf(login.headers['set-cookie']);
    const list = await app.inject({ method: 'GET', url: '/api/sessions', headers: { cookie } });
    expect(list.statusCode).toBe(200);
    expect(list.json().sessions.length).toBe(3);
    const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
    expect(me.json()).toMatchObject({ project_id: 'proj-a', via: 'cookie' });
    const out = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(/cairn_session=;/);
    expect((await app.inject({ method: 'GET', url: '/api/sessions', headers: { cookie } })).statusCode).toBe(401);
  });

  it('refuses ingest and unknown keys, and forged cookies', async () => {
    expect((await json('POST', '/api/auth/login', undefined, { key: a.ingest })).statusCode).toBe(403);
    expect((await json('POST', '/api/auth/login', undefined, { key: 'cairn_ak_nope' })).statusCode).toBe(401);
    expect((await json('POST', '/api/auth/login', undefined, {})).statusCode).toBe(400);
    expect(
      (await app.inject({ method: 'GET', url: '/api/sessions', headers: { cookie: 'cairn_session=forged' } })).statusCode,
    ).toBe(401);
  });

  it('a sign-in ends when its key is revoked', async () => {
    const created = (await json('POST', '/api/keys', a.admin, { kind: 'admin' })).json();
    const cookie = cookieOf((await json('POST', '/api/auth/login', undefined, { key: created.key })).headers['set-cookie']);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
    await json('DELETE', `/api/keys/${created.record.key_id}`, a.admin);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });
});

describe('logging', () => {
  it('never writes keys or sign-in tokens to the log', async () => {
    await app.inject({
      method: 'GET',
      url: '/api/sessions',
      headers: { ...bearer(a.admin), cookie: 'cairn_session=tok-secret-123' },
    });
    await app.inject({ method: 'GET', url: '/api/sessions', headers: bearer(b.ingest) });
    await json('POST', '/api/auth/login', undefined, { key: b.admin });
    expect(logText.length).toBeGreaterThan(100);
    for (const secret of [a.admin, a.ingest, b.admin, b.ingest, 'tok-secret-123']) expect(logText).not.toContain(secret);
  });
});

describe('documentation, health and the dashboard', () => {
  it('serves the OpenAPI document, the docs UI and /healthz without a key', async () => {
    const spec = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(spec.statusCode).toBe(200);
    expect(spec.json().paths['/api/sessions'].get.parameters.map((p: { name: string }) => p.name)).toContain('min_steps');
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({ status: 'ok', storage: 'embedded' });
    const missing = await app.inject({ method: 'GET', url: '/api/nothing-here', headers: bearer(a.admin) });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('CAIRN_ROUTE_NOT_FOUND');
  });

  it('serves the dashboard build with client-side routes falling back to index.html', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'cairn-dash-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Cairn</title>');
    writeFileSync(join(dir, 'app.js'), 'console.log(1)');
    const withDash = await makeApp(store, { dashboardDir: dir });
    try {
      expect((await withDash.inject({ method: 'GET', url: '/' })).body).toContain('<title>Cairn</title>');
      expect((await withDash.inject({ method: 'GET', url: '/sessions/abc?x=1' })).body).toContain('<title>Cairn</title>');
      expect((await withDash.inject({ method: 'GET', url: '/app.js' })).body).toBe('console.log(1)');
      expect((await withDash.inject({ method: 'GET', url: '/missing.js' })).statusCode).toBe(404);
      const api = await withDash.inject({ method: 'GET', url: '/api/sessions' });
      expect(api.statusCode).toBe(401);
    } finally {
      await withDash.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets browsers keep the hashed build files (assets/) for good, and revalidate index.html', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'cairn-dash-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Cairn</title>');
    writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'assets', 'index-AbC_12-x.js'), 'console.log(1)');
    const withDash = await makeApp(store, { dashboardDir: dir });
    try {
      const asset = await withDash.inject({ method: 'GET', url: '/assets/index-AbC_12-x.js' });
      expect(asset.body).toBe('console.log(1)');
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      for (const url of ['/', '/sessions/abc', '/index.html', '/favicon.svg']) {
        const res = await withDash.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(200);
        expect(res.headers['cache-control'], url).not.toContain('immutable');
      }
    } finally {
      await withDash.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
