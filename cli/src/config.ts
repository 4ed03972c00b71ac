import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CairnError } from '@cairn/schemas';
import type { StoreConfig } from '@cairn/storage';
import { logSettings, type LogFormat } from './logging.js';
import { publicOtlpUrl } from './public-url.js';

/** Every setting of a Cairn process, read once from the environment at start (DESIGN §7). */
export interface CairnConfig {
  host: string;
  otlpPort: number;
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
  /**
   * The collector's durable spool (`<data dir>/spool`): a 200 means the spans are fsync'd there.
   * Undefined when CAIRN_SPOOL_MAX_BYTES=0 (in-memory queue only).
   */
  spoolDir: string | undefined;
  /** Spool bytes on disk before the collector answers 503 + Retry-After. */
  spoolMaxBytes: number;
  logLevel: string;
  /** `pretty` (readable lines on stderr; the default on a terminal) or `json` (pino, stdout). */
  logFormat: LogFormat;
  /** Built dashboard served by the API at `/`; undefined when it has not been built (API only). */
  dashboardDir: string | undefined;
}

type Env = Record<string, string | undefined>;

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
    httpPort: int(env, 'CAIRN_HTTP_PORT', 4000, 0, 65_535),
    publicOtlpUrl: publicOtlpUrl(env),
    store: {
      dataDir,
      clickhouseUrl: env.CLICKHOUSE_URL || undefined,
      clickhouseUser: env.CLICKHOUSE_USER || undefined,
      clickhousePassword: env.CLICKHOUSE_PASSWORD || undefined,
      clickhouseDatabase: env.CLICKHOUSE_DATABASE || undefined,
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
    // One spool per collector: embedded mode locks the data directory, so it is this process's.
    spoolDir: spoolMaxBytes > 0 ? resolve(dataDir, 'spool') : undefined,
    spoolMaxBytes,
    ...logSettings(env, process.stdout.isTTY === true),
    dashboardDir: dashboardDir(env),
  };
}
