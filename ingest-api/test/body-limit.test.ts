import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { drainBody } from '@cairn/schemas';
import type { Store } from '@cairn/storage';
import { streamBody as streamTo } from '@cairn/testkit';
import { bearer, makeApp, makeProject, openTempStore, type TestProject } from './helpers.js';

/**
 * Bodies over the limit (issue 9): the API must answer a 413 the client can read. Before, the
 * connection closed while the client was still sending and it saw EPIPE instead.
 */

const LIMIT = 64 * 1024;
let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let p: TestProject;
let port = 0;

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  p = await makeProject(store, 'p-body');
  app = await makeApp(store, { maxBodyBytes: LIMIT });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

const streamBody = (path: string, total: number, headers: Record<string, string>, withLength: boolean) =>
  streamTo(`http://127.0.0.1:${port}${path}`, total, { 'content-type': 'application/json', ...headers }, withLength);

describe('a body over the limit gets a readable 413', () => {
  for (const withLength of [true, false]) {
    it(`with ${withLength ? 'a Content-Length' : 'chunked encoding'}: the client reads the 413, no EPIPE`, async () => {
      for (const total of [LIMIT * 4, 8 * 1024 * 1024]) {
        const r = await streamBody('/api/scores', total, bearer(p.admin), withLength);
        expect(r.clientError, `${total} bytes`).toBeUndefined();
        expect(r.status, `${total} bytes`).toBe(413);
        expect(JSON.parse(r.body!).error.code).toBe('CAIRN_PAYLOAD_TOO_LARGE');
      }
    });
  }

  it('an early refusal (no key) of a large body is readable too', async () => {
    const r = await streamBody('/api/scores', 4 * 1024 * 1024, {}, true);
    expect(r.clientError).toBeUndefined();
    expect(r.status).toBe(401);
  });

  it('the server keeps serving afterwards', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('drainBody bounds', () => {
  it('stops after maxBytes without waiting for the end', async () => {
    const { PassThrough } = await import('node:stream');
    const s = new PassThrough();
    const done = drainBody(s, { maxBytes: 1000, maxMs: 60_000 });
    s.write(Buffer.alloc(600));
    s.write(Buffer.alloc(600));
    expect(await done).toEqual({ drained: false, bytes: 1200 });
  });

  it('stops after maxMs when the client stalls, and reports a full drain otherwise', async () => {
    const { PassThrough } = await import('node:stream');
    const stalled = new PassThrough();
    stalled.write(Buffer.alloc(10));
    expect(await drainBody(stalled, { maxMs: 50 })).toEqual({ drained: false, bytes: 10 });
    const ending = new PassThrough();
    const done = drainBody(ending, { maxMs: 60_000 });
    ending.end(Buffer.alloc(300));
    expect(await done).toEqual({ drained: true, bytes: 300 });
  });
});
