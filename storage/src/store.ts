import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { CairnError, SPAN_COLUMNS, type SpanRow } from '@cairn/schemas';
import type { StoreConfig } from './config.js';
import { ensureDatabase, openConnections } from './connection.js';
import { encodeJsonRows, encodeSpanRows, SPAN_INSERT_FORMAT, SPAN_INSERT_SETTINGS } from './encode.js';
import { applyRetention, migrate, pendingMigrations } from './migrations.js';
import { abortOption } from './statement-scope.js';

export interface InsertOptions {
  /**
   * Same token, same rows → written once, in `spans` and in every rollup fed from it. Give a
   * batch a token before its first attempt and keep it across retries and restarts.
   */
  dedupToken?: string;
}

export type QueryParams = Record<string, unknown>;

/**
 * Cairn's handle on ClickHouse, as other packages see it: the few write paths the collector
 * needs. Every statement is a typed function of this package taking the store; raw SQL is not
 * part of it (storage's own modules use `rawSql`, tests and bench/ `@cairn/storage/testing`).
 */
export interface Store {
  readonly mode: 'embedded' | 'server';
  insertSpans(rows: readonly SpanRow[], opts?: InsertOptions): Promise<void>;
  /** Inserts rows already encoded by `encodeSpanLines` (concatenated bodies are fine) in one insert. */
  insertSpanLines(body: Buffer, opts?: InsertOptions): Promise<void>;
  close(): Promise<void>;
}

/** Raw SQL on a store: storage's modules, and tests and bench/ through `@cairn/storage/testing`. */
export interface RawSql {
  /** Inserts small rows (configuration, alerts) into a table, as JSONEachRow. */
  insertRows(table: string, rows: readonly object[], opts?: InsertOptions): Promise<void>;
  /** Runs a read query with `{name:Type}` parameters and returns its rows. */
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Runs a statement with no result (DDL, ALTER) on the write connection. */
  command(sql: string, params?: QueryParams): Promise<void>;
}

/** The store as storage's own modules see it: raw SQL and its two clients (not exported from the package). */
export interface StoreWithClients extends Store, RawSql {
  readonly read: ClickHouseClient;
  readonly write: ClickHouseClient;
}

/** The raw clients of a store opened by `openStore` (copies made with `{ ...store }` keep them). */
export function clientsOf(store: Store): StoreWithClients {
  return store as StoreWithClients;
}

/**
 * Raw SQL on a store opened by `openStore` (or a `{ ...store }` copy): the methods are on the
 * object, only the exported `Store` type leaves them out, so other packages' src cannot reach
 * them without `@cairn/storage/testing`, which lint forbids there.
 */
export function rawSql(store: Store): RawSql {
  const raw = store as Partial<RawSql>;
  if (typeof raw.query !== 'function' || typeof raw.command !== 'function' || typeof raw.insertRows !== 'function') {
    throw new TypeError('rawSql: not a store opened by openStore');
  }
  return store as StoreWithClients;
}

export interface OpenStoreOptions {
  /**
   * Apply pending migrations and the retention TTL (default true). False (CAIRN_MIGRATE=0, a
   * deployment that runs `cairn migrate` as its own step) refuses to open a store with pending
   * migrations rather than run on a schema it does not know.
   */
  migrate?: boolean;
}

export async function openStore(config: StoreConfig, opts: OpenStoreOptions = {}): Promise<Store> {
  if (opts.migrate !== false) await ensureDatabase(config);
  const conn = await openConnections(config);
  try {
    if (opts.migrate !== false) {
      await migrate(conn.write, undefined, { cluster: config.cluster });
      await applyRetention(conn.write, config.retentionDays, config.cluster);
    } else {
      const pending = await pendingMigrations(conn.write);
      if (pending.length > 0) {
        throw new CairnError(
          'CAIRN_MIGRATION_PENDING',
          `${pending.length} migration(s) pending (${pending.map((m) => m.name).join(', ')}): run \`cairn migrate\` first (CAIRN_MIGRATE=0)`,
        );
      }
    }
  } catch (err) {
    await conn.close().catch(() => undefined);
    throw err;
  }
  const dedupSettings = (token: string | undefined): ClickHouseSettings | undefined =>
    token
      ? { insert_deduplicate: 1, insert_deduplication_token: token, deduplicate_blocks_in_dependent_materialized_views: 1 }
      : undefined;
  const spanSettings = (token: string | undefined): ClickHouseSettings => ({ ...SPAN_INSERT_SETTINGS, ...dedupSettings(token) });
  let closed = false;
  const store: StoreWithClients = {
    mode: conn.mode,
    read: conn.read,
    write: conn.write,
    async insertSpans(rows, o) {
      if (rows.length === 0) return;
      const body = await encodeSpanRows(rows);
      await conn.insertRaw('spans', body, SPAN_INSERT_FORMAT, spanSettings(o?.dedupToken), SPAN_COLUMNS);
    },
    async insertSpanLines(body, o) {
      if (body.length === 0) return;
      await conn.insertRaw('spans', body, SPAN_INSERT_FORMAT, spanSettings(o?.dedupToken), SPAN_COLUMNS);
    },
    async insertRows(table, rows, o) {
      if (rows.length === 0) return;
      await conn.insertRaw(table, encodeJsonRows(rows), 'JSONEachRow', dedupSettings(o?.dedupToken));
    },
    async query<T>(sql: string, params?: QueryParams) {
      const rs = await conn.read.query({
        query: sql,
        format: 'JSONEachRow',
        ...(params ? { query_params: params } : {}),
        ...abortOption(),
      });
      return rs.json<T>();
    },
    async command(sql: string, params?: QueryParams) {
      await conn.write.command({ query: sql, ...(params ? { query_params: params } : {}) });
    },
    async close() {
      if (closed) return;
      closed = true;
      await conn.close();
    },
  };
  return store;
}

/** A round trip to ClickHouse on the read connection (readiness probes). */
export async function pingStore(store: Store): Promise<void> {
  await rawSql(store).query('SELECT 1 AS ok');
}
