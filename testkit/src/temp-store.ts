import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropDatabase, openStore, type OpenStoreOptions, type Store, type StoreConfig } from '@cairn/storage';

/** A fresh temporary directory for an embedded store; removed by the returned function. */
export function tempDataDir(prefix = 'cairn-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The store a test opens: embedded chDB in `dir`, or — when CLICKHOUSE_URL is set — a ClickHouse
 * server (server mode runs the same SQL; point CLICKHOUSE_DATABASE at an empty database).
 */
export function testStoreConfig(dir: string): StoreConfig {
  const env = process.env;
  return {
    dataDir: dir,
    clickhouseUrl: env.CLICKHOUSE_URL || undefined,
    clickhouseUser: env.CLICKHOUSE_USER || undefined,
    clickhousePassword: env.CLICKHOUSE_PASSWORD || undefined,
    clickhouseDatabase: env.CLICKHOUSE_DATABASE || undefined,
    clickhouseCaCert: env.CLICKHOUSE_CA_CERT || undefined,
    clickhouseClientCert: env.CLICKHOUSE_CLIENT_CERT || undefined,
    clickhouseClientKey: env.CLICKHOUSE_CLIENT_KEY || undefined,
    cluster: env.CAIRN_CLICKHOUSE_CLUSTER || undefined,
  };
}

/** Whether the suite runs against a ClickHouse server (CLICKHOUSE_URL set) rather than embedded chDB. */
export const SERVER_MODE = Boolean(process.env.CLICKHOUSE_URL);

/**
 * A fresh store for one test file: embedded chDB in a new temporary directory, or — with
 * CLICKHOUSE_URL — a new database on that server (`<CLICKHOUSE_DATABASE or cairn_test>_<random>`,
 * created by the migration and dropped by `cleanup`), so files never see each other's rows.
 */
export async function openTestStore(
  opts: OpenStoreOptions = {},
  prefix = 'cairn-test-',
): Promise<{ store: Store; config: StoreConfig; cleanup: () => Promise<void> }> {
  const tmp = tempDataDir(prefix);
  const config = testStoreConfig(tmp.dir);
  if (config.clickhouseUrl) {
    config.clickhouseDatabase = `${config.clickhouseDatabase ?? 'cairn_test'}_${randomBytes(4).toString('hex')}`;
  }
  const store = await openStore(config, opts);
  return {
    store,
    config,
    async cleanup() {
      await store.close();
      await dropDatabase(config);
      tmp.cleanup();
    },
  };
}
