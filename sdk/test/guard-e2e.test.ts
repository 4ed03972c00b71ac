import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CairnRuntime } from 'cairn';
import { BudgetExceededError, init, session, shutdown, step } from '../src/index.js';
import { api, sendOtlpSpend, startTestCairn } from '@cairn/testkit';

// The hard stop across the wire: a real `cairn start`, spend sent as OTLP, the SDK's guard
// asking the real /api/guard with the ingest key.
const INGEST = 'cairn_ik_' + 'g'.repeat(24);
const ADMIN = 'cairn_ak_' + 'h'.repeat(24);
const dir = mkdtempSync(join(tmpdir(), 'cairn-guard-e2e-'));
let cairn: CairnRuntime;

beforeAll(async () => {
  cairn = await startTestCairn(dir, { CAIRN_INGEST_KEY: INGEST, CAIRN_ADMIN_KEY: ADMIN, CAIRN_BATCH_MAX_MS: '50' });
  init({ endpoint: cairn.otlpUrl, apiKey: INGEST, serviceName: 'guard-e2e', guard: { url: cairn.apiUrl, cacheMs: 0 }, env: {} });
});
afterAll(async () => {
  await shutdown();
  await cairn?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function hardStop(agent: string, limit: number): Promise<string> {
  const res = await api(cairn.apiUrl, ADMIN, 'POST', '/api/budgets', {
    name: `${agent} cap`,
    scope: { agent },
    period: 'day',
    limit_usd: limit,
    hard_stop: true,
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe('SDK guard against a real server', () => {
  it('refuses the next session of an agent whose hard-stop budget is spent, while another agent runs', async () => {
    const id = await hardStop('capped', 1);
    await sendOtlpSpend(cairn.otlpUrl, INGEST, [{ session: 'spent-1', agent: 'capped', costUsd: 1 }]);
    await cairn.flush();
    await new Promise((r) => setTimeout(r, 1100)); // past the server's one-second spend cache

    let ran = false;
    const err = await session({ agent: 'capped' }, async () => {
      ran = true;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetExceededError);
    expect((err as BudgetExceededError).code).toBe('CAIRN_BUDGET_EXCEEDED');
    expect((err as BudgetExceededError).budget).toBe(id);
    expect((err as BudgetExceededError).message).toContain('capped cap');
    expect(ran).toBe(false);

    const value = await session({ agent: 'free' }, async () => step('work', () => 42));
    expect(value).toBe(42);
  });

  it('ends a running session between steps once its budget reaches 100 %', async () => {
    await hardStop('runner', 2);
    let steps = 0;
    const err = await session({ agent: 'runner' }, async () => {
      for (let i = 0; i < 2000; i++) {
        await step(`s${i}`, () => void (steps += 1));
        if (i === 3) {
          await sendOtlpSpend(cairn.otlpUrl, INGEST, [{ session: 'runner-spend', agent: 'runner', costUsd: 2.5 }]);
          await cairn.flush();
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetExceededError);
    expect(steps).toBeGreaterThan(4);
    expect(steps).toBeLessThan(2000);
  });
});
