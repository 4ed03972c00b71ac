import { rawSql } from '@cairn/storage/testing';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '@cairn/storage';
import { createProbes } from '../src/probes.js';
import { tempDataDir } from '@cairn/testkit';
import { freePort, run, waitFor, type Running } from './cli-process.js';
import { chatSpansRequest } from './otlp-body.js';

// Scale-out: each role runs as its own process, configured by the environment only, with its
// health routes, and stops on SIGTERM without losing a span it acknowledged. Embedded chDB
// allows one process per data directory, so without CLICKHOUSE_URL each role gets its own
// directory here; the collector's spans are then read by an API started on the collector's.
const INGEST = 'cairn_ik_' + 'rolestest'.repeat(3);
const ADMIN = 'cairn_ak_' + 'rolestest'.repeat(3);
const dirs: (() => void)[] = [];
const procs: Running[] = [];
afterAll(() => {
  for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
  dirs.forEach((cleanup) => cleanup());
});

function dir(): string {
  const t = tempDataDir('cairn-roles-');
  dirs.push(t.cleanup);
  return t.dir;
}

function role(name: string, env: Record<string, string>): Running {
  const r = run([name], { CAIRN_INGEST_KEY: INGEST, CAIRN_ADMIN_KEY: ADMIN, CAIRN_ALERT_INTERVAL_MS: '600000', ...env });
  procs.push(r);
  return r;
}

const running = (r: Running): Promise<void> => waitFor(r, /Cairn is running/);

async function stopWithSigterm(r: Running): Promise<void> {
  r.proc.kill('SIGTERM');
  expect(await r.exited, r.out()).toBe(0);
}

async function probe(port: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('cairn collector, api and worker as separate processes', () => {
  it('each serves /healthz and /readyz, a second collector on one spool is refused, and SIGTERM keeps every acknowledged span', async () => {
    const collectorDir = dir();
    const spoolDir = dir();
    const collectorEnv = {
      CAIRN_DATA_DIR: collectorDir,
      CAIRN_SPOOL_DIR: spoolDir,
      CAIRN_OTLP_PORT: String(await freePort()),
      CAIRN_OTLP_GRPC_PORT: String(await freePort()),
      CAIRN_BATCH_MAX_MS: '600000', // acknowledged spans wait in the spool until the SIGTERM drain
    };
    const apiEnv = { CAIRN_DATA_DIR: dir(), CAIRN_HTTP_PORT: String(await freePort()), CAIRN_DASHBOARD_DIR: 'off' };
    const workerEnv = { CAIRN_DATA_DIR: dir(), CAIRN_WORKER_PORT: String(await freePort()) };
    const collector = role('collector', collectorEnv);
    const api = role('api', apiEnv);
    const worker = role('worker', workerEnv);
    await Promise.all([running(collector), running(api), running(worker)]);
    // Embedded mode maps chDB's native library (the control for the server-mode test below).
    expect(readFileSync(`/proc/${collector.proc.pid}/maps`, 'utf8')).toMatch(/chdb/);

    // Each role listens only on its own port.
    expect(collector.out()).toMatch(/OTLP\/HTTP traces/);
    expect(collector.out()).not.toMatch(/REST API|alert engine/);
    expect(api.out()).toMatch(/REST API/);
    expect(api.out()).not.toMatch(/OTLP\/HTTP|alert engine/);
    expect(worker.out()).toMatch(/alert engine/);
    expect(worker.out()).not.toMatch(/OTLP\/HTTP|REST API/);
    for (const port of [collectorEnv.CAIRN_OTLP_PORT, apiEnv.CAIRN_HTTP_PORT, workerEnv.CAIRN_WORKER_PORT]) {
      expect((await probe(port, '/healthz')).status).toBe(200);
      const ready = await probe(port, '/readyz');
      expect(ready).toMatchObject({ status: 200, body: { ready: true, storage: 'ok' } });
    }
    expect((await probe(collectorEnv.CAIRN_OTLP_PORT, '/readyz')).body.spool).toMatchObject({ draining: true, queued_rows: 0 });
    // The collector's OTLP/gRPC port is part of its readiness.
    expect(collector.out()).toContain(`OTLP/gRPC traces  http://127.0.0.1:${collectorEnv.CAIRN_OTLP_GRPC_PORT}`);
    expect((await probe(collectorEnv.CAIRN_OTLP_PORT, '/readyz')).body.grpc).toEqual({
      listening: true,
      port: Number(collectorEnv.CAIRN_OTLP_GRPC_PORT),
    });

    // One collector per spool directory: a second one (its own data directory) fails at once.
    const second = role('collector', {
      ...collectorEnv,
      CAIRN_DATA_DIR: dir(),
      CAIRN_OTLP_PORT: String(await freePort()),
      CAIRN_OTLP_GRPC_PORT: String(await freePort()),
    });
    expect(await second.exited).toBe(1);
    expect(second.out()).toMatch(/CAIRN_SPOOL_LOCKED/);

    const N = 20;
    const SPANS = 10;
    const statuses = await Promise.all(
      Array.from({ length: N }, (_, r) =>
        fetch(`http://127.0.0.1:${collectorEnv.CAIRN_OTLP_PORT}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST}` },
          body: chatSpansRequest('roles', r, SPANS),
        }).then((res) => res.status),
      ),
    );
    expect(statuses).toEqual(Array(N).fill(200));
    const queued = await probe(collectorEnv.CAIRN_OTLP_PORT, '/readyz');
    expect(queued.body.spool).toMatchObject({ queued_rows: N * SPANS });

    await Promise.all([stopWithSigterm(collector), stopWithSigterm(api), stopWithSigterm(worker)]);
    expect(collector.out()).toMatch(/SIGTERM: flushing/);

    // Restarted on its spool, then read through an API on the collector's store.
    const again = role('collector', collectorEnv);
    await running(again);
    await stopWithSigterm(again);
    const reader = role('api', { ...apiEnv, CAIRN_DATA_DIR: collectorDir });
    await running(reader);
    const res = await fetch(`http://127.0.0.1:${apiEnv.CAIRN_HTTP_PORT}/api/sessions?limit=500`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(res.status).toBe(200);
    const { sessions } = (await res.json()) as { sessions: { session_id: string; steps: number }[] };
    const ours = sessions.filter((s) => s.session_id.startsWith('roles-'));
    expect(ours).toHaveLength(N);
    expect(ours.reduce((a, s) => a + s.steps, 0)).toBe(N * SPANS);
    await stopWithSigterm(reader);

    const store = await openStore({ dataDir: collectorDir });
    try {
      const [c] = await rawSql(store).query<{ n: number }>("SELECT count() AS n FROM spans WHERE session_id LIKE 'roles-%'");
      expect(Number(c!.n)).toBe(N * SPANS);
    } finally {
      await store.close();
    }
  }, 240_000);

  it('refuses to start with CAIRN_MIGRATE=0 while migrations are pending, and starts once `cairn migrate` ran', async () => {
    const env = { CAIRN_DATA_DIR: dir(), CAIRN_WORKER_PORT: String(await freePort()), CAIRN_MIGRATE: '0' };
    const refused = role('worker', env);
    expect(await refused.exited).toBe(1);
    expect(refused.out()).toMatch(/CAIRN_MIGRATION_PENDING/);
    const migrate = role('migrate', env);
    expect(await migrate.exited, migrate.out()).toBe(0);
    const worker = role('worker', env);
    await running(worker);
    await stopWithSigterm(worker);
  });
});

describe('server mode', () => {
  it('never loads chDB, and gives up on a server that does not answer after CLICKHOUSE_REQUEST_TIMEOUT_MS', async () => {
    // A ClickHouse that accepts connections and never answers: the process waits in its first request.
    let asked!: () => void;
    const reached = new Promise<void>((resolve) => (asked = resolve));
    const hung: Server = createServer(() => asked());
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const port = (hung.address() as { port: number }).port;
    try {
      const worker = role('worker', {
        CAIRN_DATA_DIR: dir(),
        CAIRN_WORKER_PORT: String(await freePort()),
        CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
        CLICKHOUSE_DATABASE: 'cairn_never',
        CLICKHOUSE_REQUEST_TIMEOUT_MS: '3000',
      });
      await reached; // it is in its first request to ClickHouse: storage is set up as far as it goes
      expect(readFileSync(`/proc/${worker.proc.pid}/maps`, 'utf8')).not.toMatch(/chdb/);
      expect(await worker.exited).toBe(1);
      expect(worker.out()).toMatch(/timeout/i);
    } finally {
      hung.closeAllConnections();
      hung.close();
    }
  });
});

describe('probes', () => {
  it('/healthz answers 503 until every role listens and again while stopping; /readyz says why it is not ready', async () => {
    const tmp = dir();
    const store = await openStore({ dataDir: tmp });
    const app = Fastify();
    app.get('/healthz', async () => ({ status: 'ok' }));
    const probes = createProbes({ store, collector: () => undefined });
    probes.install(app);
    try {
      expect((await app.inject('/healthz')).statusCode).toBe(503);
      expect((await app.inject('/readyz')).statusCode).toBe(503);
      probes.markStarted();
      expect((await app.inject('/healthz')).statusCode).toBe(200);
      const ready = await app.inject('/readyz');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ ready: true, storage: 'ok' });
      await store.close();
      const down = await app.inject('/readyz');
      expect(down.statusCode).toBe(503);
      expect(down.json().storage).not.toBe('ok');
      probes.markStopping();
      expect((await app.inject('/healthz')).statusCode).toBe(503);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
