import { rawSql } from '@cairn/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CairnRuntime } from 'cairn';
import { agent, forceFlush, init, injectHeaders, llm, session, shutdown, step, tool } from '../src/index.js';
import { tempDataDir, startTestCairn } from '@cairn/testkit';

// Needs the built SDK for the second process (`npm test` builds first).
const INGEST = 'cairn_ik_' + 'h'.repeat(24);
const tmp = tempDataDir('cairn-sdk-e2e-');
let cairn: CairnRuntime;
let remote: ChildProcess;
let remoteUrl: string;

beforeAll(async () => {
  cairn = await startTestCairn(tmp.dir, {
    CAIRN_INGEST_KEY: INGEST,
    CAIRN_ADMIN_KEY: 'cairn_ak_' + 'y'.repeat(24),
    CAIRN_BATCH_MAX_MS: '50',
  });
  init({ endpoint: cairn.otlpUrl, apiKey: INGEST, serviceName: 'orchestrator-service', env: {} });
  remote = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/remote-agent.mjs', import.meta.url))], {
    env: { ...process.env, CAIRN_ENDPOINT: cairn.otlpUrl, CAIRN_API_KEY: INGEST },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  remoteUrl = await new Promise<string>((resolve, reject) => {
    remote.once('exit', (code) => reject(new Error(`remote agent exited with ${code}`)));
    remote.stdout!.on('data', (d: Buffer) => {
      const m = /PORT (\d+)/.exec(d.toString());
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
  });
});
afterAll(async () => {
  remote.kill();
  await shutdown();
  await cairn.stop();
  tmp.cleanup();
});

interface Row {
  span_id: string;
  parent_span_id: string;
  trace_id: string;
  name: string;
  kind: string;
  agent_name: string;
  service_name: string;
  cost_usd: number;
}

describe('one session across agents, parallel sub-agents and an HTTP hop, stored by the collector', () => {
  it('is stored as one session with the right parent/child structure', async () => {
    await session({ id: 'hop-e2e-1', agent: 'orchestrator', workflow: 'market-brief', user: 'u-3' }, async () => {
      await step('plan', () => 'ask research, then write');
      const [research, pricing] = await Promise.all([
        agent('research-lead', () =>
          tool('call_researcher', { topic: 'heat pumps' }, async () => {
            const res = await fetch(`${remoteUrl}/research`, {
              method: 'POST',
              headers: injectHeaders({ 'content-type': 'application/json' }),
              body: JSON.stringify({ topic: 'heat pumps' }),
            });
            return (await res.json()) as { summary: string };
          }),
        ),
        agent('pricing', () =>
          llm({ model: 'gpt-4.1-mini', provider: 'openai' }, (c) =>
            c.record({ usage: { inputTokens: 500, outputTokens: 60 }, output: 'Prices stable.' }),
          ),
        ),
      ]);
      expect(research.summary).toBe('growing market');
      void pricing;
      await agent('writer', () => agent('editor', () => step('polish', () => 'done')));
    });
    await forceFlush();
    await fetch(`${remoteUrl}/shutdown`, { method: 'POST' }); // the remote flushes its spans
    await cairn.flush();

    const rows = await rawSql(cairn.store).query<Row>(
      'SELECT span_id, parent_span_id, trace_id, name, kind, agent_name, service_name, cost_usd FROM spans WHERE session_id = {s:String}',
      { s: 'hop-e2e-1' },
    );
    const by = (name: string): Row => {
      const r = rows.find((x) => x.name === name);
      if (!r) throw new Error(`missing ${name} in ${rows.map((x) => x.name).join(', ')}`);
      return r;
    };
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((r) => r.trace_id)).size).toBe(1);
    expect(new Set(rows.map((r) => r.service_name))).toEqual(new Set(['orchestrator-service', 'research-service']));
    const root = by('session orchestrator');
    expect(root.parent_span_id).toBe('');
    expect(root.kind).toBe('session');
    expect(by('plan').parent_span_id).toBe(root.span_id);
    for (const a of ['research-lead', 'pricing', 'writer']) expect(by(`invoke_agent ${a}`).parent_span_id).toBe(root.span_id);
    const call = by('execute_tool call_researcher');
    expect(call.parent_span_id).toBe(by('invoke_agent research-lead').span_id);
    const researcher = by('invoke_agent researcher');
    expect(researcher).toMatchObject({ parent_span_id: call.span_id, service_name: 'research-service', kind: 'agent' });
    expect(by('execute_tool web_search').parent_span_id).toBe(researcher.span_id);
    const remoteLlm = by('chat claude-haiku-4-5');
    expect(remoteLlm).toMatchObject({ parent_span_id: researcher.span_id, agent_name: 'researcher', kind: 'llm' });
    expect(remoteLlm.cost_usd).toBeCloseTo((900 * 1 + 120 * 5) / 1e6, 12);
    expect(by('invoke_agent editor').parent_span_id).toBe(by('invoke_agent writer').span_id);
    expect(by('polish').parent_span_id).toBe(by('invoke_agent editor').span_id);
    expect(by('polish').agent_name).toBe('editor');

    const sessions = await rawSql(cairn.store).query<{ n: number; spans: number }>(
      'SELECT count() AS n, sum(spans) AS spans FROM (SELECT session_id, sum(spans) AS spans FROM sessions_rollup WHERE session_id = {s:String} GROUP BY session_id)',
      { s: 'hop-e2e-1' },
    );
    expect(sessions[0]).toMatchObject({ n: 1, spans: 12 });
  });
});
