import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { verifySignature } from '../src/alerts/signing.js';

/** One request a receiver got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  status: number;
}

/** A real webhook receiver on 127.0.0.1; `respond` picks each answer's status (default 200). */
export interface Receiver {
  url: string;
  received: Received[];
  respond: (n: number, req: { headers: IncomingHttpHeaders; body: string }) => number;
  /** Resolves once `n` requests arrived (polls; the test timeout bounds it). */
  waitFor(n: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(path = '/hook'): Promise<Receiver> {
  const received: Received[] = [];
  const r: Receiver = {
    url: '',
    received,
    respond: () => 200,
    async waitFor(n) {
      while (received.length < n) await new Promise((res) => setTimeout(res, 20));
      return received;
    },
    close: () => new Promise((res) => server.close(() => res())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = r.respond(received.length + 1, { headers: req.headers, body });
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      received.push({ headers: req.headers, body, json, status });
      res.statusCode = status;
      res.end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return r;
}

/** Whether a received request carries a valid Cairn signature for `secret`. */
export function signatureValid(secret: string, r: Received): boolean {
  const ts = String(r.headers['x-cairn-timestamp'] ?? '');
  const sig = String(r.headers['x-cairn-signature'] ?? '');
  return /^\d+$/.test(ts) && verifySignature(secret, ts, r.body, sig);
}

/** POST JSON with a key through app.inject. */
export async function send<T = any>(
  app: FastifyInstance,
  method: 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'GET',
  url: string,
  key: string,
  payload?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
  return { status: res.statusCode, body: res.body === '' ? (undefined as T) : (JSON.parse(res.body) as T) };
}

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
