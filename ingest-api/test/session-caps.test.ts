import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionDetailResponse } from '@cairn/schemas';
import { createKey, ensureProject } from '@cairn/storage';
import { forceFlush, init, llm, session, shutdown, step } from '@cairn/sdk';
import { runSupportAgent, SUPPORT_CAPS } from '@cairn/examples';
import type { CairnRuntime } from 'cairn';
import { startTestCairn } from '@cairn/testkit';

/**
 * A run's own caps in the replay answer, end to end: the SDK records them on the session span,
 * the collector keeps them in `spans.attributes`, `GET /api/sessions/:id` reads them back.
 * Real `cairn start`, the real example support agent, real HTTP.
 */
const INGEST = 'cairn_ik_' + 'c'.repeat(24);
const ADMIN = 'cairn_ak_' + 'd'.repeat(24);
const dir = mkdtempSync(join(tmpdir(), 'cairn-api-caps-'));
let cairn: CairnRuntime;
let supportId: string;

const get = async (url: string, key = ADMIN): Promise<{ status: number; body: SessionDetailResponse }> => {
  const res = await fetch(`${cairn.apiUrl}${url}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as SessionDetailResponse };
};

async function sendWith(apiKey: string, run: () => Promise<unknown>): Promise<void> {
  init({ endpoint: cairn.otlpUrl, apiKey, serviceName: 'caps-test', env: {} });
  try {
    await run();
    await forceFlush();
  } finally {
    await shutdown();
  }
}

beforeAll(async () => {
  cairn = await startTestCairn(dir, { CAIRN_INGEST_KEY: INGEST, CAIRN_ADMIN_KEY: ADMIN });
  await sendWith(INGEST, async () => {
    supportId = (await runSupportAgent({ scenario: 'refund', seed: 3, timeScale: 0.01 })).sessionId;
    await session({ id: 'no-caps', agent: 'plain' }, () => step('think', () => 1));
    await session({ id: 'shared-id', agent: 'mine', caps: { maxCostUsd: 0.1 } }, () =>
      llm({ model: 'gpt-4o' }, (c) => c.record({ usage: { inputTokens: 100, outputTokens: 10 } })),
    );
  });
  // Another project sends a session with the same id and other caps: never visible here.
  await ensureProject(cairn.store, 'intruder', 'Intruder');
  const other = await createKey(cairn.store, { projectId: 'intruder', kind: 'ingest' });
  await sendWith(other.key, () =>
    session({ id: 'shared-id', agent: 'theirs', caps: { maxCostUsd: 99, maxSteps: 7 } }, () => step('x', () => 1)),
  );
  await cairn.flush();
});

afterAll(async () => {
  await cairn?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/sessions/:id caps', () => {
  it("carries the example support agent's caps, as the SDK enforced them", async () => {
    const { status, body } = await get(`/api/sessions/${supportId}`);
    expect(status).toBe(200);
    expect(body.caps).toEqual({
      max_cost_usd: SUPPORT_CAPS.maxCostUsd,
      max_tokens: null,
      max_steps: SUPPORT_CAPS.maxSteps,
      max_duration_ms: SUPPORT_CAPS.maxDurationMs,
      max_tool_repeats: SUPPORT_CAPS.maxToolRepeats,
    });
    expect(body.steps.length).toBeGreaterThan(3);
    // Also on a later page of a paged replay, and with the summary only.
    const paged = await get(`/api/sessions/${supportId}?steps_limit=2`);
    expect(paged.body.next_steps_cursor).not.toBeNull();
    const next = await get(
      `/api/sessions/${supportId}?steps_limit=2&steps_cursor=${encodeURIComponent(paged.body.next_steps_cursor!)}`,
    );
    expect(next.body.caps?.max_cost_usd).toBe(SUPPORT_CAPS.maxCostUsd);
    expect((await get(`/api/sessions/${supportId}?steps_limit=0`)).body.caps?.max_cost_usd).toBe(SUPPORT_CAPS.maxCostUsd);
  });

  it('is null for a session without caps', async () => {
    const { status, body } = await get('/api/sessions/no-caps');
    expect(status).toBe(200);
    expect(body.caps).toBeNull();
  });

  it("reads only the caller's project, even for a session id another project uses", async () => {
    const { body } = await get('/api/sessions/shared-id');
    expect(body.session.agent_name).toBe('mine');
    expect(body.caps).toEqual({
      max_cost_usd: 0.1,
      max_tokens: null,
      max_steps: null,
      max_duration_ms: null,
      max_tool_repeats: null,
    });
  });

  it('is documented in the OpenAPI document', async () => {
    const spec = (await (await fetch(`${cairn.apiUrl}/openapi.json`)).json()) as any;
    const schema = spec.paths['/api/sessions/{id}'].get.responses['200'].content['application/json'].schema;
    expect(schema.required).toContain('caps');
    expect(JSON.stringify(schema.properties.caps)).toContain('max_cost_usd');
  });
});
