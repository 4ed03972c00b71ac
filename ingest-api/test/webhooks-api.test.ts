import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Store } from '@cairn/storage';
import { isPrivateAddress, sendWebhook } from '@cairn/alerts';
import { makeApp, makeProject, openTempStore, type TestProject } from './helpers.js';
import { send, startReceiver, type Receiver } from '@cairn/testkit';

let store: Store;
let cleanup: () => Promise<void>;
let strict: FastifyInstance; // CAIRN_WEBHOOK_ALLOW_PRIVATE off (the default)
let open: FastifyInstance; // CAIRN_WEBHOOK_ALLOW_PRIVATE=1
let p: TestProject;
let other: TestProject;
let receiver: Receiver;

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  p = await makeProject(store, 'p-hooks');
  other = await makeProject(store, 'p-other');
  strict = await makeApp(store);
  open = await makeApp(store, { webhookAllowPrivate: true });
  receiver = await startReceiver();
});
afterAll(async () => {
  await strict.close();
  await open.close();
  await receiver.close();
  await cleanup();
});

describe('private targets', () => {
  it('refuses private, loopback and link-local webhook URLs without the opt-in', async () => {
    for (const url of [
      receiver.url,
      'http://localhost:9/x',
      'http://10.1.2.3/x',
      'http://192.168.1.1/x',
      'http://172.20.0.5/x',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:8080/x',
      'http://[fd00::1]/x',
      'http://[fe80::1]/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://0.0.0.0/x',
    ]) {
      const res = await send(strict, 'POST', '/api/webhooks', p.admin, { url });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code, url).toBe('CAIRN_WEBHOOK_TARGET_REFUSED');
    }
    const patched = await send(open, 'POST', '/api/webhooks', p.admin, { url: receiver.url });
    expect(patched.status).toBe(201);
    const viaPatch = await send(strict, 'PATCH', `/api/webhooks/${patched.body.webhook.id}`, p.admin, {
      url: 'http://127.0.0.2/x',
    });
    expect(viaPatch.body.error.code).toBe('CAIRN_WEBHOOK_TARGET_REFUSED');
  });

  it('accepts public addresses and refuses bad schemes', async () => {
    expect(isPrivateAddress('8.8.8.8')).toBe(false);
    expect(isPrivateAddress('2606:4700:4700::1111')).toBe(false);
    expect(isPrivateAddress('100.64.0.1')).toBe(true);
    expect(isPrivateAddress('64:ff9b::7f00:1')).toBe(true);
    const ok = await send(strict, 'POST', '/api/webhooks', p.admin, { url: 'https://93.184.215.14/hook', format: 'slack' });
    expect(ok.status).toBe(201);
    const bad = await send(strict, 'POST', '/api/webhooks', p.admin, { url: 'file:///etc/passwd' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('CAIRN_BAD_REQUEST');
  });

  it('checks again at delivery time, on the addresses connected to', async () => {
    const before = receiver.received.length;
    const port = new URL(receiver.url).port;
    for (const url of [receiver.url, `http://localhost:${port}/hook`]) {
      const r = await sendWebhook(url, {}, '{}', { timeoutMs: 2000, allowPrivate: false });
      expect(r.refused, url).toBe(true);
      expect(r.statusCode).toBeNull();
      expect(r.error).toMatch(/private or loopback/);
    }
    expect(receiver.received.length).toBe(before);
    const allowed = await sendWebhook(`http://localhost:${port}/hook`, {}, '{}', { timeoutMs: 2000, allowPrivate: true });
    expect(allowed.statusCode).toBe(200);
  });

  it('times out a receiver that never answers', async () => {
    receiver.respond = () => 200;
    const { createServer } = await import('node:http');
    const hang = createServer(() => undefined);
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', () => r()));
    const { port } = hang.address() as { port: number };
    const r = await sendWebhook(`http://127.0.0.1:${port}/`, {}, '{}', { timeoutMs: 200, allowPrivate: true });
    hang.closeAllConnections();
    hang.close();
    expect(r.statusCode).toBeNull();
    expect(r.error).toMatch(/timed out/);
    expect(r.refused).toBe(false);
  });
});

describe('webhook CRUD', () => {
  it('shows the secret once, updates, isolates projects, deletes', async () => {
    const created = await send(open, 'POST', '/api/webhooks', p.admin, { url: receiver.url, name: 'crud' });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const id = created.body.webhook.id as string;
    expect(created.body.webhook).toMatchObject({
      name: 'crud',
      format: 'json',
      enabled: true,
      secret_prefix: created.body.secret.slice(0, 10),
    });
    const got = await send(open, 'GET', `/api/webhooks/${id}`, p.admin);
    expect(got.body.secret).toBeUndefined();
    expect(JSON.stringify((await send(open, 'GET', '/api/webhooks', p.admin)).body)).not.toContain(created.body.secret);
    const patched = await send(open, 'PATCH', `/api/webhooks/${id}`, p.admin, { enabled: false, format: 'slack' });
    expect(patched.body).toMatchObject({ enabled: false, format: 'slack', url: receiver.url });
    expect((await send(open, 'GET', `/api/webhooks/${id}`, other.admin)).status).toBe(404);
    expect((await send(open, 'DELETE', `/api/webhooks/${id}`, other.admin)).status).toBe(404);
    expect((await send(open, 'POST', '/api/webhooks', p.admin, { url: receiver.url, extra: 1 })).status).toBe(400);
    expect((await send(open, 'DELETE', `/api/webhooks/${id}`, p.admin)).status).toBe(200);
    expect((await send(open, 'GET', `/api/webhooks/${id}`, p.admin)).status).toBe(404);
    expect((await send(open, 'GET', `/api/webhooks/${id}/deliveries`, p.admin)).status).toBe(404);
    expect((await send(open, 'GET', '/api/webhooks', p.ingest)).status).toBe(403);
  });

  it('sends a Slack-formatted test event', async () => {
    const created = await send(open, 'POST', '/api/webhooks', p.admin, { url: receiver.url, format: 'slack' });
    const before = receiver.received.length;
    const res = await send(open, 'POST', `/api/webhooks/${created.body.webhook.id}/test`, p.admin);
    expect(res.body.success).toBe(true);
    const got = receiver.received[before];
    expect(got?.json.text).toContain('Test event');
    expect(Array.isArray(got?.json.blocks)).toBe(true);
  });
});
