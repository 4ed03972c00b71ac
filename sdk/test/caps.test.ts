import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { agent, BudgetExceededError, CairnLimitError, init, llm, session, shutdown, step, tool } from '../src/index.js';
import type { Memory } from './helpers.js';
import { byName, initMemory, kindOf } from './helpers.js';

let mem: Memory;
beforeAll(() => {
  mem = initMemory();
});
afterAll(async () => {
  await shutdown();
});

async function spansOf(id: string): Promise<ReadableSpan[]> {
  return (await mem.spans()).filter((s) => s.attributes['gen_ai.conversation.id'] === id);
}

function limitEvents(spans: ReadableSpan[]): Record<string, unknown>[] {
  return spans.flatMap((s) =>
    s.events.filter((e) => e.name === 'cairn.limit.exceeded').map((e) => ({ span: s.name, ...e.attributes })),
  );
}

async function expectStopped(p: Promise<unknown>, kind: string): Promise<CairnLimitError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CairnLimitError);
  const e = err as CairnLimitError;
  expect(e.code).toBe('CAIRN_LIMIT_EXCEEDED');
  expect(e.kind).toBe(kind);
  return e;
}

describe('per-run caps', () => {
  it('maxSteps: the step after the last allowed one does not run', async () => {
    const ran: number[] = [];
    const e = await expectStopped(
      session({ id: 'cap-steps', agent: 'a', caps: { maxSteps: 3 } }, async () => {
        await agent('worker', async () => {
          for (let i = 1; i <= 10; i++) await step(`s${i}`, () => void ran.push(i));
        });
      }),
      'steps',
    );
    expect(ran).toEqual([1, 2, 3]);
    expect(e.limit).toBe(3);
    const spans = await spansOf('cap-steps');
    expect(spans.filter((s) => kindOf(s) === 'step').map((s) => s.name)).toEqual(['s1', 's2', 's3']);
    // The event is on the span whose step was refused (the agent), once; session ends in error.
    expect(limitEvents(spans)).toEqual([{ span: 'invoke_agent worker', 'cairn.limit.kind': 'steps', 'cairn.limit.value': 3 }]);
    expect(byName(spans, 'invoke_agent worker').status.code).toBe(SpanStatusCode.ERROR);
    expect(byName(spans, 'session a').status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(byName(spans, 'session a').status.message).toContain('steps cap exceeded');
  });

  it('maxCostUsd: the call that crosses it ends the run; nothing runs after, even if the error is caught', async () => {
    const ran: string[] = [];
    await expectStopped(
      session({ id: 'cap-cost', agent: 'a', caps: { maxCostUsd: 0.01 } }, async () => {
        for (let i = 1; i <= 5; i++) {
          try {
            // gpt-4o: 1,000 output tokens = $0.01; the second call crosses $0.01
            await llm({ model: 'gpt-4o' }, (c) => {
              ran.push(`llm${i}`);
              c.record({ usage: { inputTokens: 0, outputTokens: 600 } });
            });
          } catch {
            // a careless agent swallows the error and carries on
          }
        }
        await tool('after', {}, () => void ran.push('tool'));
      }),
      'cost',
    );
    expect(ran).toEqual(['llm1', 'llm2']);
    const spans = await spansOf('cap-cost');
    const calls = spans.filter((s) => kindOf(s) === 'llm');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(limitEvents(spans)).toEqual([{ span: 'chat gpt-4o', 'cairn.limit.kind': 'cost', 'cairn.limit.value': 0.01 }]);
    expect(calls[1]!.events.some((e) => e.name === 'cairn.limit.exceeded')).toBe(true);
    expect(spans.some((s) => s.name === 'execute_tool after')).toBe(false);
    expect(byName(spans, 'session a').status.code).toBe(SpanStatusCode.ERROR);
  });

  it('maxTokens: input + output tokens', async () => {
    const ran: number[] = [];
    const e = await expectStopped(
      session({ id: 'cap-tokens', agent: 'a', caps: { maxTokens: 2500 } }, async () => {
        for (let i = 1; i <= 5; i++)
          await llm(
            { model: 'unknown-model' },
            (c) => (ran.push(i), c.record({ usage: { inputTokens: 800, outputTokens: 200 } })),
          );
      }),
      'tokens',
    );
    expect(ran).toEqual([1, 2, 3]);
    expect(e.actual).toBe(3000);
    expect(limitEvents(await spansOf('cap-tokens'))).toEqual([
      { span: 'chat unknown-model', 'cairn.limit.kind': 'tokens', 'cairn.limit.value': 2500 },
    ]);
  });

  it('maxToolRepeats: the same tool with the same arguments (key order aside)', async () => {
    const calls: string[] = [];
    const e = await expectStopped(
      session({ id: 'cap-repeats', agent: 'a', caps: { maxToolRepeats: 3 } }, async () => {
        await tool('search', { q: 'x', page: 1 }, () => calls.push('other-args'));
        for (let i = 0; i < 10; i++) {
          const rows = await tool(
            'fetch_rows',
            i % 2 ? { table: 'sales', week: 7 } : { week: 7, table: 'sales' },
            () => (calls.push('fetch'), []),
          );
          if (rows.length > 0) break;
        }
      }),
      'repeats',
    );
    expect(calls).toEqual(['other-args', 'fetch', 'fetch', 'fetch']);
    expect(e.actual).toBe(4);
    const spans = await spansOf('cap-repeats');
    expect(spans.filter((s) => s.name === 'execute_tool fetch_rows')).toHaveLength(3);
    expect(limitEvents(spans)).toEqual([{ span: 'session a', 'cairn.limit.kind': 'repeats', 'cairn.limit.value': 3 }]);
  });

  it('maxDurationMs: a stuck step cannot hold the session past the cap; later steps do not run', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    const ran: string[] = [];
    let signal: AbortSignal | undefined;
    await expectStopped(
      session({ id: 'cap-duration', agent: 'a', caps: { maxDurationMs: 50 } }, async (s) => {
        signal = s.signal;
        await step('slow', () => stuck);
        await step('next', () => void ran.push('next'));
      }),
      'duration',
    );
    expect(signal?.aborted).toBe(true);
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(ran).toEqual([]);
    const spans = await spansOf('cap-duration');
    expect(limitEvents(spans)).toEqual([{ span: 'session a', 'cairn.limit.kind': 'duration', 'cairn.limit.value': 50 }]);
    expect(byName(spans, 'session a').status.code).toBe(SpanStatusCode.ERROR);
    expect(spans.some((s) => s.name === 'next')).toBe(false);
  });

  it('caps from init() apply to every session, and a session can override them', async () => {
    await shutdown();
    mem = initMemory({ caps: { maxSteps: 1 } });
    await expectStopped(
      session({ id: 'cap-default', agent: 'a' }, async () => {
        await step('one', () => 1);
        await step('two', () => 2);
      }),
      'steps',
    );
    await session({ id: 'cap-override', agent: 'a', caps: { maxSteps: 5 } }, async () => {
      await step('one', () => 1);
      await step('two', () => 2);
    });
  });

  it('records the caps a run enforces on its session span (cairn.cap.*), init() defaults merged in', async () => {
    await shutdown();
    mem = initMemory({ caps: { maxSteps: 50, maxCostUsd: 9 } });
    await session(
      { id: 'cap-attrs', agent: 'a', caps: { maxCostUsd: 0.25, maxTokens: 200_000, maxDurationMs: 300_000, maxToolRepeats: 3 } },
      async () => step('one', () => 1),
    );
    const spans = await spansOf('cap-attrs');
    const capsOf = (s: ReadableSpan) =>
      Object.fromEntries(Object.entries(s.attributes).filter(([k]) => k.startsWith('cairn.cap.')));
    expect(capsOf(byName(spans, 'session a'))).toEqual({
      'cairn.cap.max_cost_usd': 0.25,
      'cairn.cap.max_tokens': 200_000,
      'cairn.cap.max_steps': 50,
      'cairn.cap.max_duration_ms': 300_000,
      'cairn.cap.max_tool_repeats': 3,
    });
    // Only the session span carries them: steps are many, the caps one per run.
    expect(capsOf(byName(spans, 'one'))).toEqual({});

    await shutdown();
    mem = initMemory();
    await session({ id: 'cap-none', agent: 'a' }, async () => step('one', () => 1));
    expect(capsOf(byName(await spansOf('cap-none'), 'session a'))).toEqual({});
  });
});

describe('the budget guard (client side)', () => {
  it('ends the run with BudgetExceededError when /api/guard denies, at session start and between steps', async () => {
    let allow = true;
    const queries: string[] = [];
    const server = createServer((req, res) => {
      queries.push(req.url ?? '');
      expect(req.headers.authorization).toBe('Bearer cairn_ik_guardtest');
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify(allow ? { allow: true } : { allow: false, reason: 'daily budget "agents" spent', budget_id: 'b-1' }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await shutdown();
      mem = initMemory({ apiKey: 'cairn_ik_guardtest', guard: { url, cacheMs: 0 } });
      const ran: number[] = [];
      const err = await session({ id: 'guard-mid', agent: 'billing', user: 'u-9' }, async () => {
        for (let i = 1; i <= 50; i++) {
          await step(`s${i}`, () => void ran.push(i));
          if (i === 2) allow = false;
          await new Promise((r) => setTimeout(r, 5));
        }
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BudgetExceededError);
      expect((err as BudgetExceededError).code).toBe('CAIRN_BUDGET_EXCEEDED');
      expect((err as BudgetExceededError).budget).toBe('b-1');
      expect(ran.length).toBeGreaterThanOrEqual(2);
      expect(ran.length).toBeLessThan(50);
      expect(queries[0]).toBe('/api/guard?agent=billing&user=u-9');
      const spans = await spansOf('guard-mid');
      expect(limitEvents(spans).map((e) => e['cairn.limit.kind'])).toEqual(['budget']);

      // Denied at the start: the function never runs.
      let started = false;
      await expect(session({ id: 'guard-start', agent: 'billing' }, () => void (started = true))).rejects.toBeInstanceOf(
        BudgetExceededError,
      );
      expect(started).toBe(false);
      const root = byName(await spansOf('guard-start'), 'session billing');
      expect(root.status.code).toBe(SpanStatusCode.ERROR);
      expect(limitEvents([root])).toHaveLength(1);
    } finally {
      server.close();
      await shutdown();
      init({ exporter: mem.exporter, env: {} });
    }
  });
});
