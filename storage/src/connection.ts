import { isAscii } from 'node:buffer';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import type { ChdbConnection } from 'chdb/connection';
import { CairnError } from '@cairn/schemas';
import { CLUSTER_SETTINGS } from './cluster.js';
import type { StoreConfig } from './config.js';
import { abortOption } from './statement-scope.js';

/**
 * The only place that knows how Cairn reaches ClickHouse. Embedded mode plugs chDB into
 * `@clickhouse/client` (marked experimental upstream, so it stays here); server mode uses the
 * client's HTTP transport. Everything above this file sees the same two clients.
 */
export interface Connections {
  mode: 'embedded' | 'server';
  /** For queries. In embedded mode a separate chDB connection: one connection runs one query at a time. */
  read: ClickHouseClient;
  /** For inserts, commands and migrations. */
  write: ClickHouseClient;
  /** Inserts a pre-encoded body in one insert; `columns` names the order of compact formats. */
  insertRaw(
    table: string,
    body: Buffer,
    format: RawFormat,
    settings?: ClickHouseSettings,
    columns?: readonly string[],
  ): Promise<void>;
  close(): Promise<void>;
}

export type RawFormat = 'JSONEachRow' | 'JSONCompactEachRow';

const CLIENT_SETTINGS: ClickHouseSettings = {
  // Numbers read as JSON numbers; Cairn's UInt64 values (tokens, durations) stay far below 2^53.
  // Nanosecond timestamps are selected as strings explicitly where precision matters.
  output_format_json_quote_64bit_integers: 0,
  date_time_input_format: 'best_effort',
};

/**
 * Opens the two clients. chDB (a 540 MB native library) is imported only here, in embedded
 * mode: a server-mode process never loads it, and the server image does not ship it.
 */
export async function openConnections(config: StoreConfig): Promise<Connections> {
  if (config.clickhouseUrl) return openServer(config);
  return openEmbedded(config);
}

async function openEmbedded(config: StoreConfig): Promise<Connections> {
  const path = resolve(config.dataDir);
  mkdirSync(path, { recursive: true });
  let createChdbConnection: typeof import('chdb/connection').createChdbConnection;
  try {
    ({ createChdbConnection } = await import('chdb/connection'));
  } catch (err) {
    throw new CairnError(
      'CAIRN_STORAGE_UNAVAILABLE',
      `embedded mode needs the chdb package, which is not installed here (a server image?): set CLICKHOUSE_URL or install chdb (${(err as Error).message})`,
      { cause: err },
    );
  }
  let writeConn: ChdbConnection;
  let readConn: ChdbConnection;
  try {
    writeConn = createChdbConnection({ path });
    readConn = createChdbConnection({ path });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // chDB reports a held directory either as "Cannot lock file …/status" or, from its second
    // layer, as a bare "Failed to create connection": the status file tells the two apart.
    if (/lock/i.test(msg) || existsSync(resolve(path, 'status'))) {
      throw new CairnError('CAIRN_STORE_LOCKED', `another process is using the data directory ${path} (${msg})`, { cause: err });
    }
    throw new CairnError('CAIRN_STORAGE_UNAVAILABLE', `cannot open embedded ClickHouse at ${path}: ${msg}`, { cause: err });
  }
  const write = createClient({ connection: asClientConnection(writeConn), clickhouse_settings: CLIENT_SETTINGS });
  const read = createClient({ connection: asClientConnection(readConn), clickhouse_settings: CLIENT_SETTINGS });
  return {
    mode: 'embedded',
    read,
    write,
    async insertRaw(table, body, format, settings, columns) {
      // rawInsert hands the buffer to chDB's parallel parser without a copy: measured about 2x
      // the rows/s of client.insert and no long event-loop stall (measured when chDB was chosen).
      await writeConn.chdb.rawInsert({
        table,
        values: body,
        format,
        settings: toPlainSettings(settings),
        ...(columns ? { columns } : {}),
      });
    },
    async close() {
      await write.close();
      await read.close();
    },
  };
}

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/** chdb types its connection against `@clickhouse/client-common`, which the client now bundles: same shape, two declarations. */
function asClientConnection(conn: ChdbConnection): ClientConnection {
  return conn as unknown as ClientConnection;
}

/** The client options of server mode (exported for `ensureDatabase` and tests). */
export function serverClientOptions(config: StoreConfig, database = config.clickhouseDatabase ?? 'default') {
  const read = (file: string | undefined, name: string): Buffer | undefined => {
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new CairnError('CAIRN_CONFIG_INVALID', `${name}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  const ca = read(config.clickhouseCaCert, 'CLICKHOUSE_CA_CERT');
  const cert = read(config.clickhouseClientCert, 'CLICKHOUSE_CLIENT_CERT');
  const key = read(config.clickhouseClientKey, 'CLICKHOUSE_CLIENT_KEY');
  if ((cert === undefined) !== (key === undefined)) {
    throw new CairnError('CAIRN_CONFIG_INVALID', 'CLICKHOUSE_CLIENT_CERT and CLICKHOUSE_CLIENT_KEY go together (mutual TLS)');
  }
  if (cert && !ca)
    throw new CairnError('CAIRN_CONFIG_INVALID', 'mutual TLS (CLICKHOUSE_CLIENT_CERT) needs CLICKHOUSE_CA_CERT too');
  return {
    url: config.clickhouseUrl,
    username: config.clickhouseUser ?? 'default',
    password: config.clickhousePassword ?? '',
    database,
    request_timeout: config.clickhouseRequestTimeoutMs ?? 30_000,
    clickhouse_settings: config.cluster ? { ...CLIENT_SETTINGS, ...CLUSTER_SETTINGS } : CLIENT_SETTINGS,
    ...(ca ? { tls: cert && key ? { ca_cert: ca, cert, key } : { ca_cert: ca } } : {}),
  };
}

/** Creates the configured database if missing (server mode; `ON CLUSTER` on a cluster). */
export async function ensureDatabase(config: StoreConfig): Promise<void> {
  await databaseCommand(config, 'CREATE DATABASE IF NOT EXISTS');
}

/** Drops the configured database of a ClickHouse server (test databases); embedded stores are directories. */
export async function dropDatabase(config: StoreConfig): Promise<void> {
  await databaseCommand(config, 'DROP DATABASE IF EXISTS');
}

/** Creates or drops the configured server database, connected to `default` (it may not exist yet). */
async function databaseCommand(
  config: StoreConfig,
  verb: 'CREATE DATABASE IF NOT EXISTS' | 'DROP DATABASE IF EXISTS',
): Promise<void> {
  const db = config.clickhouseDatabase ?? 'default';
  if (!config.clickhouseUrl || db === 'default') return;
  if (!/^\w+$/.test(db)) throw new CairnError('CAIRN_CONFIG_INVALID', `CLICKHOUSE_DATABASE must be an identifier, got "${db}"`);
  const client = createClient(serverClientOptions(config, 'default'));
  try {
    await client.command({ query: `${verb} ${db}${config.cluster ? ` ON CLUSTER ${config.cluster}` : ''}` });
  } finally {
    await client.close();
  }
}

function openServer(config: StoreConfig): Connections {
  const opts = serverClientOptions(config);
  const write = createClient(opts);
  const read = createClient(opts);
  return {
    mode: 'server',
    read,
    write,
    async insertRaw(table, body, format, settings, columns) {
      await write.insert({
        table,
        values: Readable.from([body]),
        format,
        ...(columns ? { columns: columns as [string, ...string[]] } : {}),
        ...(settings ? { clickhouse_settings: settings } : {}),
      });
    },
    async close() {
      await write.close();
      await read.close();
    },
  };
}

/** Output formats `queryText` may ask for: whole-document formats the caller parses itself. */
export type TextFormat = 'JSONCompact';

/**
 * A read query's whole answer as one string, for large answers (thousands of rows) that the
 * caller parses in one go. Compared with `ResultSet.json()` it skips the client's streaming
 * TextDecoder: an answer that is pure ASCII (ids, names, numbers — the usual case) is read as
 * latin1, a plain copy, which costs a small fraction of UTF-8 decoding at megabytes (measured
 * on a 1.6 MB replay answer); anything else is decoded as UTF-8 as before. `exec` is the
 * client's raw path in both modes (chDB hands back one buffer; HTTP streams chunks).
 */
export async function queryText(
  client: ClickHouseClient,
  sql: string,
  params: Record<string, unknown>,
  format: TextFormat,
): Promise<string> {
  const res = await client.exec({ query: `${sql}\nFORMAT ${format}`, query_params: params, ...abortOption() });
  const chunks: Buffer[] = [];
  for await (const chunk of res.stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  return textOf(bytes);
}

/** UTF-8 bytes as a string; ASCII takes the latin1 copy (the same characters, no decoding). */
export function textOf(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

function toPlainSettings(settings: ClickHouseSettings | undefined): Record<string, string | number | boolean> | undefined {
  if (!settings) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(settings)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}
