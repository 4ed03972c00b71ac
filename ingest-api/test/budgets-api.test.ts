import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Store } from '@cairn/storage';
import { hourRange, periodBounds } from '@cairn/alerts';
import { makeApp, makeProject, openTempStore, span, type TestProject } from './helpers.js';
import { send } from '@cairn/testkit';

const iso = (ms: number): string => new Date(ms).toISOString();

describe('calendar periods', () => {
  const t = Date.parse('2031-03-12T15:30:00Z'); // a Wednesday
  it('aligns day, ISO week and month in UTC', () => {
    expect(periodBounds('day', t)).toEqual({
      start: Date.parse('2031-03-12T00:00:00Z'),
      end: Date.parse('2031-03-13T00:00:00Z'),
    });
    expect(periodBounds('week', t)).toEqual({
      start: Date.parse('2031-03-10T00:00:00Z'),
      end: Date.parse('2031-03-17T00:00:00Z'),
    });
    expect(periodBounds('month', t)).toEqual({
      start: Date.parse('2031-03-01T00:00:00Z'),
      end: Date.parse('2031-04-01T00:00:00Z'),
    });
    expect(periodBounds('month', Date.parse('2031-12-31T23:59:59Z')).end).toBe(Date.parse('2032-01-01T00:00:00Z'));
    expect(periodBounds('week', Date.parse('2031-03-16T23:00:00Z')).start).toBe(Date.parse('2031-03-10T00:00:00Z')); // Sunday
  });
  it('aligns on local midnights in an IANA zone, DST included', () => {
    // New York: 2031-03-09 is the spring-forward day (23 h long).
    const ny = periodBounds('day', Date.parse('2031-03-09T12:00:00Z'), 'America/New_York');
    expect(iso(ny.start)).toBe('2031-03-09T05:00:00.000Z');
    expect(iso(ny.end)).toBe('2031-03-10T04:00:00.000Z');
    // 02:00 UTC on the 12th is still the 11th in New York.
    expect(iso(periodBounds('day', t - 13.5 * 3_600_000, 'America/New_York').start)).toBe('2031-03-11T04:00:00.000Z');
    expect(iso(periodBounds('month', t, 'Asia/Tokyo').start)).toBe('2031-02-28T15:00:00.000Z');
    const india = periodBounds('day', t, 'Asia/Kolkata');
    expect(iso(india.start)).toBe('2031-03-11T18:30:00.000Z'); // 21:00 IST on the 12th
    // The rollup is hourly: the boundary hour counts toward the period starting in it.
    expect(iso(hourRange(india).start)).toBe('2031-03-11T18:00:00.000Z');
    expect(iso(periodBounds('week', t, 'Europe/Berlin').start)).toBe('2031-03-09T23:00:00.000Z');
  });
});

let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let p: TestProject;
let other: TestProject;

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  p = await makeProject(store, 'p-budgets');
  other = await makeProject(store, 'p-budgets-other');
  app = await makeApp(store);
});
afterAll(async () => {
  await app.close();
  await cleanup();
});

describe('budget CRUD and status', () => {
  it('creates with defaults, validates, updates, isolates projects and deletes', async () => {
    const created = await send(app, 'POST', '/api/budgets', p.admin, { name: 'all', period: 'week', limit_usd: 50 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'all',
      scope: {},
      period: 'week',
      timezone: 'UTC',
      limit_usd: 50,
      thresholds: [50, 80, 100],
      webhook_ids: [],
      hard_stop: false,
    });
    const id = created.body.id as string;
    for (const bad of [
      { name: 'x', period: 'year', limit_usd: 1 },
      { name: 'x', period: 'day', limit_usd: 0 },
      { name: 'x', period: 'day', limit_usd: 1, timezone: 'Mars/Olympus' },
      { name: 'x', period: 'day', limit_usd: 1, thresholds: [] },
      { name: 'x', period: 'day', limit_usd: 1, scope: { team: 'a' } },
      { name: 'x', period: 'day', limit_usd: 1, webhook_ids: ['nope'] },
    ]) {
      const res = await send(app, 'POST', '/api/budgets', p.admin, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    const patched = await send(app, 'PATCH', `/api/budgets/${id}`, p.admin, {
      thresholds: [100, 25, 25],
      hard_stop: true,
      timezone: 'Europe/Paris',
    });
    expect(patched.body).toMatchObject({ thresholds: [25, 100], hard_stop: true, timezone: 'Europe/Paris', limit_usd: 50 });
    expect((await send(app, 'GET', `/api/budgets/${id}`, p.admin)).body.thresholds).toEqual([25, 100]);
    expect((await send(app, 'GET', `/api/budgets/${id}`, other.admin)).status).toBe(404);
    expect((await send(app, 'GET', '/api/budgets', other.admin)).body.budgets).toEqual([]);
    expect((await send(app, 'GET', '/api/budgets', p.ingest)).status).toBe(403);
    expect((await send(app, 'DELETE', `/api/budgets/${id}`, p.admin)).status).toBe(200);
    expect((await send(app, 'GET', `/api/budgets/${id}/status`, p.admin)).status).toBe(404);
  });

  it('reports spend in scope for the current period from the hourly rollup', async () => {
    const b = await send(app, 'POST', '/api/budgets', p.admin, {
      name: 'gpt',
      scope: { agent: 'a1', model: 'gpt-4o' },
      period: 'day',
      limit_usd: 4,
    });
    const now = BigInt(Date.now()) * 1_000_000n;
    const row = (i: number, over: object) =>
      span({
        project_id: p.projectId,
        session_id: `st-${i}`,
        span_id: `st${i}`.padEnd(16, '0'),
        kind: 'llm',
        agent_name: 'a1',
        model: 'gpt-4o',
        start_time_ns: now - 1000n,
        end_time_ns: now,
        ...over,
      });
    await store.insertSpans([
      row(1, { cost_usd: 1 }),
      row(2, { cost_usd: 0.5 }),
      row(3, { cost_usd: 7, model: 'other' }), // other model
      row(4, { cost_usd: 9, agent_name: 'a2' }), // other agent
      row(5, { cost_usd: 8, start_time_ns: now - 3n * 86_400_000_000_000n, end_time_ns: now - 3n * 86_400_000_000_000n }), // earlier period
      row(6, { cost_usd: 5, project_id: other.projectId }), // other project
    ]);
    const status = await send(app, 'GET', `/api/budgets/${b.body.id}/status`, p.admin);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      spent_usd: 1.5,
      limit_usd: 4,
      percent: 37.5,
      remaining_usd: 2.5,
      exceeded: false,
      thresholds_crossed: [],
      thresholds_alerted: [],
    });
    const day = periodBounds('day', Date.now());
    expect(status.body.period).toEqual({ start: iso(day.start), end: iso(day.end) });
  });
});
