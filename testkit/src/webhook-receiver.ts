import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { verifySignature } from '@cairn/alerts';

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

/** A JSON request with a key to an API app through `app.inject` (no socket): `{ status, body }`. */
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
