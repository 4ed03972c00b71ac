import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { agent, continueSession, currentSessionId, injectHeaders, llm, session, shutdown, tool } from '../src/index.js';
import type { Memory } from './helpers.js';
import { byName, idOf, initMemory, parentOf } from './helpers.js';

let mem: Memory;
let server: Server;
let url: string;
const seenOnServer: { before: string | undefined; traceparent: string | undefined; baggage: string | undefined }[] = [];

beforeAll(async () => {
  mem = initMemory();
  // A sub-agent behind a real HTTP server: the request's headers are its only link to the caller.
  server = createServer((req, res) => {
    seenOnServer.push({
      before: currentSessionId(),
      traceparent: req.headers.traceparent as string | undefined,
      baggage: req.headers.baggage as string | undefined,
    });
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      void continueSession(req.headers, { agent: 'researcher' }, async () => {
        const { topic } = JSON.parse(body) as { topic: string };
        const facts = await tool('web_search', { topic }, () => [`${topic} grew 12%`]);
        await llm({ model: 'claude-haiku-4-5', provider: 'anthropic' }, (c) =>
          c.record({ usage: { inputTokens: 300, outputTokens: 80 }, output: facts.join() }),
        );
        return { facts, session: currentSessionId() };
      }).then((out) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(out));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await shutdown();
});

describe('cross-process propagation', () => {
  it('a sub-agent behind an HTTP hop joins the caller session with the right parent', async () => {
    const answer = await session({ id: 'sess-hop', agent: 'orchestrator', workflow: 'market-brief', user: 'u-7' }, () =>
      agent('planner', () =>
        tool('ask_researcher', { topic: 'EV sales' }, async () => {
          const res = await fetch(`${url}/research`, {
            method: 'POST',
            headers: injectHeaders({ 'content-type': 'application/json' }),
            body: JSON.stringify({ topic: 'EV sales' }),
          });
          return (await res.json()) as { facts: string[]; session: string };
        }),
      ),
    );
    expect(answer).toEqual({ facts: ['EV sales grew 12%'], session: 'sess-hop' });
    const hop = seenOnServer.at(-1)!;
    expect(hop.before).toBeUndefined(); // the server does not inherit the caller's context in-process
    expect(hop.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(hop.baggage).toContain('gen_ai.conversation.id=sess-hop');

    const spans = (await mem.spans()).filter((s) => s.attributes['gen_ai.conversation.id'] === 'sess-hop');
    expect(spans.map((s) => s.name).sort()).toEqual(
      [
        'session orchestrator',
        'invoke_agent planner',
        'execute_tool ask_researcher',
        'invoke_agent researcher',
        'execute_tool web_search',
        'chat claude-haiku-4-5',
      ].sort(),
    );
    const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
    expect(traceIds.size).toBe(1);
    const ask = byName(spans, 'execute_tool ask_researcher');
    const remote = byName(spans, 'invoke_agent researcher');
    expect(parentOf(remote)).toBe(idOf(ask));
    expect(parentOf(byName(spans, 'execute_tool web_search'))).toBe(idOf(remote));
    const remoteLlm = byName(spans, 'chat claude-haiku-4-5');
    expect(parentOf(remoteLlm)).toBe(idOf(remote));
    // workflow and user travel in baggage; the remote agent names its own spans
    expect(remoteLlm.attributes).toMatchObject({
      'gen_ai.agent.name': 'researcher',
      'gen_ai.workflow.name': 'market-brief',
      'user.id': 'u-7',
    });
    expect(remoteLlm.attributes['cairn.cost.usd']).toBeGreaterThan(0);
  });

  it('injectHeaders outside any span adds nothing; continueSession without headers still runs', async () => {
    expect(injectHeaders({ a: 'b' })).toEqual({ a: 'b' });
    await expect(continueSession({}, () => currentSessionId())).resolves.toBeUndefined();
  });
});
