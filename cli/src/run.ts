import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildCollector, type Collector } from '@cairn/collector';
import { buildApp, startAlertEngine, type AlertEngine } from '@cairn/ingest-api';
import { createKeyResolver, openStore, type Store } from '@cairn/storage';
import { bootstrapDefaultProject, type BootstrapResult } from './bootstrap.js';
import type { CairnConfig } from './config.js';
import { humanLogStream } from './logging.js';
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
  /** `http://host:port` of the API and dashboard, when the api role runs. */
  apiUrl: string;
  collector: Collector | undefined;
  api: FastifyInstance | undefined;
  /** The alert engine (budgets, anomalies, webhook deliveries), when the worker role runs. */
  alerts: AlertEngine | undefined;
  /** Writes every accepted span; resolves when they are queryable. */
  flush(): Promise<void>;
  /** Stops listening, flushes pending batches (up to 10 s), closes the store. */
  stop(): Promise<void>;
}

const urlOf = (app: FastifyInstance): string => {
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}`;
};

export async function startCairn(config: CairnConfig, opts: StartOptions = {}): Promise<CairnRuntime> {
  const roles = new Set<Role>(opts.roles ?? ['collector', 'api', 'worker']);
  const logLevel = opts.quiet ? 'silent' : config.logLevel;
  const logStream = (role: Role) => (config.logFormat === 'pretty' ? { logStream: humanLogStream(role) } : {});
  const store = await openStore(config.store);
  let collector: Collector | undefined;
  let api: FastifyInstance | undefined;
  let alerts: AlertEngine | undefined;
  try {
    const bootstrap = await bootstrapDefaultProject(store, config);
    if (roles.has('collector')) {
      const resolveKey = createKeyResolver(store);
      collector = await buildCollector(
        {
          host: config.host,
          port: config.otlpPort,
          maxBodyBytes: config.maxBodyBytes,
          batchMaxRows: config.batchMaxRows,
          batchMaxMs: config.batchMaxMs,
          ingestWorkers: config.ingestWorkers,
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
      await collector.app.listen({ host: config.host, port: config.otlpPort });
    }
    if (roles.has('api')) {
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
        { store, ...logStream('api') },
      );
      await api.listen({ host: config.host, port: config.httpPort });
    }
    if (roles.has('worker')) {
      const say = (level: string) => (obj: object, msg: string) => {
        if (!opts.quiet)
          process.stderr.write(
            `cairn alerts ${level}: ${msg} ${JSON.stringify(obj, (k, v: unknown) => (v instanceof Error ? v.message : v))}\n`,
          );
      };
      alerts = startAlertEngine(
        { alertIntervalMs: config.alertIntervalMs, webhookAllowPrivate: config.webhookAllowPrivate },
        { store, log: { warn: say('warn'), error: say('error') } },
      );
    }
    let stopping: Promise<void> | undefined;
    return {
      store,
      bootstrap,
      otlpUrl: collector ? urlOf(collector.app) : '',
      apiUrl: api ? urlOf(api) : '',
      collector,
      api,
      alerts,
      async flush() {
        await collector?.flush();
      },
      stop() {
        stopping ??= (async () => {
          await api?.close();
          await alerts?.stop();
          await collector?.close(10_000);
          await store.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await api?.close().catch(() => undefined);
    await alerts?.stop().catch(() => undefined);
    await collector?.close(1000).catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
}
