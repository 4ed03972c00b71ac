import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '@cairn/storage';

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
  };
}
