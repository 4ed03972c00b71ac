import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { CairnError } from '@cairn/schemas';
import { installHttpErrors, sendFrameworkError } from '@cairn/schemas/http-errors';

// The shared error-to-HTTP plugin on a real Fastify server over a real socket: every kind of
// failure a route can meet leaves with a registry code, its status and a message.
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  app = Fastify({ logger: false, bodyLimit: 64, frameworkErrors: sendFrameworkError });
  installHttpErrors(app, {
    classify: (err) => (err.message === 'db down' ? new CairnError('CAIRN_STORAGE_UNAVAILABLE', 'storage is down') : undefined),
  });
  app.get('/cairn', async () => {
    throw new CairnError('CAIRN_CONFLICT', 'it changed meanwhile');
  });
  app.get('/bug', async () => {
    throw new Error('secret internals');
  });
  app.get('/db', async () => {
    throw new Error('db down');
  });
  app.get<{ Querystring: { n: number } }>(
    '/valid',
    { schema: { querystring: { type: 'object', properties: { n: { type: 'integer', maximum: 5 } }, required: ['n'] } } },
    async () => ({ ok: true }),
  );
  app.post('/echo', async (req) => req.body);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app.close();
});

async function call(path: string, init?: RequestInit): Promise<[number, unknown]> {
  const res = await fetch(base + path, init);
  return [res.status, await res.json()];
}

describe('installHttpErrors', () => {
  it.each([
    ['a thrown CairnError keeps its code', '/cairn', undefined, 409, 'CAIRN_CONFLICT', 'it changed meanwhile'],
    ['a validation error', '/valid?n=9', undefined, 400, 'CAIRN_BAD_REQUEST', 'querystring/n must be <= 5'],
    ['the server’s own classification', '/db', undefined, 503, 'CAIRN_STORAGE_UNAVAILABLE', 'storage is down'],
    [
      'a body over the limit',
      '/echo',
      { method: 'POST', body: JSON.stringify({ x: 'y'.repeat(200) }), headers: { 'content-type': 'application/json' } },
      413,
      'CAIRN_PAYLOAD_TOO_LARGE',
      undefined,
    ],
    [
      'malformed JSON',
      '/echo',
      { method: 'POST', body: '{"x":', headers: { 'content-type': 'application/json' } },
      400,
      'CAIRN_MALFORMED_JSON',
      undefined,
    ],
    [
      'an unsupported content type',
      '/echo',
      { method: 'POST', body: 'x', headers: { 'content-type': 'application/xml' } },
      415,
      'CAIRN_UNSUPPORTED_MEDIA_TYPE',
      undefined,
    ],
    ['an unknown route', '/nope?q=1', undefined, 404, 'CAIRN_ROUTE_NOT_FOUND', 'no route GET /nope'],
    ['a path that is not valid percent-encoding', '/valid/%E0%A4%A', undefined, 400, 'CAIRN_BAD_REQUEST', undefined],
  ] as const)('%s', async (_name, path, init, status, code, message) => {
    const [got, body] = await call(path, init);
    expect(got).toBe(status);
    const error = (body as { error: { code: string; message: string } }).error;
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(0);
    if (message !== undefined) expect(error.message).toBe(message);
  });

  it('an unexpected error is CAIRN_INTERNAL without its internals', async () => {
    const [status, body] = await call('/bug');
    expect(status).toBe(500);
    expect(body).toEqual({ error: { code: 'CAIRN_INTERNAL', message: 'internal error: the server log has the details' } });
  });
});
