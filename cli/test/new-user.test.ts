import { rawSql } from '@cairn/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CairnRuntime } from 'cairn';
import { tempDataDir, startTestCairn } from '@cairn/testkit';
import { freePort, run, waitFor } from './cli-process.js';

/*
 * What a new user meets in the first minutes, in real processes: the built `cairn` CLI against
 * a running Cairn (every role, embedded store, ports the system picked).
 */

const INGEST = 'cairn_ik_' + 'n'.repeat(24);
const ADMIN = 'cairn_ak_' + 'm'.repeat(24);
const tmp = tempDataDir('cairn-new-user-');
let cairn: CairnRuntime;

beforeAll(async () => {
  cairn = await startTestCairn(tmp.dir, { CAIRN_INGEST_KEY: INGEST, CAIRN_ADMIN_KEY: ADMIN, CAIRN_BATCH_MAX_MS: '50' });
});
afterAll(async () => {
  await cairn?.stop();
  tmp.cleanup();
});

async function storedSpans(): Promise<number> {
  await cairn.flush();
  const rows = await rawSql(cairn.store).query<{ n: number }>('SELECT count() AS n FROM spans');
  return Number(rows[0]?.n ?? 0);
}

/** `cairn demo` with one session, to completion. */
async function demo(endpoint: string, key: string): Promise<{ code: unknown; out: string }> {
  const r = run(['demo', '--sessions', '1', '--endpoint', endpoint, '--key', key], {});
  const code = await r.exited;
  return { code, out: r.out() };
}

describe('GET /api/auth/me tells the dashboard where the collector is', () => {
  it('reports the address the collector listens on (its real port, not 4318)', async () => {
    const r = await fetch(`${cairn.apiUrl}/api/auth/me`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { otlp_endpoint: string }).otlp_endpoint).toBe(cairn.otlpUrl);
  });

  it('reports CAIRN_PUBLIC_OTLP_URL (a proxy in front) from a `cairn api` process, and refuses a non-URL', async () => {
    const dir = tempDataDir('cairn-public-url-');
    try {
      const httpPort = await freePort();
      const api = run(['api'], {
        CAIRN_DATA_DIR: dir.dir,
        CAIRN_HTTP_PORT: String(httpPort),
        CAIRN_ADMIN_KEY: ADMIN,
        CAIRN_PUBLIC_OTLP_URL: 'https://otel.example.com/v1/traces',
      });
      await waitFor(api, /Cairn is running/);
      const r = await fetch(`http://127.0.0.1:${httpPort}/api/auth/me`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(((await r.json()) as { otlp_endpoint: string }).otlp_endpoint).toBe('https://otel.example.com');
      api.proc.kill('SIGTERM');
      await api.exited;
      const bad = run(['api'], { CAIRN_DATA_DIR: dir.dir, CAIRN_PUBLIC_OTLP_URL: 'otel.example.com:4318' });
      expect(await bad.exited).toBe(1);
      expect(bad.out()).toMatch(/CAIRN_CONFIG_INVALID: CAIRN_PUBLIC_OTLP_URL must be an http\(s\) URL/);
    } finally {
      dir.cleanup();
    }
  });
});

describe('cairn demo fails loudly when nothing is stored', () => {
  it('with a key the collector does not know: exit 1, HTTP 401 and the collector message', async () => {
    const r = await demo(cairn.otlpUrl, 'cairn_ik_' + 'b'.repeat(24));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/HTTP 401 CAIRN_UNAUTHORIZED: unknown or revoked key/);
    expect(r.out).toContain(`the collector at ${cairn.otlpUrl} did not accept the spans`);
    expect(r.out).not.toMatch(/^sent /m);
    expect(await storedSpans()).toBe(0);
  });

  it('with the admin key: exit 1, HTTP 403 and the hint to use the ingest key', async () => {
    const r = await demo(cairn.otlpUrl, ADMIN);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/HTTP 403 CAIRN_FORBIDDEN: telemetry must be sent with an ingest key/);
    expect(r.out).toMatch(/send with an ingest key \(cairn_ik_…\)/);
    expect(await storedSpans()).toBe(0);
  });

  it('when nothing listens on the port: exit 1 with the connection error', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const r = await demo(nobody, INGEST);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`the collector at ${nobody} did not accept the spans`);
    expect(r.out).toMatch(/ECONNREFUSED/);
    expect(r.out).toMatch(/is the collector running there\?/);
  });

  it('with the ingest key: exit 0 and the spans it reports are stored', async () => {
    const r = await demo(cairn.otlpUrl, INGEST);
    expect(r.out).toMatch(/sent 1 sessions \((\d+) spans\)/);
    expect(r.code).toBe(0);
    const reported = Number(/\((\d+) spans\)/.exec(r.out)?.[1]);
    expect(reported).toBeGreaterThan(0);
    expect(await storedSpans()).toBe(reported);
  });
});

describe('the CLI says what went wrong', () => {
  it('`cairn` with no command prints the usage and asks for one (it does not start a server)', async () => {
    const r = run([], {});
    expect(await r.exited).toBe(1);
    expect(r.out()).toContain('cairn start');
    expect(r.out().trim().split('\n').at(-1)).toMatch(/^cairn: no command given: `cairn start` runs every role/);
    expect(r.out()).not.toMatch(/Cairn is running/);
  });

  it('an unknown command is named as unknown, after the usage', async () => {
    const r = run(['strat'], {});
    expect(await r.exited).toBe(1);
    expect(r.out()).toContain('Usage:');
    expect(r.out().trim().split('\n').at(-1)).toBe('cairn: unknown command "strat": the commands are listed above');
    const keys = run(['keys', 'list'], {});
    expect(await keys.exited).toBe(1);
    expect(keys.out()).toMatch(/unknown keys command "list"/);
  });

  it("keys create and migrate on a running Cairn's directory: only the clear message, with what to do instead", async () => {
    const env = { CAIRN_DATA_DIR: tmp.dir };
    const keys = run(['keys', 'create'], env);
    expect(await keys.exited).toBe(1);
    expect(keys.out()).toMatch(/CAIRN_STORE_LOCKED: the data directory .* is in use by another Cairn process \(pid \d+\)/);
    expect(keys.out()).toContain("the dashboard's Settings page or POST /api/keys");
    // chDB's own exception (printed from native code when it fails to lock) must not show.
    expect(keys.out()).not.toMatch(/Code: 76|DB::Exception|Cannot lock file/);
    const migrate = run(['migrate'], env);
    expect(await migrate.exited).toBe(1);
    expect(migrate.out()).toMatch(/CAIRN_STORE_LOCKED: .*applied the migrations when it started/);
    expect(migrate.out()).not.toMatch(/Code: 76|DB::Exception|Cannot lock file/);
  });
});
