import { rawSql } from '@cairn/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { encodeSpanLines, insertDeadLetters, type NewDeadLetter, type Store } from '@cairn/storage';
import { bearer, getJson, makeApp, makeProject, openTempStore, span, type TestProject } from './helpers.js';

// The admin API over dead letters, on a real embedded store. A table constraint makes the
// store refuse spans named "poison" (a real refusal, as a server operator might configure);
// dropping it is "the fix" a re-drive follows.
let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let a: TestProject;
let b: TestProject;

const T0 = Date.parse('2026-11-20T10:00:00Z');

function letter(project: string, i: number, over: Partial<NewDeadLetter> = {}, spanName = 'poison'): NewDeadLetter {
  const spanId = (0x100 + i).toString(16).padStart(16, '0');
  const line = encodeSpanLines([span({ project_id: project, session_id: `dl-${project}`, span_id: spanId, name: spanName })])
    .toString('utf8')
    .trimEnd();
  return {
    project_id: project,
    dead_letter_id: `dl-${project}-${i}`,
    received_ms: T0 + i * 60_000,
    reason: 'Code: 469. DB::Exception: Constraint `no_poison` for table default.spans is violated',
    error_code: 469,
    trace_id: 'f'.repeat(32),
    span_id: spanId,
    line,
    ...over,
  };
}

async function spansOf(project: string): Promise<number> {
  const [r] = await rawSql(store).query<{ n: number }>('SELECT count() AS n FROM spans WHERE project_id = {p:String}', {
    p: project,
  });
  return Number(r!.n);
}

const redrive = async (key: string, payload: object): Promise<{ status: number; body: any }> => {
  const res = await app.inject({ method: 'POST', url: '/api/dead-letters/redrive', headers: bearer(key), payload });
  return { status: res.statusCode, body: JSON.parse(res.body) };
};

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  app = await makeApp(store);
  a = await makeProject(store, 'dl-a');
  b = await makeProject(store, 'dl-b');
  await rawSql(store).command(`ALTER TABLE spans ADD CONSTRAINT no_poison CHECK name != 'poison'`);
  await insertDeadLetters(store, [letter('dl-a', 1), letter('dl-a', 2), letter('dl-a', 3), letter('dl-b', 9)]);
});
afterAll(async () => {
  await app.close();
  await cleanup();
});

describe('GET /api/dead-letters', () => {
  it('lists the project’s dead letters newest first, with reason and time; other projects’ stay hidden', async () => {
    const { status, body } = await getJson(app, '/api/dead-letters', a.admin);
    expect(status).toBe(200);
    expect(body.dead_letters.map((d: { id: string }) => d.id)).toEqual(['dl-dl-a-3', 'dl-dl-a-2', 'dl-dl-a-1']);
    expect(body.dead_letters[0]).toMatchObject({
      received_at: new Date(T0 + 3 * 60_000).toISOString(),
      error_code: 469,
      span_id: (0x103).toString(16).padStart(16, '0'),
      redriven_at: null,
    });
    expect(body.dead_letters[0].reason).toMatch(/no_poison/);
    expect(body.dead_letters[0].line_preview).toContain('"poison"');
    expect(body.next_cursor).toBeNull();
    const other = await getJson(app, '/api/dead-letters', b.admin);
    expect(other.body.dead_letters.map((d: { id: string }) => d.id)).toEqual(['dl-dl-b-9']);
  });

  it('filters by reason and time, pages with limit and cursor', async () => {
    expect((await getJson(app, '/api/dead-letters?reason=NO_POISON', a.admin)).body.dead_letters).toHaveLength(3);
    expect((await getJson(app, '/api/dead-letters?reason=overflow', a.admin)).body.dead_letters).toHaveLength(0);
    const from = new Date(T0 + 2 * 60_000).toISOString();
    const to = new Date(T0 + 3 * 60_000).toISOString();
    const ranged = await getJson(app, `/api/dead-letters?from=${from}&to=${to}`, a.admin);
    expect(ranged.body.dead_letters.map((d: { id: string }) => d.id)).toEqual(['dl-dl-a-2']);
    const p1 = await getJson(app, '/api/dead-letters?limit=2', a.admin);
    expect(p1.body.dead_letters).toHaveLength(2);
    const p2 = await getJson(app, `/api/dead-letters?limit=2&cursor=${p1.body.next_cursor}`, a.admin);
    expect(p2.body.dead_letters.map((d: { id: string }) => d.id)).toEqual(['dl-dl-a-1']);
    expect(p2.body.next_cursor).toBeNull();
  });

  it('is for admin keys only, and answers 400 with a code for bad input', async () => {
    expect((await getJson(app, '/api/dead-letters', a.ingest)).status).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/dead-letters' })).statusCode).toBe(401);
    for (const q of ['limit=0', 'limit=1001', 'from=yesterday', `from=${T0 + 1}&to=${T0}`, 'cursor=nonsense', 'unknown=1']) {
      const r = await getJson(app, `/api/dead-letters?${q}`, a.admin);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toMatch(/^CAIRN_/);
    }
  });
});

describe('POST /api/dead-letters/redrive', () => {
  it('leaves rows the store still refuses pending, stores them after the fix, and never twice', async () => {
    const before = await redrive(a.admin, {});
    expect(before.status).toBe(200);
    expect(before.body.redriven).toBe(0);
    expect(before.body.failed.map((f: { id: string }) => f.id)).toEqual(['dl-dl-a-1', 'dl-dl-a-2', 'dl-dl-a-3']);
    expect(before.body.failed[0].reason).toMatch(/no_poison/);
    expect(await spansOf('dl-a')).toBe(0);

    // The fix; plus one row that no fix of the table helps (a time past 2262).
    await rawSql(store).command('ALTER TABLE spans DROP CONSTRAINT no_poison');
    const hopeless = letter('dl-a', 4);
    const cols = JSON.parse(hopeless.line) as unknown[];
    cols[12] = '99999999999.000000000';
    await insertDeadLetters(store, [{ ...hopeless, line: JSON.stringify(cols) }]);

    const after = await redrive(a.admin, {});
    expect(after.body.redriven).toBe(3);
    expect(after.body.failed.map((f: { id: string }) => f.id)).toEqual(['dl-dl-a-4']);
    expect(after.body.failed[0].reason).toMatch(/Code: 407/);
    expect(await spansOf('dl-a')).toBe(3);
    expect(await spansOf('dl-b')).toBe(0);

    const pending = await getJson(app, '/api/dead-letters?pending=true', a.admin);
    expect(pending.body.dead_letters.map((d: { id: string }) => d.id)).toEqual(['dl-dl-a-4']);
    const all = await getJson(app, '/api/dead-letters', a.admin);
    expect(all.body.dead_letters.filter((d: { redriven_at: string | null }) => d.redriven_at !== null)).toHaveLength(3);

    const again = await redrive(a.admin, { ids: ['dl-dl-a-1', 'dl-dl-a-4'] });
    expect(again.body).toEqual({ redriven: 0, failed: [{ id: 'dl-dl-a-4', reason: expect.stringMatching(/Code: 407/) }] });
    expect(await spansOf('dl-a')).toBe(3);
  });

  it('is for admin keys only and validates its body', async () => {
    expect((await redrive(a.ingest, {})).status).toBe(403);
    expect((await redrive(a.admin, { limit: 0 })).status).toBe(400);
    expect((await redrive(a.admin, { ids: [] })).status).toBe(400);
    expect((await redrive(a.admin, { extra: true })).status).toBe(400);
  });

  it('is in /openapi.json', async () => {
    const spec = JSON.parse((await app.inject({ method: 'GET', url: '/openapi.json' })).body) as {
      paths: Record<string, object>;
    };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/dead-letters', '/api/dead-letters/redrive']));
  });
});
