import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildCollector, type Collector } from '@cairn/collector';
import Fastify from 'fastify';
import { startAlertEngine, type AlertEngine } from '@cairn/alerts';
import { createKeyResolver, openStore, type Store } from '@cairn/storage';
import { bootstrapDefaultProject, type BootstrapResult } from './bootstrap.js';
import type { CairnConfig } from './config.js';
import { listenOn } from './listen.js';
import { humanLogStream } from './logging.js';
import { createProbes, type Probes } from './probes.js';
import { otlpUrlFor } from './public-url.js';

export type Role = 'collector' | 'api' | 'worker';

export interface StartOptions {
  /** Roles this process runs (default: all of them — embedded mode). */
  roles?: Role[];
  /** No pino output (tests). */
  quiet?: boolean;
  /** Built dashboard (`dashboard/dist`) served by the API at `/`; unset = API only. */
  dashboardDir?: string;
}

/** A running Cairn: addresses, the store, and a clean stop. */
export interface CairnRuntime {
  store: Store;
  bootstrap: BootstrapResult;
  /** `http://host:port` of the OTLP receiver (POST /v1/traces), when the collector role runs. */
  otlpUrl: string;
  /** `http://host:port` of the OTLP/gRPC receiver (an exporter's endpoint), when the collector role runs it. */
  otlpGrpcUrl: string;
  /** `http://host:port` of the API and dashboard, when the api role runs. */
  apiUrl: string;
  collector: Collector | undefined;
  api: FastifyInstance | undefined;
  /** The alert engine (budgets, anomalies, webhook deliveries), when the worker role runs. */
  alerts: AlertEngine | undefined;
  /** `http://host:port` of the worker's health routes, when it runs without the api role. */
  workerUrl: string;
  probes: Probes;
  /** Writes every accepted span; resolves when they are queryable. */
  flush(): Promise<void>;
  /**
   * Stops accepting (probes turn 503, servers close), lets requests in flight finish, drains the
   * batch writer into ClickHouse and closes the spool, all within CAIRN_SHUTDOWN_TIMEOUT_MS.
   * Spans not written by then stay in the spool and are written by the next start. Resolves
   * false when the deadline passed with spans still queued.
   */
  stop(): Promise<boolean>;
}

/** Replication lag a cluster's alert claims are given (a single node needs the engine's 150 ms default). */
const CLUSTER_CLAIM_SETTLE_MS = 2000;

const urlOf = (app: FastifyInstance): string => {
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}`;
};

export async function startCairn(config: CairnConfig, opts: StartOptions = {}): Promise<CairnRuntime> {
  const roles = new Set<Role>(opts.roles ?? ['collector', 'api', 'worker']);
  const logLevel = opts.quiet ? 'silent' : config.logLevel;
  const logStream = (role: Role) => (config.logFormat === 'pretty' ? { logStream: humanLogStream(role) } : {});
  const store = await openStore(config.store, { migrate: config.migrate });
  let collector: Collector | undefined;
  let api: FastifyInstance | undefined;
  let alerts: AlertEngine | undefined;
  let workerApp: FastifyInstance | undefined;
  const probes = createProbes({ store, collector: () => collector, grpc: config.otlpGrpcPort !== undefined });
  try {
    const bootstrap = await bootstrapDefaultProject(store, config);
    // Every server is gated before it listens: /healthz says 200 only once all of them do.
    // One key resolver (and cache) for the process: the collector's OTLP route and the API.
    const resolveKey = createKeyResolver(store);
    if (roles.has('collector')) {
      collector = await buildCollector(
        {
          host: config.host,
          port: config.otlpPort,
          maxBodyBytes: config.maxBodyBytes,
          batchMaxRows: config.batchMaxRows,
          batchMaxMs: config.batchMaxMs,
          ingestWorkers: config.ingestWorkers,
          yieldNice: config.yieldNice,
          ...(config.spoolDir ? { spoolDir: config.spoolDir, spoolMaxBytes: config.spoolMaxBytes } : {}),
          logLevel,
        },
        {
          store,
          authenticate: async (key) => {
            const rec = await resolveKey(key);
            return rec ? { projectId: rec.project_id, kind: rec.kind } : undefined;
          },
          ...logStream('collector'),
        },
      );
      probes.install(collector.app);
      // Listening before the api is built: the api's otlp_endpoint is the collector's bound port.
      // /healthz still answers 503 until every role listens (probes.markStarted below).
      const c = collector;
      await listenOn('CAIRN_OTLP_PORT', config.host, config.otlpPort, (host, port) => c.app.listen({ host, port }));
      if (config.otlpGrpcPort !== undefined)
        await listenOn('CAIRN_OTLP_GRPC_PORT', config.host, config.otlpGrpcPort, (host, port) => c.grpc.listen(host, port));
    }
    if (roles.has('api')) {
      // Loaded for the api role only: `cairn worker` and `cairn collector` never load the HTTP API.
      const { buildApp } = await import('@cairn/ingest-api');
      api = await buildApp(
        {
          host: config.host,
          httpPort: config.httpPort,
          alertIntervalMs: config.alertIntervalMs,
          webhookAllowPrivate: config.webhookAllowPrivate,
          maxBodyBytes: config.maxBodyBytes,
          logLevel,
          storageMode: store.mode,
          // The collector's bound port when it runs here (port 0 in tests), else the configured one.
          otlpEndpoint: config.publicOtlpUrl ?? (collector ? urlOf(collector.app) : otlpUrlFor(config.host, config.otlpPort)),
          ...(opts.dashboardDir ? { dashboardDir: opts.dashboardDir } : {}),
        },
        { store, resolveKey, ...logStream('api') },
      );
      probes.install(api);
    }
    if (roles.has('worker') && !roles.has('api')) {
      // The worker alone has no server of its own: a small one, for its probes only.
      workerApp = Fastify({ logger: { level: logLevel } });
      workerApp.get('/healthz', async () => ({ status: 'ok', role: 'worker' }));
      probes.install(workerApp);
    }
    const [a, w] = [api, workerApp];
    if (a) await listenOn('CAIRN_HTTP_PORT', config.host, config.httpPort, (host, port) => a.listen({ host, port }));
    if (w) await listenOn('CAIRN_WORKER_PORT', config.host, config.workerPort, (host, port) => w.listen({ host, port }));
    if (roles.has('worker')) {
      const say = (level: string) => (obj: object, msg: string) => {
        if (!opts.quiet)
          process.stderr.write(
            `cairn alerts ${level}: ${msg} ${JSON.stringify(obj, (k, v: unknown) => (v instanceof Error ? v.message : v))}\n`,
          );
      };
      alerts = startAlertEngine(
        {
          alertIntervalMs: config.alertIntervalMs,
          webhookAllowPrivate: config.webhookAllowPrivate,
          // A claim written on one replica must have reached the others before engines compare claims.
          ...(config.store.cluster ? { claimSettleMs: CLUSTER_CLAIM_SETTLE_MS } : {}),
        },
        { store, log: { warn: say('warn'), error: say('error') } },
      );
    }
    probes.markStarted();
    let stopping: Promise<boolean> | undefined;
    return {
      store,
      bootstrap,
      otlpUrl: collector ? urlOf(collector.app) : '',
      otlpGrpcUrl: collector?.grpc.port !== undefined ? otlpUrlFor(config.host, collector.grpc.port) : '',
      apiUrl: api ? urlOf(api) : '',
      workerUrl: workerApp ? urlOf(workerApp) : '',
      collector,
      api,
      alerts,
      probes,
      async flush() {
        await collector?.flush();
      },
      stop() {
        stopping ??= (async () => {
          probes.markStopping();
          const until = Date.now() + config.shutdownTimeoutMs;
          // The collector first: it stops accepting at once and gets most of the time to drain.
          const drained = collector ? collector.close(Math.max(0, until - Date.now() - 500)) : Promise.resolve(true);
          await Promise.all([api?.close(), workerApp?.close(), alerts?.stop()]);
          const ok = await drained;
          await store.close();
          return ok;
        })();
        return stopping;
      },
    };
  } catch (err) {
    await api?.close().catch(() => undefined);
    await workerApp?.close().catch(() => undefined);
    await alerts?.stop().catch(() => undefined);
    await collector?.close(1000).catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
}
