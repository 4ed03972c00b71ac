import { createHash } from 'node:crypto';

/*
 * OTLP/JSON senders and a JSON client for a running Cairn (its collector and API URLs), for the
 * tests that drive Cairn over HTTP the way an instrumented agent and a user would.
 */

let spanSeq = 0;

export interface OtlpSpend {
  session: string;
  agent: string;
  costUsd: number;
  model?: string;
  user?: string;
  workflow?: string;
  /** End time (default now). */
  endMs?: number;
}

/** POSTs LLM spans carrying a provided cost (`cairn.cost.usd`) as OTLP/JSON to a collector. */
export async function sendOtlpSpend(otlpUrl: string, ingestKey: string, spends: readonly OtlpSpend[]): Promise<void> {
  const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
  const spans = spends.map((s) => {
    spanSeq += 1;
    const end = BigInt(s.endMs ?? Date.now()) * 1_000_000n;
    const attrs = [
      str('gen_ai.conversation.id', s.session),
      str('gen_ai.agent.name', s.agent),
      str('gen_ai.operation.name', 'chat'),
      str('gen_ai.request.model', s.model ?? 'gpt-4o-mini'),
      { key: 'cairn.cost.usd', value: { doubleValue: s.costUsd } },
      ...(s.user ? [str('user.id', s.user)] : []),
      ...(s.workflow ? [str('gen_ai.workflow.name', s.workflow)] : []),
    ];
    return {
      traceId: spanSeq.toString(16).padStart(32, 'a'),
      spanId: spanSeq.toString(16).padStart(16, 'b'),
      name: 'chat',
      kind: 3,
      startTimeUnixNano: String(end - 5_000_000n),
      endTimeUnixNano: String(end),
      attributes: attrs,
      status: { code: 1 },
    };
  });
  const body = {
    resourceSpans: [
      { resource: { attributes: [str('service.name', 'alerts-test')] }, scopeSpans: [{ scope: { name: 't' }, spans }] },
    ],
  };
  const res = await fetch(`${otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`OTLP answered ${res.status}: ${await res.text()}`);
}

/** POSTs tool-call spans (`execute_tool`) of one session as OTLP/JSON: `args[i]` is call i's arguments. */
export async function sendOtlpToolCalls(
  otlpUrl: string,
  ingestKey: string,
  session: string,
  agent: string,
  tool: string,
  args: readonly string[],
): Promise<void> {
  const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = args.map((a, i) => {
    spanSeq += 1;
    return {
      traceId: createHash('md5').update(session).digest('hex'),
      spanId: spanSeq.toString(16).padStart(16, 'c'),
      name: `execute_tool ${tool}`,
      kind: 1,
      startTimeUnixNano: String(now + BigInt(i) * 1_000_000n),
      endTimeUnixNano: String(now + BigInt(i) * 1_000_000n + 500_000n),
      attributes: [
        str('gen_ai.conversation.id', session),
        str('gen_ai.agent.name', agent),
        str('gen_ai.operation.name', 'execute_tool'),
        str('gen_ai.tool.name', tool),
        str('gen_ai.tool.call.arguments', a),
      ],
      status: { code: 2, message: 'upstream empty' },
    };
  });
  const body = {
    resourceSpans: [
      { resource: { attributes: [str('service.name', 'alerts-test')] }, scopeSpans: [{ scope: { name: 't' }, spans }] },
    ],
  };
  const res = await fetch(`${otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`OTLP answered ${res.status}: ${await res.text()}`);
}

/** fetch JSON from the API with a key. */
export async function api<T = any>(
  apiUrl: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(apiUrl + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}
