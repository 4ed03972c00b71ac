import { rawSql } from '@cairn/storage/testing';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findKey, openStore } from '@cairn/storage';
import { tempDataDir } from '@cairn/testkit';
import { freePort, run, waitFor } from './cli-process.js';

const tmp = tempDataDir();
afterAll(() => tmp.cleanup());

function otlpJson(sessionId: string, spanId: string): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cli-test' } }] },
        scopeSpans: [
          {
            scope: { name: 't' },
            spans: [
              {
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId,
                name: 'chat gpt-4o-mini',
                kind: 3,
                startTimeUnixNano: String(now - 1_000_000n),
                endTimeUnixNano: String(now),
                attributes: [
                  { key: 'gen_ai.conversation.id', value: { stringValue: sessionId } },
                  { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                  { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
                  { key: 'gen_ai.usage.input_tokens', value: { intValue: '100' } },
                  { key: 'gen_ai.usage.output_tokens', value: { intValue: '10' } },
                ],
              },
            ],
          },
        ],
      },
    ],
  });
}

describe('cairn start as a process', () => {
  it('creates keys once, serves OTLP, creates keys on demand, flushes on Ctrl-C, keeps data across restarts, and locks its data directory', async () => {
    const env = {
      CAIRN_DATA_DIR: tmp.dir,
      CAIRN_OTLP_PORT: String(await freePort()),
      CAIRN_OTLP_GRPC_PORT: String(await freePort()),
      CAIRN_HTTP_PORT: String(await freePort()),
      CAIRN_BATCH_MAX_MS: '60000', // nothing is written before the shutdown flush
    };
    const first = run(['start'], env);
    await waitFor(first, /Cairn is running/);
    const ingest = /new ingest key\s+(cairn_ik_\S+)/.exec(first.out())?.[1];
    const admin = /new admin key\s+(cairn_ak_\S+)/.exec(first.out())?.[1];
    expect(ingest).toBeDefined();
    expect(admin).toBeDefined();

    const send = (session: string, spanId: string) =>
      fetch(`http://127.0.0.1:${env.CAIRN_OTLP_PORT}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ingest}` },
        body: otlpJson(session, spanId),
      });
    expect((await send('run-1', '1111111111111111')).status).toBe(200);

    // The API serves the built dashboard (npm test builds it first), deep links included.
    for (const path of ['/', '/sessions/run-1']) {
      const page = await fetch(`http://127.0.0.1:${env.CAIRN_HTTP_PORT}${path}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="root"><\/div>/);
    }

    // A second process on the same directory is refused with a clear message.
    const second = run(['migrate'], env);
    expect(await second.exited).toBe(1);
    expect(second.out()).toMatch(/CAIRN_STORE_LOCKED/);

    first.proc.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.out()).toMatch(/flushing pending spans/);

    const again = run(['start'], env);
    await waitFor(again, /Cairn is running/);
    expect(again.out()).not.toMatch(/new (ingest|admin) key/);
    expect((await send('run-2', '2222222222222222')).status).toBe(200);
    again.proc.kill('SIGTERM');
    expect(await again.exited).toBe(0);

    const created = run(['keys', 'create', '--kind', 'admin', '--name', 'ci'], env);
    expect(await created.exited).toBe(0);
    const newKey = /^(cairn_ak_\S+)$/m.exec(created.out())?.[1];
    expect(newKey).toBeDefined();

    const store = await openStore({ dataDir: tmp.dir });
    try {
      expect(await findKey(store, newKey!)).toMatchObject({ project_id: 'default', kind: 'admin', name: 'ci' });
      expect(await findKey(store, ingest!)).toMatchObject({ project_id: 'default', kind: 'ingest' });
      const rows = await rawSql(store).query<{ session_id: string; cost_usd: number }>(
        'SELECT session_id, cost_usd FROM spans ORDER BY session_id',
      );
      expect(rows.map((r) => r.session_id)).toEqual(['run-1', 'run-2']);
      expect(rows[0]!.cost_usd).toBeCloseTo((100 * 0.15 + 10 * 0.6) / 1e6, 12);
    } finally {
      await store.close();
    }
  });

  // Needs 4318, 4317 and 4000 free on this machine (no other test uses them); when one is taken, the
  // start fails naming it (CAIRN_PORT_IN_USE, tested below) and waitFor prints that line.
  it('with no settings, as `npm start` runs it: OTLP on 127.0.0.1:4318 (gRPC :4317), dashboard on :4000, data in ./.cairn', async () => {
    const cwd = join(tmp.dir, 'fresh-checkout');
    mkdirSync(cwd);
    const defaults = Object.fromEntries(
      Object.keys(process.env)
        .filter((k) => k.startsWith('CAIRN_') || k === 'CLICKHOUSE_URL')
        .map((k) => [k, '']),
    );
    const r = run(['start'], defaults, cwd);
    try {
      await waitFor(r, /Cairn is running/);
      expect(r.out()).toContain('OTLP/HTTP traces  http://127.0.0.1:4318/v1/traces');
      expect(r.out()).toContain('OTLP/gRPC traces  http://127.0.0.1:4317');
      expect(r.out()).toMatch(new RegExp(`embedded chDB in ${cwd}/\\.cairn`));
      expect((await fetch('http://127.0.0.1:4318/healthz')).status).toBe(200);
      expect((await fetch('http://127.0.0.1:4000/')).status).toBe(200);
      expect(existsSync(join(cwd, '.cairn', 'status'))).toBe(true);
    } finally {
      r.proc.kill('SIGINT');
      expect(await r.exited).toBe(0);
    }
  });

  it.each([
    ['CAIRN_OTLP_PORT', 'OTLP/HTTP'],
    ['CAIRN_OTLP_GRPC_PORT', 'OTLP/gRPC'],
    ['CAIRN_HTTP_PORT', 'API and dashboard'],
  ])('names %s when its port is taken (%s), and exits 1', async (setting) => {
    const held = createServer();
    await new Promise<void>((res) => held.listen(0, '127.0.0.1', res));
    const port = (held.address() as AddressInfo).port;
    try {
      const env: Record<string, string> = {
        CAIRN_DATA_DIR: join(tmp.dir, `taken-${setting}`),
        CAIRN_OTLP_PORT: '0',
        CAIRN_OTLP_GRPC_PORT: '0',
        CAIRN_HTTP_PORT: '0',
      };
      env[setting] = String(port);
      const r = run(['start'], env);
      expect(await r.exited).toBe(1);
      expect(r.out()).toContain(`cairn: CAIRN_PORT_IN_USE: 127.0.0.1:${port} is already in use`);
      expect(r.out()).toContain(`set ${setting} to a free port`);
    } finally {
      await new Promise((res) => held.close(res));
    }
  });

  it('rejects an invalid setting with a clear message', async () => {
    const r = run(['start'], { CAIRN_DATA_DIR: tmp.dir, CAIRN_OTLP_PORT: 'abc' });
    expect(await r.exited).toBe(1);
    expect(r.out()).toMatch(/CAIRN_CONFIG_INVALID: CAIRN_OTLP_PORT must be an integer/);
  });
});
