import { rawSql } from '../src/testing.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpanRow } from '@cairn/schemas';
import {
  openStore,
  createKey,
  createKeyResolver,
  createAuthSession,
  findAuthSession,
  revokeAuthSession,
  getProjectName,
  findKey,
  revokeKey,
  ensureProject,
  listKeys,
  splitStatements,
  loadMigrations,
  encodeSpanLines,
  selectSpanLines,
  type Store,
} from '../src/index.js';
import { makeSpanRow, tempDataDir, testStoreConfig } from '@cairn/testkit';

const tmp = tempDataDir();
let store: Store;

function span(over: Partial<SpanRow>): SpanRow {
  return makeSpanRow({
    project_id: 'p1',
    session_id: 's1',
    trace_id: 't'.repeat(32),
    span_id: 'a'.repeat(16),
    name: 'x',
    kind: 'llm',
    service_name: 'svc',
    start_time_ns: 1_700_000_000_000_000_000n,
    end_time_ns: 1_700_000_001_000_000_000n,
    model: 'gpt-4o',
    provider: 'openai',
    input_tokens: 100,
    output_tokens: 50,
    cost_usd: 0.001,
    cost_source: 'computed',
    input: 'in',
    output: 'out',
    ...over,
  });
}

beforeAll(async () => {
  store = await openStore(testStoreConfig(tmp.dir));
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

describe('migrations', () => {
  it('splits statements and ignores comments', () => {
    expect(splitStatements('-- c\nCREATE A;\n\nCREATE B;\n')).toEqual(['CREATE A', 'CREATE B']);
  });
  it('records each migration once, and re-running applies nothing', async () => {
    const rows = await rawSql(store).query<{ version: number }>('SELECT version FROM cairn_migrations ORDER BY version');
    const files = loadMigrations().map((m) => m.version);
    expect(files.slice(0, 2)).toEqual([1, 2]);
    expect(rows.map((r) => r.version)).toEqual(files);
    const again = await openStoreAgainIsLocked();
    expect(again).toBe(true);
  });
});

// A second store on the same directory in this process shares chDB's engine; a second *process*
// is refused (tested in the CLI tests). Here: running migrate again applies nothing.
async function openStoreAgainIsLocked(): Promise<boolean> {
  const { migrate } = await import('../src/index.js');
  const { clientsOf } = await import('../src/store.js');
  const applied = await migrate(clientsOf(store).write);
  return applied.length === 0;
}

describe('spans and rollups', () => {
  it('feeds the sessions rollup and the hourly cost rollup; a re-sent batch counts once', async () => {
    const rows = [
      span({
        span_id: '1'.repeat(16),
        kind: 'session',
        model: '',
        provider: '',
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: 0,
        agent_name: 'root-agent',
        user_id: 'u1',
        confidence: 0.9,
      }),
      span({
        span_id: '2'.repeat(16),
        parent_span_id: '1'.repeat(16),
        agent_name: 'child',
        confidence: 0.4,
        start_time_ns: 1_700_000_000_500_000_000n,
      }),
      span({
        span_id: '3'.repeat(16),
        parent_span_id: '1'.repeat(16),
        kind: 'tool',
        model: '',
        provider: '',
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: 0,
        tool_name: 'search',
        status: 'error',
        has_escalation: true,
      }),
    ];
    await store.insertSpans(rows, { dedupToken: 'batch-1' });
    await store.insertSpans(rows, { dedupToken: 'batch-1' });
    const raw = await rawSql(store).query<{ n: number }>("SELECT count() AS n FROM spans WHERE project_id = 'p1'");
    expect(Number(raw[0]!.n)).toBe(3);
    const sessions = await rawSql(store).query<Record<string, unknown>>(
      `SELECT session_id, argMinMerge(agent_name) AS agent, max(user_id) AS user, sum(spans) AS spans, sum(llm_calls) AS llm,
              sum(tool_calls) AS tools, sum(errors) AS errors, sum(escalations) AS esc, sum(cost_usd) AS cost, min(min_confidence) AS minc,
              max(has_root) AS root
       FROM sessions_rollup WHERE project_id = 'p1' GROUP BY session_id`,
    );
    expect(sessions).toEqual([
      {
        session_id: 's1',
        agent: 'root-agent',
        user: 'u1',
        spans: 3,
        llm: 1,
        tools: 1,
        errors: 1,
        esc: 1,
        cost: 0.001,
        minc: 0.4,
        root: 1,
      },
    ]);
    const cost = await rawSql(store).query<Record<string, unknown>>(
      "SELECT agent_name, model, sum(cost_usd) AS cost, sum(input_tokens) AS tin, sum(llm_calls) AS calls FROM cost_hourly WHERE project_id = 'p1' GROUP BY agent_name, model",
    );
    expect(cost).toEqual([{ agent_name: 'child', model: 'gpt-4o', cost: 0.001, tin: 100, calls: 1 }]);
  });

  it('keeps nanosecond timestamps exactly', async () => {
    await store.insertSpans([
      span({ project_id: 'p2', start_time_ns: 1_700_000_000_123_456_789n, end_time_ns: 1_700_000_000_223_456_789n }),
    ]);
    const rows = await rawSql(store).query<{ s: string; d: number }>(
      "SELECT toString(toUnixTimestamp64Nano(start_time)) AS s, duration_ns AS d FROM spans WHERE project_id = 'p2'",
    );
    expect(rows).toEqual([{ s: '1700000000123456789', d: 100_000_000 }]);
  });

  it('inserts pre-encoded lines (text with newlines and quotes), drops selected lines, dedups by token', async () => {
    const rows = [0, 1, 2].map((i) =>
      span({ project_id: 'p3', span_id: String(i + 1).repeat(16), input: `line one\nline "${i}"\t\u2028 ünï` }),
    );
    const body = encodeSpanLines(rows);
    expect(body.toString().split('\n')).toHaveLength(4);
    const kept = selectSpanLines(body, Uint8Array.from([1, 0, 1]));
    await store.insertSpanLines(kept, { dedupToken: 'lines-1' });
    await store.insertSpanLines(kept, { dedupToken: 'lines-1' });
    const got = await rawSql(store).query<{ span_id: string; input: string }>(
      "SELECT span_id, input FROM spans WHERE project_id = 'p3' ORDER BY span_id",
    );
    expect(got).toEqual([
      { span_id: '1'.repeat(16), input: rows[0]!.input },
      { span_id: '3'.repeat(16), input: rows[2]!.input },
    ]);
  });
});

describe('keys', () => {
  it('a resolver answers known keys from its cache while it refreshes them, and sees a revocation after the refresh', async () => {
    await ensureProject(store, 'proj-r', 'R');
    const k = await createKey(store, { projectId: 'proj-r', kind: 'ingest' });
    const resolve = createKeyResolver(store, 0); // every entry expired at once: each call refreshes
    const first = await Promise.all(Array.from({ length: 5 }, () => resolve(k.key)));
    expect(first.map((r) => r?.project_id)).toEqual(Array(5).fill('proj-r'));
    expect(await resolve('cairn_ik_' + 'n'.repeat(32))).toBeUndefined();
    await revokeKey(store, 'proj-r', k.key_id);
    // Stale but immediate; the refresh it started lands, and then the key is refused.
    expect((await resolve(k.key))?.project_id).toBe('proj-r');
    // Yield to I/O between tries (a cache hit resolves in a microtask and would starve the query).
    const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));
    let answer = await resolve(k.key);
    while (answer !== undefined) answer = await nextTurn().then(() => resolve(k.key));
    expect(await resolve(k.key)).toBeUndefined();
  });

  it('a resolver refuses a key revoked in this process at once after invalidate()', async () => {
    await ensureProject(store, 'proj-i', 'I');
    const k = await createKey(store, { projectId: 'proj-i', kind: 'admin' });
    const resolve = createKeyResolver(store, 60_000);
    expect((await resolve(k.key))?.kind).toBe('admin');
    await revokeKey(store, 'proj-i', k.key_id);
    expect((await resolve(k.key))?.project_id).toBe('proj-i'); // cached for a minute
    resolve.invalidate();
    expect(await resolve(k.key)).toBeUndefined();
  });

  it('stores dashboard sign-ins by token hash, joined with a live admin key, until revoked', async () => {
    await ensureProject(store, 'proj-s', 'S');
    const k = await createKey(store, { projectId: 'proj-s', kind: 'admin' });
    const later = new Date(Date.now() + 3_600_000);
    await createAuthSession(store, { tokenHash: 'h1', projectId: 'proj-s', keyId: k.key_id, expiresAt: later });
    await createAuthSession(store, {
      tokenHash: 'h-old',
      projectId: 'proj-s',
      keyId: k.key_id,
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(await findAuthSession(store, 'h1')).toEqual({
      token_hash: 'h1',
      key_id: k.key_id,
      project_id: 'proj-s',
      kind: 'admin',
      prefix: k.prefix,
    });
    expect(await findAuthSession(store, 'h-old')).toBeUndefined();
    expect(await findAuthSession(store, 'h-unknown')).toBeUndefined();
    await revokeAuthSession(store, 'h1');
    expect(await findAuthSession(store, 'h1')).toBeUndefined();
    await createAuthSession(store, { tokenHash: 'h2', projectId: 'proj-s', keyId: k.key_id, expiresAt: later });
    await revokeKey(store, 'proj-s', k.key_id);
    expect(await findAuthSession(store, 'h2')).toBeUndefined();
    expect(await getProjectName(store, 'proj-s')).toBe('S');
    expect(await getProjectName(store, 'no-such-project')).toBe('no-such-project');
  });

  it('stores keys hashed, finds them, and revokes them', async () => {
    await ensureProject(store, 'proj', 'Proj');
    const k = await createKey(store, { projectId: 'proj', kind: 'ingest' });
    expect(k.key).toMatch(/^cairn_ik_/);
    const stored = await rawSql(store).query<Record<string, string>>("SELECT * FROM api_keys WHERE project_id = 'proj'");
    expect(JSON.stringify(stored)).not.toContain(k.key);
    expect((await findKey(store, k.key))?.project_id).toBe('proj');
    expect(await findKey(store, k.key + 'x')).toBeUndefined();
    expect(await revokeKey(store, 'other-project', k.key_id)).toBe(false);
    expect(await revokeKey(store, 'proj', k.key_id)).toBe(true);
    expect(await findKey(store, k.key)).toBeUndefined();
    expect((await listKeys(store, 'proj')).map((r) => Number(r.revoked))).toEqual([1]);
  });
});
