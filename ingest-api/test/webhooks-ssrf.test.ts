import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Store } from '@cairn/storage';
import { isLocalhostName, isPrivateAddress, sendWebhook } from '@cairn/alerts';
import { makeApp, makeProject, openTempStore, type TestProject } from './helpers.js';
import { send } from '@cairn/testkit';

/**
 * SSRF through webhooks (issue 9): IPv6 forms that embed a loopback IPv4 address and
 * `localhost.` must be refused at create time and again at delivery, and a real listener on
 * loopback must see no request at all.
 */

let store: Store;
let cleanup: () => Promise<void>;
let strict: FastifyInstance; // CAIRN_WEBHOOK_ALLOW_PRIVATE off (the default)
let open: FastifyInstance; // the allow-loopback setting other webhook tests rely on
let p: TestProject;
let hits = 0;
let port = 0;
const servers: Server[] = [];

/** Listens on 127.0.0.1 and, where the host has IPv6, on ::1 with the same port; counts requests. */
async function listen(host: string, wanted: number): Promise<number | undefined> {
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    res.end('ok');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(wanted, host, () => resolve());
    });
  } catch {
    return undefined;
  }
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  p = await makeProject(store, 'p-ssrf');
  strict = await makeApp(store);
  open = await makeApp(store, { webhookAllowPrivate: true });
  port = (await listen('127.0.0.1', 0))!;
  await listen('::1', port);
});

afterAll(async () => {
  await strict?.close();
  await open?.close();
  for (const s of servers) s.close();
  await cleanup?.();
});

const hostile = (): string[] => [
  `http://[::127.0.0.1]:${port}/hook`, // IPv4-compatible (deprecated) ::/96
  `http://[::ffff:0:127.0.0.1]:${port}/hook`, // SIIT ::ffff:0:0/96
  `http://[64:ff9b:1::7f00:1]:${port}/hook`, // local-use NAT64 64:ff9b:1::/48
  `http://[64:ff9b::127.0.0.1]:${port}/hook`, // well-known NAT64 64:ff9b::/96
  `http://[2002:7f00:1::]:${port}/hook`, // 6to4 of 127.0.0.1
  `http://[2001:0:7f00:1::80ff:fffe]:${port}/hook`, // Teredo, server 127.0.0.1
  `http://[2001:0:808:808::80ff:fffe]:${port}/hook`, // Teredo, public server, client ~80ff:fffe = 127.0.0.1
  `http://[::ffff:127.0.0.1]:${port}/hook`,
  `http://[::1]:${port}/hook`,
  `http://localhost.:${port}/hook`,
  `http://LOCALHOST.:${port}/hook`,
  `http://api.localhost:${port}/hook`,
  `http://localhost:${port}/hook`,
  `http://127.0.0.1:${port}/hook`,
  `http://127.1:${port}/hook`,
  `http://0x7f000001:${port}/hook`,
  `http://0.0.0.0:${port}/hook`,
];

describe('address classification (ipaddr.js)', () => {
  it('judges embedded IPv4 addresses by where they lead', () => {
    for (const a of [
      '::7f00:1',
      '::ffff:0:7f00:1',
      '::ffff:7f00:1',
      '64:ff9b::7f00:1',
      '64:ff9b::a00:1', // NAT64 of 10.0.0.1
      '64:ff9b:1::808:808', // local-use NAT64, even of a public address
      '2002:7f00:1::',
      '2002:a9fe:a9fe::', // 6to4 of 169.254.169.254
      '2001:0:808:808:0:0:80ff:fffe', // Teredo whose client is ~80ff:fffe = 127.0.0.1
      '2001:0:7f00:1:0:0:f7f7:f7f7', // Teredo whose server is 127.0.0.1
      '::8.8.8.8', // IPv4-compatible is refused whatever it embeds
      'fe80::1%eth0',
      'not-an-address',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of [
      '8.8.8.8',
      '2606:4700:4700::1111',
      '64:ff9b::808:808',
      '::ffff:8.8.8.8',
      '::ffff:0808:0808',
      '2002:808:808::1',
    ]) {
      expect(isPrivateAddress(a), a).toBe(false);
    }
    for (const n of ['localhost', 'localhost.', 'LocalHost..', 'a.b.localhost.']) expect(isLocalhostName(n), n).toBe(true);
    expect(isLocalhostName('localhost.example.com')).toBe(false);
  });
});

describe('webhook targets on loopback', () => {
  it('the listener counts requests: the allow-loopback setting reaches it', async () => {
    const before = hits;
    const r = await sendWebhook(`http://127.0.0.1:${port}/hook`, {}, '{}', { timeoutMs: 2000, allowPrivate: true });
    expect(r.statusCode).toBe(200);
    const created = await send(open, 'POST', '/api/webhooks', p.admin, { url: `http://localhost:${port}/hook` });
    expect(created.status).toBe(201);
    const tested = await send(open, 'POST', `/api/webhooks/${created.body.webhook.id}/test`, p.admin);
    expect(tested.body.status_code, JSON.stringify(tested.body)).toBe(200);
    expect(hits).toBe(before + 2);
    await send(open, 'DELETE', `/api/webhooks/${created.body.webhook.id}`, p.admin);
  });

  it('refuses every hostile form at create time, and PATCH cannot slip one in', async () => {
    const ok = await send(strict, 'POST', '/api/webhooks', p.admin, { url: 'https://93.184.215.14/hook' });
    expect(ok.status).toBe(201);
    for (const url of hostile()) {
      const res = await send(strict, 'POST', '/api/webhooks', p.admin, { url });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code, url).toBe('CAIRN_WEBHOOK_TARGET_REFUSED');
      const patched = await send(strict, 'PATCH', `/api/webhooks/${ok.body.webhook.id}`, p.admin, { url });
      expect(patched.body.error?.code, url).toBe('CAIRN_WEBHOOK_TARGET_REFUSED');
    }
  });

  it('refuses them again at delivery (stored before the setting was turned off), with 0 hits', async () => {
    const before = hits;
    for (const url of hostile()) {
      const direct = await sendWebhook(url, {}, '{}', { timeoutMs: 2000, allowPrivate: false });
      expect(direct.refused, `${url}: ${direct.error}`).toBe(true);
      expect(direct.statusCode, url).toBeNull();
      // A webhook stored while the opt-in was on, delivered by a server where it is off.
      const created = await send(open, 'POST', '/api/webhooks', p.admin, { url });
      expect(created.status, url).toBe(201);
      const tested = await send(strict, 'POST', `/api/webhooks/${created.body.webhook.id}/test`, p.admin);
      expect(tested.status, url).toBe(200);
      expect(tested.body.success, url).toBe(false);
      expect(tested.body.error, url).toMatch(/refused/);
      await send(open, 'DELETE', `/api/webhooks/${created.body.webhook.id}`, p.admin);
    }
    expect(hits).toBe(before);
  });
});
