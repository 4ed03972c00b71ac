#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { isCairnError } from '@cairn/schemas';
import { createKey, DEFAULT_PROJECT_ID, openStore, type KeyKind } from '@cairn/storage';
import { loadConfig, type CairnConfig } from './config.js';
import { startCairn, type CairnRuntime, type Role } from './run.js';
import { assertStoreFree, storeLockedError } from './store-lock.js';

const USAGE = `cairn — observability and cost control for AI agents

Usage:
  cairn start                 run every role in one process on the embedded store (npm start)
  cairn collector             run only the OTLP collector
  cairn api                   run only the REST API and dashboard
  cairn worker                run only the alert engine (budgets, anomalies, webhooks)
  cairn migrate               apply pending schema migrations and exit
  cairn keys create [--kind ingest|admin] [--project ID] [--name NAME]
                              create a key (printed once; stored hashed)
  cairn demo [--endpoint URL] [--key INGEST_KEY]
                              send example agent sessions to a running collector

Settings come from the environment: CAIRN_DATA_DIR (./.cairn), CAIRN_HOST (127.0.0.1),
CAIRN_OTLP_PORT (4318), CAIRN_OTLP_GRPC_PORT (4317, off = no gRPC), CAIRN_HTTP_PORT (4000), CLICKHOUSE_URL (unset = embedded),
CAIRN_INGEST_KEY, CAIRN_ADMIN_KEY, CAIRN_RETENTION_DAYS, CAIRN_ALERT_INTERVAL_MS,
CAIRN_SPOOL_MAX_BYTES (1 GiB of fsync'd spool in <data dir>/spool; 0 = no spool),
CAIRN_DASHBOARD_DIR (default: the built dashboard/dist; "off" = API only), CAIRN_SPOOL_DIR,
CAIRN_WORKER_PORT (4001), CAIRN_SHUTDOWN_TIMEOUT_MS (10000), CAIRN_MIGRATE (1), CLICKHOUSE_USER,
CLICKHOUSE_PASSWORD, CLICKHOUSE_DATABASE, CLICKHOUSE_CA_CERT, CLICKHOUSE_CLIENT_CERT,
CLICKHOUSE_CLIENT_KEY, CLICKHOUSE_REQUEST_TIMEOUT_MS, CAIRN_CLICKHOUSE_CLUSTER (see the README).
CAIRN_LOG_LEVEL / CAIRN_LOG_FORMAT (on a terminal: warn, readable lines; else: info, JSON),
CAIRN_PUBLIC_OTLP_URL (the collector's address as users reach it, e.g. behind a proxy; shown
in the dashboard's snippets; default: where the collector listens).
Every process serves /healthz (liveness) and /readyz (storage reachable, spool draining).`;

/** Opens the store for a one-shot command, with the clear message when a running Cairn holds it. */
async function openFor(config: CairnConfig, command: 'keys' | 'migrate'): ReturnType<typeof openStore> {
  if (config.store.clickhouseUrl) return openStore(config.store);
  assertStoreFree(config.store.dataDir, command);
  try {
    return await openStore(config.store);
  } catch (err) {
    if (isCairnError(err) && err.code === 'CAIRN_STORE_LOCKED') throw storeLockedError(config.store.dataDir, command);
    throw err;
  }
}

async function serve(config: CairnConfig, roles: Role[]): Promise<void> {
  if (!config.store.clickhouseUrl) assertStoreFree(config.store.dataDir, 'serve');
  // Signal handlers go in before anything is started or printed: a supervisor may send SIGTERM
  // the moment it sees "running", and without a handler node would die by the default action,
  // dropping the drain. A signal during start stops the runtime as soon as it exists.
  const started: { cairn?: CairnRuntime } = {};
  let signalled: string | undefined;
  let signals = 0;
  const shutdown = (signal: string): void => {
    signals += 1;
    if (signals > 1) process.exit(130);
    signalled = signal;
    if (started.cairn) stopAndExit(started.cairn, signal, config.shutdownTimeoutMs);
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  const cairn = await startCairn(config, { roles, ...(config.dashboardDir ? { dashboardDir: config.dashboardDir } : {}) });
  started.cairn = cairn;
  if (signalled) return stopAndExit(cairn, signalled, config.shutdownTimeoutMs);
  const lines = ['', 'Cairn is running.'];
  if (cairn.otlpUrl) lines.push(`  OTLP/HTTP traces  ${cairn.otlpUrl}/v1/traces`);
  if (cairn.otlpGrpcUrl) lines.push(`  OTLP/gRPC traces  ${cairn.otlpGrpcUrl}`);
  if (cairn.apiUrl) {
    lines.push(config.dashboardDir ? `  dashboard         ${cairn.apiUrl}/` : `  API (dashboard not built: npm run build)`);
    lines.push(`  REST API          ${cairn.apiUrl}/api  (docs at ${cairn.apiUrl}/docs)`);
  }
  if (cairn.alerts) lines.push(`  alert engine      every ${config.alertIntervalMs} ms`);
  if (cairn.workerUrl) lines.push(`  worker health     ${cairn.workerUrl}/healthz`);
  lines.push(`  storage           ${config.store.clickhouseUrl ?? `embedded chDB in ${config.store.dataDir}`}`);
  for (const k of cairn.bootstrap.created) {
    lines.push(`  ${`new ${k.kind} key`.padEnd(18)}${k.key}   (shown once: store it now)`);
  }
  process.stdout.write(lines.join('\n') + '\n\n');
}

/** Stops within `timeoutMs` (a hung store cannot hold the process): exit 0 when everything was written. */
function stopAndExit(cairn: CairnRuntime, signal: string, timeoutMs: number): void {
  process.stdout.write(`\n${signal}: flushing pending spans and stopping…\n`);
  const hard = setTimeout(() => {
    process.stderr.write(
      `cairn: not stopped after ${timeoutMs} ms (CAIRN_SHUTDOWN_TIMEOUT_MS); unwritten spans stay in the spool\n`,
    );
    process.exit(1);
  }, timeoutMs + 2000);
  hard.unref();
  cairn.stop().then(
    (drained) => {
      if (drained) process.exit(0);
      const spooled = cairn.collector?.spool !== undefined;
      process.stderr.write(
        spooled
          ? 'cairn: stopped with spans still queued; the spool keeps them for the next start\n'
          : 'cairn: stopped with spans still queued and no spool (CAIRN_SPOOL_MAX_BYTES=0): they are lost\n',
      );
      process.exit(spooled ? 0 : 1);
    },
    (err: unknown) => {
      process.stderr.write(`cairn: error while stopping: ${String(err)}\n`);
      process.exit(1);
    },
  );
}

async function keysCreate(config: CairnConfig, argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kind: { type: 'string', default: 'ingest' },
      project: { type: 'string', default: DEFAULT_PROJECT_ID },
      name: { type: 'string', default: '' },
    },
  });
  if (values.kind !== 'ingest' && values.kind !== 'admin') throw new Error('--kind must be ingest or admin');
  const store = await openFor(config, 'keys');
  try {
    const k = await createKey(store, { projectId: values.project, kind: values.kind as KeyKind, name: values.name });
    process.stdout.write(`${k.key}\n`);
    process.stderr.write(`created ${k.kind} key ${k.key_id} for project ${k.project_id} (shown once; stored hashed)\n`);
  } finally {
    await store.close();
  }
}

async function demo(config: CairnConfig, argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { endpoint: { type: 'string' }, key: { type: 'string' }, sessions: { type: 'string' } },
  });
  const endpoint = values.endpoint ?? `http://${config.host}:${config.otlpPort}`;
  const apiKey = values.key ?? config.ingestKey;
  if (!apiKey) throw new Error('give the ingest key with --key or CAIRN_INGEST_KEY (printed by the first `cairn start`)');
  const { runDemo } = await import('@cairn/examples');
  const result = await runDemo({
    endpoint,
    apiKey,
    ...(values.sessions ? { sessions: Number(values.sessions) } : {}),
    log: (line: string) => process.stdout.write(line + '\n'),
  });
  process.stdout.write(`sent ${result.sessions.length} sessions (${result.spans} spans) to ${endpoint}\n`);
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  // The usage first, the reason last: the line a user reads after the command is the one that matters.
  if (command === undefined) {
    process.stdout.write(USAGE + '\n\n');
    throw new Error('no command given: `cairn start` runs every role (collector, API and dashboard, alert engine)');
  }
  const config = loadConfig(process.env);
  switch (command) {
    case 'start':
      return serve(config, ['collector', 'api', 'worker']);
    case 'collector':
      return serve(config, ['collector']);
    case 'api':
      return serve(config, ['api']);
    case 'worker':
      return serve(config, ['worker']);
    case 'migrate': {
      const store = await openFor(config, 'migrate');
      await store.close();
      process.stdout.write('migrations applied\n');
      return;
    }
    case 'keys':
      if (rest[0] !== 'create')
        throw new Error(
          `${rest[0] === undefined ? 'missing keys command' : `unknown keys command "${rest[0]}"`}: usage: cairn keys create [--kind ingest|admin] [--project ID] [--name NAME]`,
        );
      return keysCreate(config, rest.slice(1));
    case 'demo':
      return demo(config, rest);
    default:
      process.stdout.write(USAGE + '\n\n');
      throw new Error(`unknown command "${command}": the commands are listed above`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const msg = isCairnError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  process.stderr.write(`cairn: ${msg}\n`);
  process.exit(1);
});
