import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CairnError } from '@cairn/schemas';
import type { StoreConfig } from '@cairn/storage';
import { logSettings, type LogFormat } from './logging.js';
import { publicOtlpUrl } from './public-url.js';

/** Every setting of a Cairn process, read once from the environment at start (docs/ARCHITECTURE.md, "Configuration"). */
export interface CairnConfig {
  host: string;
  otlpPort: number;
  /** CAIRN_OTLP_GRPC_PORT: OTLP/gRPC (TraceService/Export) on the collector; undefined = `off`. */
  otlpGrpcPort: number | undefined;
  httpPort: number;
  /** CAIRN_PUBLIC_OTLP_URL: the collector as users reach it (behind a proxy); undefined = its listen address. */
  publicOtlpUrl: string | undefined;
  store: StoreConfig;
  /** Presets for the default project's keys; otherwise first start creates and prints them. */
  ingestKey: string | undefined;
  adminKey: string | undefined;
  alertIntervalMs: number;
  webhookAllowPrivate: boolean;
  /** Largest accepted request body (after decompression for OTLP). */
  maxBodyBytes: number;
  /** The batch writer flushes at this many rows or after this long, whichever comes first. */
  batchMaxRows: number;
  batchMaxMs: number;
  /** Worker threads decoding OTLP requests; 0 decodes on the event loop. */
  ingestWorkers: number;
  /** Embedded store: nice value of every thread but the event loop and the ingest workers (0 = off). */
  yieldNice: number;
  /**
   * The collector's durable spool (`<data dir>/spool`): a 200 means the spans are fsync'd there.
   * Undefined when CAIRN_SPOOL_MAX_BYTES=0 (in-memory queue only).
   */
  spoolDir: string | undefined;
  /** Spool bytes on disk before the collector answers 503 + Retry-After. */
  spoolMaxBytes: number;
  /** Health routes of a process that runs the worker without the api role (CAIRN_WORKER_PORT). */
  workerPort: number;
  /** SIGTERM: how long stopping (stop accepting, drain, flush the spool) may take before exit 1. */
  shutdownTimeoutMs: number;
  /** Apply pending migrations at start (CAIRN_MIGRATE, default 1); 0 refuses to start while some are pending. */
  migrate: boolean;
  logLevel: string;
  /** `pretty` (readable lines on stderr; the default on a terminal) or `json` (pino, stdout). */
  logFormat: LogFormat;
  /** Built dashboard served by the API at `/`; undefined when it has not been built (API only). */
  dashboardDir: string | undefined;
}

type Env = Record<string, string | undefined>;

/** One environment variable Cairn reads: the README's table, `--help` and the deploy files are checked against this list. */
export interface Setting {
  name: string;
  /** The default as shown to people ('' = unset). */
  default: string;
  doc: string;
}

export const SETTINGS: readonly Setting[] = [
  { name: 'CAIRN_DATA_DIR', default: './.cairn', doc: 'embedded ClickHouse data directory (one process per directory)' },
  { name: 'CLICKHOUSE_URL', default: '', doc: 'use a ClickHouse server at this http(s) URL instead of embedded chDB' },
  { name: 'CLICKHOUSE_USER', default: 'default', doc: 'server mode: user' },
  { name: 'CLICKHOUSE_PASSWORD', default: '', doc: 'server mode: password' },
  { name: 'CLICKHOUSE_DATABASE', default: 'default', doc: 'server mode: database (created by `cairn migrate` if missing)' },
  { name: 'CLICKHOUSE_CA_CERT', default: '', doc: 'server mode: PEM file of the CA that signed the server certificate' },
  {
    name: 'CLICKHOUSE_CLIENT_CERT',
    default: '',
    doc: 'server mode: PEM client certificate (mutual TLS, with CLICKHOUSE_CLIENT_KEY)',
  },
  { name: 'CLICKHOUSE_CLIENT_KEY', default: '', doc: 'server mode: PEM key of the client certificate' },
  { name: 'CLICKHOUSE_REQUEST_TIMEOUT_MS', default: '30000', doc: 'server mode: timeout of one request to ClickHouse' },
  {
    name: 'CAIRN_CLICKHOUSE_CLUSTER',
    default: '',
    doc: 'server mode: cluster name; migrations create replicated, sharded tables ON CLUSTER',
  },
  {
    name: 'CAIRN_MIGRATE',
    default: '1',
    doc: '0 = never migrate at start; a role then refuses to start while migrations are pending',
  },
  { name: 'CAIRN_HOST', default: '127.0.0.1', doc: 'bind address' },
  { name: 'CAIRN_OTLP_PORT', default: '4318', doc: 'collector port (OTLP/HTTP, /healthz, /readyz, /metrics)' },
  { name: 'CAIRN_OTLP_GRPC_PORT', default: '4317', doc: 'collector port for OTLP/gRPC (TraceService/Export); off = no gRPC' },
  { name: 'CAIRN_HTTP_PORT', default: '4000', doc: 'API and dashboard port (/healthz, /readyz)' },
  { name: 'CAIRN_WORKER_PORT', default: '4001', doc: 'health routes of `cairn worker` (/healthz, /readyz)' },
  { name: 'CAIRN_INGEST_KEY', default: '', doc: "preset the default project's ingest key" },
  { name: 'CAIRN_ADMIN_KEY', default: '', doc: "preset the default project's admin key" },
  { name: 'CAIRN_RETENTION_DAYS', default: '', doc: 'TTL of raw spans (unset keeps them)' },
  { name: 'CAIRN_ALERT_INTERVAL_MS', default: '10000', doc: 'alert engine interval' },
  { name: 'CAIRN_WEBHOOK_ALLOW_PRIVATE', default: '0', doc: 'allow webhooks to private/loopback addresses' },
  { name: 'CAIRN_MAX_BODY_BYTES', default: '16777216', doc: 'largest OTLP body, compressed and decompressed' },
  { name: 'CAIRN_BATCH_MAX_ROWS', default: '20000', doc: 'batch writer: rows per insert' },
  { name: 'CAIRN_BATCH_MAX_MS', default: '1000', doc: 'batch writer: longest wait before an insert' },
  { name: 'CAIRN_INGEST_WORKERS', default: '1', doc: 'threads decoding OTLP requests; 0 = on the event loop' },
  {
    name: 'CAIRN_EMBEDDED_NICE',
    default: '10',
    doc: "embedded store, Linux: nice value of chDB's and libuv's threads so the ingest path goes first while the writer keeps up; 0 = off",
  },
  {
    name: 'CAIRN_SPOOL_DIR',
    default: '<CAIRN_DATA_DIR>/spool',
    doc: "the collector's spool directory, locked: one collector per directory",
  },
  { name: 'CAIRN_SPOOL_MAX_BYTES', default: '1073741824', doc: 'spool size before 503 + Retry-After; 0 = no spool' },
  {
    name: 'CAIRN_SHUTDOWN_TIMEOUT_MS',
    default: '10000',
    doc: 'SIGTERM/SIGINT: time to stop accepting, drain and flush the spool',
  },
  { name: 'CAIRN_LOG_LEVEL', default: 'warn on a terminal, else info', doc: 'pino log level' },
  { name: 'CAIRN_LOG_FORMAT', default: 'pretty on a terminal, else json', doc: 'readable lines on stderr, or pino JSON' },
  { name: 'CAIRN_PUBLIC_OTLP_URL', default: '', doc: "the collector's address as users reach it (shown in the dashboard)" },
  { name: 'CAIRN_DASHBOARD_DIR', default: 'dashboard/dist', doc: 'dashboard files served by the API; off = API only' },
];

const SETTING_NAMES = new Set(SETTINGS.map((s) => s.name));

/** Whether `name` is a setting Cairn reads (deploy files must not set anything else with the prefixes). */
export function isSetting(name: string): boolean {
  return SETTING_NAMES.has(name);
}

function int(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CairnError('CAIRN_CONFIG_INVALID', `${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function bool(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').toLowerCase();
  if (raw === '' || raw === '0' || raw === 'false' || raw === 'no') return false;
  if (raw === '1' || raw === 'true' || raw === 'yes') return true;
  throw new CairnError('CAIRN_CONFIG_INVALID', `${name} must be 1/0 or true/false, got "${env[name]}"`);
}

function key(env: Env, name: string, prefix: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!raw.startsWith(prefix) || raw.length < prefix.length + 16) {
    throw new CairnError('CAIRN_CONFIG_INVALID', `${name} must start with "${prefix}" followed by at least 16 characters`);
  }
  return raw;
}

// The workspace's own build (`npm run build` puts it in dashboard/dist), seen from cli/dist or cli/src.
const BUILT_DASHBOARD = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));

function dashboardDir(env: Env): string | undefined {
  const raw = env.CAIRN_DASHBOARD_DIR;
  if (raw === 'off') return undefined;
  const dir = raw ? resolve(raw) : BUILT_DASHBOARD;
  if (existsSync(resolve(dir, 'index.html'))) return dir;
  if (raw) throw new CairnError('CAIRN_CONFIG_INVALID', `CAIRN_DASHBOARD_DIR has no index.html: "${raw}"`);
  return undefined;
}

function file(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const path = resolve(raw);
  if (!existsSync(path)) throw new CairnError('CAIRN_CONFIG_INVALID', `${name} names a file that does not exist: "${raw}"`);
  return path;
}

function clusterName(env: Env): string | undefined {
  const raw = env.CAIRN_CLICKHOUSE_CLUSTER;
  if (raw === undefined || raw === '') return undefined;
  // It is spliced into DDL (ON CLUSTER name): an identifier, nothing else.
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(raw)) {
    throw new CairnError('CAIRN_CONFIG_INVALID', `CAIRN_CLICKHOUSE_CLUSTER must be a cluster name, got "${raw}"`);
  }
  if (!env.CLICKHOUSE_URL)
    throw new CairnError('CAIRN_CONFIG_INVALID', 'CAIRN_CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL (a cluster is a server)');
  return raw;
}

export function loadConfig(env: Env = process.env): CairnConfig {
  const retention = env.CAIRN_RETENTION_DAYS ? int(env, 'CAIRN_RETENTION_DAYS', 0, 1, 36_500) : undefined;
  const dataDir = resolve(env.CAIRN_DATA_DIR || './.cairn');
  const spoolMaxBytes = int(env, 'CAIRN_SPOOL_MAX_BYTES', 1024 ** 3);
  if (spoolMaxBytes > 0 && spoolMaxBytes < 1024 * 1024) {
    throw new CairnError(
      'CAIRN_CONFIG_INVALID',
      `CAIRN_SPOOL_MAX_BYTES must be 0 (no spool) or at least 1048576, got "${spoolMaxBytes}"`,
    );
  }
  return {
    host: env.CAIRN_HOST || '127.0.0.1',
    otlpPort: int(env, 'CAIRN_OTLP_PORT', 4318, 0, 65_535),
    otlpGrpcPort: env.CAIRN_OTLP_GRPC_PORT === 'off' ? undefined : int(env, 'CAIRN_OTLP_GRPC_PORT', 4317, 0, 65_535),
    httpPort: int(env, 'CAIRN_HTTP_PORT', 4000, 0, 65_535),
    publicOtlpUrl: publicOtlpUrl(env),
    store: {
      dataDir,
      clickhouseUrl: env.CLICKHOUSE_URL || undefined,
      clickhouseUser: env.CLICKHOUSE_USER || undefined,
      clickhousePassword: env.CLICKHOUSE_PASSWORD || undefined,
      clickhouseDatabase: env.CLICKHOUSE_DATABASE || undefined,
      clickhouseCaCert: file(env, 'CLICKHOUSE_CA_CERT'),
      clickhouseClientCert: file(env, 'CLICKHOUSE_CLIENT_CERT'),
      clickhouseClientKey: file(env, 'CLICKHOUSE_CLIENT_KEY'),
      clickhouseRequestTimeoutMs: int(env, 'CLICKHOUSE_REQUEST_TIMEOUT_MS', 30_000, 100),
      cluster: clusterName(env),
      retentionDays: retention,
    },
    ingestKey: key(env, 'CAIRN_INGEST_KEY', 'cairn_ik_'),
    adminKey: key(env, 'CAIRN_ADMIN_KEY', 'cairn_ak_'),
    alertIntervalMs: int(env, 'CAIRN_ALERT_INTERVAL_MS', 10_000, 100),
    webhookAllowPrivate: bool(env, 'CAIRN_WEBHOOK_ALLOW_PRIVATE'),
    maxBodyBytes: int(env, 'CAIRN_MAX_BODY_BYTES', 16 * 1024 * 1024, 1024),
    batchMaxRows: int(env, 'CAIRN_BATCH_MAX_ROWS', 20_000, 1),
    batchMaxMs: int(env, 'CAIRN_BATCH_MAX_MS', 1000, 1),
    ingestWorkers: int(env, 'CAIRN_INGEST_WORKERS', 1, 0, 16),
    yieldNice: int(env, 'CAIRN_EMBEDDED_NICE', 10, 0, 19),
    // One spool per collector, locked (collector/src/pipeline/spool-lock.ts): scaled-out collectors each get their own.
    spoolDir: spoolMaxBytes > 0 ? resolve(env.CAIRN_SPOOL_DIR || resolve(dataDir, 'spool')) : undefined,
    spoolMaxBytes,
    workerPort: int(env, 'CAIRN_WORKER_PORT', 4001, 0, 65_535),
    shutdownTimeoutMs: int(env, 'CAIRN_SHUTDOWN_TIMEOUT_MS', 10_000, 100),
    migrate: env.CAIRN_MIGRATE === undefined || env.CAIRN_MIGRATE === '' ? true : bool(env, 'CAIRN_MIGRATE'),
    ...logSettings(env, process.stdout.isTTY === true),
    dashboardDir: dashboardDir(env),
  };
}
